//! # mlx-conformance
//!
//! Proves oxidized MLX's ops against upstream MLX 0.32.4.
//!
//! * `cases/*.json` declare calls by MLX op name ([`case`]);
//! * `python/generate.py` runs them with the real MLX and stores inputs,
//!   outputs and a per-case report in `golden/`;
//! * the [`registry`] maps each MLX op name to a call into `mlx_ops`;
//! * [`runner`] runs case files (the `mlx-conformance run` command), and
//!   [`verify`] judges every case against the golden data with the
//!   tolerances of [`compare`] (the `conformance` test and
//!   `mlx-conformance check`).
//!
//! ```
//! use mlx_conformance::{args::Args, registry};
//! use std::collections::BTreeMap;
//! let x = mlx_ops::Tensor::from_slice(&[1.0f32, 4.0], &[2])?;
//! let tensors = BTreeMap::from([("x".to_string(), x)]);
//! let args = Args::new("sqrt", &[serde_json::json!({"tensor": "x"})], &BTreeMap::new(), &tensors)?;
//! let out = registry::call("sqrt", args)?.keyed("demo");
//! assert_eq!(out[0].1.to_vec::<f32>()?, vec![1.0, 2.0]);
//! # Ok::<(), mlx_conformance::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod args;
pub mod case;
pub mod compare;
pub mod data;
mod error;
pub mod registry;
pub mod runner;
pub mod verify;

pub use error::{Error, Result};
