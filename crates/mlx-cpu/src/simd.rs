//! Runtime selection of the widest vector instruction set: kernels are plain
//! Rust loops, compiled once for the build's baseline (x86-64-v3 here) and
//! once more inside [`vectorized`] with AVX-512 enabled, which is taken when
//! the CPU has it. One dispatch point serves every elementwise kernel.

/// Runs `f` with its loops compiled for AVX-512 when this CPU supports it,
/// otherwise as compiled for the build's baseline. Results are identical:
/// only the vector width changes.
///
/// ```
/// let v: Vec<f32> = (0..100).map(|i| i as f32).collect();
/// let s: f32 = mlx_cpu::simd::vectorized(|| v.iter().map(|x| x * 2.0).sum());
/// assert_eq!(s, 9900.0);
/// ```
#[inline(always)]
pub fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx512() {
            // SAFETY: `with_avx512` only requires the AVX-512 F/BW/DQ/VL
            // instructions it is compiled for, and `has_avx512` checked at
            // run time that this CPU executes them.
            return unsafe { with_avx512(f) };
        }
    }
    f()
}

/// True when the CPU runs AVX-512 F, BW, DQ and VL (detected once, cached by std).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub fn has_avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512dq")
        && std::arch::is_x86_feature_detected!("avx512vl")
}

/// `f()`, with `f` inlined into a body compiled for AVX-512.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
unsafe fn with_avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}
