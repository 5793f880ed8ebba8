//! Data-moving shape ops: concatenate and pad.

use crate::{unsupported, KResult};
use mlx_core::{OpCall, Scalar};

pub fn concatenate(axis: usize, call: &OpCall<'_>) -> KResult {
    let _ = axis;
    Err(unsupported(
        call.primitive,
        "not yet implemented on the CPU",
    ))
}
pub fn pad(low: &[usize], value: Scalar, call: &OpCall<'_>) -> KResult {
    let _ = (low, value);
    Err(unsupported(
        call.primitive,
        "not yet implemented on the CPU",
    ))
}
