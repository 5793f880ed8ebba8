//! Initializers (`mlx.nn.init`) with MLX's formulas: each returns a new
//! tensor shaped like its input, drawn with an explicit random key (or the
//! global random state when `key` is `None`).
//!
//! ```
//! use mlx_nn::init;
//! use mlx_ops::{random, Dtype, Tensor};
//! let w = Tensor::zeros(&[64, 32], Dtype::Float32)?;
//! let g = init::glorot_uniform(&w, 1.0, Dtype::Float32, Some(&random::key(0)))?;
//! let limit = (6.0f32 / 96.0).sqrt();
//! assert!(g.to_vec::<f32>()?.iter().all(|v| v.abs() <= limit));
//! # Ok::<(), mlx_core::Error>(())
//! ```

use mlx_core::{Error, Result};
use mlx_ops::{random, Dtype, Tensor};

/// A tensor shaped as `a`, all `value`.
///
/// ```
/// let a = mlx_ops::Tensor::zeros(&[2], mlx_ops::Dtype::Float32)?;
/// assert_eq!(mlx_nn::init::constant(&a, 3.0, mlx_ops::Dtype::Float32)?.to_vec::<f32>()?, vec![3.0, 3.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn constant(a: &Tensor, value: f64, dtype: Dtype) -> Result<Tensor> {
    Tensor::full(a.shape(), value, Some(dtype))
}

/// `N(mean, std^2)` samples shaped as `a`.
///
/// ```
/// use mlx_ops::{random, Dtype, Tensor};
/// let a = Tensor::zeros(&[1000], Dtype::Float32)?;
/// let n = mlx_nn::init::normal(&a, 2.0, 0.5, Dtype::Float32, Some(&random::key(1)))?;
/// assert!((n.mean(mlx_ops::ALL, false)?.item::<f32>()? - 2.0).abs() < 0.1);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn normal(
    a: &Tensor,
    mean: f64,
    std: f64,
    dtype: Dtype,
    key: Option<&Tensor>,
) -> Result<Tensor> {
    random::normal(a.shape(), Some(dtype), mean, std, key)
}

/// `U(low, high)` samples shaped as `a`.
///
/// ```
/// use mlx_ops::{random, Dtype, Tensor};
/// let a = Tensor::zeros(&[100], Dtype::Float32)?;
/// let u = mlx_nn::init::uniform(&a, -1.0, 1.0, Dtype::Float32, Some(&random::key(1)))?;
/// assert!(u.to_vec::<f32>()?.iter().all(|v| (-1.0..1.0).contains(v)));
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn uniform(
    a: &Tensor,
    low: f64,
    high: f64,
    dtype: Dtype,
    key: Option<&Tensor>,
) -> Result<Tensor> {
    random::uniform(low, high, a.shape(), Some(dtype), key)
}

/// The identity matrix for a square 2-D `a`.
///
/// ```
/// use mlx_ops::{Dtype, Tensor};
/// let a = Tensor::zeros(&[2, 2], Dtype::Float32)?;
/// assert_eq!(mlx_nn::init::identity(&a, Dtype::Float32)?.to_vec::<f32>()?, vec![1.0, 0.0, 0.0, 1.0]);
/// assert!(mlx_nn::init::identity(&Tensor::zeros(&[2, 3], Dtype::Float32)?, Dtype::Float32).is_err());
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn identity(a: &Tensor, dtype: Dtype) -> Result<Tensor> {
    if a.ndim() != 2 || a.shape()[0] != a.shape()[1] {
        return Err(Error::shape(
            "init.identity",
            format!(
                "The input array must be a square matrix but got shape {:?}.",
                a.shape()
            ),
            vec![a.shape().to_vec()],
        ));
    }
    Tensor::eye(a.shape()[0], None, 0, dtype)
}

