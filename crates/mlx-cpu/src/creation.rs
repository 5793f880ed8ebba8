//! Source kernels: arange, eye, tri.

use crate::{unsupported, KResult};
use mlx_core::OpCall;

pub fn arange(start: f64, step: f64, call: &OpCall<'_>) -> KResult {
    let _ = (start, step);
    Err(unsupported(
        call.primitive,
        "not yet implemented on the CPU",
    ))
}
pub fn eye(k: i64, call: &OpCall<'_>) -> KResult {
    let _ = k;
    Err(unsupported(
        call.primitive,
        "not yet implemented on the CPU",
    ))
}
pub fn tri(k: i64, call: &OpCall<'_>) -> KResult {
    let _ = k;
    Err(unsupported(
        call.primitive,
        "not yet implemented on the CPU",
    ))
}
