//! # mlx-cpu
//!
//! The pure-Rust CPU backend: the project's correctness oracle and the
//! fallback of every other backend. Kernels are generic over the native
//! element type (one dtype dispatch macro, no copied match arms), have
//! contiguous fast paths the compiler vectorises, and split large work over
//! threads with rayon.
//!
//! ```
//! use mlx_core::backend::Backend;
//! let be = mlx_cpu::CpuBackend::new();
//! assert_eq!(be.name(), "cpu");
//! ```

mod conv;
mod creation;
mod elementwise;
pub mod fast_math;
mod fft;
mod fused;
mod indexing;
mod linalg;
mod matmul;
pub mod mmap;
mod norm;
mod num;
#[cfg(target_arch = "x86_64")]
mod qmv_x86;
mod quantized;
mod random;
mod reduce;
mod scan;
mod shape_ops;
pub mod simd;
mod softmax;
mod sort;
pub mod strided;

use mlx_core::backend::{register_backend, Backend, BackendError};
use mlx_core::{ArrayData, Buffer, Device, OpCall, Primitive};
use std::sync::{Arc, Once};

/// Elements below which a kernel stays on the calling thread.
pub const PARALLEL_THRESHOLD: usize = 1 << 15;

/// The CPU backend.
#[derive(Debug, Default, Clone, Copy)]
pub struct CpuBackend;

impl CpuBackend {
    /// A CPU backend.
    pub fn new() -> CpuBackend {
        CpuBackend
    }
}

/// Registers the CPU backend once per process (idempotent and cheap).
///
/// ```
/// mlx_cpu::install();
/// assert!(mlx_core::backend::backend_for(mlx_core::Device::cpu()).is_some());
/// ```
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| register_backend(Arc::new(CpuBackend)));
}

pub(crate) type KResult = Result<ArrayData, BackendError>;

pub(crate) fn unsupported(op: &Primitive, reason: impl Into<String>) -> BackendError {
    BackendError::Unsupported {
        backend: "cpu",
        op: op.name(),
        reason: reason.into(),
    }
}

pub(crate) fn failed(message: impl Into<String>) -> BackendError {
    BackendError::Failed {
        backend: "cpu",
        message: message.into(),
    }
}

/// Converts a core error met inside a kernel (a dtype mismatch between a
/// buffer and the dispatched type) into a backend failure.
pub(crate) fn internal(e: mlx_core::Error) -> BackendError {
    failed(e.to_string())
}

impl Backend for CpuBackend {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn device(&self) -> Device {
        Device::cpu()
    }

