//! `Fft`: discrete Fourier transforms with `rustfft` (complex lines) and
//! `realfft` (the real-input and real-output halves), in single precision
//! as MLX computes them.
//!
//! An n-d transform is a sequence of 1-d passes, one per axis, over a
//! row-contiguous working buffer: a real forward transform first turns its
//! last axis into the half spectrum, then runs complex passes over the other
//! axes; a real inverse runs the complex passes first and ends with the
//! half-spectrum-to-real pass. Lines along the innermost axis are processed
//! in place in batches; lines along an outer axis are gathered a few columns
//! at a time into a contiguous scratch block, transformed and scattered
//! back. Independent lines run in parallel with rayon above
//! [`crate::PARALLEL_THRESHOLD`] elements. Plans are cached per thread (a
//! planner per thread keeps every length it has planned). Inverse passes
//! divide by the transformed lengths, as MLX's backward normalisation.

use crate::strided::{contiguous, output};
use crate::{failed, internal, unsupported, KResult};
use mlx_core::{Dtype, HostBuffer, OpCall};
use num_complex::Complex;
use rayon::prelude::*;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftPlanner};
use std::cell::RefCell;
use std::sync::Arc;

type C32 = Complex<f32>;

thread_local! {
    static PLANNER: RefCell<FftPlanner<f32>> = RefCell::new(FftPlanner::new());
    static REAL_PLANNER: RefCell<RealFftPlanner<f32>> = RefCell::new(RealFftPlanner::new());
}

fn plan(n: usize, inverse: bool) -> Arc<dyn Fft<f32>> {
    PLANNER.with(|p| {
        let mut p = p.borrow_mut();
        if inverse {
            p.plan_fft_inverse(n)
        } else {
            p.plan_fft_forward(n)
        }
    })
}

fn plan_r2c(n: usize) -> Arc<dyn RealToComplex<f32>> {
    REAL_PLANNER.with(|p| p.borrow_mut().plan_fft_forward(n))
}

fn plan_c2r(n: usize) -> Arc<dyn ComplexToReal<f32>> {
    REAL_PLANNER.with(|p| p.borrow_mut().plan_fft_inverse(n))
}

/// `(outer, len, inner)`: the extents before, along and after `axis`.
fn split(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    let outer = shape[..axis].iter().product();
    let inner = shape[axis + 1..].iter().product();
    (outer, shape[axis], inner)
}

/// Columns gathered together when lines are strided.
const COLS: usize = 16;

/// Work items (in elements) of roughly `PARALLEL_THRESHOLD` each, at least
/// one unit of `unit` elements.
fn units_per_task(unit: usize) -> usize {
    (crate::PARALLEL_THRESHOLD / unit.max(1)).max(1)
}

/// A complex pass along `axis` of the row-contiguous `data` (of `shape`),
/// in place; inverse passes divide by the axis's length.
fn c2c_pass(data: &mut [C32], shape: &[usize], axis: usize, inverse: bool) {
    let (_, n, inner) = split(shape, axis);
    if data.is_empty() || n <= 1 {
        // a one-point transform is the identity (and 1 / n = 1)
        return;
    }
    let scale = 1.0 / n as f32;
    let parallel = data.len() >= crate::PARALLEL_THRESHOLD;
    if inner == 1 {
        // contiguous lines: rustfft transforms a whole batch in one call
        let chunk = n * units_per_task(n);
        let work = |block: &mut [C32]| {
            let f = plan(n, inverse);
            let mut scratch = vec![C32::default(); f.get_inplace_scratch_len()];
            f.process_with_scratch(block, &mut scratch);
            if inverse {
                block.iter_mut().for_each(|v| *v *= scale);
            }
        };
        if parallel {
            data.par_chunks_mut(chunk).for_each(work);
        } else {
            work(data);
        }
        return;
    }
    // strided lines: per outer block, COLS columns at a time
    let block = n * inner;
    let work = |blk: &mut [C32]| {
        let f = plan(n, inverse);
        let mut scratch = vec![C32::default(); f.get_inplace_scratch_len()];
        let mut lines = vec![C32::default(); n * COLS];
        let mut j0 = 0;
        while j0 < inner {
            let w = COLS.min(inner - j0);
            for (c, line) in lines.chunks_mut(n).take(w).enumerate() {
                for (k, v) in line.iter_mut().enumerate() {
                    *v = blk[k * inner + j0 + c];
                }
            }
            f.process_with_scratch(&mut lines[..n * w], &mut scratch);
            for (c, line) in lines.chunks(n).take(w).enumerate() {
                for (k, v) in line.iter().enumerate() {
                    blk[k * inner + j0 + c] = if inverse { v * scale } else { *v };
                }
            }
            j0 += w;
        }
    };
    if parallel {
        data.par_chunks_mut(block).for_each(work);
    } else {
        data.chunks_mut(block).for_each(work);
    }
}

