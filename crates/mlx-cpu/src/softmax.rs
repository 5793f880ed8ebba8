//! Softmax over the last axis.

use crate::{unsupported, KResult};
use mlx_core::OpCall;

pub fn softmax(precise: bool, call: &OpCall<'_>) -> KResult {
    let _ = precise;
    Err(unsupported(
        call.primitive,
        "not yet implemented on the CPU",
    ))
}
