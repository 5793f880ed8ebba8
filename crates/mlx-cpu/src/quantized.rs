//! MLX's affine quantization: packing (`Quantize`), unpacking
//! (`Dequantize`), the quantized matrix product (`QuantizedMatmul`) and the
//! expert-indexed products (`GatherMm`, `GatherQmm`).
//!
//! The packed format is MLX's: every row of `k` codes of `bits` bits is a
//! little-endian bit stream (code `i` at bit `i * bits`) stored in `uint32`
//! words, `k * bits / 32` words per row; each group of `group_size` codes
//! along the row has one scale `s` and one bias `b`, and its values are
//! `s * q + b`.
//!
//! The products never materialise the float weight for few rows: a group's
//! codes are unpacked into a small register-sized buffer and reduced against
//! the activations with lane-parallel fused multiply-adds, using
//! `sum(x * (s q + b)) = s * dot(x, q) + b * sum(x)`; rows of output split
//! over threads with rayon. Many rows dequantize once and call `gemm`.

use crate::matmul::gemm_into;
use crate::strided::{contiguous, output};
use crate::{failed, internal, unsupported, KResult};
use half::{bf16, f16};
use mlx_core::backend::BackendError;
use mlx_core::{ArrayData, Dtype, HostBuffer, Native, OpCall};
use rayon::prelude::*;
use std::borrow::Cow;

/// Float element types of quantized data (computation runs in `f32`).
pub(crate) trait QFloat: Native + Copy + Send + Sync {
    /// `Self` is `f32`.
    const IS_F32: bool = false;
    fn to_f32(self) -> f32;
    fn from_f32(v: f32) -> Self;
    /// The slice itself when `Self` is `f32` (no conversion needed).
    fn as_f32(s: &[Self]) -> Option<&[f32]> {
        let _ = s;
        None
    }
}
impl QFloat for f32 {
    const IS_F32: bool = true;
    #[inline(always)]
    fn as_f32(s: &[f32]) -> Option<&[f32]> {
        Some(s)
    }
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self
    }
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        v
    }
}
impl QFloat for f16 {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        f16::to_f32(self)
    }
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        f16::from_f32(v)
    }
}
impl QFloat for bf16 {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        bf16::to_f32(self)
    }
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        bf16::from_f32(v)
    }
}

/// Reads code `i` of a packed row (a bit stream of `bits`-bit codes).
#[inline(always)]
fn code(words: &[u32], i: usize, bits: usize) -> u32 {
    let pos = i * bits;
    let (wi, sh) = (pos / 32, pos % 32);
    let mask = (1u64 << bits) - 1;
    let lo = words[wi] as u64;
    let hi = if sh + bits > 32 {
        (words[wi + 1] as u64) << 32
    } else {
        0
    };
    (((lo | hi) >> sh) & mask) as u32
}

/// Unpacks `out.len()` codes of a packed row slice into floats. `BITS`
/// is a constant so the shifts and masks fold; power-of-two widths never
/// straddle a word and unpack word by word.
#[inline(always)]
fn unpack<const BITS: usize>(words: &[u32], out: &mut [f32]) {
    if 32 % BITS == 0 {
        let pf = 32 / BITS;
        let mask = (1u32 << BITS) - 1;
        for (w, o) in words.iter().zip(out.chunks_exact_mut(pf)) {
            for (j, v) in o.iter_mut().enumerate() {
                *v = ((w >> (j * BITS)) & mask) as f32;
            }
        }
    } else {
        for (i, v) in out.iter_mut().enumerate() {
            *v = code(words, i, BITS) as f32;
        }
    }
}

/// Runtime `bits` to the monomorphised unpacker.
fn unpacker(bits: usize) -> fn(&[u32], &mut [f32]) {
    match bits {
        1 => unpack::<1>,
        2 => unpack::<2>,
        3 => unpack::<3>,
        4 => unpack::<4>,
        5 => unpack::<5>,
        6 => unpack::<6>,
        _ => unpack::<8>,
    }
}

/// `dot(a, b)` over 16 independent lanes (vectorised fused multiply-adds).
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..16 {
            acc[i] = x[i].mul_add(y[i], acc[i]);
        }
    }
    let mut s: f32 = acc.iter().sum();
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// The data as contiguous `f32`, borrowed in place when it already is.
fn f32_data<T: QFloat>(d: &ArrayData) -> Result<Cow<'_, [f32]>, BackendError> {
    Ok(match contiguous::<T>(d)? {
        Cow::Borrowed(b) => match T::as_f32(b) {
            Some(f) => Cow::Borrowed(f),
            None => Cow::Owned(b.iter().map(|v| v.to_f32()).collect()),
        },
        Cow::Owned(v) => Cow::Owned(v.iter().map(|v| v.to_f32()).collect()),
    })
}

fn write_out<T: QFloat>(src: &[f32], dtype: Dtype, shape: &[usize]) -> KResult {
    let mut buf = HostBuffer::alloc(dtype, src.len());
    let dst = buf.as_mut_slice::<T>().map_err(internal)?;
    dst.par_iter_mut()
        .with_min_len(4096)
        .zip(src.par_iter().with_min_len(4096))
        .for_each(|(d, &s)| *d = T::from_f32(s));
    Ok(output(buf, shape))
}

// ---------------------------------------------------------------- quantize

