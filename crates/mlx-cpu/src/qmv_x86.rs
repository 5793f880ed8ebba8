//! The word-parallel quantized matvec (see `quantized::qmv_rows`) written
//! with x86 vector intrinsics: AVX-512 when the CPU has it, else AVX2 + FMA.
//! The portable loop leaves the vectorization to LLVM, which splits the
//! lane loop into mixed-width pieces once several weight rows share it;
//! here each chunk of 16 packed words is one AVX-512 register (two AVX2
//! registers) and `C` weight rows run side by side on every activation
//! load, each with its own accumulator chain.
//!
//! Same arithmetic as the portable kernel, in the same order per lane:
//! code `jj` of each word is masked in place (the interleaved activation
//! carries `2^-(jj * BITS)`; the last code is shifted down), converted
//! exactly (`< 2^31`) and multiply-added; a chunk's partial sums are then
//! scaled by their group's scale.

use std::arch::x86_64::*;

/// Packed words per chunk (one AVX-512 register of `u32`).
const LANES: usize = 16;

/// The operands of one word-parallel matvec, checked once by [`QmvArgs::new`]
/// so that the kernels' unchecked loads stay in bounds.
pub(crate) struct QmvArgs<'a> {
    xp: &'a [f32],
    w: &'a [u32],
    s: &'a [f32],
    b: &'a [f32],
    xsum: &'a [f32],
    /// Rows of `x`.
    m: usize,
    k: usize,
    /// Output columns (rows of `w`).
    n: usize,
    /// Bits per code: the kernels are chosen by it, so that their strides
    /// are the ones the lengths were checked with.
    bits: usize,
    /// Packed words per row of `w`.
    wpr: usize,
    /// Packed words per group.
    wpg: usize,
    /// Groups per row.
    gpk: usize,
    /// Words per group, at most `LANES`: lanes sharing a scale.
    lg: usize,
}

impl<'a> QmvArgs<'a> {
    /// Operands for `m` rows of interleaved activations `xp` (`m * k`),
    /// packed rows `w` (`n` rows of `k * bits / 32` words), scales and
    /// biases (`n * k / group_size`) and per-group activation sums `xsum`
    /// (`m * k / group_size`). `None` when a length disagrees or the shape
    /// is not word-parallel (the caller then runs the portable kernel).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        xp: &'a [f32],
        w: &'a [u32],
        s: &'a [f32],
        b: &'a [f32],
        xsum: &'a [f32],
        m: usize,
        k: usize,
        group_size: usize,
        bits: usize,
    ) -> Option<QmvArgs<'a>> {
        if !matches!(bits, 1 | 2 | 4 | 8) || group_size == 0 || !k.is_multiple_of(group_size) {
            return None;
        }
        let wpr = k * bits / 32;
        let wpg = group_size * bits / 32;
        if !wpr.is_multiple_of(LANES) || wpr * 32 != k * bits || wpg == 0 || !wpg.is_power_of_two()
        {
            return None;
        }
        let gpk = k / group_size;
        let n = w.len() / wpr;
        let ok = xp.len() == m * k
            && w.len() == n * wpr
            && s.len() >= n * gpk
            && b.len() >= n * gpk
            && xsum.len() >= m * gpk;
        ok.then_some(QmvArgs {
            xp,
            w,
            s,
            b,
            xsum,
            m,
            k,
            n,
            bits,
            wpr,
            wpg,
            gpk,
            lg: wpg.min(LANES),
        })
    }

    /// Bias term of output `(r, j)`: `sum_g b[j, g] * sum(x[r, g])`.
    fn bias(&self, r: usize, j: usize) -> f32 {
        let gpk = self.gpk;
        self.b[j * gpk..(j + 1) * gpk]
            .iter()
            .zip(&self.xsum[r * gpk..(r + 1) * gpk])
            .map(|(b, s)| b * s)
            .sum()
    }

    /// `idx[i] = i / lg`: the scale each lane takes from the chunk's groups.
    fn scale_index(&self) -> [i32; LANES] {
        std::array::from_fn(|i| (i / self.lg) as i32)
    }
}

/// Output columns `j0..j0 + out.len() / m` for every row of `x`, column
/// after column in `out`, with the widest instruction set this CPU runs.
/// False (nothing written) when neither AVX-512 nor AVX2 + FMA is there, or
/// the columns lie outside `w`.
pub(crate) fn qmv_cols(a: &QmvArgs<'_>, j0: usize, out: &mut [f32]) -> bool {
    qmv_cols_on(a, j0, out, crate::simd::has_avx512())
}

