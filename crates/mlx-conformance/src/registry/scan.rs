//! Scans: `cumsum`, `cumprod`, `cummax`, `cummin`, `logcumsumexp`.

use super::OpFn;

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[];
