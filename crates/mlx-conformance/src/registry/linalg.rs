//! Matrix products.

use super::{one, OpFn};

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[("matmul", |a| {
    let x = a.tensor(0, "a")?;
    let y = a.tensor(1, "b")?;
    one(x.matmul(&y))
})];