/// `Quantize { group_size, bits, part }`.
pub fn quantize(group_size: usize, bits: usize, part: u8, call: &OpCall<'_>) -> KResult {
    let w = &call.inputs[0];
    match w.buffer.dtype() {
        Dtype::Float32 => quantize_typed::<f32>(w, group_size, bits, part, call),
        Dtype::Float16 => quantize_typed::<f16>(w, group_size, bits, part, call),
        Dtype::Bfloat16 => quantize_typed::<bf16>(w, group_size, bits, part, call),
        d => Err(unsupported(
            call.primitive,
            format!("quantize supports float32, float16 and bfloat16, not {d}"),
        )),
    }
}

/// One group's scale and bias (in f32, as MLX computes them).
#[inline]
fn group_params(g: &[f32], n_bins: f32) -> (f32, f32) {
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for &v in g {
        hi = hi.max(v);
        lo = lo.min(v);
    }
    if n_bins == 1.0 {
        // one bit: code 0 is the minimum, code 1 the maximum
        return ((hi - lo).max(1e-7), lo);
    }
    let mask = lo.abs() > hi.abs();
    let mut scale = ((hi - lo) / n_bins).max(1e-7);
    if !mask {
        scale = -scale;
    }
    let edge = if mask { lo } else { hi };
    let q0 = (edge / scale).round_ties_even();
    let mut bias = 0.0;
    if q0 != 0.0 {
        scale = edge / q0;
        bias = edge;
    }
    (scale, bias)
}

fn quantize_typed<T: QFloat>(
    w: &ArrayData,
    group_size: usize,
    bits: usize,
    part: u8,
    call: &OpCall<'_>,
) -> KResult {
    let src = contiguous::<T>(w)?;
    let n_groups = src.len() / group_size;
    let words_per_group = group_size * bits / 32;
    let n_bins = ((1u32 << bits) - 1) as f32;
    if part == 0 {
        let mut buf = HostBuffer::alloc(Dtype::Uint32, n_groups * words_per_group);
        let out = buf.as_mut_slice::<u32>().map_err(internal)?;
        out.par_chunks_mut(words_per_group.max(1))
            .zip(src.par_chunks(group_size))
            .for_each(|(o, g)| {
                let gf: Vec<f32> = g.iter().map(|v| v.to_f32()).collect();
                let (scale, bias) = group_params(&gf, n_bins);
                o.fill(0);
                for (i, &v) in gf.iter().enumerate() {
                    let q = ((v - bias) / scale).round_ties_even().max(0.0).min(n_bins) as u64;
                    let pos = i * bits;
                    let (wi, sh) = (pos / 32, pos % 32);
                    o[wi] |= (q << sh) as u32;
                    if sh + bits > 32 {
                        o[wi + 1] |= (q >> (32 - sh)) as u32;
                    }
                }
            });
        return Ok(output(buf, call.shape));
    }
    let mut buf = HostBuffer::alloc(call.dtype, n_groups);
    let out = buf.as_mut_slice::<T>().map_err(internal)?;
    out.par_iter_mut()
        .zip(src.par_chunks(group_size))
        .for_each(|(o, g)| {
            let gf: Vec<f32> = g.iter().map(|v| v.to_f32()).collect();
            let (scale, bias) = group_params(&gf, n_bins);
            *o = T::from_f32(if part == 1 { scale } else { bias });
        });
    Ok(output(buf, call.shape))
}

// -------------------------------------------------------------- dequantize

/// `Dequantize { group_size, bits }`: `s * q + b` rounded to the output
/// dtype after the product and after the sum (MLX's two elementwise ops).
pub fn dequantize(group_size: usize, bits: usize, call: &OpCall<'_>) -> KResult {
    let (w, s, b) = (&call.inputs[0], &call.inputs[1], &call.inputs[2]);
    let words = contiguous::<u32>(w)?;
    macro_rules! go {
        ($t:ty, $mul:expr, $add:expr) => {{
            let s = contiguous::<$t>(s)?;
            let b = contiguous::<$t>(b)?;
            let mut buf = HostBuffer::alloc(call.dtype, s.len() * group_size);
            let out = buf.as_mut_slice::<$t>().map_err(internal)?;
            let wpg = group_size * bits / 32;
            let un = unpacker(bits);
            out.par_chunks_mut(group_size)
                .enumerate()
                .for_each(|(g, o)| {
                    let mut q = [0f32; 128];
                    un(&words[g * wpg..(g + 1) * wpg], &mut q[..group_size]);
                    for (o, &q) in o.iter_mut().zip(&q[..group_size]) {
                        *o = $add($mul(q, s[g]), b[g]);
                    }
                });
            Ok(output(buf, call.shape))
        }};
    }
    match call.dtype {
        Dtype::Float32 => go!(f32, |q: f32, s: f32| q * s, |p: f32, b: f32| p + b),
        Dtype::Float64 => go!(f64, |q: f32, s: f64| q as f64 * s, |p: f64, b: f64| p + b),
        Dtype::Float16 => go!(
            f16,
            |q: f32, s: f16| f16::from_f32(q * s.to_f32()),
            |p: f16, b: f16| f16::from_f32(p.to_f32() + b.to_f32())
        ),
        Dtype::Bfloat16 => go!(
            bf16,
            |q: f32, s: bf16| bf16::from_f32(q * s.to_f32()),
            |p: bf16, b: bf16| bf16::from_f32(p.to_f32() + b.to_f32())
        ),
        d => Err(unsupported(
            call.primitive,
            format!("dequantize supports float types, not {d}"),
        )),
    }
}

// ------------------------------------------------------- quantized matmul

/// One quantized matrix: its packed words, scales and biases (row-major,
/// already offset to the matrix), as f32 scales/biases.
struct QMat<'a> {
    w: &'a [u32],
    s: &'a [f32],
    b: &'a [f32],
}

