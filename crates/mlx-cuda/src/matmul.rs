//! `float32` matmul through cuBLAS `sgemm` (strided batched).
//!
//! Row-major `C = A B` is computed as column-major `C^T = B^T A^T`, so a
//! row-major operand is passed untransposed and a transposed view (column-
//! major in memory) with `CUBLAS_OP_T`: neither is copied. Batch dimensions
//! must collapse to one stride per operand (broadcast batches have stride 0);
//! other layouts answer `Unsupported`.

use crate::{drv, CudaBackend, CudaBuffer, NAME};
use cudarc::cublas::sys::cublasOperation_t;
use cudarc::cublas::{CudaBlas, Gemm, GemmConfig, StridedBatchedConfig};
use mlx_core::backend::BackendError;
use mlx_core::{ArrayData, Dtype, Layout, OpCall};

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
    pub(crate) fn matmul(&self, call: &OpCall<'_>) -> Result<ArrayData, BackendError> {
        let unsupported = |reason: &str| BackendError::Unsupported {
            backend: NAME,
            op: "Matmul".into(),
            reason: reason.into(),
        };
        let [a, b] = call.inputs else {
            return Err(unsupported("needs two inputs"));
        };
        if call.dtype != Dtype::Float32
            || a.dtype != Dtype::Float32
            || b.dtype != Dtype::Float32
            || a.buffer.dtype() != Dtype::Float32
            || b.buffer.dtype() != Dtype::Float32
        {
            return Err(unsupported("only float32 runs on cuBLAS yet"));
        }
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
        for s in [sa, sb] {
            let bs = &s[..nd - 2];
            if bs != &call.shape[..nd - 2] && bs.iter().any(|&d| d != 1) {
                return Err(unsupported("partially broadcast batch dimensions"));
            }
        }
        let (Some(da), Some(db)) = (
            a.buffer.downcast_ref::<CudaBuffer>(),
            b.buffer.downcast_ref::<CudaBuffer>(),
        ) else {
            return Err(unsupported("input is not in CUDA memory"));
        };
        let (Some(oa), Some(ob)) = (operand(&a.layout), operand(&b.layout)) else {
            return Err(unsupported("operand layout needs a copy"));
        };
        let count = m * n * batch;
        let mut out = self.alloc_bytes(count * 4)?;
        if count > 0 && k == 0 {
            // An empty contraction is all zeros; allocations are uninitialised.
            self.stream
                .memset_zeros(&mut out)
                .map_err(|e| BackendError::from(drv(e)))?;
        }
        if count > 0 && k > 0 {
            let dims = [m, n, k, batch];
            if dims.iter().any(|&d| d > i32::MAX as usize) {
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
            let cfg = StridedBatchedConfig {
                gemm: GemmConfig {
                    transa: ob.op,
                    transb: oa.op,
                    m: n as i32,
                    n: m as i32,
                    k: k as i32,
                    alpha: 1.0f32,
                    lda: ob.ld as i32,
                    ldb: oa.ld as i32,
                    beta: 0.0f32,
                    ldc: n as i32,
                },
                batch_size: batch as i32,
                stride_a: ob.batch_stride,
                stride_b: oa.batch_stride,
                stride_c: (m * n) as i64,
            };
            let va = da.slice.slice(a.layout.offset() * 4..);
            let vb = db.slice.slice(b.layout.offset() * 4..);
            // SAFETY: f32 data stored as bytes is reinterpreted as f32 (the
            // buffers hold float32 and cudaMalloc aligns to 256 bytes; the
            // offsets are whole elements). The counts only bound the views.
            let (ta, tb) = unsafe {
                (
                    va.transmute::<f32>(va.len() / 4),
                    vb.transmute::<f32>(vb.len() / 4),
                )
            };
            let (Some(ta), Some(tb)) = (ta, tb) else {
                return Err(unsupported("view"));
            };
            // SAFETY: as above for the freshly allocated output of count f32s.
            let tc = unsafe { out.transmute_mut::<f32>(count) };
            let Some(mut tc) = tc else {
                return Err(unsupported("view"));
            };
            // SAFETY: the operand layouts were checked by `operand`: every
            // element cuBLAS reads through (op, ld, batch stride) is an
            // element the input layouts address, inside their buffers, and C
            // holds batch * m * n elements written with ldc = n.
            unsafe { blas.gemm_strided_batched(cfg, &tb, &ta, &mut tc) }.map_err(|e| {
                BackendError::Failed {
                    backend: NAME,
                    message: format!("cublas sgemm: {e}"),
                }
            })?;
        }
        Ok(ArrayData::contiguous(
            self.wrap(out, Dtype::Float32, count),
            call.shape,
        ))
    }
}
