//! # mlx-optim
//!
//! Optimizers over parameter trees (in progress).
#![forbid(unsafe_code)]
#![warn(missing_docs)]
