//! Matrix products and contractions.

use super::{one, Arg, OpFn, Tensor};

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
    ("matmul", |a| {
        let x = a.tensor(0, "a")?;
        let y = a.tensor(1, "b")?;
        one(x.matmul(&y))
    }),
    ("addmm", |a| {
        let c = a.tensor(0, "c")?;
        let x = a.tensor(1, "a")?;
        let y = a.tensor(2, "b")?;
        let alpha = a.float_or(3, "alpha", 1.0)?;
        let beta = a.float_or(4, "beta", 1.0)?;
        one(c.addmm(&x, &y, alpha, beta))
    }),
    ("inner", |a| {
        let x = a.tensor(0, "a")?;
        let y = a.tensor(1, "b")?;
        one(x.inner(&y))
    }),
    ("outer", |a| {
        let x = a.tensor(0, "a")?;
        let y = a.tensor(1, "b")?;
        one(x.outer(&y))
    }),
    ("tensordot", |a| {
        let x = a.tensor(0, "a")?;
        let y = a.tensor(1, "b")?;
        match a.opt(2, "axes")? {
            None => one(x.tensordot_n(&y, 2)),
            Some(Arg::List(l)) if l.len() == 2 => {
                let ax = a.to_ints("axes", &l[0])?;
                let bx = a.to_ints("axes", &l[1])?;
                one(x.tensordot(&y, &ax, &bx))
            }
            Some(n) => {
                let n = a.to_int("axes", &n)?;
                let n = usize::try_from(n)
                    .map_err(|_| a.error("axes", "must be greater or equal to 0"))?;
                one(x.tensordot_n(&y, n))
            }
        }
    }),
    ("einsum", |a| {
        let spec = a
            .str_opt(0, "subscripts")?
            .ok_or_else(|| a.error("subscripts", "missing required argument"))?;
        let ts = a.rest_tensors(1, "operands")?;
        let refs: Vec<&Tensor> = ts.iter().collect();
        one(mlx_ops::einsum(&spec, &refs))
    }),
    ("kron", |a| {
        let x = a.tensor(0, "a")?;
        let y = a.tensor(1, "b")?;
        one(x.kron(&y))
    }),
    ("vecdot", |a| {
        let x = a.tensor(0, "a")?;
        let y = a.tensor(1, "b")?;
        let axis = a.int_or(2, "axis", -1)?;
        one(x.vecdot(&y, axis))
    }),
];