/// Rows of x below which the product reads the packed weight directly.
const DIRECT_ROWS: usize = 8;

/// `out[m, n] = x[m, :] . dequant(w)[n, :]` (`transpose`) or
/// `x[m, :] @ dequant(w)[:, n]`, for `x` of `m x k` and `out` of `m x n`.
#[allow(clippy::too_many_arguments)]
fn qmm(
    x: &[f32],
    q: &QMat<'_>,
    out: &mut [f32],
    m: usize,
    n: usize,
    k: usize,
    group_size: usize,
    bits: usize,
    transpose: bool,
    parallel: bool,
) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        out.fill(0.0);
        return;
    }
    if m > DIRECT_ROWS {
        // dequantize once, then one gemm
        let (rows, cols) = if transpose { (n, k) } else { (k, n) };
        let mut deq = vec![0f32; rows * cols];
        let wpr = cols * bits / 32;
        let gpr = cols / group_size;
        let un = unpacker(bits);
        let fill = |(r, d): (usize, &mut [f32])| {
            let words = &q.w[r * wpr..(r + 1) * wpr];
            un(words, d);
            for (g, dg) in d.chunks_exact_mut(group_size).enumerate() {
                let (s, b) = (q.s[r * gpr + g], q.b[r * gpr + g]);
                dg.iter_mut().for_each(|v| *v = v.mul_add(s, b));
            }
        };
        if parallel {
            deq.par_chunks_mut(cols).enumerate().for_each(fill);
        } else {
            deq.chunks_mut(cols).enumerate().for_each(fill);
        }
        let (b_rs, b_cs) = if transpose {
            (1, k as isize)
        } else {
            (n as isize, 1)
        };
        gemm_into(out, x, k as isize, 1, &deq, b_rs, b_cs, m, n, k, parallel);
        return;
    }
    let un = unpacker(bits);
    let gpk = k / group_size;
    // per-row, per-group sums of x (the bias term)
    let xsum: Vec<f32> = x.chunks_exact(group_size).map(|g| g.iter().sum()).collect();
    if transpose && word_parallel(k, group_size, bits) {
        let xp = interleave(x, bits);
        #[cfg(target_arch = "x86_64")]
        let fast = crate::qmv_x86::QmvArgs::new(&xp, q.w, q.s, q.b, &xsum, m, k, group_size, bits);
        // QMV_COLS output columns per task (their chains interleave, and
        // they share each activation load); a shorter last task
        let body = |(t, c): (usize, &mut [f32])| {
            let j0 = t * QMV_COLS;
            // lanes sharing a group: a constant, so the per-lane scales
            // are a broadcast or a short shuffle instead of a gather
            let lg = (group_size * bits / 32).min(LANES);
            #[cfg(target_arch = "x86_64")]
            if let Some(a) = &fast {
                if crate::qmv_x86::qmv_cols(a, j0, c) {
                    return;
                }
            }
            crate::simd::vectorized(
                #[inline(always)]
                || {
                    if c.len() == QMV_COLS * m {
                        qmv_cols::<QMV_COLS>(bits, lg, &xp, q, &xsum, j0, c, k, group_size)
                    } else {
                        for (i, ci) in c.chunks_mut(m).enumerate() {
                            qmv_cols::<1>(bits, lg, &xp, q, &xsum, j0 + i, ci, k, group_size)
                        }
                    }
                },
            )
        };
        let mut cols = vec![0f32; n * m];
        if parallel {
            cols.par_chunks_mut(QMV_COLS * m)
                .enumerate()
                .with_min_len(4)
                .for_each(body);
        } else {
            cols.chunks_mut(QMV_COLS * m).enumerate().for_each(body);
        }
        for (j, c) in cols.chunks(m).enumerate() {
            for (r, &v) in c.iter().enumerate() {
                out[r * n + j] = v;
            }
        }
        return;
    }
    if transpose {
        // w: [n, k]. out[m, j] = sum_g s[j,g] dot(x[m,g], q[j,g]) + b[j,g] xsum[m,g]
        let wpr = k * bits / 32;
        let wpg = group_size * bits / 32;
        let row = |j: usize, acc: &mut [f32; DIRECT_ROWS]| {
            let mut buf = [0f32; 128];
            let words = &q.w[j * wpr..(j + 1) * wpr];
            acc[..m].fill(0.0);
            for g in 0..gpk {
                let qg = &mut buf[..group_size];
                un(&words[g * wpg..(g + 1) * wpg], qg);
                let (s, b) = (q.s[j * gpk + g], q.b[j * gpk + g]);
                for (r, a) in acc[..m].iter_mut().enumerate() {
                    let xg = &x[r * k + g * group_size..r * k + (g + 1) * group_size];
                    *a += s * dot(xg, qg) + b * xsum[r * gpk + g];
                }
            }
        };
        // results column by column, then into the row-major output
        let mut cols = vec![0f32; n * m];
        let body = |(j, c): (usize, &mut [f32])| {
            let mut acc = [0f32; DIRECT_ROWS];
            crate::simd::vectorized(|| row(j, &mut acc));
            c.copy_from_slice(&acc[..m]);
        };
        if parallel {
            cols.par_chunks_mut(m)
                .enumerate()
                .with_min_len(16)
                .for_each(body);
        } else {
            cols.chunks_mut(m).enumerate().for_each(body);
        }
        for (j, c) in cols.chunks(m).enumerate() {
            for (r, &v) in c.iter().enumerate() {
                out[r * n + j] = v;
            }
        }
    } else {
        // w: [k, n]. Blocks of output columns (whole groups) per task.
        let gpn = n / group_size;
        let wpr = n * bits / 32;
        let wpg = group_size * bits / 32;
        let gpb = (256 / group_size).max(1);
        let nblocks = gpn.div_ceil(gpb);
        let block = |bi: usize| -> Vec<f32> {
            let g0 = bi * gpb;
            let g1 = (g0 + gpb).min(gpn);
            let width = (g1 - g0) * group_size;
            let mut res = vec![0f32; m * width];
            let mut qbuf = vec![0f32; width];
            crate::simd::vectorized(|| {
                for kk in 0..k {
                    let words = &q.w[kk * wpr + g0 * wpg..kk * wpr + g1 * wpg];
                    un(words, &mut qbuf);
                    for r in 0..m {
                        let xv = x[r * k + kk];
                        let acc = &mut res[r * width..(r + 1) * width];
                        for (gi, (a, qg)) in acc
                            .chunks_exact_mut(group_size)
                            .zip(qbuf.chunks_exact(group_size))
                            .enumerate()
                        {
                            let s = q.s[kk * gpn + g0 + gi] * xv;
                            let b = q.b[kk * gpn + g0 + gi] * xv;
                            for (a, &qv) in a.iter_mut().zip(qg) {
                                *a += qv.mul_add(s, b);
                            }
                        }
                    }
                }
            });
            res
        };
        let blocks: Vec<Vec<f32>> = if parallel {
            (0..nblocks).into_par_iter().map(block).collect()
        } else {
            (0..nblocks).map(block).collect()
        };
        for (bi, res) in blocks.iter().enumerate() {
            let c0 = bi * gpb * group_size;
            let width = res.len() / m;
            for r in 0..m {
                out[r * n + c0..r * n + c0 + width]
                    .copy_from_slice(&res[r * width..(r + 1) * width]);
            }
        }
    }
}

