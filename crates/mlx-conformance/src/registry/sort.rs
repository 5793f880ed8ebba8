//! Sorting: `sort`, `argsort`, `partition`, `topk`, `unique`, ...

use super::OpFn;

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[];