    fn eval(&self, call: &OpCall<'_>) -> KResult {
        for inp in call.inputs {
            if inp.buffer.as_host().is_none() {
                return Err(failed(format!(
                    "input buffer lives on {}, not the host",
                    inp.buffer.device()
                )));
            }
        }
        // An empty output has nothing to compute (kernels may then assume
        // non-empty rows and blocks); scatters still check their indices.
        if call.shape.contains(&0) && !matches!(call.primitive, Primitive::ScatterAxis { .. }) {
            let buf = mlx_core::HostBuffer::alloc(call.dtype, 0);
            return Ok(strided::output(buf, call.shape));
        }
        match call.primitive {
            Primitive::Unary(op) => elementwise::unary(*op, call),
            Primitive::Binary(op) => elementwise::binary(*op, call),
            Primitive::Select => elementwise::select(call),
            Primitive::AsType => elementwise::astype(call),
            Primitive::Copy => strided::copy(call),
            Primitive::Reduce { op, axes } => reduce::reduce(*op, axes, call),
            Primitive::ArgReduce { op, axis } => reduce::arg_reduce(*op, *axis, call),
            Primitive::Scan {
                op,
                axis,
                reverse,
                inclusive,
            } => scan::scan(*op, *axis, *reverse, *inclusive, call),
            Primitive::Gather { axis } => indexing::gather(*axis, call),
            Primitive::GatherAxis { axis } => indexing::gather_axis(*axis, call),
            Primitive::ScatterAxis { op, axis } => indexing::scatter_axis(*op, *axis, call),
            Primitive::SearchSorted { right } => indexing::searchsorted(*right, call),
            Primitive::Sort { axis } => sort::sort(*axis, call),
            Primitive::ArgSort { axis } => sort::argsort(*axis, call),
            Primitive::Partition { axis, kth } => sort::partition(*axis, *kth, call),
            Primitive::ArgPartition { axis, kth } => sort::argpartition(*axis, *kth, call),
            Primitive::Softmax { precise } => softmax::softmax(*precise, call),
            Primitive::Matmul => matmul::matmul(call),
            Primitive::Quantize {
                group_size,
                bits,
                part,
            } => quantized::quantize(*group_size as usize, *bits as usize, *part, call),
            Primitive::Dequantize { group_size, bits } => {
                quantized::dequantize(*group_size as usize, *bits as usize, call)
            }
            Primitive::QuantizedMatmul {
                group_size,
                bits,
                transpose,
            } => {
                quantized::quantized_matmul(*group_size as usize, *bits as usize, *transpose, call)
            }
            Primitive::GatherMm => quantized::gather_mm(call),
            Primitive::GatherQmm {
                group_size,
                bits,
                transpose,
            } => quantized::gather_qmm(*group_size as usize, *bits as usize, *transpose, call),
            Primitive::Arange { start, step } => creation::arange(*start, *step, call),
            Primitive::Eye { k } => creation::eye(*k, call),
            Primitive::Tri { k } => creation::tri(*k, call),
            Primitive::RandomBits { width } => random::random_bits(*width, call),
            Primitive::Concatenate { axis } => shape_ops::concatenate(*axis, call),
            Primitive::Pad { low, value } => shape_ops::pad(low, *value, call),
            Primitive::Fused(expr) => fused::fused(expr, call),
            Primitive::View => shape_ops::view(call),
            Primitive::RmsNorm { eps } => norm::rms_norm(*eps, call),
            Primitive::Inverse { tri, upper } => linalg::factor(
                linalg::Factor::Inverse {
                    tri: *tri,
                    upper: *upper,
                },
                call,
            ),
            Primitive::Cholesky { upper } => {
                linalg::factor(linalg::Factor::Cholesky { upper: *upper }, call)
            }
            Primitive::Qr { part } => linalg::factor(linalg::Factor::Qr(*part), call),
            Primitive::Svd { part } => linalg::factor(linalg::Factor::Svd(*part), call),
            Primitive::Eigh { upper, part } => linalg::factor(
                linalg::Factor::Eigh {
                    upper: *upper,
                    part: *part,
                },
                call,
            ),
            Primitive::Lu { part } => linalg::factor(linalg::Factor::Lu(*part), call),
            Primitive::SolveTriangular { upper } => {
                linalg::factor(linalg::Factor::SolveTriangular { upper: *upper }, call)
            }
            Primitive::Convolution {
                stride,
                padding_lo,
                kernel_dilation,
                input_dilation,
                groups,
                flip,
                ..
            } => conv::convolution(
                &conv::ConvParams {
                    stride,
                    padding_lo,
                    kernel_dilation,
                    input_dilation,
                    groups: *groups,
                    flip: *flip,
                },
                call,
            ),
            Primitive::Fft {
                axes,
                inverse,
                real,
            } => fft::fft(axes, *inverse, *real, call),
            p => Err(unsupported(
                p,
                "view, constant and transfer nodes are resolved by the scheduler",
            )),
        }
    }

    fn download(&self, buffer: &Buffer) -> Result<Buffer, BackendError> {
        Ok(buffer.clone())
    }

    fn fuses(&self) -> bool {
        true
    }

    fn upload(&self, buffer: &Buffer) -> Result<Buffer, BackendError> {
        Ok(buffer.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlx_core::{Dtype, HostBuffer, ReduceOp, ScanOp};

    /// Calls whose output is empty return an empty array of the right
    /// shape and dtype (no kernel runs; some assume non-empty blocks).
    #[test]
    fn empty_outputs_are_returned_without_running_kernels() {
        let x = ArrayData::contiguous(
            Buffer::new(HostBuffer::alloc(Dtype::Float32, 0)),
            &[3, 0, 5],
        );
        let prims = [
            (
                Primitive::Reduce {
                    op: ReduceOp::Sum,
                    axes: vec![0],
                },
                vec![1, 0, 5],
                Dtype::Float32,
            ),
            (
                Primitive::Scan {
                    op: ScanOp::Sum,
                    axis: 2,
                    reverse: false,
                    inclusive: true,
                },
                vec![3, 0, 5],
                Dtype::Float32,
            ),
            (Primitive::Copy, vec![3, 0, 5], Dtype::Float32),
        ];
        for (p, shape, dtype) in &prims {
            let out = CpuBackend
                .eval(&OpCall {
                    primitive: p,
                    inputs: std::slice::from_ref(&x),
                    shape,
                    dtype: *dtype,
                })
                .unwrap();
            assert_eq!(out.layout.shape(), shape.as_slice(), "{p:?}");
            assert_eq!(out.dtype, *dtype);
            assert_eq!(out.buffer.as_host().unwrap().bytes().len(), 0);
        }
    }
}
