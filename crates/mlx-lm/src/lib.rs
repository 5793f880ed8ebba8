//! Decoder-only transformer language models on oxidized MLX, in the style of
//! `mlx-lm`'s Llama: token embedding, pre-norm blocks of RoPE multi-head
//! attention and a SwiGLU MLP with RMSNorm, and a linear head.
//!
//! * [`model`]: [`TransformerLm`] and its configuration [`LmConfig`]; the
//!   parameter names match the MLX Python model in
//!   `crates/mlx-lm/python/tiny_lm.py`, so weights move between the two.
//! * [`data`]: a task the model learns from data it generates itself
//!   (modular arithmetic progressions, no downloads).
//! * [`train`]: the next-token loss and one optimizer step.
//! * [`sample`]: greedy and temperature sampling.
//!
//! ```
//! use mlx_lm::{data::Progressions, model::{LmConfig, TransformerLm}, train};
//! use mlx::optim::{AdamW, AdamWOptions};
//! mlx::random::seed(0);
//! let cfg = LmConfig { vocab_size: 16, dims: 16, layers: 1, heads: 2, hidden_dims: 32, ..LmConfig::default() };
//! let mut model = TransformerLm::new(&cfg)?;
//! let task = Progressions::new(16, 8, 4, 0);
//! let mut opt = AdamW::new(1e-2, AdamWOptions::default())?;
//! let first = train::step(&mut model, &mut opt, &task.batch(0)?)?;
//! assert!(first.is_finite());
//! # Ok::<(), mlx::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod data;
pub mod model;
pub mod sample;
pub mod train;

pub use model::{LmConfig, TransformerLm};
