//! `Upsample` (nearest and linear) over channels-last inputs
//! `[N, spatial..., C]`.

use crate::Forward;
use mlx_core::{Error, Result};
use mlx_ops::{Dtype, Tensor};

/// An upsampling mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpsampleMode {
    /// Nearest neighbour (`"nearest"`).
    Nearest,
    /// Linear interpolation along every spatial axis (`"linear"`).
    Linear,
    /// Cubic interpolation along every spatial axis (`"cubic"`).
    Cubic,
}

fn index_shape(dim: usize, ndims: usize) -> Vec<i64> {
    let mut shape = vec![1i64; ndims];
    shape[dim] = -1;
    shape
}

/// Nearest-neighbour upsampling by one scale per spatial axis
/// (`nn.upsample_nearest`).
///
/// ```
/// use mlx_ops::Tensor;
/// let x = Tensor::from_slice(&[1.0f32, 2.0], &[1, 2, 1])?;
/// let y = mlx_nn::upsample_nearest(&x, &[2.0])?;
/// assert_eq!(y.to_vec::<f32>()?, vec![1.0, 1.0, 2.0, 2.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn upsample_nearest(x: &Tensor, scale: &[f64]) -> Result<Tensor> {
    let dims = check_dims(x, scale)?;
    if scale.iter().all(|s| s.fract() == 0.0 && *s >= 1.0) {
        let mut shape: Vec<usize> = x.shape().to_vec();
        for d in 0..dims {
            shape.insert(2 + 2 * d, 1);
        }
        let y = x.reshape(&shape.iter().map(|&v| v as i64).collect::<Vec<_>>())?;
        for (d, s) in scale.iter().enumerate() {
            shape[2 + 2 * d] = *s as usize;
        }
        let y = y.broadcast_to(&shape)?;
        for d in 0..dims {
            shape[d + 1] *= shape[d + 2];
            shape.remove(d + 2);
        }
        return y.reshape(&shape.iter().map(|&v| v as i64).collect::<Vec<_>>());
    }
    let mut y = x.clone();
    for (i, s) in scale.iter().enumerate() {
        let n = x.shape()[i + 1];
        let m = (s * n as f64) as usize;
        let mut idx = Tensor::arange(0.0, m as f64, 1.0, Some(Dtype::Float32))?;
        if m > n {
            idx = idx
                .add(0.5)?
                .multiply(n as f64 / m as f64)?
                .subtract(0.5)?
                .round(0)?;
        } else {
            idx = idx.multiply(n as f64 / m as f64)?;
        }
        y = y.take(&idx.astype(Dtype::Uint32)?, Some(i as i64 + 1))?;
    }
    Ok(y)
}

fn check_dims(x: &Tensor, scale: &[f64]) -> Result<usize> {
    if x.ndim() < 3 {
        return Err(Error::shape(
            "Upsample",
            format!(
                "The input should have at least 1 spatial dimension which means it should be at least 3D but {}D was provided",
                x.ndim()
            ),
            vec![x.shape().to_vec()],
        ));
    }
    let dims = x.ndim() - 2;
    if scale.len() != dims {
        return Err(Error::invalid(
            "Upsample",
            format!("One scale per spatial dimension is required but scale_factor={scale:?} and the number of spatial dimensions were {dims}"),
        ));
    }
    Ok(dims)
}

fn scaled_indices(
    n: usize,
    scale: f64,
    align_corners: bool,
    dim: usize,
    ndims: usize,
) -> Result<Tensor> {
    let m = (scale * n as f64) as usize;
    let ar = Tensor::arange(0.0, m as f64, 1.0, Some(Dtype::Float32))?;
    let idx = if align_corners {
        ar.multiply((n as f64 - 1.0) / (m.max(2) - 1) as f64)?
    } else {
        let step = 1.0 / scale;
        let start = ((m as f64 - 1.0) * step - n as f64 + 1.0) / 2.0;
        ar.multiply(step)?.subtract(start)?
    };
    idx.reshape(&index_shape(dim, ndims))
}

