//! Creation ops: `arange`, `linspace`, `zeros`, `full`, `eye`, `tril`,
//! `meshgrid`, `diag`, `trace`, ...

use super::{many, one, Args, Dtype, OpFn, Operand, Out, Result, Scalar, Tensor, R};

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
    ("arange", arange),
    ("linspace", linspace),
    ("zeros", |a| filled(a, Tensor::zeros)),
    ("ones", |a| filled(a, Tensor::ones)),
    ("full", |a| {
        let shape = a.shape(0, "shape")?;
        let vals = a.operand(1, "vals")?;
        let dtype = a.dtype_opt(2, "dtype")?;
        one(full_of(&shape, vals, dtype))
    }),
    ("zeros_like", |a| {
        filled_like(a, Tensor::zeros_like, Tensor::zeros)
    }),
    ("ones_like", |a| {
        filled_like(a, Tensor::ones_like, Tensor::ones)
    }),
    ("full_like", |a| {
        let x = a.tensor(0, "a")?;
        let vals = a.operand(1, "vals")?;
        let dtype = a.dtype_opt(2, "dtype")?;
        match (vals, dtype) {
            (Operand::Scalar(s), None) => one(x.full_like(s)),
            (vals, d) => one(full_of(x.shape(), vals, Some(d.unwrap_or(x.dtype())))),
        }
    }),
    ("eye", |a| {
        let n = a.size(0, "n")?;
        let m = a.size_opt(1, "m")?;
        let k = a.int_or(2, "k", 0)?;
        let dtype = a.dtype_opt(3, "dtype")?.unwrap_or(Dtype::Float32);
        one(Tensor::eye(n, m, k, dtype))
    }),
    ("identity", |a| {
        let n = a.size(0, "n")?;
        let dtype = a.dtype_opt(1, "dtype")?.unwrap_or(Dtype::Float32);
        one(Tensor::identity(n, dtype))
    }),
    ("tri", |a| {
        let n = a.size(0, "n")?;
        let m = a.size_opt(1, "m")?;
        let k = a.int_or(2, "k", 0)?;
        let dtype = a.dtype_opt(3, "dtype")?.unwrap_or(Dtype::Float32);
        one(Tensor::tri(n, m, k, dtype))
    }),
    ("tril", |a| {
        let x = a.tensor(0, "x")?;
        let k = a.int_or(1, "k", 0)?;
        one(x.tril(k))
    }),
    ("triu", |a| {
        let x = a.tensor(0, "x")?;
        let k = a.int_or(1, "k", 0)?;
        one(x.triu(k))
    }),
    ("meshgrid", |a| {
        let sparse = a.bool_or(usize::MAX, "sparse", false)?;
        let indexing = a.str_opt(usize::MAX, "indexing")?;
        let ts = a.rest_tensors(0, "arrays")?;
        let refs: Vec<&Tensor> = ts.iter().collect();
        many(mlx_ops::meshgrid(
            &refs,
            sparse,
            indexing.as_deref().unwrap_or("xy"),
        ))
    }),
    ("diag", |a| {
        let x = a.tensor(0, "a")?;
        let k = a.int_or(1, "k", 0)?;
        one(x.diag(k))
    }),
    ("diagonal", |a| {
        let x = a.tensor(0, "a")?;
        let offset = a.int_or(1, "offset", 0)?;
        let a1 = a.int_or(2, "axis1", 0)?;
        let a2 = a.int_or(3, "axis2", 1)?;
        one(x.diagonal(offset, a1, a2))
    }),
    ("trace", |a| {
        let x = a.tensor(0, "a")?;
        let offset = a.int_or(1, "offset", 0)?;
        let a1 = a.int_or(2, "axis1", 0)?;
        let a2 = a.int_or(3, "axis2", 1)?;
        let dtype = a.dtype_opt(4, "dtype")?;
        one(x.trace(offset, a1, a2, dtype))
    }),
];

/// `op(shape, dtype=float32)`.
fn filled(a: &mut Args, f: fn(&[usize], Dtype) -> R) -> Result<Out> {
    let shape = a.shape(0, "shape")?;
    let dtype = a.dtype_opt(1, "dtype")?.unwrap_or(Dtype::Float32);
    one(f(&shape, dtype))
}

/// `op_like(a, dtype=None)`: `like` keeps `a`'s dtype, `fill` makes another.
fn filled_like(
    a: &mut Args,
    like: fn(&Tensor) -> R,
    fill: fn(&[usize], Dtype) -> R,
) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    match a.dtype_opt(1, "dtype")? {
        None => one(like(&x)),
        Some(d) => one(fill(x.shape(), d)),
    }
}

/// `vals` broadcast to `shape`: a scalar through `Tensor::full`, an array
/// converted and broadcast.
fn full_of(shape: &[usize], vals: Operand, dtype: Option<Dtype>) -> R {
    match vals {
        Operand::Scalar(s) => Tensor::full(shape, s, dtype),
        Operand::Tensor(t) => t.astype(dtype.unwrap_or(t.dtype()))?.broadcast_to(shape),
    }
}

/// `arange(stop)`, `arange(start, stop[, step])`, `dtype=None`: float32
/// when any bound is a Python float, else int32 (the Rust API takes `f64`
/// bounds, so the float-ness of the literals decides the dtype here).
fn arange(a: &mut Args) -> Result<Out> {
    let p0 = a.scalar_opt(0, "start")?;
    let p1 = a.scalar_opt(1, "stop")?;
    let step = a.scalar_opt(2, "step")?.unwrap_or(Scalar::Int(1));
    let dtype = a.dtype_opt(3, "dtype")?;
    let (start, stop) = match (p0, p1) {
        (Some(s), Some(e)) => (s, e),
        (Some(e), None) => (Scalar::Int(0), e),
        _ => return Err(a.error("stop", "missing required argument")),
    };
    let any_float = [start, stop, step]
        .iter()
        .any(|s| matches!(s, Scalar::Float(_)));
    let dtype = dtype.or(any_float.then_some(Dtype::Float32));
    one(Tensor::arange(
        start.as_f64(),
        stop.as_f64(),
        step.as_f64(),
        dtype,
    ))
}

/// `linspace(start, stop, num=50, endpoint=True, dtype=float32)`.
fn linspace(a: &mut Args) -> Result<Out> {
    let start = a.float_or(0, "start", f64::NAN)?;
    let stop = a.float_or(1, "stop", f64::NAN)?;
    let num = a.size_opt(2, "num")?.unwrap_or(50);
    if !a.bool_or(3, "endpoint", true)? {
        return Err(a.error("endpoint", "endpoint=False has no Rust API equivalent"));
    }
    let dtype = a.dtype_opt(4, "dtype")?;
    one(Tensor::linspace(start, stop, num, dtype))
}