/// [`qmv_cols`], taking the AVX-512 kernel only when `avx512` (which the
/// caller has checked the CPU runs); tests pass false to check the AVX2 one.
pub(crate) fn qmv_cols_on(a: &QmvArgs<'_>, j0: usize, out: &mut [f32], avx512: bool) -> bool {
    if a.m == 0 || !out.len().is_multiple_of(a.m) || j0 + out.len() / a.m > a.n {
        return false;
    }
    if avx512 && crate::simd::has_avx512() {
        for (t, o) in out.chunks_mut(4 * a.m).enumerate() {
            let j = j0 + 4 * t;
            // SAFETY: AVX-512 F/BW/DQ/VL were detected just above; `QmvArgs::new`
            // checked every operand's length and columns `j..j + o.len() / m`
            // lie within `w` (checked above).
            unsafe {
                match (a.bits, o.len() / a.m) {
                    (1, 4) => rows_avx512::<1, 4>(a, j, o),
                    (2, 4) => rows_avx512::<2, 4>(a, j, o),
                    (4, 4) => rows_avx512::<4, 4>(a, j, o),
                    (8, 4) => rows_avx512::<8, 4>(a, j, o),
                    (1, _) => o
                        .chunks_mut(a.m)
                        .zip(j..)
                        .for_each(|(o, j)| rows_avx512::<1, 1>(a, j, o)),
                    (2, _) => o
                        .chunks_mut(a.m)
                        .zip(j..)
                        .for_each(|(o, j)| rows_avx512::<2, 1>(a, j, o)),
                    (4, _) => o
                        .chunks_mut(a.m)
                        .zip(j..)
                        .for_each(|(o, j)| rows_avx512::<4, 1>(a, j, o)),
                    _ => o
                        .chunks_mut(a.m)
                        .zip(j..)
                        .for_each(|(o, j)| rows_avx512::<8, 1>(a, j, o)),
                }
            }
        }
        return true;
    }
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        for (t, o) in out.chunks_mut(2 * a.m).enumerate() {
            let j = j0 + 2 * t;
            // SAFETY: AVX2 and FMA were detected just above; lengths as for
            // the AVX-512 kernel.
            unsafe {
                match (a.bits, o.len() / a.m) {
                    (1, 2) => rows_avx2::<1, 2>(a, j, o),
                    (2, 2) => rows_avx2::<2, 2>(a, j, o),
                    (4, 2) => rows_avx2::<4, 2>(a, j, o),
                    (8, 2) => rows_avx2::<8, 2>(a, j, o),
                    (1, _) => rows_avx2::<1, 1>(a, j, o),
                    (2, _) => rows_avx2::<2, 1>(a, j, o),
                    (4, _) => rows_avx2::<4, 1>(a, j, o),
                    _ => rows_avx2::<8, 1>(a, j, o),
                }
            }
        }
        return true;
    }
    false
}

/// `C` output columns from `j0` (`out`: `C * m`, column after column).
///
/// # Safety
/// The CPU must run AVX-512 F/BW/DQ/VL; `a` must come from
/// [`QmvArgs::new`] and `j0 + C <= a.n`, `out.len() == C * a.m`.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
unsafe fn rows_avx512<const BITS: usize, const C: usize>(
    a: &QmvArgs<'_>,
    j0: usize,
    out: &mut [f32],
) {
    let per_word = 32 / BITS;
    let mask = ((1u64 << BITS) - 1) as u32;
    let (wpr, wpg, gpk) = (a.wpr, a.wpg, a.gpk);
    let idx_arr = a.scale_index();
    // SAFETY (this block and the loads below): every pointer offset stays
    // inside its slice. Rows `j0 + c < n` of `w` hold `wpr` words, read in
    // chunks `ci * LANES .. + LANES` for `ci < wpr / LANES`; row `r < m`
    // of `xp` holds `k = wpr * per_word` values, read in runs of `LANES`
    // at `ci * LANES * per_word + jj * LANES`; the masked scale load
    // touches lanes `g0 .. g0 + LANES / lg <= gpk` of row `j0 + c` only
    // (masked-off lanes are not accessed).
    unsafe {
        let idx = _mm512_loadu_si512(idx_arr.as_ptr().cast());
        let smask: __mmask16 = ((1u32 << (LANES / a.lg)) - 1) as __mmask16;
        let w = a.w.as_ptr();
        for r in 0..a.m {
            let xr = a.xp.as_ptr().add(r * a.k);
            let mut total = [_mm512_setzero_ps(); C];
            for ci in 0..wpr / LANES {
                let mut ws = [_mm512_setzero_si512(); C];
                for (c, wc) in ws.iter_mut().enumerate() {
                    *wc = _mm512_loadu_si512(w.add((j0 + c) * wpr + ci * LANES).cast());
                }
                let mut part = [_mm512_setzero_ps(); C];
                for jj in 0..per_word {
                    let xs = _mm512_loadu_ps(xr.add((ci * per_word + jj) * LANES));
                    let sh = (jj * BITS) as u32;
                    for c in 0..C {
                        let code = if jj + 1 == per_word {
                            _mm512_srlv_epi32(ws[c], _mm512_set1_epi32(sh as i32))
                        } else {
                            _mm512_and_si512(ws[c], _mm512_set1_epi32((mask << sh) as i32))
                        };
                        part[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(code), xs, part[c]);
                    }
                }
                let g0 = ci * LANES / wpg;
                for c in 0..C {
                    let s = _mm512_maskz_loadu_ps(smask, a.s.as_ptr().add((j0 + c) * gpk + g0));
                    let scale = _mm512_permutexvar_ps(idx, s);
                    total[c] = _mm512_fmadd_ps(part[c], scale, total[c]);
                }
            }
            for c in 0..C {
                out[c * a.m + r] = _mm512_reduce_add_ps(total[c]) + a.bias(r, j0 + c);
            }
        }
    }
}

