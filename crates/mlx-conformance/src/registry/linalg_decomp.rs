//! `mlx.core.linalg`: factorizations, inverses, solves, determinants, norms
//! and cross products.

use super::{many, one, Arg, Args, OpFn, Result, Tensor, Value};
use mlx_ops::linalg::{self, NormOrd};

/// `ord` of `linalg.norm`: None, a number, `"fro"`/`"nuc"`, or a
/// non-finite float (which arrives as its name, `"inf"` / `"-inf"`).
fn norm_ord(a: &mut Args) -> Result<Option<NormOrd>> {
    match a.opt(1, "ord")? {
        None => Ok(None),
        Some(Arg::Value(Value::String(s))) => match s.as_str() {
            "inf" => Ok(Some(NormOrd::P(f64::INFINITY))),
            "-inf" => Ok(Some(NormOrd::P(f64::NEG_INFINITY))),
            s => Ok(Some(NormOrd::parse(s)?)),
        },
        Some(Arg::Value(Value::Number(n))) => n
            .as_f64()
            .map(|p| Some(NormOrd::P(p)))
            .ok_or_else(|| a.error("ord", "expected a number")),
        Some(other) => Err(a.error(
            "ord",
            format!("expected a number or a string, got {}", other.describe()),
        )),
    }
}

fn tuple2(r: mlx_ops::Result<(Tensor, Tensor)>) -> Result<super::Out> {
    many(r.map(|(x, y)| vec![x, y]))
}

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
    ("linalg.inv", |a| one(linalg::inv(&a.tensor(0, "a")?))),
    ("linalg.tri_inv", |a| {
        let x = a.tensor(0, "a")?;
        let upper = a.bool_or(1, "upper", false)?;
        one(linalg::tri_inv(&x, upper))
    }),
    ("linalg.pinv", |a| one(linalg::pinv(&a.tensor(0, "a")?))),
    ("linalg.cholesky", |a| {
        let x = a.tensor(0, "a")?;
        let upper = a.bool_or(1, "upper", false)?;
        one(linalg::cholesky(&x, upper))
    }),
    ("linalg.cholesky_inv", |a| {
        let x = a.tensor(0, "a")?;
        let upper = a.bool_or(1, "upper", false)?;
        one(linalg::cholesky_inv(&x, upper))
    }),
    ("linalg.qr", |a| tuple2(linalg::qr(&a.tensor(0, "a")?))),
    ("linalg.svd", |a| {
        let x = a.tensor(0, "a")?;
        let uv = a.bool_or(1, "compute_uv", true)?;
        let out = linalg::svd(&x, uv)?;
        // MLX returns the lone singular values as an array, not a tuple
        if uv {
            many(Ok(out))
        } else {
            one(out
                .into_iter()
                .next()
                .ok_or_else(|| mlx_ops::Error::invalid("linalg::svd", "no output")))
        }
    }),
    ("linalg.eigh", |a| {
        let x = a.tensor(0, "a")?;
        let uplo = a.str_opt(1, "UPLO")?.unwrap_or_else(|| "L".into());
        tuple2(linalg::eigh(&x, &uplo))
    }),
    ("linalg.eigvalsh", |a| {
        let x = a.tensor(0, "a")?;
        let uplo = a.str_opt(1, "UPLO")?.unwrap_or_else(|| "L".into());
        one(linalg::eigvalsh(&x, &uplo))
    }),
    ("linalg.lu", |a| {
        let x = a.tensor(0, "a")?;
        many(linalg::lu(&x).map(|(p, l, u)| vec![p, l, u]))
    }),
    ("linalg.lu_factor", |a| {
        tuple2(linalg::lu_factor(&a.tensor(0, "a")?))
    }),
    ("linalg.det", |a| one(linalg::det(&a.tensor(0, "a")?))),
    ("linalg.slogdet", |a| {
        tuple2(linalg::slogdet(&a.tensor(0, "a")?))
    }),
    ("linalg.solve", |a| {
        let x = a.tensor(0, "a")?;
        let b = a.tensor(1, "b")?;
        one(linalg::solve(&x, &b))
    }),
    ("linalg.solve_triangular", |a| {
        let x = a.tensor(0, "a")?;
        let b = a.tensor(1, "b")?;
        let upper = a.bool_or(2, "upper", false)?;
        one(linalg::solve_triangular(&x, &b, upper))
    }),
    ("linalg.norm", |a| {
        let x = a.tensor(0, "a")?;
        let ord = norm_ord(a)?;
        let axes = a.ints_opt(2, "axis")?;
        let keepdims = a.bool_or(3, "keepdims", false)?;
        one(linalg::norm(&x, ord, axes.as_deref(), keepdims))
    }),
    ("linalg.cross", |a| {
        let x = a.tensor(0, "a")?;
        let y = a.tensor(1, "b")?;
        let axis = a.int_or(2, "axis", -1)?;
        one(linalg::cross(&x, &y, axis))
    }),
];
