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

/// Outputs at least this large are written with non-temporal stores by
/// [`copy_streaming`]: they cannot stay in cache anyway, and streaming
/// them skips the read each cache line costs before it is written.
pub const STREAMING_BYTES: usize = 16 << 20;

/// Copies `src` into `dst` (equal lengths) with non-temporal stores when
/// the CPU has AVX and `dst` is 32-byte aligned and whole 32-byte lines;
/// a plain copy otherwise. Call [`store_fence`] before another thread
/// reads what was streamed.
///
/// ```
/// let src = vec![1.5f32; 64];
/// let mut dst = vec![0f32; 64];
/// mlx_cpu::simd::copy_streaming(&src, &mut dst);
/// mlx_cpu::simd::store_fence();
/// assert_eq!(src, dst);
/// ```
pub fn copy_streaming<T: Copy>(src: &[T], dst: &mut [T]) {
    #[cfg(target_arch = "x86_64")]
    {
        let bytes = std::mem::size_of_val(dst);
        if src.len() == dst.len()
            && bytes.is_multiple_of(32)
            && (dst.as_ptr() as usize).is_multiple_of(32)
            && std::arch::is_x86_feature_detected!("avx")
        {
            // SAFETY: AVX was detected; `src` and `dst` are distinct slices
            // (one shared, one exclusive borrow) of `bytes` bytes each, and
            // `dst` is 32-byte aligned as the streaming store requires.
            unsafe { stream_avx(src.as_ptr().cast(), dst.as_mut_ptr().cast(), bytes) };
            return;
        }
    }
    dst.copy_from_slice(src)
}

/// Orders this thread's streamed stores before its later stores (a no-op
/// off x86).
pub fn store_fence() {
    // SAFETY: SSE is part of every x86-64 CPU.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::x86_64::_mm_sfence()
    };
}

/// `bytes` bytes from `src` to `dst` in 32-byte non-temporal stores.
///
/// # Safety
/// The CPU runs AVX; `src` and `dst` are valid for `bytes` bytes and do not
/// overlap; `dst` is 32-byte aligned; `bytes` is a multiple of 32.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn stream_avx(src: *const u8, dst: *mut u8, bytes: usize) {
    use std::arch::x86_64::{__m256i, _mm256_loadu_si256, _mm256_stream_si256};
    for i in (0..bytes).step_by(32) {
        // SAFETY: `i + 32 <= bytes` (a multiple of 32); see the contract.
        unsafe {
            let v = _mm256_loadu_si256(src.add(i).cast::<__m256i>());
            _mm256_stream_si256(dst.add(i).cast::<__m256i>(), v);
        }
    }
}

/// Asks the CPU to bring `s` into its caches ahead of use (a hint: no
/// effect on results; nothing off x86).
pub fn prefetch<T>(s: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let p = s.as_ptr().cast::<i8>();
        for off in (0..std::mem::size_of_val(s)).step_by(64) {
            // SAFETY: `off` lies inside `s`; a prefetch reads nothing.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.add(off)) };
        }
    }
}
