//! Counter-based random bits (threefry2x32, as MLX).

use crate::{unsupported, KResult};
use mlx_core::OpCall;

pub fn random_bits(width: u8, call: &OpCall<'_>) -> KResult {
    let _ = width;
    Err(unsupported(
        call.primitive,
        "not yet implemented on the CPU",
    ))
}
