//! # mlx-core
//!
//! The lazy tensor runtime of oxidized MLX: natively stored [`Dtype`]s with
//! MLX's promotion rules, strided [`Layout`]s, backend-owned [`Buffer`]s, the
//! graph arena behind every [`Array`], the topological scheduler ([`eval`])
//! and the [`Backend`](backend::Backend) trait that CPU, FFI and GPU backends
//! implement.
//!
//! Ops that build nodes live in `mlx-ops`; the CPU kernels in `mlx-cpu`.
//!
//! ```
//! use mlx_core::{Array, Dtype};
//! let a = Array::from_slice(&[1.0f32, 2.0], &[2]).unwrap();
//! assert_eq!(a.dtype(), Dtype::Float32);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod array;
pub mod backend;
mod buffer;
mod device;
mod dot;
mod dtype;
mod error;
mod eval_async;
pub mod fusion;
pub mod graph;
mod layout;
pub mod layout_iter;
mod primitive;
mod scalar;
mod scheduler;
pub mod shape;

pub use array::{gather, host_buffer, Array};
pub use buffer::{memory, ArrayData, Buffer, DeviceBuffer, ExternalBytes, HostBuffer};
pub use device::{default_device, set_default_device, Device, DeviceKind};
pub use dot::export_to_dot;
pub use dtype::{Bool8, Dtype, DtypeKind, Element, Native};
pub use error::{Error, Result};
pub use eval_async::{eval_async, EvalFuture};
pub use graph::{Context, ContextGuard, Stats};
pub use layout::Layout;
pub use primitive::{
    ArgReduceOp, BinaryOp, CustomCall, OpCall, Primitive, ReduceOp, ScanOp, ScatterOp, UnaryOp,
};
pub use scalar::{FromScalar, Scalar};
pub use scheduler::eval;

#[doc(hidden)]
pub use half;
#[doc(hidden)]
pub use num_complex;
