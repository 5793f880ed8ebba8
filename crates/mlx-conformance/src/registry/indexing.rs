//! Indexing ops: `slice`, ...

use super::{one, Args, Dtype, OpFn, Out, Result};

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[("slice", slice)];

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
