//! Elementwise kernels: unary, binary, select, astype.

use crate::{unsupported, KResult};
use mlx_core::{BinaryOp, OpCall, UnaryOp};

pub fn unary(op: UnaryOp, call: &OpCall<'_>) -> KResult {
    let _ = op;
    Err(unsupported(
        call.primitive,
        "not yet implemented on the CPU",
    ))
}
pub fn binary(op: BinaryOp, call: &OpCall<'_>) -> KResult {
    let _ = op;
    Err(unsupported(
        call.primitive,
        "not yet implemented on the CPU",
    ))
}
pub fn select(call: &OpCall<'_>) -> KResult {
    Err(unsupported(
        call.primitive,
        "not yet implemented on the CPU",
    ))
}
pub fn astype(call: &OpCall<'_>) -> KResult {
    Err(unsupported(
        call.primitive,
        "not yet implemented on the CPU",
    ))
}
