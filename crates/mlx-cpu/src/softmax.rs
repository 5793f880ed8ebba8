//! Softmax over the last axis: rows in parallel; per row one max pass, one
//! fused `exp(x - max)` and sum pass writing the output, one scale pass.

use crate::fast_math::exp_f32;
use crate::num::FloatMath;
use crate::strided::{contiguous, output};
use crate::{internal, unsupported, KResult, PARALLEL_THRESHOLD};
use half::{bf16, f16};
use mlx_core::{Dtype, HostBuffer, OpCall};
use rayon::prelude::*;

/// `Softmax { precise }` (half-precision rows always accumulate in f32).
pub fn softmax(_precise: bool, call: &OpCall<'_>) -> KResult {
    match call.dtype {
        Dtype::Float32 => typed::<f32>(call),
        Dtype::Float16 => typed::<f16>(call),
        Dtype::Bfloat16 => typed::<bf16>(call),
        Dtype::Float64 => typed::<f64>(call),
        d => Err(unsupported(
            call.primitive,
            format!("softmax needs a real float dtype, got {d}"),
        )),
    }
}

trait Row: FloatMath {
    fn softmax_row(src: &[Self], dst: &mut [Self]);
}

impl Row for f32 {
    fn softmax_row(src: &[f32], dst: &mut [f32]) {
        let m = row_max_f32(src);
        let mut lanes = [0f32; 16];
        let mut dc = dst.chunks_exact_mut(16);
        let mut sc = src.chunks_exact(16);
        for (d, s) in (&mut dc).zip(&mut sc) {
            for i in 0..16 {
                d[i] = exp_f32(s[i] - m);
                lanes[i] += d[i];
            }
        }
        let mut sum: f32 = lanes.iter().sum();
        for (d, &s) in dc.into_remainder().iter_mut().zip(sc.remainder()) {
            *d = exp_f32(s - m);
            sum += *d;
        }
        let inv = 1.0 / sum;
        dst.iter_mut().for_each(|d| *d *= inv);
    }
}

/// Row maximum in 16 independent lanes (vectorises; `f32::max` would not).
/// NaNs are skipped here, but they still reach the output through
/// `exp(NaN - m)`, so a row holding NaN becomes NaN as in MLX.
fn row_max_f32(src: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; 16];
    let mut chunks = src.chunks_exact(16);
    for c in &mut chunks {
        for i in 0..16 {
            lanes[i] = if c[i] > lanes[i] { c[i] } else { lanes[i] };
        }
    }
    let tail = chunks
        .remainder()
        .iter()
        .fold(f32::NEG_INFINITY, |a, &b| if b > a { b } else { a });
    lanes.iter().fold(tail, |a, &b| if b > a { b } else { a })
}

impl Row for f64 {
    fn softmax_row(src: &[f64], dst: &mut [f64]) {
        let m = src.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let mut sum = 0.0;
        for (d, &s) in dst.iter_mut().zip(src) {
            *d = (s - m).exp();
            sum += *d;
        }
        dst.iter_mut().for_each(|d| *d /= sum);
    }
}

macro_rules! half_row {
    ($($t:ty),*) => {$(
        impl Row for $t {
            fn softmax_row(src: &[$t], dst: &mut [$t]) {
                let x: Vec<f32> = src.iter().map(|v| v.to_f32()).collect();
                let mut y = vec![0f32; x.len()];
                f32::softmax_row(&x, &mut y);
                dst.iter_mut().zip(y).for_each(|(d, v)| *d = <$t>::from_f32(v));
            }
        }
    )*};
}
half_row!(f16, bf16);

fn typed<T: Row>(call: &OpCall<'_>) -> KResult {
    let x = &call.inputs[0];
    let data = contiguous::<T>(x)?;
    let n = data.len();
    let cols = call.shape.last().copied().unwrap_or(1).max(1);
    let mut buf = HostBuffer::alloc(call.dtype, n);
    let out = buf.as_mut_slice::<T>().map_err(internal)?;
    if n > PARALLEL_THRESHOLD {
        out.par_chunks_mut(cols)
            .zip(data.par_chunks(cols))
            .for_each(|(d, s)| T::softmax_row(s, d));
    } else {
        out.chunks_mut(cols)
            .zip(data.chunks(cols))
            .for_each(|(d, s)| T::softmax_row(s, d));
    }
    Ok(output(buf, call.shape))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(src: &[f32]) -> Vec<f32> {
        let m = src.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        let e: Vec<f64> = src.iter().map(|&v| f64::from(v - m).exp()).collect();
        let s: f64 = e.iter().sum();
        e.iter().map(|v| (v / s) as f32).collect()
    }

    #[test]
    fn row_max_matches_fold_for_all_tail_lengths() {
        for n in [1usize, 7, 16, 17, 33, 100] {
            let v: Vec<f32> = (0..n).map(|i| ((i * 37 % 23) as f32) - 11.0).collect();
            let want = v.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
            assert_eq!(row_max_f32(&v), want, "n = {n}");
        }
        assert_eq!(row_max_f32(&[]), f32::NEG_INFINITY);
    }

    #[test]
    fn f32_rows_match_a_float64_reference() {
        for n in [1usize, 5, 16, 31, 257] {
            let v: Vec<f32> = (0..n)
                .map(|i| ((i * 13 % 29) as f32) * 0.37 - 4.0)
                .collect();
            let mut out = vec![0f32; n];
            f32::softmax_row(&v, &mut out);
            for (a, b) in out.iter().zip(reference(&v)) {
                assert!((a - b).abs() <= 1e-6, "n = {n}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn nan_and_inf_rows_propagate_like_mlx() {
        let mut out = vec![0f32; 20];
        let mut v = vec![1.0f32; 20];
        v[18] = f32::NAN;
        f32::softmax_row(&v, &mut out);
        assert!(out.iter().all(|x| x.is_nan()));
        let mut v = vec![0.0f32; 20];
        v[3] = f32::INFINITY;
        f32::softmax_row(&v, &mut out);
        assert!(
            out.iter().all(|x| x.is_nan()),
            "inf - inf is NaN, as in MLX"
        );
    }
}
