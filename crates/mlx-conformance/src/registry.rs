//! The one registry from MLX op names to calls into `mlx_ops`.
//!
//! Each entry reads MLX's parameters (by position or keyword, with MLX's
//! defaults) through [`Args`] and makes the equivalent `mlx_ops` call. This is
//! the single place to map an op: add a line to [`OPS`]. Map only ops whose
//! kernels exist, since the conformance test fails on every mismatch of a
//! mapped op.

use crate::args::{Arg, Args};
use crate::{Error, Result};
use mlx_ops::{random, Axes, Dtype, Operand, Scalar, Tensor};
use serde_json::Value;

/// What an op returned: one array, or a tuple/list of arrays (stored as
/// `<case>.<i>`).
#[derive(Clone, Debug)]
pub enum Out {
    /// A single array.
    One(Tensor),
    /// A tuple or list of arrays.
    Many(Vec<Tensor>),
}

impl Out {
    /// The arrays with the keys they are stored under.
    pub fn keyed(self, case: &str) -> Vec<(String, Tensor)> {
        match self {
            Out::One(t) => vec![(case.to_string(), t)],
            Out::Many(v) => v
                .into_iter()
                .enumerate()
                .map(|(i, t)| (format!("{case}.{i}"), t))
                .collect(),
        }
    }
}

/// A mapping: reads the arguments, builds the result.
pub type OpFn = fn(&mut Args) -> Result<Out>;

type R = mlx_ops::Result<Tensor>;

fn one(t: R) -> Result<Out> {
    Ok(Out::One(t?))
}

fn many(v: mlx_ops::Result<Vec<Tensor>>) -> Result<Out> {
    Ok(Out::Many(v?))
}

/// `op(a)`.
fn unary(a: &mut Args, f: fn(&Tensor) -> R) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    one(f(&x))
}

/// `op(a, b)` where either may be a weak Python scalar.
fn binary(a: &mut Args, f: fn(&Tensor, Operand) -> R) -> Result<Out> {
    let (x, y) = (a.operand(0, "a")?, a.operand(1, "b")?);
    one(f(&lhs_tensor(x, &y), y))
}

/// A left operand as a tensor: a weak scalar takes the other side's dtype
/// where its kind allows (MLX's rule for Python scalars).
fn lhs_tensor(x: Operand, y: &Operand) -> Tensor {
    match (x, y) {
        (Operand::Tensor(t), _) => t,
        (Operand::Scalar(s), Operand::Tensor(t)) => {
            Tensor::scalar_as(s, s.weak_dtype(t.dtype()))
        }
        (Operand::Scalar(s), Operand::Scalar(_)) => Tensor::scalar_as(s, s.default_dtype()),
    }
}

/// `op(a, axis=None, keepdims=False)`.
fn reduce(a: &mut Args, f: fn(&Tensor, Axes, bool) -> R) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    let axes = a.axes(1, "axis")?;
    let keepdims = a.bool_or(2, "keepdims", false)?;
    one(f(&x, axes, keepdims))
}

/// `op(a, axis=None, keepdims=False, ddof=0)`.
fn moment(a: &mut Args, f: fn(&Tensor, Axes, bool, usize) -> R) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    let axes = a.axes(1, "axis")?;
    let keepdims = a.bool_or(2, "keepdims", false)?;
    let ddof = a.int_or(3, "ddof", 0)?;
    let ddof = usize::try_from(ddof).map_err(|_| a.error("ddof", "must be non-negative"))?;
    one(f(&x, axes, keepdims, ddof))
}

/// `op(a, axis=None, keepdims=False)` with a single optional axis.
fn arg_reduce(a: &mut Args, f: fn(&Tensor, Option<i64>, bool) -> R) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    let axis = a.axis_opt(1, "axis")?;
    let keepdims = a.bool_or(2, "keepdims", false)?;
    one(f(&x, axis, keepdims))
}

/// `op(*arys)`: one array for one argument, a list otherwise.
fn atleast(a: &mut Args, f: fn(&Tensor) -> R) -> Result<Out> {
    let ts = a.rest_tensors(0, "arys")?;
    if ts.len() == 1 {
        return one(f(&ts[0]));
    }
    many(ts.iter().map(f).collect())
}

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

fn refs(v: &[Tensor]) -> Vec<&Tensor> {
    v.iter().collect()
}