fn linear_indices(
    n: usize,
    scale: f64,
    align_corners: bool,
    dim: usize,
    ndims: usize,
) -> Result<[(Tensor, Tensor); 2]> {
    let idx = scaled_indices(n, scale, align_corners, dim, ndims)?
        .clip(Some(0.into()), Some(((n - 1) as i32).into()))?;
    let l = idx.floor()?;
    let r = idx.ceil()?;
    let w = idx.subtract(&l)?.expand_dims(-1)?;
    Ok([
        (l.astype(Dtype::Uint32)?, w.negative()?.add(1)?),
        (r.astype(Dtype::Uint32)?, w),
    ])
}

/// Linear interpolation by one scale per spatial axis
/// (`nn.upsample_linear`, without antialiasing).
///
/// ```
/// use mlx_ops::Tensor;
/// let x = Tensor::from_slice(&[0.0f32, 2.0], &[1, 2, 1])?;
/// let y = mlx_nn::upsample_linear(&x, &[2.0], true)?;
/// let v = y.to_vec::<f32>()?;
/// assert!((v[1] - 2.0 / 3.0).abs() < 1e-6 && v[3] == 2.0);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn upsample_linear(x: &Tensor, scale: &[f64], align_corners: bool) -> Result<Tensor> {
    let dims = check_dims(x, scale)?;
    let sizes: Vec<usize> = x.shape()[1..x.ndim() - 1].to_vec();
    if !align_corners {
        // separable: one axis at a time
        let mut out = x.clone();
        for (i, (&n, &s)) in sizes.iter().zip(scale).enumerate() {
            let mut acc: Option<Tensor> = None;
            for (idx, w) in linear_indices(n, s, false, i, dims)? {
                let sample = out
                    .take(&idx.reshape(&[-1])?, Some(i as i64 + 1))?
                    .multiply(&w)?;
                acc = Some(match acc {
                    None => sample,
                    Some(a) => a.add(&sample)?,
                });
            }
            out = acc.unwrap_or(out);
        }
        return Ok(out);
    }
    let per_axis: Vec<Vec<(Tensor, Tensor)>> = sizes
        .iter()
        .zip(scale)
        .enumerate()
        .map(|(i, (&n, &s))| Ok(linear_indices(n, s, true, i, dims)?.to_vec()))
        .collect::<Result<_>>()?;
    interpolate(x, &per_axis)
}

/// Every combination of one neighbour per axis, weighted by the product of
/// the axes' weights, summed in MLX's order (`itertools.product`).
fn interpolate(x: &Tensor, per_axis: &[Vec<(Tensor, Tensor)>]) -> Result<Tensor> {
    let dims = per_axis.len();
    let total: usize = per_axis.iter().map(|a| a.len()).product();
    let mut acc: Option<Tensor> = None;
    for combo in 0..total {
        // mixed-radix digits, the first axis most significant
        let mut digits = vec![0usize; dims];
        let mut rest = combo;
        for i in (0..dims).rev() {
            digits[i] = rest % per_axis[i].len();
            rest /= per_axis[i].len();
        }
        let mut sample = x.clone();
        let mut weight: Option<Tensor> = None;
        for (i, taps) in per_axis.iter().enumerate() {
            let (idx, w) = &taps[digits[i]];
            sample = sample.take(&idx.reshape(&[-1])?, Some(i as i64 + 1))?;
            weight = Some(match weight {
                None => w.clone(),
                Some(p) => p.multiply(w)?,
            });
        }
        let term = match weight {
            Some(w) => w.multiply(&sample)?,
            None => sample,
        };
        acc = Some(match acc {
            None => term,
            Some(a) => a.add(&term)?,
        });
    }
    acc.ok_or_else(|| Error::invalid("Upsample", "no spatial dimension"))
}