/// Packed words read side by side by the word-parallel matvec (one AVX-512
/// register of lanes, two AVX2 registers).
const LANES: usize = 16;

/// Whether the word-parallel matvec applies: a power-of-two width (codes
/// never straddle words) and rows of whole `LANES`-word chunks. Words per
/// group (`group_size * bits / 32`) are then a power of two, so a chunk
/// lies in one group or holds whole groups.
fn word_parallel(k: usize, group_size: usize, bits: usize) -> bool {
    matches!(bits, 1 | 2 | 4 | 8)
        && (k * bits / 32).is_multiple_of(LANES)
        && (group_size * bits).is_multiple_of(32)
        && (group_size * bits / 32).is_power_of_two()
}

/// The factor the interleaved activation of code `j` of a word carries:
/// `2^-(j * bits)` for the middle codes, which the kernel masks in place
/// instead of shifting down (`(w & mask << j*bits) = code * 2^(j*bits)`,
/// exact in `f32`), and 1 for the first (masked) and last (shifted) codes.
/// MLX's own quantized kernels scale activations the same way; the scaled
/// products are exactly the unscaled ones unless `|x|` is below ~1e-29
/// (where the scaled activation would be subnormal).
fn code_scale(j: usize, per_word: usize, bits: usize) -> f32 {
    if j == 0 || j + 1 == per_word {
        1.0
    } else {
        (-((j * bits) as i32) as f32).exp2()
    }
}

/// Rows of `x` rearranged so that code `j` of the `LANES` words of a chunk
/// meets its activations in one contiguous run: for a chunk `c` of
/// `LANES * per_word` values, `xp[c, j, i] = x[c, i * per_word + j] *
/// code_scale(j)`.
fn interleave(x: &[f32], bits: usize) -> Vec<f32> {
    let per_word = 32 / bits;
    let chunk = LANES * per_word;
    let scales: Vec<f32> = (0..per_word)
        .map(|j| code_scale(j, per_word, bits))
        .collect();
    let mut xp = vec![0f32; x.len()];
    for (src, dst) in x.chunks_exact(chunk).zip(xp.chunks_exact_mut(chunk)) {
        for i in 0..LANES {
            for (j, sc) in scales.iter().enumerate() {
                dst[j * LANES + i] = src[i * per_word + j] * sc;
            }
        }
    }
    xp
}

/// Output columns per task of the word-parallel matvec: four independent
/// accumulator chains hide the multiply-add latency, and each activation
/// vector loaded serves four weight rows.
const QMV_COLS: usize = 4;

/// [`qmv_rows`] for a run-time width and group-lane count.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn qmv_cols<const C: usize>(
    bits: usize,
    lg: usize,
    xp: &[f32],
    q: &QMat<'_>,
    xsum: &[f32],
    j0: usize,
    out: &mut [f32],
    k: usize,
    group_size: usize,
) {
    macro_rules! by_lg {
        ($b:literal) => {
            match lg {
                1 => qmv_rows::<$b, 1, C>(xp, q, xsum, j0, out, k, group_size),
                2 => qmv_rows::<$b, 2, C>(xp, q, xsum, j0, out, k, group_size),
                4 => qmv_rows::<$b, 4, C>(xp, q, xsum, j0, out, k, group_size),
                8 => qmv_rows::<$b, 8, C>(xp, q, xsum, j0, out, k, group_size),
                _ => qmv_rows::<$b, 16, C>(xp, q, xsum, j0, out, k, group_size),
            }
        };
    }
    match bits {
        1 => by_lg!(1),
        2 => by_lg!(2),
        4 => by_lg!(4),
        _ => by_lg!(8),
    }
}

