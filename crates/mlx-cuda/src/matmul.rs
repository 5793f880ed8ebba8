//! Matmul through cuBLAS `cublasGemmStridedBatchedEx`: `float32`,
//! `float16` and `bfloat16` (both accumulating in `float32`) and `float64`.
//!
//! Row-major `C = A B` is computed as column-major `C^T = B^T A^T`, so a
//! row-major operand is passed untransposed and a transposed view (column-
//! major in memory) with `CUBLAS_OP_T`: neither is copied. Batch dimensions
//! must collapse to one stride per operand (broadcast batches have stride 0);
//! other layouts answer `Unsupported`.
//!
//! `float32` products run in full `float32` precision unless
//! [`CudaBackend::set_tf32`] allows TF32 tensor cores
//! (`CUBLAS_COMPUTE_32F_FAST_TF32`: inputs rounded to a 10-bit mantissa,
//! `float32` accumulation; MLX's own CUDA backend and PyTorch's
//! `allow_tf32` make the same trade).

use crate::{drv, CudaBackend, CudaBuffer, NAME};
use cudarc::cublas::sys::{
    cublasComputeType_t, cublasGemmAlgo_t, cublasOperation_t, cudaDataType_t,
};
use cudarc::cublas::{result as blas_result, CudaBlas};
use cudarc::driver::{DevicePtr, DevicePtrMut};
use mlx_core::backend::BackendError;
use mlx_core::{ArrayData, Dtype, Layout, OpCall, Primitive};
use std::ffi::c_void;
use std::sync::atomic::Ordering;

/// How one matrix operand is stored: transposed for cuBLAS or not, its
/// leading dimension and its batch stride (elements).
struct Operand {
    op: cublasOperation_t,
    ld: i64,
    batch_stride: i64,
}

/// The storage of the last two dimensions of `l` (`rows x cols`), seen as a
/// column-major cuBLAS operand, plus one batch stride over the leading ones.
fn operand(l: &Layout) -> Option<Operand> {
    let nd = l.ndim();
    let (shape, strides) = (l.shape(), l.strides());
    let (r, c) = (shape[nd - 2], shape[nd - 1]);
    let (s0, s1) = (strides[nd - 2], strides[nd - 1]);
    let (op, ld) = if (s1 == 1 || c <= 1) && (r <= 1 || s0 >= c as isize) {
        // Row-major: as column-major it is the transpose, `cols x rows`.
        let ld = if r > 1 { s0 as i64 } else { c as i64 };
        (cublasOperation_t::CUBLAS_OP_N, ld.max(1))
    } else if (s0 == 1 || r <= 1) && (c <= 1 || s1 >= r as isize) {
        let ld = if c > 1 { s1 as i64 } else { r as i64 };
        (cublasOperation_t::CUBLAS_OP_T, ld.max(1))
    } else {
        return None;
    };
    // Batch dims: one stride overall (size-1 dims are free).
    let mut batch_stride: Option<i64> = None;
    let mut expect: Option<i64> = None;
    for d in (0..nd - 2).rev() {
        if shape[d] == 1 {
            continue;
        }
        let s = strides[d] as i64;
        match (batch_stride, expect) {
            (None, _) => {
                batch_stride = Some(s);
                expect = Some(s * shape[d] as i64);
            }
            (Some(b), Some(e)) => {
                if s != e && !(b == 0 && s == 0) {
                    return None;
                }
                expect = Some(s * shape[d] as i64);
            }
            _ => return None,
        }
    }
    Some(Operand {
        op,
        ld,
        batch_stride: batch_stride.unwrap_or(0),
    })
}