/// [`rows_avx512`] on AVX2 registers: a chunk is two halves of 8 words.
///
/// # Safety
/// The CPU must run AVX2 and FMA; otherwise as [`rows_avx512`].
#[target_feature(enable = "avx2,fma")]
unsafe fn rows_avx2<const BITS: usize, const C: usize>(
    a: &QmvArgs<'_>,
    j0: usize,
    out: &mut [f32],
) {
    let per_word = 32 / BITS;
    let mask = ((1u64 << BITS) - 1) as u32;
    let (wpr, wpg, gpk) = (a.wpr, a.wpg, a.gpk);
    let idx_arr = a.scale_index();
    // the scales a chunk uses, as a 16-lane array (at most 16 groups)
    let groups = LANES / a.lg;
    // SAFETY: as in `rows_avx512`: all offsets stay within the slices
    // `QmvArgs::new` checked; the scales are read through safe indexing.
    unsafe {
        let idx_lo = _mm256_loadu_si256(idx_arr.as_ptr().cast());
        let idx_hi = _mm256_loadu_si256(idx_arr.as_ptr().add(8).cast());
        let w = a.w.as_ptr();
        for r in 0..a.m {
            let xr = a.xp.as_ptr().add(r * a.k);
            let mut total = [[_mm256_setzero_ps(); 2]; C];
            for ci in 0..wpr / LANES {
                let mut ws = [[_mm256_setzero_si256(); 2]; C];
                for (c, wc) in ws.iter_mut().enumerate() {
                    let p = w.add((j0 + c) * wpr + ci * LANES);
                    wc[0] = _mm256_loadu_si256(p.cast());
                    wc[1] = _mm256_loadu_si256(p.add(8).cast());
                }
                let mut part = [[_mm256_setzero_ps(); 2]; C];
                for jj in 0..per_word {
                    let base = (ci * per_word + jj) * LANES;
                    let xs = [
                        _mm256_loadu_ps(xr.add(base)),
                        _mm256_loadu_ps(xr.add(base + 8)),
                    ];
                    let sh = (jj * BITS) as i32;
                    for c in 0..C {
                        for h in 0..2 {
                            let code = if jj + 1 == per_word {
                                _mm256_srlv_epi32(ws[c][h], _mm256_set1_epi32(sh))
                            } else {
                                _mm256_and_si256(ws[c][h], _mm256_set1_epi32((mask << sh) as i32))
                            };
                            part[c][h] =
                                _mm256_fmadd_ps(_mm256_cvtepi32_ps(code), xs[h], part[c][h]);
                        }
                    }
                }
                let g0 = ci * LANES / wpg;
                for c in 0..C {
                    let row = &a.s[(j0 + c) * gpk + g0..(j0 + c) * gpk + g0 + groups];
                    let mut sv = [0f32; 8];
                    sv[..groups.min(8)].copy_from_slice(&row[..groups.min(8)]);
                    let s = _mm256_loadu_ps(sv.as_ptr());
                    let lo = _mm256_permutevar8x32_ps(s, idx_lo);
                    let hi = if groups > 8 {
                        // lanes 8..16 take groups 8..16 in order (lg == 1)
                        _mm256_loadu_ps(row[8..16].as_ptr())
                    } else {
                        _mm256_permutevar8x32_ps(s, idx_hi)
                    };
                    total[c][0] = _mm256_fmadd_ps(part[c][0], lo, total[c][0]);
                    total[c][1] = _mm256_fmadd_ps(part[c][1], hi, total[c][1]);
                }
            }
            for c in 0..C {
                let v = _mm256_add_ps(total[c][0], total[c][1]);
                let mut lanes = [0f32; 8];
                _mm256_storeu_ps(lanes.as_mut_ptr(), v);
                out[c * a.m + r] = lanes.iter().sum::<f32>() + a.bias(r, j0 + c);
            }
        }
    }
}