/// Every mapped op, by MLX name.
pub static OPS: &[(&str, OpFn)] = &[
    // ---- creation
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
    ("zeros_like", |a| filled_like(a, Tensor::zeros_like, Tensor::zeros)),
    ("ones_like", |a| filled_like(a, Tensor::ones_like, Tensor::ones)),
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
    // ---- unary
    ("abs", |a| unary(a, Tensor::abs)),
    ("negative", |a| unary(a, Tensor::negative)),
    ("sign", |a| unary(a, Tensor::sign)),
    ("square", |a| unary(a, Tensor::square)),
    ("sqrt", |a| unary(a, Tensor::sqrt)),
    ("rsqrt", |a| unary(a, Tensor::rsqrt)),
    ("reciprocal", |a| unary(a, Tensor::reciprocal)),
    ("exp", |a| unary(a, Tensor::exp)),
    ("expm1", |a| unary(a, Tensor::expm1)),
    ("log", |a| unary(a, Tensor::log)),
    ("log1p", |a| unary(a, Tensor::log1p)),
    ("log2", |a| unary(a, Tensor::log2)),
    ("log10", |a| unary(a, Tensor::log10)),
    ("sin", |a| unary(a, Tensor::sin)),
    ("cos", |a| unary(a, Tensor::cos)),
    ("tan", |a| unary(a, Tensor::tan)),
    ("arcsin", |a| unary(a, Tensor::arcsin)),
    ("arccos", |a| unary(a, Tensor::arccos)),
    ("arctan", |a| unary(a, Tensor::arctan)),
    ("sinh", |a| unary(a, Tensor::sinh)),
    ("cosh", |a| unary(a, Tensor::cosh)),
    ("tanh", |a| unary(a, Tensor::tanh)),
    ("arcsinh", |a| unary(a, Tensor::arcsinh)),
    ("arccosh", |a| unary(a, Tensor::arccosh)),
    ("arctanh", |a| unary(a, Tensor::arctanh)),
    ("sigmoid", |a| unary(a, Tensor::sigmoid)),
    ("erf", |a| unary(a, Tensor::erf)),
    ("erfinv", |a| unary(a, Tensor::erfinv)),
    ("floor", |a| unary(a, Tensor::floor)),
    ("ceil", |a| unary(a, Tensor::ceil)),
    ("round", |a| {
        let x = a.tensor(0, "a")?;
        let d = a.int_or(1, "decimals", 0)?;
        let d = i32::try_from(d).map_err(|_| a.error("decimals", "out of range"))?;
        one(x.round(d))
    }),
    ("trunc", |a| unary(a, Tensor::trunc)),
    ("degrees", |a| unary(a, Tensor::degrees)),
    ("radians", |a| unary(a, Tensor::radians)),
    ("conjugate", |a| unary(a, Tensor::conjugate)),
    ("real", |a| unary(a, Tensor::real)),
    ("imag", |a| unary(a, Tensor::imag)),
    ("isnan", |a| unary(a, Tensor::isnan)),
    ("isinf", |a| unary(a, Tensor::isinf)),
    ("isposinf", |a| unary(a, Tensor::isposinf)),
    ("isneginf", |a| unary(a, Tensor::isneginf)),
    ("isfinite", |a| unary(a, Tensor::isfinite)),
    ("logical_not", |a| unary(a, Tensor::logical_not)),
    ("bitwise_invert", |a| unary(a, Tensor::bitwise_invert)),
    ("stop_gradient", |a| unary(a, Tensor::stop_gradient)),
    // ---- binary
    ("add", |a| binary(a, |x, y| x.add(y))),
    ("subtract", |a| binary(a, |x, y| x.subtract(y))),
    ("multiply", |a| binary(a, |x, y| x.multiply(y))),
    ("divide", |a| binary(a, |x, y| x.divide(y))),
    ("floor_divide", |a| binary(a, |x, y| x.floor_divide(y))),
    ("remainder", |a| binary(a, |x, y| x.remainder(y))),
    ("divmod", |a| {
        let (x, y) = (a.operand(0, "a")?, a.operand(1, "b")?);
        let (q, r) = lhs_tensor(x, &y).divmod(y)?;
        Ok(Out::Many(vec![q, r]))
    }),
    ("power", |a| binary(a, |x, y| x.power(y))),
    ("maximum", |a| binary(a, |x, y| x.maximum(y))),
    ("minimum", |a| binary(a, |x, y| x.minimum(y))),
    ("arctan2", |a| binary(a, |x, y| x.arctan2(y))),
    ("logaddexp", |a| binary(a, |x, y| x.logaddexp(y))),
    ("equal", |a| binary(a, |x, y| x.equal(y))),
    ("not_equal", |a| binary(a, |x, y| x.not_equal(y))),
    ("less", |a| binary(a, |x, y| x.less(y))),
    ("less_equal", |a| binary(a, |x, y| x.less_equal(y))),
    ("greater", |a| binary(a, |x, y| x.greater(y))),
    ("greater_equal", |a| binary(a, |x, y| x.greater_equal(y))),
    ("logical_and", |a| binary(a, |x, y| x.logical_and(y))),
    ("logical_or", |a| binary(a, |x, y| x.logical_or(y))),
    ("logical_xor", |a| binary(a, |x, y| x.logical_xor(y))),
    ("bitwise_and", |a| binary(a, |x, y| x.bitwise_and(y))),
    ("bitwise_or", |a| binary(a, |x, y| x.bitwise_or(y))),
    ("bitwise_xor", |a| binary(a, |x, y| x.bitwise_xor(y))),
    ("left_shift", |a| binary(a, |x, y| x.left_shift(y))),
    ("right_shift", |a| binary(a, |x, y| x.right_shift(y))),
    ("where", |a| {
        let c = a.tensor(0, "condition")?;
        let x = a.operand(1, "x")?;
        let y = a.operand(2, "y")?;
        one(c.where_(x, y))
    }),
    ("clip", |a| {
        let x = a.tensor(0, "a")?;
        let lo = a.operand_opt(1, "a_min")?;
        let hi = a.operand_opt(2, "a_max")?;
        one(x.clip(lo, hi))
    }),
    ("isclose", |a| close(a, Tensor::isclose)),
    ("allclose", |a| close(a, Tensor::allclose)),
    ("array_equal", |a| {
        let x = a.tensor(0, "a")?;
        let y = a.tensor(1, "b")?;
        let equal_nan = a.bool_or(2, "equal_nan", false)?;
        one(x.array_equal(&y, equal_nan))
    }),
    // ---- reductions
    ("sum", |a| reduce(a, |x, ax, k| x.sum(ax, k))),
    ("prod", |a| reduce(a, |x, ax, k| x.prod(ax, k))),
    ("max", |a| reduce(a, |x, ax, k| x.max(ax, k))),
    ("min", |a| reduce(a, |x, ax, k| x.min(ax, k))),
    ("all", |a| reduce(a, |x, ax, k| x.all(ax, k))),
    ("any", |a| reduce(a, |x, ax, k| x.any(ax, k))),
    ("mean", |a| reduce(a, |x, ax, k| x.mean(ax, k))),
    ("logsumexp", |a| reduce(a, |x, ax, k| x.logsumexp(ax, k))),
    ("var", |a| moment(a, |x, ax, k, d| x.var(ax, k, d))),
    ("std", |a| moment(a, |x, ax, k, d| x.std(ax, k, d))),
    ("argmax", |a| arg_reduce(a, Tensor::argmax)),
    ("argmin", |a| arg_reduce(a, Tensor::argmin)),
    // ---- shape
    ("reshape", |a| {
        let x = a.tensor(0, "a")?;
        let shape = a.ints(1, "shape")?;
        one(x.reshape(&shape))
    }),
    ("flatten", |a| {
        let x = a.tensor(0, "a")?;
        let s = a.int_or(1, "start_axis", 0)?;
        let e = a.int_or(2, "end_axis", -1)?;
        one(x.flatten(s, e))
    }),
    ("unflatten", |a| {
        let x = a.tensor(0, "a")?;
        let axis = a.int(1, "axis")?;
        let shape = a.ints(2, "shape")?;
        one(x.unflatten(axis, &shape))
    }),
    ("transpose", |a| permute(a, Tensor::transpose)),
    ("permute_dims", |a| permute(a, Tensor::permute_dims)),
    ("swapaxes", |a| {
        let x = a.tensor(0, "a")?;
        let (i, j) = (a.int(1, "axis1")?, a.int(2, "axis2")?);
        one(x.swapaxes(i, j))
    }),
    ("moveaxis", |a| {
        let x = a.tensor(0, "a")?;
        let (s, d) = (a.int(1, "source")?, a.int(2, "destination")?);
        one(x.moveaxis(s, d))
    }),
    ("expand_dims", |a| {
        let x = a.tensor(0, "a")?;
        let axes = a.ints(1, "axis")?;
        one(x.expand_dims(axes))
    }),
    ("squeeze", |a| {
        let x = a.tensor(0, "a")?;
        let axes = a.axes(1, "axis")?;
        one(x.squeeze(axes))
    }),
    ("broadcast_to", |a| {
        let x = a.tensor(0, "a")?;
        let shape = a.shape(1, "shape")?;
        one(x.broadcast_to(&shape))
    }),
    ("broadcast_arrays", |a| {
        let ts = a.rest_tensors(0, "arrays")?;
        many(mlx_ops::broadcast_arrays(&refs(&ts)))
    }),
    ("atleast_1d", |a| atleast(a, Tensor::atleast_1d)),
    ("atleast_2d", |a| atleast(a, Tensor::atleast_2d)),
    ("atleast_3d", |a| atleast(a, Tensor::atleast_3d)),
    ("concatenate", |a| {
        let ts = a.tensors(0, "arrays")?;
        match a.opt_raw(1, "axis")? {
            // axis=None joins the flattened arrays
            Some(Arg::Value(Value::Null)) => {
                let flat: Vec<Tensor> = ts.iter().map(|t| t.reshape(&[-1])).collect::<mlx_ops::Result<_>>()?;
                one(mlx_ops::concatenate(&refs(&flat), 0))
            }
            Some(ax) => {
                let ax = a.to_int("axis", &ax)?;
                one(mlx_ops::concatenate(&refs(&ts), ax))
            }
            None => one(mlx_ops::concatenate(&refs(&ts), 0)),
        }
    }),
    ("stack", |a| {
        let ts = a.tensors(0, "arrays")?;
        let axis = a.int_or(1, "axis", 0)?;
        one(mlx_ops::stack(&refs(&ts), axis))
    }),
    ("split", |a| {
        let x = a.tensor(0, "a")?;
        let ios = a.req(1, "indices_or_sections")?;
        let axis = a.int_or(2, "axis", 0)?;
        match ios {
            Arg::List(_) => {
                let idx = a.to_ints("indices_or_sections", &ios)?;
                many(x.split_at(&idx, axis))
            }
            n => {
                let n = a.to_int("indices_or_sections", &n)?;
                let n = usize::try_from(n)
                    .map_err(|_| a.error("indices_or_sections", "must be non-negative"))?;
                many(x.split(n, axis))
            }
        }
    }),
    ("pad", pad),
    // ---- indexing
    ("slice", slice),
    // ---- linalg
    ("matmul", |a| {
        let x = a.tensor(0, "a")?;
        let y = a.tensor(1, "b")?;
        one(x.matmul(&y))
    }),
    // ---- nn
    ("softmax", |a| {
        let x = a.tensor(0, "a")?;
        let axes = a.axes(1, "axis")?;
        let precise = a.bool_or(2, "precise", false)?;
        one(x.softmax(axes, precise))
    }),
    ("log_softmax", |a| {
        let x = a.tensor(0, "a")?;
        let axes = a.axes(1, "axis")?;
        one(x.log_softmax(axes))
    }),
    // ---- random
    ("random.key", |a| {
        let seed = a.int(0, "seed")?;
        let seed = u64::try_from(seed).map_err(|_| a.error("seed", "must be non-negative"))?;
        one(Ok(random::key(seed)))
    }),
    ("random.split", |a| {
        let key = a.tensor(0, "key")?;
        let num = a.size_opt(1, "num")?.unwrap_or(2);
        one(random::split(&key, num))
    }),
    ("random.uniform", |a| {
        let low = a.operand_or(0, "low", Scalar::Int(0))?;
        let high = a.operand_or(1, "high", Scalar::Int(1))?;
        let shape = a.shape_or(2, "shape", &[])?;
        let dtype = a.dtype_opt(3, "dtype")?;
        let key = a.tensor_opt(4, "key")?;
        one(random::uniform(low, high, &shape, dtype, key.as_ref()))
    }),
    ("random.normal", |a| {
        let shape = a.shape_or(0, "shape", &[])?;
        let dtype = a.dtype_opt(1, "dtype")?;
        let loc = a.float_or(2, "loc", 0.0)?;
        let scale = a.float_or(3, "scale", 1.0)?;
        let key = a.tensor_opt(4, "key")?;
        one(random::normal(&shape, dtype, loc, scale, key.as_ref()))
    }),
    ("random.randint", |a| {
        let low = a.int(0, "low")?;
        let high = a.int(1, "high")?;
        let shape = a.shape_or(2, "shape", &[])?;
        let dtype = a.dtype_opt(3, "dtype")?;
        let key = a.tensor_opt(4, "key")?;
        one(random::randint(low, high, &shape, dtype, key.as_ref()))
    }),
    ("random.bernoulli", |a| {
        let p = a.operand_or(0, "p", Scalar::Float(0.5))?;
        let shape = a.shape_opt(1, "shape")?;
        let key = a.tensor_opt(2, "key")?;
        one(random::bernoulli(p, shape.as_deref(), key.as_ref()))
    }),
];

