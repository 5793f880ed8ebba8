//! # mlx-ops
//!
//! The user-facing [`Tensor`] and every op's definition: its shape rule, its
//! dtype rule (MLX's promotion, weak scalars, float conversion of integer
//! inputs to float math) and its errors. Ops build graph nodes and compute
//! nothing; [`Tensor::eval`] or [`eval`] materialises them on the tensor's
//! device (the CPU backend by default, always available as the fallback).
//!
//! ```
//! use mlx_ops::{Tensor, Dtype};
//! let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3])?;
//! let y = (&x * 2.0)?.exp()?.sum(mlx_ops::ALL, false)?; // lazy
//! assert_eq!(y.dtype(), Dtype::Float32);
//! let v: f32 = y.item()?;                                 // evaluates
//! assert!((v - (2f32.exp() + 4f32.exp() + 6f32.exp())).abs() < 1e-2);
//! # Ok::<(), mlx_ops::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod batching;
mod binary;
mod conv;
mod creation;
pub mod derivatives;
mod display;
mod einsum;
pub mod fast;
pub mod fft;
mod indexing;
pub mod linalg;
mod operand;
mod operators;
pub mod quantized;
pub mod random;
mod reduce;
mod scan;
mod shape_ops;
mod softmax;
mod sort;
mod unary;

pub use conv::convolve;
pub use creation::meshgrid;
pub use einsum::einsum;
pub use mlx_core::{
    default_device, memory, set_default_device, Array, Context, Device, DeviceKind, Dtype, Element,
    Error, Result, Scalar,
};
pub use operand::{Axes, Operand, ALL};
pub use quantized::{dequantize, gather_mm, gather_qmm, quantize, quantized_matmul};
pub use shape_ops::{broadcast_arrays, concatenate, stack};
pub use sort::Unique;

use mlx_core::{ArrayData, Primitive};

/// A lazy n-dimensional array with MLX semantics.
///
/// Cloning is cheap (a shared handle to one graph node); `Tensor` is `Send +
/// Sync`. Shape and dtype are known at once; values exist after evaluation.
///
/// ```
/// use mlx_ops::{Dtype, Tensor};
/// let a = Tensor::arange(0.0, 6.0, 1.0, Some(Dtype::Float32))?.reshape(&[2, 3])?;
/// assert_eq!(a.shape(), &[2, 3]);
/// assert_eq!(a.transpose(&[1, 0])?.to_vec::<f32>()?, vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Tensor(Array);

/// Makes sure the CPU backend (the fallback of every device) is registered.
#[inline]
fn runtime() {
    mlx_cpu::install();
}

/// Evaluates several tensors together, sharing their common subgraphs
/// (MLX's `mx.eval`).
///
/// ```
/// use mlx_ops::{eval, Tensor};
/// let a = Tensor::scalar(1.0f32);
/// let b = (&a + 1.0)?;
/// let c = (&a + 2.0)?;
/// eval(&[&b, &c])?;
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn eval(tensors: &[&Tensor]) -> Result<()> {
    runtime();
    let arrays: Vec<&Array> = tensors.iter().map(|t| &t.0).collect();
    mlx_core::eval(&arrays)
}

/// Starts evaluating tensors on the evaluation worker thread and returns a
/// runtime-agnostic [`Future`](std::future::Future) that resolves when they
/// are materialised (see [`mlx_core::eval_async`]; requests run in order).
///
/// ```
/// use mlx_ops::{eval_async, Tensor};
/// let a = Tensor::scalar(1.0f32);
/// let b = (&a + 1.0)?;
/// let pending = eval_async(&[&b]);
/// // ... build more graph here while `b` evaluates ...
/// pending.wait()?; // or `.await` it in any executor
/// assert_eq!(b.item::<f32>()?, 2.0);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn eval_async(tensors: &[&Tensor]) -> mlx_core::EvalFuture {
    runtime();
    let arrays: Vec<&Array> = tensors.iter().map(|t| &t.0).collect();
    mlx_core::eval_async(&arrays)
}

impl Tensor {
    /// Wraps a raw runtime handle.
    pub fn from_array(a: Array) -> Tensor {
        Tensor(a)
    }

    /// The raw runtime handle.
    pub fn array(&self) -> &Array {
        &self.0
    }

    /// Builds a node: the one way ops add to the graph.
    pub(crate) fn op(
        op: &'static str,
        prim: Primitive,
        inputs: &[&Tensor],
        shape: Vec<usize>,
        dtype: Dtype,
    ) -> Result<Tensor> {
        let arrays: smallvec::SmallVec<[&Array; 4]> = inputs.iter().map(|t| &t.0).collect();
        Array::from_op(op, prim, &arrays, shape, dtype).map(Tensor)
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        self.0.shape()
    }
    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.0.ndim()
    }
    /// Number of elements.
    pub fn size(&self) -> usize {
        self.0.size()
    }
    /// Size of one (possibly negative) axis.
    pub fn dim(&self, axis: i64) -> Result<usize> {
        let ax = mlx_core::shape::normalize_axis("dim", axis, self.ndim())?;
        Ok(self.shape()[ax])
    }
    /// Element type.
    pub fn dtype(&self) -> Dtype {
        self.0.dtype()
    }
    /// Device.
    pub fn device(&self) -> Device {
        self.0.device()
    }
    /// Bytes the elements take (`size * dtype.size_of()`).
    pub fn nbytes(&self) -> usize {
        self.size() * self.dtype().size_of()
    }

    /// Evaluates the tensor (and everything it depends on that is not yet
    /// evaluated).
    pub fn eval(&self) -> Result<()> {
        runtime();
        self.0.eval()
    }

    /// True once the value is materialised.
    pub fn is_evaluated(&self) -> bool {
        self.0.is_evaluated()
    }

    /// Evaluates and returns the value: buffer and strided layout.
    pub fn data(&self) -> Result<ArrayData> {
        runtime();
        self.0.data()
    }

    /// Evaluates and copies the elements out in row-major order. `T` must be
    /// the tensor's dtype (convert with [`Tensor::astype`] first).
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        runtime();
        self.0.to_vec()
    }

    /// The value of a one-element tensor.
    pub fn item<T: Element>(&self) -> Result<T> {
        runtime();
        self.0.item()
    }

    /// A lazy copy on another device (an explicit transfer node).
    pub fn to_device(&self, device: Device) -> Result<Tensor> {
        self.0.to_device(device).map(Tensor)
    }

    /// True when both handles name the same graph node.
    pub fn same_node(&self, other: &Tensor) -> bool {
        self.0.same_node(&other.0)
    }
}

/// The Graphviz DOT text of the graph behind `tensors` (`mx.export_to_dot`).
///
/// ```
/// use mlx_ops::{export_to_dot, Tensor};
/// let x = Tensor::scalar(1.0f32);
/// let y = x.exp()?;
/// assert!(export_to_dot(&[&y]).contains("Exp"));
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn export_to_dot(tensors: &[&Tensor]) -> String {
    let arrays: Vec<&Array> = tensors.iter().map(|t| &t.0).collect();
    mlx_core::export_to_dot(&arrays)
}

/// Shape equality without a `memcmp` call: shapes are short, and this
/// comparison sits on the per-op build path.
#[inline]
pub(crate) fn same_shape(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}
