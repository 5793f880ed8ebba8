//! Scans: `cumsum`, `cumprod`, `cummax`, `cummin`, `logcumsumexp`.

use super::{one, Args, OpFn, Out, Result, Tensor, R};

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
    ("cumsum", |a| scan(a, true, Tensor::cumsum)),
    ("cumprod", |a| scan(a, true, Tensor::cumprod)),
    ("cummax", |a| scan(a, false, Tensor::cummax)),
    ("cummin", |a| scan(a, false, Tensor::cummin)),
    ("logcumsumexp", |a| scan(a, false, Tensor::logcumsumexp)),
];

/// Keyword-only parameters have no position.
const KW: usize = usize::MAX;

/// `op(a, axis=None, *, reverse=False, inclusive=True[, dtype=None])`.
fn scan(
    a: &mut Args,
    has_dtype: bool,
    f: fn(&Tensor, Option<i64>, bool, bool) -> R,
) -> Result<Out> {
    let mut x = a.tensor(0, "a")?;
    let axis = a.axis_opt(1, "axis")?;
    let reverse = a.bool_or(KW, "reverse", false)?;
    let inclusive = a.bool_or(KW, "inclusive", true)?;
    if has_dtype {
        if let Some(d) = a.dtype_opt(KW, "dtype")? {
            x = x.astype(d)?;
        }
    }
    one(f(&x, axis, reverse, inclusive))
}
