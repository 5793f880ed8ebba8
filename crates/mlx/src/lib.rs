//! # oxidized MLX
//!
//! Lazy tensors with Apple MLX's semantics, owned by Rust: ops build a graph
//! and compute nothing; [`eval`] (or reading a value) materialises it on the
//! tensor's device. The CPU backend is always present and is the fallback of
//! every other backend.
//!
//! ```
//! use mlx::prelude::*;
//! let x = Tensor::arange(0.0, 4.0, 1.0, Some(Dtype::Float32))?.reshape(&[2, 2])?;
//! let y = x.matmul(&x.transpose(&[])?)?.softmax(-1, false)?;
//! assert_eq!(y.shape(), &[2, 2]);
//! let rows = y.sum(-1, false)?.to_vec::<f32>()?;
//! assert!(rows.iter().all(|r| (r - 1.0).abs() < 1e-6));
//! # Ok::<(), mlx::Error>(())
//! ```
//!
//! ## Crates
//! * `mlx-core`: dtypes, layouts, buffers, the graph arena, the scheduler and
//!   the `Backend` trait.
//! * `mlx-ops`: the [`Tensor`] API and every op's shape and dtype rule.
//! * `mlx-cpu`: the CPU backend.
//! * `mlx-autograd`: function transforms (`grad`, `vjp`, `jvp`, ...).
//! * `mlx-io` (feature `io`): safetensors, npy and npz files ([`io`]).
//! * `mlx-optim` (feature `optim`): optimizers, schedules and gradient
//!   clipping over parameter trees ([`optim`]).
//! * `mlx-nn` (feature `nn`): modules, layers, activations, initializers
//!   and losses ([`nn`]).
//!
//! ## Features
//! * `cpu` (default): the CPU backend. It is always compiled, because it is
//!   the fallback of every other backend; the feature exists so that
//!   `default-features = false` builds read the same as those with `ffi` or
//!   `cuda` backends.
//! * `io` (default): [`io`], `mx.load` / `mx.save*` (`mlx-io`).
//! * `optim` (default, implies `io`): [`optim`], `mlx.optimizers`
//!   (`mlx-optim`).
//! * `nn` (default): [`nn`], `mlx.nn` (`mlx-nn`).
//! * `ffi`: the FFI backend over upstream MLX 0.32.4 (`mlx::ffi`,
//!   `mlx-ffi`): call `mlx::ffi::register()` and put tensors on
//!   `mlx::ffi::DEVICE`; needs MLX at build time (crates/mlx-ffi/README.md).
//! * `cuda`: the native CUDA backend (`mlx::cuda`, `mlx-cuda`): call
//!   `mlx::cuda::register(0)` and put tensors on `cuda:0`; builds anywhere,
//!   the driver is loaded at run time (crates/mlx-cuda/README.md).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use mlx_autograd::{
    checkpoint, compile, custom_function, grad, jvp, value_and_grad, value_and_grad_tree, vjp,
    vmap, Tree,
};
pub use mlx_core::{
    default_device, memory, set_default_device, Array, ArrayData, Buffer, Context, ContextGuard,
    Device, DeviceKind, Dtype, Element, Error, EvalFuture, HostBuffer, Layout, Result, Scalar,
    Stats,
};
pub use mlx_ops::{
    broadcast_arrays, concatenate, dequantize, einsum, eval, eval_async, export_to_dot, fast, fft,
    gather_mm, gather_qmm, linalg, meshgrid, quantize, quantized, quantized_matmul, random, stack,
    Axes, Operand, Tensor, ALL,
};

/// Backends: the trait, the registry and the CPU backend.
pub mod backend {
    pub use mlx_core::backend::*;
    pub use mlx_cpu::CpuBackend;
}

/// The FFI backend over upstream MLX (feature `ffi`).
#[cfg(feature = "ffi")]
pub use mlx_ffi as ffi;

/// The native CUDA backend (feature `cuda`): call `mlx::cuda::register(0)`
/// and put tensors on `Device::new(DeviceKind::Cuda, 0)`.
#[cfg(feature = "cuda")]
pub use mlx_cuda as cuda;

/// Array files: safetensors with metadata, npy and npz (`mx.load`,
/// `mx.save`, `mx.savez`, `mx.save_safetensors`).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let x = mlx::Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
/// mlx::io::save_npy(dir.path().join("x.npy"), &x)?;
/// assert_eq!(mlx::io::load_npy(dir.path().join("x.npy"))?.to_vec::<f32>()?, vec![1.0, 2.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "io")]
pub mod io {
    pub use mlx_io::*;
}

/// Optimizers over parameter trees, learning-rate schedules and gradient
/// clipping (`mlx.optimizers`).
///
/// ```
/// use mlx::optim::{Optimizer, Sgd, SgdOptions};
/// use mlx::{Tensor, Tree};
/// let p = Tree::dict([("w", Tree::leaf(Tensor::from_slice(&[1.0f32], &[1])?))]);
/// let mut opt = Sgd::new(0.5, SgdOptions::default())?;
/// let p = opt.apply_gradients(&p, &p)?;
/// assert_eq!(p.leaves()[0].to_vec::<f32>()?, vec![0.5]);
/// # Ok::<(), mlx::Error>(())
/// ```
#[cfg(feature = "optim")]
pub mod optim {
    pub use mlx_optim::*;
}

/// The names most programs need.
pub mod prelude {
    pub use crate::{concatenate, eval, stack, Axes, Device, Dtype, Error, Result, Tensor, ALL};
}

/// Neural-network modules, layers, activations, initializers and losses
/// (`mlx.nn`).
///
/// ```
/// use mlx::nn::{Forward, Linear, Module};
/// let mut l = Linear::new(3, 2, true)?;
/// assert_eq!(l.parameters().flatten_keys(), ["bias", "weight"]);
/// let y = l.forward(&mlx::Tensor::ones(&[4, 3], mlx::Dtype::Float32)?)?;
/// assert_eq!(y.shape(), &[4, 2]);
/// # Ok::<(), mlx::Error>(())
/// ```
#[cfg(feature = "nn")]
pub mod nn {
    pub use mlx_nn::*;
}
