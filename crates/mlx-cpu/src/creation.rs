//! Source kernels: arange, eye, tri.

use crate::num::{cast, Num};
use crate::strided::output;
use crate::{internal, KResult};
use mlx_core::{dispatch_dtype, HostBuffer, OpCall};

/// `start, start + step, ...` accumulated in the output type, as MLX does
/// (`step` is `T(start + step) - T(start)`).
pub fn arange(start: f64, step: f64, call: &OpCall<'_>) -> KResult {
    dispatch_dtype!(call.dtype, T => {
        let n = call.shape.first().copied().unwrap_or(0);
        let mut buf = HostBuffer::alloc(call.dtype, n);
        let out = buf.as_mut_slice::<T>().map_err(internal)?;
        let s: T = cast::<f64, T>(start);
        let d = cast::<f64, T>(start + step).sub(s);
        let mut v = s;
        for o in out.iter_mut() {
            *o = v;
            v = v.add(d);
        }
        Ok(output(buf, call.shape))
    })
}

fn matrix(call: &OpCall<'_>, one_at: impl Fn(i64, i64) -> bool) -> KResult {
    dispatch_dtype!(call.dtype, T => {
        let (r, c) = (call.shape[0], call.shape[1]);
        let mut buf = HostBuffer::alloc(call.dtype, r * c);
        let out = buf.as_mut_slice::<T>().map_err(internal)?;
        for (i, o) in out.iter_mut().enumerate() {
            let (row, col) = ((i / c.max(1)) as i64, (i % c.max(1)) as i64);
            *o = if one_at(row, col) { T::one() } else { T::zero() };
        }
        Ok(output(buf, call.shape))
    })
}

/// Ones on diagonal `k`.
pub fn eye(k: i64, call: &OpCall<'_>) -> KResult {
    matrix(call, |r, c| c - r == k)
}

/// Ones at and below diagonal `k`.
pub fn tri(k: i64, call: &OpCall<'_>) -> KResult {
    matrix(call, |r, c| c <= r + k)
}