/// `(fan_in, fan_out)` of a weight as MLX computes them: the last and first
/// axes, times the product of the axes between them.
///
/// ```
/// use mlx_ops::{Dtype, Tensor};
/// let w = Tensor::zeros(&[8, 3, 3, 4], Dtype::Float32)?;
/// assert_eq!(mlx_nn::init::fan_in_fan_out(&w)?, (36, 72));
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn fan_in_fan_out(a: &Tensor) -> Result<(usize, usize)> {
    if a.ndim() < 2 {
        return Err(Error::shape(
            "init",
            format!(
                "Glorot / He initialization requires at least 2 dimensional input but input with {} dimensions.",
                a.ndim()
            ),
            vec![a.shape().to_vec()],
        ));
    }
    let s = a.shape();
    let receptive: usize = s[1..s.len() - 1].iter().product();
    Ok((s[s.len() - 1] * receptive, s[0] * receptive))
}

/// Which fan He initialisation scales by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FanMode {
    /// `fan_in` (MLX's default).
    #[default]
    FanIn,
    /// `fan_out`.
    FanOut,
}

/// `N(0, gain^2 * 2 / (fan_in + fan_out))`.
///
/// ```
/// use mlx_ops::{random, Dtype, Tensor};
/// let w = Tensor::zeros(&[4, 4], Dtype::Float32)?;
/// assert_eq!(mlx_nn::init::glorot_normal(&w, 1.0, Dtype::Float32, Some(&random::key(0)))?.shape(), &[4, 4]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn glorot_normal(a: &Tensor, gain: f64, dtype: Dtype, key: Option<&Tensor>) -> Result<Tensor> {
    let (fi, fo) = fan_in_fan_out(a)?;
    let std = gain * (2.0 / (fi + fo) as f64).sqrt();
    random::normal(a.shape(), Some(dtype), 0.0, std, key)
}

/// `U(±gain * sqrt(6 / (fan_in + fan_out)))`.
///
/// ```
/// use mlx_ops::{random, Dtype, Tensor};
/// let w = Tensor::zeros(&[4, 4], Dtype::Float32)?;
/// let g = mlx_nn::init::glorot_uniform(&w, 1.0, Dtype::Float32, Some(&random::key(0)))?;
/// assert!(g.to_vec::<f32>()?.iter().all(|v| v.abs() <= (6.0f32 / 8.0).sqrt()));
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn glorot_uniform(a: &Tensor, gain: f64, dtype: Dtype, key: Option<&Tensor>) -> Result<Tensor> {
    let (fi, fo) = fan_in_fan_out(a)?;
    let limit = gain * (6.0 / (fi + fo) as f64).sqrt();
    random::uniform(-limit, limit, a.shape(), Some(dtype), key)
}

fn fan(a: &Tensor, mode: FanMode) -> Result<usize> {
    let (fi, fo) = fan_in_fan_out(a)?;
    Ok(match mode {
        FanMode::FanIn => fi,
        FanMode::FanOut => fo,
    })
}

/// `N(0, (gain / sqrt(fan))^2)`.
///
/// ```
/// use mlx_nn::init::{he_normal, FanMode};
/// use mlx_ops::{random, Dtype, Tensor};
/// let w = Tensor::zeros(&[4, 4], Dtype::Float32)?;
/// assert_eq!(he_normal(&w, FanMode::FanIn, 1.0, Dtype::Float32, Some(&random::key(0)))?.shape(), &[4, 4]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn he_normal(
    a: &Tensor,
    mode: FanMode,
    gain: f64,
    dtype: Dtype,
    key: Option<&Tensor>,
) -> Result<Tensor> {
    let std = gain / (fan(a, mode)? as f64).sqrt();
    random::normal(a.shape(), Some(dtype), 0.0, std, key)
}

/// `U(±gain * sqrt(3 / fan))`.
///
/// ```
/// use mlx_nn::init::{he_uniform, FanMode};
/// use mlx_ops::{random, Dtype, Tensor};
/// let w = Tensor::zeros(&[4, 12], Dtype::Float32)?;
/// let h = he_uniform(&w, FanMode::FanOut, 1.0, Dtype::Float32, Some(&random::key(0)))?;
/// assert!(h.to_vec::<f32>()?.iter().all(|v| v.abs() <= (3.0f32 / 4.0).sqrt()));
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn he_uniform(
    a: &Tensor,
    mode: FanMode,
    gain: f64,
    dtype: Dtype,
    key: Option<&Tensor>,
) -> Result<Tensor> {
    let limit = gain * (3.0 / fan(a, mode)? as f64).sqrt();
    random::uniform(-limit, limit, a.shape(), Some(dtype), key)
}
