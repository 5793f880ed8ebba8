//! Fused normalisation: `RmsNorm` reads each row twice (sum of squares,
//! then scale) and writes it once, rows in parallel.

use crate::num::Num;
use crate::strided::{contiguous, output};
use crate::{internal, unsupported, KResult, PARALLEL_THRESHOLD};
use half::{bf16, f16};
use mlx_core::{Dtype, HostBuffer, OpCall};
use rayon::prelude::*;

/// `RmsNorm { eps }`: inputs `x` (`[..., d]`) and `w` (`[d]`), both of the
/// output dtype.
pub fn rms_norm(eps: f64, call: &OpCall<'_>) -> KResult {
    match call.dtype {
        Dtype::Float32 => typed::<f32>(eps, call),
        Dtype::Float16 => typed::<f16>(eps, call),
        Dtype::Bfloat16 => typed::<bf16>(eps, call),
        Dtype::Float64 => typed::<f64>(eps, call),
        d => Err(unsupported(
            call.primitive,
            format!("rms_norm needs a real float dtype, got {d}"),
        )),
    }
}

fn typed<T: Num>(eps: f64, call: &OpCall<'_>) -> KResult {
    let x = contiguous::<T>(&call.inputs[0])?;
    let w = contiguous::<T>(&call.inputs[1])?;
    let d = call.shape.last().copied().unwrap_or(1);
    let mut buf = HostBuffer::alloc(call.dtype, x.len());
    if d == 0 || x.is_empty() {
        return Ok(output(buf, call.shape));
    }
    if w.len() != d {
        return Err(crate::failed(format!(
            "rms_norm: weight of {} elements for rows of {d}",
            w.len()
        )));
    }
    let out = buf.as_mut_slice::<T>().map_err(internal)?;
    let eps = eps as f32;
    let row = |(dst, src): (&mut [T], &[T])| norm_row(src, &w, eps, dst);
    if x.len() > PARALLEL_THRESHOLD {
        out.par_chunks_mut(d).zip(x.par_chunks(d)).for_each(row);
    } else {
        out.chunks_mut(d).zip(x.chunks(d)).for_each(row);
    }
    Ok(output(buf, call.shape))
}

/// One row: `T((x / sqrt(mean(x²) + eps)) in f32) * w`, the product
/// rounded once in `T` (exact in f64 before rounding for every float type).
#[inline]
fn norm_row<T: Num>(src: &[T], w: &[T], eps: f32, dst: &mut [T]) {
    let f = |v: T| v.to_f64() as f32;
    let mut lanes = [0f32; 8];
    let chunks = src.chunks_exact(8);
    let rem = chunks.remainder();
    for c in chunks {
        for i in 0..8 {
            let v = f(c[i]);
            lanes[i] += v * v;
        }
    }
    let mut acc: f32 = lanes.iter().sum();
    for &v in rem {
        acc += f(v) * f(v);
    }
    let inv = 1.0 / (acc * (1.0 / src.len() as f32) + eps).sqrt();
    for ((o, &v), &g) in dst.iter_mut().zip(src).zip(w) {
        let y = T::from_f64((f(v) * inv) as f64);
        *o = T::from_f64(y.to_f64() * g.to_f64());
    }
}