/// Output columns `j0..j0 + C` of `x @ dequant(w).T` for every row of `x`
/// (at most [`DIRECT_ROWS`]; `out` holds column after column), with `x`
/// interleaved by [`interleave`]: each of the `LANES` words of a chunk owns
/// a lane and code `jj` of every word is taken at once, masked in place
/// (`w & mask << jj * BITS`, the activation carrying the `2^-(jj * BITS)`;
/// the last code is shifted down) and multiplied with its activation, so
/// the loop is one mask, one conversion and one fused multiply-add per
/// `LANES` codes, for `C` weight rows per activation load. Lanes are scaled
/// by their group's scale once per chunk (`LG` lanes share a group: words
/// per group, at most `LANES`); the biases contribute `b * sum(x)` per
/// group.
#[inline(always)]
fn qmv_rows<const BITS: usize, const LG: usize, const C: usize>(
    xp: &[f32],
    q: &QMat<'_>,
    xsum: &[f32],
    j0: usize,
    out: &mut [f32],
    k: usize,
    group_size: usize,
) {
    let per_word = 32 / BITS;
    let mask = ((1u64 << BITS) - 1) as u32;
    let wpr = k * BITS / 32;
    let wpg = group_size * BITS / 32;
    let gpk = k / group_size;
    let m = out.len() / C;
    let words: [&[u32]; C] = std::array::from_fn(|c| &q.w[(j0 + c) * wpr..(j0 + c + 1) * wpr]);
    for r in 0..m {
        let xr = &xp[r * k..(r + 1) * k];
        let mut total = [[0f32; LANES]; C];
        for (ci, xc) in xr.chunks_exact(LANES * per_word).enumerate() {
            let g0 = ci * LANES / wpg;
            for (c, tc) in total.iter_mut().enumerate() {
                // a fixed-size view: no bounds checks in the lane loop
                let wc: &[u32; LANES] = words[c][ci * LANES..(ci + 1) * LANES]
                    .try_into()
                    .unwrap_or(&[0; LANES]);
                let mut part = [0f32; LANES];
                for (jj, xs) in xc.chunks_exact(LANES).enumerate() {
                    let xs: &[f32; LANES] = xs.try_into().unwrap_or(&[0.0; LANES]);
                    let sh = (jj * BITS) as u32;
                    let last = jj + 1 == per_word;
                    for i in 0..LANES {
                        // below 2^31 either way (the top code is shifted
                        // down), so a signed conversion is exact and
                        // vectorizes (AVX2 has no unsigned one)
                        let code = if last {
                            (wc[i] >> sh) as i32 as f32
                        } else {
                            (wc[i] & (mask << sh)) as i32 as f32
                        };
                        part[i] = code.mul_add(xs[i], part[i]);
                    }
                }
                let srow = &q.s[(j0 + c) * gpk..(j0 + c + 1) * gpk];
                let scale: [f32; LANES] = std::array::from_fn(|i| srow[g0 + i / LG]);
                for i in 0..LANES {
                    tc[i] = part[i].mul_add(scale[i], tc[i]);
                }
            }
        }
        for c in 0..C {
            let j = j0 + c;
            let bias: f32 = q.b[j * gpk..(j + 1) * gpk]
                .iter()
                .zip(&xsum[r * gpk..(r + 1) * gpk])
                .map(|(b, s)| b * s)
                .sum();
            out[c * m + r] = total[c].iter().sum::<f32>() + bias;
        }
    }
}

/// `QuantizedMatmul { group_size, bits, transpose }`.
pub fn quantized_matmul(
    group_size: usize,
    bits: usize,
    transpose: bool,
    call: &OpCall<'_>,
) -> KResult {
    match call.dtype {
        Dtype::Float32 => qmm_typed::<f32>(group_size, bits, transpose, call),
        Dtype::Float16 => qmm_typed::<f16>(group_size, bits, transpose, call),
        Dtype::Bfloat16 => qmm_typed::<bf16>(group_size, bits, transpose, call),
        d => Err(unsupported(
            call.primitive,
            format!("quantized_matmul supports float32, float16 and bfloat16, not {d}"),
        )),
    }
}

/// The half-precision product as MLX's CPU backend computes it: every
/// operation of `sum += x * (s * q + b)` rounded to `T`, over `k` in order
/// (`round` rounds an f32 to `T` and back); bit-identical to MLX.
#[allow(clippy::too_many_arguments)]
fn qmm_rounded(
    x: &[f32],
    q: &QMat<'_>,
    out: &mut [f32],
    m: usize,
    n: usize,
    k: usize,
    group_size: usize,
    bits: usize,
    transpose: bool,
    round: fn(f32) -> f32,
) {
    let (gpk, gpn) = (k / group_size, n / group_size);
    let (wpk, wpn) = (k * bits / 32, n * bits / 32);
    out[..m * n]
        .par_chunks_mut(n.max(1))
        .enumerate()
        .for_each(|(r, row)| {
            let xr = &x[r * k..(r + 1) * k];
            for (j, o) in row.iter_mut().enumerate() {
                let mut acc = 0f32;
                for (kk, &xv) in xr.iter().enumerate() {
                    let (c, s, b) = if transpose {
                        let g = j * gpk + kk / group_size;
                        (code(&q.w[j * wpk..(j + 1) * wpk], kk, bits), q.s[g], q.b[g])
                    } else {
                        let g = kk * gpn + j / group_size;
                        (
                            code(&q.w[kk * wpn..(kk + 1) * wpn], j, bits),
                            q.s[g],
                            q.b[g],
                        )
                    };
                    let wv = round(round(s * c as f32) + b);
                    acc = round(acc + round(xv * wv));
                }
                *o = acc;
            }
        });
}

