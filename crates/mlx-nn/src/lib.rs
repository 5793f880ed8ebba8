//! # mlx-nn
//!
//! Neural-network building blocks with MLX's `mlx.nn` semantics: the
//! [`Module`] trait (named parameter [`Tree`]s, `update`, freeze/unfreeze,
//! train/eval, weight files whose keys are MLX's), layers, activations,
//! [initializers](init) and [losses].
//!
//! Training threads the trainable parameters through
//! [`value_and_grad`] and an `mlx-optim` optimizer:
//!
//! ```
//! use mlx_nn::{losses, Forward, Linear, Module};
//! use mlx_ops::{eval, Tensor};
//! use mlx_optim::{Optimizer, Sgd, SgdOptions};
//! let mut model = Linear::new(1, 1, true)?;
//! let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3, 1])?;
//! let y = Tensor::from_slice(&[2.0f32, 4.0, 6.0], &[3, 1])?;
//! let mut opt = Sgd::new(0.05, SgdOptions::default())?;
//! let loss_of = |m: &mut Linear| losses::mse_loss(&m.forward(&x)?, &y, losses::Reduction::Mean);
//! let first = loss_of(&mut model.clone())?.item::<f32>()?;
//! for _ in 0..200 {
//!     let (_, grads) = mlx_nn::value_and_grad(&model, loss_of)?;
//!     let new = opt.apply_gradients(&grads, &model.trainable_parameters())?;
//!     model.update(&new)?;
//!     eval(&new.leaves().iter().collect::<Vec<_>>())?;
//! }
//! assert!(loss_of(&mut model)?.item::<f32>()? < first * 0.01);
//! # Ok::<(), mlx_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod activations;
pub mod init;
mod layers;
pub mod losses;
mod module;

pub use activations::*;
pub use layers::*;
pub use mlx_autograd::Tree;
pub use module::{unflatten, value_and_grad, Forward, Layer, Module, Node, NodeMut, Param};
