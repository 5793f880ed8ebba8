//! Reductions over axes and arg-reductions.

use crate::{unsupported, KResult};
use mlx_core::{ArgReduceOp, OpCall, ReduceOp};

pub fn reduce(op: ReduceOp, axes: &[usize], call: &OpCall<'_>) -> KResult {
    let _ = (op, axes);
    Err(unsupported(
        call.primitive,
        "not yet implemented on the CPU",
    ))
}
pub fn arg_reduce(op: ArgReduceOp, axis: usize, call: &OpCall<'_>) -> KResult {
    let _ = (op, axis);
    Err(unsupported(
        call.primitive,
        "not yet implemented on the CPU",
    ))
}