/// `qmm`, or [`qmm_rounded`] for half-precision outputs (`round` set).
#[allow(clippy::too_many_arguments)]
fn qmm_any(
    x: &[f32],
    q: &QMat<'_>,
    out: &mut [f32],
    m: usize,
    n: usize,
    k: usize,
    group_size: usize,
    bits: usize,
    transpose: bool,
    parallel: bool,
    round: Option<fn(f32) -> f32>,
) {
    match round {
        Some(r) if m * n > 0 => qmm_rounded(x, q, out, m, n, k, group_size, bits, transpose, r),
        _ => qmm(x, q, out, m, n, k, group_size, bits, transpose, parallel),
    }
}

/// The rounding of a dtype's running sums in MLX's CPU products (`None`
/// for float32, which MLX accumulates in float32).
fn half_round<T: QFloat>() -> Option<fn(f32) -> f32> {
    if T::DTYPE == Dtype::Float32 {
        None
    } else {
        Some(|v| T::from_f32(v).to_f32())
    }
}

fn qmm_typed<T: QFloat>(
    group_size: usize,
    bits: usize,
    transpose: bool,
    call: &OpCall<'_>,
) -> KResult {
    let (xd, wd) = (&call.inputs[0], &call.inputs[1]);
    let x = f32_data::<T>(xd)?;
    let w = contiguous::<u32>(wd)?;
    let s = f32_data::<T>(&call.inputs[2])?;
    let b = f32_data::<T>(&call.inputs[3])?;
    let xs = xd.layout.shape();
    let k = xs[xs.len() - 1];
    let nd = call.shape.len();
    let n = call.shape[nd - 1];
    let m = if nd > 1 { call.shape[nd - 2] } else { 1 };
    let wn = wd.layout.shape().len();
    let w_batched = wn > 2;
    let total: usize = call.shape.iter().product();
    let mut res = vec![0f32; total];
    let wel = if w_batched {
        w.len() / wd.layout.shape()[..wn - 2].iter().product::<usize>().max(1)
    } else {
        0
    };
    let gel = if w_batched {
        s.len() / wd.layout.shape()[..wn - 2].iter().product::<usize>().max(1)
    } else {
        0
    };
    if w_batched {
        let nb = total / (m * n).max(1);
        for i in 0..nb {
            let qm = QMat {
                w: &w[i * wel..(i + 1) * wel],
                s: &s[i * gel..(i + 1) * gel],
                b: &b[i * gel..(i + 1) * gel],
            };
            qmm_any(
                &x[i * m * k..(i + 1) * m * k],
                &qm,
                &mut res[i * m * n..(i + 1) * m * n],
                m,
                n,
                k,
                group_size,
                bits,
                transpose,
                true,
                half_round::<T>(),
            );
        }
    } else {
        // one weight for every batch: all rows at once
        let rows = total / n.max(1);
        let qm = QMat {
            w: &w,
            s: &s,
            b: &b,
        };
        qmm_any(
            &x,
            &qm,
            &mut res,
            rows,
            n,
            k,
            group_size,
            bits,
            transpose,
            true,
            half_round::<T>(),
        );
    }
    write_out::<T>(&res, call.dtype, call.shape)
}

// ------------------------------------------------------------ gather ops

/// Reads `uint32` indices and checks them against `count` matrices.
fn indices(d: &ArrayData, count: usize, op: &str, side: &str) -> Result<Vec<usize>, BackendError> {
    let v = contiguous::<u32>(d)?;
    v.iter()
        .map(|&i| {
            let i = i as usize;
            if i >= count {
                Err(failed(format!(
                    "{op}: {side} index {i} is out of range for {count} matrices"
                )))
            } else {
                Ok(i)
            }
        })
        .collect()
}

/// For each rhs matrix, the positions of the output blocks that use it.
fn by_expert(rhs: &[usize], count: usize) -> Vec<Vec<usize>> {
    let mut groups = vec![Vec::new(); count];
    for (i, &e) in rhs.iter().enumerate() {
        groups[e].push(i);
    }
    groups
}

/// `GatherMm`: rows of the blocks that share an rhs matrix are stacked and
/// multiplied by it in one gemm, then scattered to their output blocks.
pub fn gather_mm(call: &OpCall<'_>) -> KResult {
    match call.dtype {
        Dtype::Float32 => gather_mm_typed::<f32>(call),
        Dtype::Float16 => gather_mm_typed::<f16>(call),
        Dtype::Bfloat16 => gather_mm_typed::<bf16>(call),
        d => Err(unsupported(
            call.primitive,
            format!("gather_mm supports float32, float16 and bfloat16, not {d}"),
        )),
    }
}