fn cubic_indices(
    n: usize,
    scale: f64,
    align_corners: bool,
    dim: usize,
    ndims: usize,
) -> Result<Vec<(Tensor, Tensor)>> {
    let idx = scaled_indices(n, scale, align_corners, dim, ndims)?;
    let l1 = idx.floor()?;
    let r1 = idx.add(1)?.floor()?;
    let l2 = l1.subtract(1)?;
    let r2 = r1.add(1)?;
    const A: f64 = -0.75;
    let weight = |grid: &Tensor, near: bool| -> Result<Tensor> {
        let x = idx.subtract(grid)?.abs()?;
        let w = if near {
            x.multiply(A + 2.0)?
                .subtract(A + 3.0)?
                .multiply(&x)?
                .multiply(&x)?
                .add(1)?
        } else {
            x.subtract(5)?
                .multiply(&x)?
                .add(8)?
                .multiply(&x)?
                .subtract(4)?
                .multiply(A)?
        };
        w.expand_dims(-1)
    };
    let hi = Some(((n - 1) as i32).into());
    let clip = |t: &Tensor| -> Result<Tensor> {
        t.clip(Some(0.into()), hi.clone())?.astype(Dtype::Uint32)
    };
    Ok(vec![
        (clip(&l1)?, weight(&l1, true)?),
        (clip(&r1)?, weight(&r1, true)?),
        (clip(&l2)?, weight(&l2, false)?),
        (clip(&r2)?, weight(&r2, false)?),
    ])
}

/// Bicubic (Keys, a = -0.75) interpolation by one scale per spatial axis
/// (`nn.upsample_cubic`, without antialiasing).
///
/// ```
/// use mlx_ops::{Dtype, Tensor};
/// let x = Tensor::ones(&[1, 3, 3, 1], Dtype::Float32)?;
/// let y = mlx_nn::upsample_cubic(&x, &[2.0, 2.0], false)?;
/// assert_eq!(y.shape(), &[1, 6, 6, 1]);
/// assert!(y.to_vec::<f32>()?.iter().all(|v| (v - 1.0).abs() < 1e-5));
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn upsample_cubic(x: &Tensor, scale: &[f64], align_corners: bool) -> Result<Tensor> {
    let dims = check_dims(x, scale)?;
    let sizes: Vec<usize> = x.shape()[1..x.ndim() - 1].to_vec();
    let per_axis: Vec<Vec<(Tensor, Tensor)>> = sizes
        .iter()
        .zip(scale)
        .enumerate()
        .map(|(i, (&n, &s))| cubic_indices(n, s, align_corners, i, dims))
        .collect::<Result<_>>()?;
    interpolate(x, &per_axis)
}

/// `nn.Upsample(scale_factor, mode="nearest", align_corners=False)`:
/// `scale` holds one factor per spatial axis, or one for all.
///
/// ```
/// use mlx_nn::{Forward, Upsample, UpsampleMode};
/// use mlx_ops::{Dtype, Tensor};
/// let mut up = Upsample::new(vec![2.0], UpsampleMode::Linear, false);
/// let x = Tensor::ones(&[1, 3, 4, 2], Dtype::Float32)?;
/// assert_eq!(up.forward(&x)?.shape(), &[1, 6, 8, 2]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Upsample {
    scale: Vec<f64>,
    mode: UpsampleMode,
    align_corners: bool,
    training: bool,
}

impl Upsample {
    /// The layer.
    pub fn new(scale: Vec<f64>, mode: UpsampleMode, align_corners: bool) -> Upsample {
        Upsample {
            scale,
            mode,
            align_corners,
            training: true,
        }
    }
}
crate::impl_module!(Upsample {});
impl Forward for Upsample {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        let dims = x.ndim().saturating_sub(2);
        let scale = if self.scale.len() == 1 {
            vec![self.scale[0]; dims]
        } else {
            self.scale.clone()
        };
        match self.mode {
            UpsampleMode::Nearest => upsample_nearest(x, &scale),
            UpsampleMode::Linear => upsample_linear(x, &scale, self.align_corners),
            UpsampleMode::Cubic => upsample_cubic(x, &scale, self.align_corners),
        }
    }
}