/// `isclose`/`allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False)`.
fn close(a: &mut Args, f: fn(&Tensor, &Tensor, f64, f64, bool) -> R) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    let y = a.tensor(1, "b")?;
    let rtol = a.float_or(2, "rtol", 1e-5)?;
    let atol = a.float_or(3, "atol", 1e-8)?;
    let equal_nan = a.bool_or(4, "equal_nan", false)?;
    one(f(&x, &y, rtol, atol, equal_nan))
}

/// `transpose`/`permute_dims(a, axes=None)`; `None` reverses the axes.
fn permute(a: &mut Args, f: fn(&Tensor, &[i64]) -> R) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    let axes = a.ints_opt(1, "axes")?.unwrap_or_default();
    one(f(&x, &axes))
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

/// `pad(a, pad_width, mode="constant", constant_values=0)`: `pad_width` is
/// an int (every axis), a `(before, after)` pair (every axis) or one pair
/// per axis.
fn pad(a: &mut Args) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    let pw = a.req(1, "pad_width")?;
    let mode = a.str_opt(2, "mode")?;
    if mode.as_deref().is_some_and(|m| m != "constant") {
        return Err(a.error("mode", "only mode=\"constant\" has a Rust API equivalent"));
    }
    let value = a.scalar_opt(3, "constant_values")?.unwrap_or(Scalar::Int(0));
    let width = |v: i64| {
        usize::try_from(v).map_err(|_| a.error("pad_width", format!("negative width {v}")))
    };
    let pair = |p: &[i64]| -> Result<(usize, usize)> {
        match p {
            [n] => Ok((width(*n)?, width(*n)?)),
            [b, e] => Ok((width(*b)?, width(*e)?)),
            _ => Err(a.error("pad_width", format!("{p:?} is not a (before, after) pair"))),
        }
    };
    let widths: Vec<(usize, usize)> = match &pw {
        Arg::List(l) if l.iter().any(|x| matches!(x, Arg::List(_))) => l
            .iter()
            .map(|p| pair(&a.to_ints("pad_width", p)?))
            .collect::<Result<_>>()?,
        p => vec![pair(&a.to_ints("pad_width", p)?)?; x.ndim()],
    };
    one(x.pad(&widths, value))
}

