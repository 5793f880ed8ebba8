//! Reductions and arg-reductions.

use super::{one, Args, Axes, OpFn, Out, Result, Tensor, R};

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
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
    ("count_nonzero", |a| {
        reduce(a, |x, ax, k| x.count_nonzero(ax, k))
    }),
    ("minmax", |a| {
        let x = a.tensor(0, "a")?;
        let axes = a.axes(1, "axis")?;
        let keepdims = a.bool_or(2, "keepdims", false)?;
        let (lo, hi) = x.minmax(axes, keepdims)?;
        Ok(Out::Many(vec![lo, hi]))
    }),
];

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