/// The real-to-half-spectrum pass along `axis`: `src` (row-contiguous,
/// `shape`) to a fresh complex buffer whose `axis` has `n / 2 + 1` points.
fn r2c_pass(src: &[f32], shape: &[usize], axis: usize) -> Vec<C32> {
    let (outer, n, inner) = split(shape, axis);
    let m = n / 2 + 1;
    let mut out = vec![C32::default(); outer * m * inner];
    if out.is_empty() {
        return out;
    }
    let parallel = src.len() >= crate::PARALLEL_THRESHOLD;
    if inner == 1 {
        let per = units_per_task(n);
        let work = |(src_blk, out_blk): (&[f32], &mut [C32])| {
            let f = plan_r2c(n);
            let mut scratch = vec![C32::default(); f.get_scratch_len()];
            let mut line = vec![0f32; n];
            for (s, o) in src_blk.chunks(n).zip(out_blk.chunks_mut(m)) {
                line.copy_from_slice(s);
                // lengths agree by construction; the only error is a length one
                let _ = f.process_with_scratch(&mut line, o, &mut scratch);
            }
        };
        if parallel {
            src.par_chunks(n * per)
                .zip(out.par_chunks_mut(m * per))
                .for_each(work);
        } else {
            work((src, &mut out));
        }
        return out;
    }
    let work = |(src_blk, out_blk): (&[f32], &mut [C32])| {
        let f = plan_r2c(n);
        let mut scratch = vec![C32::default(); f.get_scratch_len()];
        let mut line = vec![0f32; n];
        let mut spec = vec![C32::default(); m];
        for j in 0..inner {
            for (k, v) in line.iter_mut().enumerate() {
                *v = src_blk[k * inner + j];
            }
            let _ = f.process_with_scratch(&mut line, &mut spec, &mut scratch);
            for (k, v) in spec.iter().enumerate() {
                out_blk[k * inner + j] = *v;
            }
        }
    };
    if parallel {
        src.par_chunks(n * inner)
            .zip(out.par_chunks_mut(m * inner))
            .for_each(work);
    } else {
        src.chunks(n * inner)
            .zip(out.chunks_mut(m * inner))
            .for_each(work);
    }
    out
}

/// The half-spectrum-to-real pass along `axis`: `src` (row-contiguous,
/// `shape`, whose `axis` holds `n / 2 + 1` points) to `n` real points per
/// line, divided by `n`. The imaginary parts of the zero (and, for even `n`,
/// the Nyquist) frequency are ignored, as pocketfft does.
fn c2r_pass(src: &[C32], shape: &[usize], axis: usize, n: usize, out: &mut [f32]) {
    let (_, m, inner) = split(shape, axis);
    if out.is_empty() {
        return;
    }
    let scale = 1.0 / n as f32;
    let parallel = out.len() >= crate::PARALLEL_THRESHOLD;
    let half = n / 2 + 1;
    // copies the stored points of one line into the plan's half spectrum:
    // cropped or zero-padded to n / 2 + 1 (the op layer already did this,
    // so m == half, but the kernel does not rely on it)
    let load = |spec: &mut [C32], get: &dyn Fn(usize) -> C32| {
        for (k, v) in spec.iter_mut().enumerate() {
            *v = if k < m { get(k) } else { C32::default() };
        }
        spec[0].im = 0.0;
        if n.is_multiple_of(2) {
            spec[half - 1].im = 0.0;
        }
    };
    let work = |(src_blk, out_blk): (&[C32], &mut [f32])| {
        let f = plan_c2r(n);
        let mut scratch = vec![C32::default(); f.get_scratch_len()];
        let mut spec = vec![C32::default(); half];
        let mut line = vec![0f32; n];
        if inner == 1 {
            for (s, o) in src_blk.chunks(m).zip(out_blk.chunks_mut(n)) {
                load(&mut spec, &|k| s[k]);
                let _ = f.process_with_scratch(&mut spec, o, &mut scratch);
                o.iter_mut().for_each(|v| *v *= scale);
            }
        } else {
            for j in 0..inner {
                load(&mut spec, &|k| src_blk[k * inner + j]);
                let _ = f.process_with_scratch(&mut spec, &mut line, &mut scratch);
                for (k, v) in line.iter().enumerate() {
                    out_blk[k * inner + j] = v * scale;
                }
            }
        }
    };
    let per = if inner == 1 { units_per_task(n) } else { 1 };
    let (sb, ob) = (m * inner * per, n * inner * per);
    if parallel {
        src.par_chunks(sb)
            .zip(out.par_chunks_mut(ob))
            .for_each(work);
    } else {
        src.chunks(sb).zip(out.chunks_mut(ob)).for_each(work);
    }
}