fn gather_mm_typed<T: QFloat>(call: &OpCall<'_>) -> KResult {
    let (ad, bd) = (&call.inputs[0], &call.inputs[1]);
    let (asz, bsz) = (ad.layout.shape(), bd.layout.shape());
    let (m, k) = (asz[asz.len() - 2], asz[asz.len() - 1]);
    let n = bsz[bsz.len() - 1];
    let na: usize = asz[..asz.len() - 2].iter().product();
    let nb: usize = bsz[..bsz.len() - 2].iter().product();
    let lhs = indices(&call.inputs[2], na, "gather_mm", "lhs")?;
    let rhs = indices(&call.inputs[3], nb, "gather_mm", "rhs")?;
    let a = f32_data::<T>(ad)?;
    let b = f32_data::<T>(bd)?;
    let len = lhs.len() * m * n;
    // float32 results go straight into the output buffer; other dtypes
    // through a float32 staging buffer. Both come from the allocator's cache
    // (no fresh pages to fault in), as do the per-expert scratch blocks.
    let mut out = HostBuffer::alloc(call.dtype, len);
    let mut staging = (!T::IS_F32).then(|| HostBuffer::alloc(Dtype::Float32, len));
    let res: &mut [f32] = match staging.as_mut() {
        Some(st) => st.as_mut_slice::<f32>().map_err(internal)?,
        None => out.as_mut_slice::<f32>().map_err(internal)?,
    };
    if m * n > 0 {
        let groups = by_expert(&rhs, nb);
        let blocks: Vec<(usize, HostBuffer)> = groups
            .par_iter()
            .enumerate()
            .filter(|(_, g)| !g.is_empty())
            .map(|(e, g)| {
                let mut xa = HostBuffer::alloc(Dtype::Float32, g.len() * m * k);
                let xs = xa.as_mut_slice::<f32>().map_err(internal)?;
                for (dst, &i) in xs.chunks_exact_mut((m * k).max(1)).zip(g) {
                    dst.copy_from_slice(&a[lhs[i] * m * k..(lhs[i] + 1) * m * k]);
                }
                let mut o = HostBuffer::alloc(Dtype::Float32, g.len() * m * n);
                let be = &b[e * k * n..(e + 1) * k * n];
                gemm_into(
                    o.as_mut_slice::<f32>().map_err(internal)?,
                    xs,
                    k as isize,
                    1,
                    be,
                    n as isize,
                    1,
                    g.len() * m,
                    n,
                    k,
                    nb < rayon::current_num_threads(),
                );
                Ok((e, o))
            })
            .collect::<Result<_, BackendError>>()?;
        for (e, o) in blocks {
            let o = o.as_slice::<f32>().map_err(internal)?;
            for (j, &i) in groups[e].iter().enumerate() {
                res[i * m * n..(i + 1) * m * n].copy_from_slice(&o[j * m * n..(j + 1) * m * n]);
            }
        }
    }
    if let Some(st) = staging {
        let src = st.as_slice::<f32>().map_err(internal)?;
        let dst = out.as_mut_slice::<T>().map_err(internal)?;
        dst.par_iter_mut()
            .with_min_len(4096)
            .zip(src.par_iter().with_min_len(4096))
            .for_each(|(d, &s)| *d = T::from_f32(s));
    }
    Ok(output(out, call.shape))
}

/// `GatherQmm { group_size, bits, transpose }`: like [`gather_mm`] with a
/// quantized rhs; rows sharing an expert go through one `qmm`.
pub fn gather_qmm(group_size: usize, bits: usize, transpose: bool, call: &OpCall<'_>) -> KResult {
    match call.dtype {
        Dtype::Float32 => gather_qmm_typed::<f32>(group_size, bits, transpose, call),
        Dtype::Float16 => gather_qmm_typed::<f16>(group_size, bits, transpose, call),
        Dtype::Bfloat16 => gather_qmm_typed::<bf16>(group_size, bits, transpose, call),
        d => Err(unsupported(
            call.primitive,
            format!("gather_qmm supports float32, float16 and bfloat16, not {d}"),
        )),
    }
}

