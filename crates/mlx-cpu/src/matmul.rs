//! Batched matrix multiplication through the `gemm` crate.

use crate::{unsupported, KResult};
use mlx_core::OpCall;

pub fn matmul(call: &OpCall<'_>) -> KResult {
    Err(unsupported(
        call.primitive,
        "not yet implemented on the CPU",
    ))
}
