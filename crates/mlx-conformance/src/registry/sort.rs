//! Sorting: `sort`, `argsort`, `partition`, `argpartition`, `topk`,
//! `median`.

use super::{one, Arg, Args, OpFn, Out, Result, Tensor, Value, R};

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
    ("sort", |a| {
        let x = a.tensor(0, "a")?;
        let axis = axis_or_last(a, 1)?;
        one(x.sort(axis))
    }),
    ("argsort", |a| {
        let x = a.tensor(0, "a")?;
        let axis = axis_or_last(a, 1)?;
        one(x.argsort(axis))
    }),
    ("partition", |a| with_k(a, "kth", Tensor::partition)),
    ("argpartition", |a| with_k(a, "kth", Tensor::argpartition)),
    ("topk", |a| with_k(a, "k", Tensor::topk)),
    ("median", |a| {
        let x = a.tensor(0, "a")?;
        let axes = a.axes(1, "axis")?;
        let keepdims = a.bool_or(2, "keepdims", false)?;
        one(x.median(axes, keepdims))
    }),
];

/// An `axis` parameter whose default is -1 and where `None` flattens.
fn axis_or_last(a: &mut Args, i: usize) -> Result<Option<i64>> {
    Ok(match a.opt_raw(i, "axis")? {
        Some(Arg::Value(Value::Null)) => None,
        Some(ax) => Some(a.to_int("axis", &ax)?),
        None => Some(-1),
    })
}

/// `op(a, k, axis=-1)`.
fn with_k(a: &mut Args, k: &str, f: fn(&Tensor, i64, Option<i64>) -> R) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    let k = a.int(1, k)?;
    let axis = axis_or_last(a, 2)?;
    one(f(&x, k, axis))
}