impl CudaBackend {
    /// Allows (`true`) or forbids (`false`, the default) TF32 tensor cores
    /// for `float32` matmul: several times faster, with inputs rounded to
    /// a 10-bit mantissa (products then differ from the CPU's by about
    /// `1e-3` relative). `float16`/`bfloat16` always use tensor cores.
    ///
    /// ```
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) {
    ///     b.set_tf32(true);
    ///     assert!(b.tf32());
    /// }
    /// ```
    pub fn set_tf32(&self, on: bool) {
        self.tf32.store(on, Ordering::Relaxed);
    }

    /// True when `float32` matmul may use TF32 (see [`CudaBackend::set_tf32`]).
    ///
    /// ```
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) { assert!(!b.tf32()); }
    /// ```
    pub fn tf32(&self) -> bool {
        self.tf32.load(Ordering::Relaxed)
    }

    /// `None` when cuBLAS reads operand `x` of a product of shape `out` in
    /// place; otherwise a row-contiguous copy on the GPU (broadcast to the
    /// full batch shape): for partially broadcast batch dimensions, batch
    /// strides that are not uniform, and inner strides other than a row or
    /// a column.
    fn gemm_operand(
        &self,
        x: &ArrayData,
        out: &[usize],
    ) -> Result<Option<ArrayData>, BackendError> {
        let nd = out.len();
        let s = x.layout.shape();
        let bs = &s[..nd - 2];
        let partial = bs != &out[..nd - 2] && bs.iter().any(|&d| d != 1);
        if !partial && operand(&x.layout).is_some() {
            return Ok(None);
        }
        let mut full = out[..nd - 2].to_vec();
        full.extend_from_slice(&s[nd - 2..]);
        let view = ArrayData {
            layout: x.layout.broadcast_to(&full),
            ..x.clone()
        };
        self.copy(&OpCall {
            primitive: &Primitive::Copy,
            inputs: std::slice::from_ref(&view),
            shape: &full,
            dtype: x.dtype,
        })
        .map(Some)
    }

    pub(crate) fn matmul(&self, call: &OpCall<'_>) -> Result<ArrayData, BackendError> {
        let unsupported = |reason: &str| BackendError::Unsupported {
            backend: NAME,
            op: "Matmul".into(),
            reason: reason.into(),
        };
        let [a, b] = call.inputs else {
            return Err(unsupported("needs two inputs"));
        };
        let dt = call.dtype;
        let (data_type, compute) = match dt {
            Dtype::Float32 if self.tf32() => (
                cudaDataType_t::CUDA_R_32F,
                cublasComputeType_t::CUBLAS_COMPUTE_32F_FAST_TF32,
            ),
            Dtype::Float32 => (
                cudaDataType_t::CUDA_R_32F,
                cublasComputeType_t::CUBLAS_COMPUTE_32F,
            ),
            Dtype::Float16 => (
                cudaDataType_t::CUDA_R_16F,
                cublasComputeType_t::CUBLAS_COMPUTE_32F,
            ),
            Dtype::Bfloat16 => (
                cudaDataType_t::CUDA_R_16BF,
                cublasComputeType_t::CUBLAS_COMPUTE_32F,
            ),
            Dtype::Float64 => (
                cudaDataType_t::CUDA_R_64F,
                cublasComputeType_t::CUBLAS_COMPUTE_64F,
            ),
            _ => return Err(unsupported("dtype has no cuBLAS path")),
        };
        if a.dtype != dt || b.dtype != dt || a.buffer.dtype() != dt || b.buffer.dtype() != dt {
            return Err(unsupported("operand dtypes differ from the output's"));
        }
        let size = dt.size_of();
        let nd = call.shape.len();
        if nd < 2 || a.layout.ndim() != nd || b.layout.ndim() != nd {
            return Err(unsupported("operands of unequal rank"));
        }
        let (m, n) = (call.shape[nd - 2], call.shape[nd - 1]);
        let k = a.layout.shape()[nd - 1];
        let batch: usize = call.shape[..nd - 2].iter().product();
        let (sa, sb) = (a.layout.shape(), b.layout.shape());
        if sa[nd - 2] != m || sb[nd - 2] != k || sb[nd - 1] != n {
            return Err(unsupported("operand shapes do not match the output"));
        }
        // Operands cuBLAS cannot read in place (partially broadcast batch
        // dimensions, batch strides that are not uniform, inner strides
        // other than a row or column) are first copied to row-contiguous
        // temporaries on the GPU.
        let prepared_a = self.gemm_operand(a, call.shape)?;
        let prepared_b = self.gemm_operand(b, call.shape)?;
        let a = prepared_a.as_ref().unwrap_or(a);
        let b = prepared_b.as_ref().unwrap_or(b);
        let (Some(da), Some(db)) = (
            a.buffer.downcast_ref::<CudaBuffer>(),
            b.buffer.downcast_ref::<CudaBuffer>(),
        ) else {
            return Err(unsupported("input is not in CUDA memory"));
        };
        let (Some(oa), Some(ob)) = (operand(&a.layout), operand(&b.layout)) else {
            return Err(unsupported("operand layout cuBLAS cannot read"));
        };
        let count = m * n * batch;
        let mut out = self.alloc_bytes(count * size)?;
        if count > 0 && k == 0 {
            // An empty contraction is all zeros; allocations are uninitialised.
            self.stream
                .memset_zeros(&mut out)
                .map_err(|e| BackendError::from(drv(e)))?;
        }
        if count > 0 && k > 0 {
            let dims = [m, n, k, batch];
            if dims.iter().any(|&d| d > i32::MAX as usize)
                || [oa.ld, ob.ld].iter().any(|&l| l > i32::MAX as i64)
            {
                return Err(unsupported("dimension exceeds cuBLAS's int range"));
            }
            let mut blas = self.blas.lock();
            if blas.is_none() {
                // SAFETY: only tries to dlopen the cuBLAS library and drops it.
                if !unsafe { cudarc::cublas::sys::is_culib_present() } {
                    return Err(unsupported("cuBLAS library not found"));
                }
                let h = CudaBlas::new(self.stream.clone()).map_err(|e| BackendError::Failed {
                    backend: NAME,
                    message: format!("cublas: {e}"),
                })?;
                *blas = Some(h);
            }
            let Some(blas) = blas.as_ref() else {
                return Err(unsupported("cuBLAS unavailable"));
            };
            let (alpha32, beta32) = (1.0f32, 0.0f32);
            let (alpha64, beta64) = (1.0f64, 0.0f64);
            let (alpha, beta): (*const c_void, *const c_void) = if dt == Dtype::Float64 {
                (
                    (&alpha64 as *const f64).cast(),
                    (&beta64 as *const f64).cast(),
                )
            } else {
                (
                    (&alpha32 as *const f32).cast(),
                    (&beta32 as *const f32).cast(),
                )
            };
            let (pa, _ra) = da.slice.device_ptr(&self.stream);
            let (pb, _rb) = db.slice.device_ptr(&self.stream);
            let (pc, _rc) = out.device_ptr_mut(&self.stream);
            let pa = pa + (a.layout.offset() * size) as u64;
            let pb = pb + (b.layout.offset() * size) as u64;
            // SAFETY: the operand layouts were checked by `operand`: every
            // element cuBLAS reads through (op, ld, batch stride) from the
            // offset pointers is an element the input layouts address,
            // inside their buffers; C holds batch * m * n elements written
            // with ldc = n; alpha and beta live until the call returns and
            // have the compute type's scalar type (f64 for COMPUTE_64F,
            // else f32).
            unsafe {
                blas_result::gemm_strided_batched_ex(
                    *blas.handle(),
                    ob.op,
                    oa.op,
                    n as i32,
                    m as i32,
                    k as i32,
                    alpha,
                    pb as *const c_void,
                    data_type,
                    ob.ld as i32,
                    ob.batch_stride,
                    pa as *const c_void,
                    data_type,
                    oa.ld as i32,
                    oa.batch_stride,
                    beta,
                    pc as *mut c_void,
                    data_type,
                    n as i32,
                    (m * n) as i64,
                    batch as i32,
                    compute,
                    cublasGemmAlgo_t::CUBLAS_GEMM_DEFAULT,
                )
            }
            .map_err(|e| BackendError::Failed {
                backend: NAME,
                message: format!("cublas gemm ({dt}): {e}"),
            })?;
            self.count_launch();
        }
        Ok(ArrayData::contiguous(self.wrap(out, dt, count), call.shape))
    }
}
