//! Sorting: `sort`, `argsort`, `partition`, `argpartition`, `topk`,
//! `median`, `unique`.

use super::{one, Arg, Args, OpFn, Out, Result, Tensor, Value, R};

/// `unique(a, size, return_index=False, return_inverse=False,
/// return_counts=False, fill_value=None)`: the values alone, or a tuple.
fn unique(a: &mut Args) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    let size = a.size(1, "size")?;
    let ri = a.bool_or(2, "return_index", false)?;
    let rv = a.bool_or(3, "return_inverse", false)?;
    let rc = a.bool_or(4, "return_counts", false)?;
    let fill = a.operand_opt(5, "fill_value")?;
    let u = x.unique(size, fill)?;
    if !(ri || rv || rc) {
        return Ok(Out::One(u.values));
    }
    let mut v = vec![u.values];
    for (want, t) in [(ri, u.index), (rv, u.inverse), (rc, u.counts)] {
        if want {
            v.push(t);
        }
    }
    Ok(Out::Many(v))
}

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
    ("unique", unique),
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