/// `slice(a, start_indices, axes, slice_size)`: MLX's dynamic slice, with
/// the start read from the (evaluated) index array and one size per axis.
fn slice(a: &mut Args) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    let starts = a.tensor(1, "start_indices")?;
    let axes = a.ints(2, "axes")?;
    let sizes = a.ints(3, "slice_size")?;
    let nd = x.ndim();
    if sizes.len() != nd {
        return Err(a.error("slice_size", format!("{} sizes for {nd} axes", sizes.len())));
    }
    let starts = starts.astype(Dtype::Int64)?.to_vec::<i64>()?;
    if starts.len() != axes.len() {
        return Err(a.error("axes", "one start index per axis is needed"));
    }
    let mut start = vec![0i64; nd];
    for (&ax, &s) in axes.iter().zip(&starts) {
        let i = if ax < 0 { ax + nd as i64 } else { ax };
        let i = usize::try_from(i)
            .ok()
            .filter(|&i| i < nd)
            .ok_or_else(|| a.error("axes", format!("axis {ax} out of range")))?;
        start[i] = s;
    }
    let stop: Vec<i64> = start.iter().zip(&sizes).map(|(s, n)| s + n).collect();
    one(x.slice(&start, &stop, &vec![1; nd]))
}

/// The mapping of an op name.
pub fn lookup(op: &str) -> Option<OpFn> {
    OPS.iter().find(|(n, _)| *n == op).map(|&(_, f)| f)
}

/// True when the registry maps `op`.
pub fn is_mapped(op: &str) -> bool {
    lookup(op).is_some()
}

/// Every mapped op name.
pub fn mapped_ops() -> impl Iterator<Item = &'static str> {
    OPS.iter().map(|&(n, _)| n)
}

/// Runs `op` on `args` (lazily: the result is not evaluated).
pub fn call(op: &str, mut args: Args) -> Result<Out> {
    let f = lookup(op).ok_or_else(|| Error::UnknownOp(op.to_string()))?;
    let out = f(&mut args)?;
    args.finish()?;
    Ok(out)
}