fn gather_qmm_typed<T: QFloat>(
    group_size: usize,
    bits: usize,
    transpose: bool,
    call: &OpCall<'_>,
) -> KResult {
    let (xd, wd) = (&call.inputs[0], &call.inputs[1]);
    let (xsz, wsz) = (xd.layout.shape(), wd.layout.shape());
    let (m, k) = (xsz[xsz.len() - 2], xsz[xsz.len() - 1]);
    let n = call.shape[call.shape.len() - 1];
    let na: usize = xsz[..xsz.len() - 2].iter().product();
    let nb: usize = wsz[..wsz.len() - 2].iter().product();
    let lhs = indices(&call.inputs[4], na, "gather_qmm", "lhs")?;
    let rhs = indices(&call.inputs[5], nb, "gather_qmm", "rhs")?;
    let x = f32_data::<T>(xd)?;
    let w = contiguous::<u32>(wd)?;
    let s = f32_data::<T>(&call.inputs[2])?;
    let b = f32_data::<T>(&call.inputs[3])?;
    let wel = w.len() / nb.max(1);
    let gel = s.len() / nb.max(1);
    let mut res = vec![0f32; lhs.len() * m * n];
    if m * n > 0 {
        let groups = by_expert(&rhs, nb);
        let inner_par = nb < rayon::current_num_threads();
        let blocks: Vec<(usize, Vec<f32>)> = groups
            .par_iter()
            .enumerate()
            .filter(|(_, g)| !g.is_empty())
            .map(|(e, g)| {
                let mut xa = Vec::with_capacity(g.len() * m * k);
                for &i in g {
                    xa.extend_from_slice(&x[lhs[i] * m * k..(lhs[i] + 1) * m * k]);
                }
                let mut o = vec![0f32; g.len() * m * n];
                let qm = QMat {
                    w: &w[e * wel..(e + 1) * wel],
                    s: &s[e * gel..(e + 1) * gel],
                    b: &b[e * gel..(e + 1) * gel],
                };
                qmm_any(
                    &xa,
                    &qm,
                    &mut o,
                    g.len() * m,
                    n,
                    k,
                    group_size,
                    bits,
                    transpose,
                    inner_par,
                    half_round::<T>(),
                );
                (e, o)
            })
            .collect();
        for (e, o) in blocks {
            for (j, &i) in groups[e].iter().enumerate() {
                res[i * m * n..(i + 1) * m * n].copy_from_slice(&o[j * m * n..(j + 1) * m * n]);
            }
        }
    }
    write_out::<T>(&res, call.dtype, call.shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_reads_a_bit_stream() {
        // codes 0..8 of 3 bits, packed by hand: 0,1,2,...,7
        let mut words = [0u32; 3];
        for i in 0..32usize {
            let v = (i % 8) as u64;
            let pos = i * 3;
            words[pos / 32] |= (v << (pos % 32)) as u32;
            if pos % 32 + 3 > 32 {
                words[pos / 32 + 1] |= (v >> (32 - pos % 32)) as u32;
            }
        }
        for i in 0..32 {
            assert_eq!(code(&words, i, 3), (i % 8) as u32);
        }
        let mut f = [0f32; 32];
        unpack::<3>(&words, &mut f);
        assert_eq!(f[9], 1.0);
    }

    #[test]
    fn group_params_keep_the_edge_exact() {
        let g: Vec<f32> = (0..32).map(|i| i as f32 - 3.0).collect();
        let (s, b) = group_params(&g, 15.0);
        // the larger-magnitude edge (28) maps exactly to a code
        assert!(((28.0 - b) / s).round() * s + b - 28.0 < 1e-5);
        assert!(s != 0.0);
    }

    /// `x @ dequant(w).T` in f64 from the unpacked codes, beside the
    /// largest term magnitude (for a tolerance).
    fn reference(
        x: &[f32],
        q: &QMat<'_>,
        m: usize,
        n: usize,
        k: usize,
        gs: usize,
        bits: usize,
    ) -> Vec<(f64, f64)> {
        let wpr = k * bits / 32;
        let mut out = Vec::new();
        for r in 0..m {
            for j in 0..n {
                let (mut acc, mut mag) = (0f64, 0f64);
                for i in 0..k {
                    let c = code(&q.w[j * wpr..(j + 1) * wpr], i, bits) as f64;
                    let g = j * (k / gs) + i / gs;
                    let t = x[r * k + i] as f64 * (c * q.s[g] as f64 + q.b[g] as f64);
                    acc += t;
                    mag += t.abs();
                }
                out.push((acc, mag));
            }
        }
        out
    }

    #[test]
    fn word_parallel_matvec_matches_the_dequantized_product() {
        let mut seed = 0x2545_f491u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as u32
        };
        for bits in [1usize, 2, 4, 8] {
            for gs in [32usize, 64, 128] {
                // 1..=7 output columns: whole and partial column blocks
                for (m, n) in [(1usize, 7usize), (3, 5), (2, 4), (1, 1)] {
                    let k = 512;
                    assert!(word_parallel(k, gs, bits));
                    let w: Vec<u32> = (0..n * k * bits / 32).map(|_| next()).collect();
                    let s: Vec<f32> = (0..n * k / gs)
                        .map(|_| (next() % 1000) as f32 * 1e-4 + 1e-3)
                        .collect();
                    let b: Vec<f32> = (0..n * k / gs)
                        .map(|_| (next() % 1000) as f32 * 1e-3 - 0.5)
                        .collect();
                    let x: Vec<f32> = (0..m * k)
                        .map(|_| (next() % 2000) as f32 * 1e-3 - 1.0)
                        .collect();
                    let q = QMat {
                        w: &w,
                        s: &s,
                        b: &b,
                    };
                    let want = reference(&x, &q, m, n, k, gs, bits);
                    let check = |got: &[f32], path: &str| {
                        for (i, (&g, &(v, mag))) in got.iter().zip(&want).enumerate() {
                            assert!(
                                (g as f64 - v).abs() <= 1e-5 * mag + 1e-6,
                                "{path}: bits {bits} group {gs} m {m} n {n} out {i}: {g} vs {v}"
                            );
                        }
                    };
                    // the dispatching kernel (x86 intrinsics where the CPU has them)
                    let mut out = vec![0f32; m * n];
                    qmm(&x, &q, &mut out, m, n, k, gs, bits, true, false);
                    check(&out, "dispatched");
                    let xp = interleave(&x, bits);
                    let xsum: Vec<f32> = x.chunks_exact(gs).map(|g| g.iter().sum()).collect();
                    // the AVX2 kernel, also on CPUs that would take AVX-512
                    #[cfg(target_arch = "x86_64")]
                    {
                        let a =
                            crate::qmv_x86::QmvArgs::new(&xp, &w, &s, &b, &xsum, m, k, gs, bits)
                                .expect("word-parallel operands");
                        let mut cols = vec![0f32; n * m];
                        if crate::qmv_x86::qmv_cols_on(&a, 0, &mut cols, false) {
                            let got: Vec<f32> =
                                (0..m * n).map(|i| cols[(i % n) * m + i / n]).collect();
                            check(&got, "avx2");
                        }
                    }
                    // the portable kernel, column by column (output transposed back)
                    let lg = (gs * bits / 32).min(LANES);
                    let mut cols = vec![0f32; n * m];
                    for (j, c) in cols.chunks_mut(m).enumerate() {
                        qmv_cols::<1>(bits, lg, &xp, &q, &xsum, j, c, k, gs);
                    }
                    let got: Vec<f32> = (0..m * n).map(|i| cols[(i % n) * m + i / n]).collect();
                    check(&got, "portable");
                }
            }
        }
    }

    #[test]
    fn dot_matches_the_plain_sum() {
        let a: Vec<f32> = (0..37).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..37).map(|i| 1.0 - i as f32 * 0.25).collect();
        let want: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - want).abs() < 1e-3);
    }
}
