//! Indexing ops: `slice`, `slice_update`, `take`, `take_along_axis`,
//! `put_along_axis`, `scatter`, `scatter_add`, `searchsorted`.

use super::{one, Arg, Args, Dtype, OpFn, Out, Result, Tensor, Value};

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
    ("slice", slice),
    ("slice_update", slice_update),
    ("take", |a| {
        let x = a.tensor(0, "a")?;
        let idx = a.tensor(1, "indices")?;
        let axis = a.axis_opt(2, "axis")?;
        one(x.take(&idx, axis))
    }),
    ("take_along_axis", |a| {
        let x = a.tensor(0, "a")?;
        let idx = a.tensor(1, "indices")?;
        let axis = match a.opt_raw(2, "axis")? {
            Some(Arg::Value(Value::Null)) => None,
            Some(ax) => Some(a.to_int("axis", &ax)?),
            None => Some(-1),
        };
        one(x.take_along_axis(&idx, axis))
    }),
    ("put_along_axis", |a| {
        let x = a.tensor(0, "a")?;
        let idx = a.tensor(1, "indices")?;
        let v = a.operand(2, "values")?;
        let axis = a.axis_opt(3, "axis")?;
        one(x.put_along_axis(&idx, v, axis))
    }),
    ("scatter", |a| scatter(a, false)),
    ("scatter_add", |a| scatter(a, true)),
    ("searchsorted", |a| {
        let s = a.tensor(0, "sorted_sequence")?;
        let v = a.tensor(1, "values")?;
        let right = match a.str_opt(2, "side")?.as_deref() {
            None | Some("left") => false,
            Some("right") => true,
            Some(o) => return Err(a.error("side", format!("invalid side '{o}'"))),
        };
        one(s.searchsorted(&v, right))
    }),
];

/// `scatter(a, indices, updates, axes)` and `scatter_add`: MLX's C++ ops
/// (one index array per axis, updates of shape `indices ++ window`).
fn scatter(a: &mut Args, add: bool) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    let idx = a.tensors(1, "indices")?;
    let upd = a.tensor(2, "updates")?;
    let axes = a.ints(3, "axes")?;
    let refs: Vec<&Tensor> = idx.iter().collect();
    if add {
        one(x.scatter_add(&refs, &upd, &axes))
    } else {
        one(x.scatter(&refs, &upd, &axes))
    }
}

/// `slice_update(a, update, start_indices, axes)`: the start read from the
/// (evaluated) index array, the size from `update`'s shape.
fn slice_update(a: &mut Args) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    let upd: Tensor = a.tensor(1, "update")?;
    let starts = a.tensor(2, "start_indices")?;
    let axes = a.ints(3, "axes")?;
    let nd = x.ndim();
    let starts = starts.astype(Dtype::Int64)?.to_vec::<i64>()?;
    if starts.len() != axes.len() {
        return Err(a.error("axes", "one start index per axis is needed"));
    }
    if upd.ndim() != nd {
        return Err(a.error("update", "update must have the array's rank"));
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
    let stop: Vec<i64> = start
        .iter()
        .zip(upd.shape())
        .map(|(s, &n)| s + n as i64)
        .collect();
    one(x.slice_update(&upd, &start, &stop, &vec![1; nd]))
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