/// `Fft { axes, inverse, real }`: complex64 to complex64, float32 to the
/// complex64 half spectrum (real forward), or the half spectrum to float32
/// (real inverse; the node's shape gives the last axis's length).
pub fn fft(axes: &[usize], inverse: bool, real: bool, call: &OpCall<'_>) -> KResult {
    let x = call
        .inputs
        .first()
        .ok_or_else(|| failed("fft takes one input"))?;
    let in_shape = x.layout.shape().to_vec();
    let nd = in_shape.len();
    if axes.is_empty() || axes.iter().any(|&a| a >= nd) || call.shape.len() != nd {
        return Err(failed(format!(
            "fft axes {axes:?} do not fit input shape {in_shape:?} and output shape {:?}",
            call.shape
        )));
    }
    let last = axes[axes.len() - 1];
    let want_in = if real && !inverse {
        Dtype::Float32
    } else {
        Dtype::Complex64
    };
    let want_out = if real && inverse {
        Dtype::Float32
    } else {
        Dtype::Complex64
    };
    if x.dtype != want_in || call.dtype != want_out {
        return Err(unsupported(
            call.primitive,
            format!(
                "fft (inverse {inverse}, real {real}) takes {want_in} to {want_out}, not {} to {}",
                x.dtype, call.dtype
            ),
        ));
    }
    let numel: usize = call.shape.iter().product();
    let mut buf = HostBuffer::alloc(call.dtype, numel);
    if numel == 0 || in_shape.iter().product::<usize>() == 0 {
        // nothing to transform (an empty input has an empty output: the
        // op layer rejects zero-length transformed axes)
        if numel > 0 {
            return Err(failed("fft of an empty input to a non-empty output"));
        }
        return Ok(output(buf, call.shape));
    }
    match (real, inverse) {
        (false, _) => {
            let out = buf.as_mut_slice::<C32>().map_err(internal)?;
            out.copy_from_slice(&contiguous::<C32>(x)?);
            for &ax in axes {
                c2c_pass(out, &in_shape, ax, inverse);
            }
        }
        (true, false) => {
            let src = contiguous::<f32>(x)?;
            let mut work = r2c_pass(&src, &in_shape, last);
            for &ax in &axes[..axes.len() - 1] {
                c2c_pass(&mut work, call.shape, ax, false);
            }
            buf.as_mut_slice::<C32>()
                .map_err(internal)?
                .copy_from_slice(&work);
        }
        (true, true) => {
            let mut work = contiguous::<C32>(x)?.into_owned();
            for &ax in &axes[..axes.len() - 1] {
                c2c_pass(&mut work, &in_shape, ax, true);
            }
            let n = call.shape[last];
            let out = buf.as_mut_slice::<f32>().map_err(internal)?;
            c2r_pass(&work, &in_shape, last, n, out);
        }
    }
    Ok(output(buf, call.shape))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dft(x: &[C32], inverse: bool) -> Vec<C32> {
        let n = x.len();
        let sign = if inverse { 1.0 } else { -1.0 };
        (0..n)
            .map(|k| {
                let mut acc = Complex::<f64>::default();
                for (j, v) in x.iter().enumerate() {
                    let ang = sign * 2.0 * std::f64::consts::PI * (j * k % n) as f64 / n as f64;
                    acc += Complex::new(v.re as f64, v.im as f64) * Complex::from_polar(1.0, ang);
                }
                if inverse {
                    acc /= n as f64;
                }
                C32::new(acc.re as f32, acc.im as f32)
            })
            .collect()
    }

    #[test]
    fn strided_axis_matches_naive_dft() {
        // shape [3, 5, 4], transform axis 1 (strided lines)
        let shape = [3usize, 5, 4];
        let data: Vec<C32> = (0..60)
            .map(|i| C32::new((i as f32 * 0.37).sin(), (i as f32 * 0.11).cos()))
            .collect();
        for inverse in [false, true] {
            let mut got = data.clone();
            c2c_pass(&mut got, &shape, 1, inverse);
            for o in 0..3 {
                for j in 0..4 {
                    let line: Vec<C32> = (0..5).map(|k| data[o * 20 + k * 4 + j]).collect();
                    let want = dft(&line, inverse);
                    for k in 0..5 {
                        let g = got[o * 20 + k * 4 + j];
                        assert!((g - want[k]).norm() < 1e-4, "{g} vs {}", want[k]);
                    }
                }
            }
        }
    }

    #[test]
    fn real_passes_round_trip_on_outer_axis() {
        let shape = [6usize, 3];
        let data: Vec<f32> = (0..18).map(|i| (i as f32 * 0.7).cos()).collect();
        let spec = r2c_pass(&data, &shape, 0);
        assert_eq!(spec.len(), 4 * 3);
        let mut back = vec![0f32; 18];
        c2r_pass(&spec, &[4, 3], 0, 6, &mut back);
        for (a, b) in data.iter().zip(&back) {
            assert!((a - b).abs() < 1e-5);
        }
    }
}
