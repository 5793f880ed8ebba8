//! Discrete Fourier transforms (`mx.fft`): one [`Primitive::Fft`] node per
//! transform, after a cast (complex64 for complex transforms and inverse
//! real ones, float32 for the forward real one) and the crop or zero-pad of
//! the transformed axes to the requested sizes; `fftshift` and `ifftshift`
//! are rolls.
//!
//! MLX's rules, followed exactly: every input dtype is accepted (a complex
//! input of a forward real transform loses its imaginary part); results are
//! complex64, or float32 for the inverse real transforms; the inverse
//! transforms divide by the product of the transformed sizes; sizes must be
//! positive; `irfft`'s default output length along the last transformed
//! axis is `2 * (m - 1)` for `m` input points, and its input is cropped or
//! padded to `n / 2 + 1` points; an empty list of axes returns the input
//! unchanged.
//!
//! ```
//! use mlx_ops::{fft, Tensor};
//! let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[4])?;
//! let y = fft::rfft(&x, None, -1)?;
//! assert_eq!(y.shape(), &[3]);
//! let back = fft::irfft(&y, Some(4), -1)?;
//! let v = back.to_vec::<f32>()?;
//! assert!((v[2] - 3.0).abs() < 1e-5);
//! # Ok::<(), mlx_ops::Error>(())
//! ```

use crate::Tensor;
use mlx_core::{Dtype, Error, Primitive, Result};

/// `(a,b)` as MLX prints small vectors in messages.
fn tup<T: std::fmt::Display>(s: &[T]) -> String {
    let v: Vec<String> = s.iter().map(|x| x.to_string()).collect();
    format!("({})", v.join(","))
}

/// MLX's `fft_impl`: the checks, crop/pad, cast and the `Fft` node.
fn fft_impl(x: &Tensor, n: &[i64], axes: &[i64], real: bool, inverse: bool) -> Result<Tensor> {
    let nd = x.ndim();
    if nd < 1 {
        return Err(Error::shape(
            "fftn",
            "[fftn] Requires array with at least one dimension.",
            vec![x.shape().to_vec()],
        ));
    }
    if n.len() != axes.len() {
        return Err(Error::invalid(
            "fftn",
            "[fftn] Shape and axes have different sizes.",
        ));
    }
    if axes.is_empty() {
        return Ok(x.clone());
    }
    let mut valid = Vec::with_capacity(axes.len());
    for &a in axes {
        let v = if a < 0 { a + nd as i64 } else { a };
        if v < 0 || v >= nd as i64 {
            return Err(Error::Axis {
                op: "fftn",
                axis: a,
                ndim: nd,
            });
        }
        if valid.contains(&(v as usize)) {
            return Err(Error::invalid(
                "fftn",
                format!("[fftn] Duplicated axis received {}", tup(axes)),
            ));
        }
        valid.push(v as usize);
    }
    if n.iter().any(|&v| v <= 0) {
        return Err(Error::invalid(
            "fftn",
            format!("[fftn] Invalid FFT output size requested {}", tup(n)),
        ));
    }
    let last = valid[valid.len() - 1];
    let mut in_shape = x.shape().to_vec();
    for (&ax, &len) in valid.iter().zip(n) {
        in_shape[ax] = len as usize;
    }
    let n_last = n[n.len() - 1] as usize;
    if real && inverse {
        in_shape[last] = n_last / 2 + 1;
    }
    let in_type = if real && !inverse {
        Dtype::Float32
    } else {
        Dtype::Complex64
    };
    let out_type = if real && inverse {
        Dtype::Float32
    } else {
        Dtype::Complex64
    };
    let mut v = if x.dtype() == in_type {
        x.clone()
    } else {
        x.astype(in_type)?
    };
    // crop, then zero-pad, to the transform's input shape
    if in_shape.iter().zip(v.shape()).any(|(a, b)| a < b) {
        let stop: Vec<i64> = in_shape
            .iter()
            .zip(v.shape())
            .map(|(&a, &b)| a.min(b) as i64)
            .collect();
        v = v.slice(&vec![0; nd], &stop, &vec![1; nd])?;
    }
    if in_shape.iter().zip(v.shape()).any(|(a, b)| a > b) {
        let widths: Vec<(usize, usize)> = in_shape
            .iter()
            .zip(v.shape())
            .map(|(&a, &b)| (0, a.saturating_sub(b)))
            .collect();
        v = v.pad(&widths, 0.0)?;
    }
    let mut out_shape = in_shape;
    if real {
        out_shape[last] = if inverse {
            n_last
        } else {
            out_shape[last] / 2 + 1
        };
    }
    Tensor::op(
        "fft",
        Primitive::Fft {
            axes: valid,
            inverse,
            real,
        },
        &[&v],
        out_shape,
        out_type,
    )
}

/// The default sizes of `axes`: their lengths (the last one `2 * (m - 1)`
/// for an inverse real transform). An axis out of range is an error.
fn default_sizes(x: &Tensor, axes: &[i64], real: bool, inverse: bool) -> Result<Vec<i64>> {
    let mut n = Vec::with_capacity(axes.len());
    for &a in axes {
        let ax = mlx_core::shape::normalize_axis("fftn", a, x.ndim())?;
        n.push(x.shape()[ax] as i64);
    }
    if real && inverse {
        if let Some(l) = n.last_mut() {
            *l = (*l - 1) * 2;
        }
    }
    Ok(n)
}

/// One transformed axis: `n` given or the default.
fn one_d(x: &Tensor, n: Option<usize>, axis: i64, real: bool, inverse: bool) -> Result<Tensor> {
    if x.ndim() < 1 {
        return fft_impl(x, &[1], &[axis], real, inverse);
    }
    let n = match n {
        Some(v) => vec![v as i64],
        None => default_sizes(x, &[axis], real, inverse)?,
    };
    fft_impl(x, &n, &[axis], real, inverse)
}

/// Several axes: MLX's Python rules for `s` and `axes` (`axes = None` means
/// `default_axes`, or every axis when that is `None`; `s` needs `axes`).
fn n_d(
    name: &'static str,
    x: &Tensor,
    s: Option<&[usize]>,
    axes: Option<&[i64]>,
    default_axes: Option<&[i64]>,
    real: bool,
    inverse: bool,
) -> Result<Tensor> {
    let all: Vec<i64> = (0..x.ndim() as i64).collect();
    let axes = match (axes, default_axes) {
        (Some(a), _) => a,
        (None, Some(_)) | (None, None) if s.is_some() => {
            return Err(Error::invalid(
                name,
                format!("[{name}] `axes` should not be `None` if `s` is not `None`."),
            ))
        }
        (None, Some(d)) => d,
        (None, None) => &all,
    };
    if x.ndim() < 1 {
        return fft_impl(x, &[], &[], real, inverse);
    }
    let n = match s {
        Some(s) => s.iter().map(|&v| v as i64).collect(),
        None => default_sizes(x, axes, real, inverse)?,
    };
    fft_impl(x, &n, axes, real, inverse)
}

/// One-dimensional discrete Fourier transform along `axis` (`mx.fft.fft`),
/// of length `n` (the input is cropped or zero-padded; default: the axis's
/// length). Any input dtype; the result is complex64.
///
/// ```
/// use mlx_ops::{fft, Tensor};
/// let x = Tensor::from_slice(&[1.0f32, 0.0, 0.0, 0.0], &[4])?;
/// let y = fft::fft(&x, None, -1)?.real()?;
/// assert_eq!(y.to_vec::<f32>()?, vec![1.0; 4]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn fft(x: &Tensor, n: Option<usize>, axis: i64) -> Result<Tensor> {
    one_d(x, n, axis, false, false)
}

/// One-dimensional inverse transform (`mx.fft.ifft`), divided by `n`.
///
/// ```
/// use mlx_ops::{fft, Tensor};
/// let x = Tensor::from_slice(&[4.0f32, 0.0, 0.0, 0.0], &[4])?;
/// let y = fft::ifft(&x, None, 0)?.real()?;
/// assert_eq!(y.to_vec::<f32>()?, vec![1.0; 4]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn ifft(x: &Tensor, n: Option<usize>, axis: i64) -> Result<Tensor> {
    one_d(x, n, axis, false, true)
}

/// Transform of real input (`mx.fft.rfft`): `n / 2 + 1` points along `axis`
/// (a complex input loses its imaginary part first).
///
/// ```
/// use mlx_ops::{fft, Tensor};
/// let x = Tensor::from_slice(&[1.0f32, 1.0, 1.0, 1.0, 1.0], &[5])?;
/// let y = fft::rfft(&x, None, -1)?;
/// assert_eq!(y.shape(), &[3]);
/// assert_eq!(y.real()?.to_vec::<f32>()?[0], 5.0);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn rfft(x: &Tensor, n: Option<usize>, axis: i64) -> Result<Tensor> {
    one_d(x, n, axis, true, false)
}

/// Inverse of [`rfft`] (`mx.fft.irfft`): `n` real points along `axis`
/// (default `2 * (m - 1)` for `m` input points); the input is cropped or
/// padded to `n / 2 + 1` points. The result is float32.
///
/// ```
/// use mlx_ops::{fft, Tensor};
/// let x = Tensor::from_slice(&[3.0f32, 0.0], &[2])?;
/// let y = fft::irfft(&x, None, -1)?;
/// assert_eq!(y.to_vec::<f32>()?, vec![1.5, 1.5]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn irfft(x: &Tensor, n: Option<usize>, axis: i64) -> Result<Tensor> {
    one_d(x, n, axis, true, true)
}

/// Two-dimensional transform (`mx.fft.fft2`) over `axes` (default
/// `[-2, -1]`) with sizes `s` (default: the axes' lengths).
///
/// ```
/// use mlx_ops::{fft, Tensor};
/// let x = Tensor::ones(&[2, 3], mlx_ops::Dtype::Float32)?;
/// let y = fft::fft2(&x, None, None)?.real()?;
/// assert_eq!(y.to_vec::<f32>()?[0], 6.0);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn fft2(x: &Tensor, s: Option<&[usize]>, axes: Option<&[i64]>) -> Result<Tensor> {
    let axes = axes.unwrap_or(&[-2, -1]);
    n_d("fft2", x, s, Some(axes), None, false, false)
}

/// Two-dimensional inverse transform (`mx.fft.ifft2`), axes default
/// `[-2, -1]`.
///
/// ```
/// use mlx_ops::{fft, Tensor};
/// let x = Tensor::ones(&[2, 2], mlx_ops::Dtype::Float32)?;
/// let y = fft::ifft2(&x, None, None)?.real()?;
/// assert_eq!(y.to_vec::<f32>()?, vec![1.0, 0.0, 0.0, 0.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn ifft2(x: &Tensor, s: Option<&[usize]>, axes: Option<&[i64]>) -> Result<Tensor> {
    let axes = axes.unwrap_or(&[-2, -1]);
    n_d("ifft2", x, s, Some(axes), None, false, true)
}

/// Two-dimensional real transform (`mx.fft.rfft2`), axes default
/// `[-2, -1]`; the last axis is halved.
///
/// ```
/// use mlx_ops::{fft, Tensor};
/// let x = Tensor::ones(&[4, 6], mlx_ops::Dtype::Float32)?;
/// assert_eq!(fft::rfft2(&x, None, None)?.shape(), &[4, 4]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn rfft2(x: &Tensor, s: Option<&[usize]>, axes: Option<&[i64]>) -> Result<Tensor> {
    let axes = axes.unwrap_or(&[-2, -1]);
    n_d("rfft2", x, s, Some(axes), None, true, false)
}

/// Inverse of [`rfft2`] (`mx.fft.irfft2`), axes default `[-2, -1]`.
///
/// ```
/// use mlx_ops::{fft, Tensor};
/// let x = Tensor::ones(&[4, 4], mlx_ops::Dtype::Float32)?;
/// assert_eq!(fft::irfft2(&x, None, None)?.shape(), &[4, 6]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn irfft2(x: &Tensor, s: Option<&[usize]>, axes: Option<&[i64]>) -> Result<Tensor> {
    let axes = axes.unwrap_or(&[-2, -1]);
    n_d("irfft2", x, s, Some(axes), None, true, true)
}

/// N-dimensional transform (`mx.fft.fftn`) over `axes` (default: every
/// axis) with sizes `s` (which needs `axes`, as in MLX's Python API).
///
/// ```
/// use mlx_ops::{fft, Tensor};
/// let x = Tensor::ones(&[2, 3, 4], mlx_ops::Dtype::Float32)?;
/// let y = fft::fftn(&x, Some(&[2, 2]), Some(&[0, 2]))?;
/// assert_eq!(y.shape(), &[2, 3, 2]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn fftn(x: &Tensor, s: Option<&[usize]>, axes: Option<&[i64]>) -> Result<Tensor> {
    n_d("fftn", x, s, axes, None, false, false)
}

/// N-dimensional inverse transform (`mx.fft.ifftn`).
///
/// ```
/// use mlx_ops::{fft, Tensor};
/// let x = Tensor::ones(&[2, 2], mlx_ops::Dtype::Float32)?;
/// let y = fft::ifftn(&x, None, None)?.real()?;
/// assert_eq!(y.to_vec::<f32>()?, vec![1.0, 0.0, 0.0, 0.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn ifftn(x: &Tensor, s: Option<&[usize]>, axes: Option<&[i64]>) -> Result<Tensor> {
    n_d("ifftn", x, s, axes, None, false, true)
}

/// N-dimensional real transform (`mx.fft.rfftn`): the last of `axes` is
/// halved.
///
/// ```
/// use mlx_ops::{fft, Tensor};
/// let x = Tensor::ones(&[2, 3, 4], mlx_ops::Dtype::Float32)?;
/// assert_eq!(fft::rfftn(&x, None, None)?.shape(), &[2, 3, 3]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn rfftn(x: &Tensor, s: Option<&[usize]>, axes: Option<&[i64]>) -> Result<Tensor> {
    n_d("rfftn", x, s, axes, None, true, false)
}

/// Inverse of [`rfftn`] (`mx.fft.irfftn`): float32 output, the last axis
/// `2 * (m - 1)` long unless `s` says otherwise.
///
/// ```
/// use mlx_ops::{fft, Tensor};
/// let x = Tensor::ones(&[2, 3], mlx_ops::Dtype::Float32)?;
/// assert_eq!(fft::irfftn(&x, Some(&[2, 5]), Some(&[0, 1]))?.shape(), &[2, 5]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn irfftn(x: &Tensor, s: Option<&[usize]>, axes: Option<&[i64]>) -> Result<Tensor> {
    n_d("irfftn", x, s, axes, None, true, true)
}

fn shift_impl(
    name: &'static str,
    x: &Tensor,
    axes: Option<&[i64]>,
    inverse: bool,
) -> Result<Tensor> {
    let all: Vec<i64> = (0..x.ndim() as i64).collect();
    let axes = match axes {
        Some(a) => a,
        None if x.ndim() < 1 => return Ok(x.clone()),
        None => &all,
    };
    if axes.is_empty() {
        return Ok(x.clone());
    }
    let mut shifts = Vec::with_capacity(axes.len());
    for &a in axes {
        let v = if a < 0 { a + x.ndim() as i64 } else { a };
        if v < 0 || v >= x.ndim() as i64 {
            return Err(Error::Axis {
                op: name,
                axis: a,
                ndim: x.ndim(),
            });
        }
        let sh = (x.shape()[v as usize] / 2) as i64;
        shifts.push(if inverse { -sh } else { sh });
    }
    if x.size() == 0 {
        // nothing moves (and the roll's slices of an empty array are skipped)
        return Ok(x.clone());
    }
    x.roll(&shifts, Some(axes))
}

/// Moves the zero frequency to the centre (`mx.fft.fftshift`): rolls each of
/// `axes` (default: all) by half its length.
///
/// ```
/// use mlx_ops::{fft, Tensor};
/// let x = Tensor::from_slice(&[0i32, 1, 2, 3, 4], &[5])?;
/// assert_eq!(fft::fftshift(&x, None)?.to_vec::<i32>()?, vec![3, 4, 0, 1, 2]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn fftshift(x: &Tensor, axes: Option<&[i64]>) -> Result<Tensor> {
    shift_impl("fftshift", x, axes, false)
}

/// The inverse of [`fftshift`] (`mx.fft.ifftshift`).
///
/// ```
/// use mlx_ops::{fft, Tensor};
/// let x = Tensor::from_slice(&[0i32, 1, 2, 3, 4], &[5])?;
/// assert_eq!(fft::ifftshift(&x, None)?.to_vec::<i32>()?, vec![2, 3, 4, 0, 1]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn ifftshift(x: &Tensor, axes: Option<&[i64]>) -> Result<Tensor> {
    shift_impl("ifftshift", x, axes, true)
}

/// The transform a primitive stands for, applied with the default sizes
/// along `axes` (used by the derivative and batching rules): `n_last`, when
/// given, is the output length of an inverse real transform.
pub(crate) fn apply(
    x: &Tensor,
    axes: &[usize],
    inverse: bool,
    real: bool,
    n_last: Option<usize>,
) -> Result<Tensor> {
    let ax: Vec<i64> = axes.iter().map(|&a| a as i64).collect();
    let mut n = default_sizes(x, &ax, real, inverse)?;
    if let (Some(l), Some(v)) = (n.last_mut(), n_last) {
        *l = v as i64;
    }
    fft_impl(x, &n, &ax, real, inverse)
}

/// The weights of the half spectrum along the last transformed axis (of
/// `len` points, of a real signal whose length is odd when `odd`): `inner`
/// for the points counted twice in the full spectrum, `edge` for the zero
/// (and even Nyquist) frequency; shaped to broadcast against an array of
/// rank `nd`.
fn half_mask(
    len: usize,
    odd: bool,
    axis: usize,
    nd: usize,
    inner: f32,
    edge: f32,
) -> Result<Tensor> {
    let last = len as i64 - 1 + odd as i64;
    let vals: Vec<f32> = (0..len as i64)
        .map(|i| if i > 0 && i < last { inner } else { edge })
        .collect();
    let mut shape = vec![1usize; nd];
    shape[axis] = len;
    Tensor::from_slice(&vals, &shape)
}

/// MLX's `FFT::vjp`: the cotangent of the input `x` of an `Fft` node given
/// the output's cotangent `g`.
pub(crate) fn vjp(
    x: &Tensor,
    g: &Tensor,
    axes: &[usize],
    inverse: bool,
    real: bool,
) -> Result<Tensor> {
    let n_el: f64 = axes
        .iter()
        .map(|&a| if inverse { g.shape()[a] } else { x.shape()[a] } as f64)
        .product();
    let last = axes[axes.len() - 1];
    let nd = x.ndim();
    match (real, inverse) {
        (true, true) => {
            let len = x.shape()[last];
            let odd = g.shape()[last] % 2 == 1;
            let mask = half_mask(len, odd, last, nd, (2.0 / n_el) as f32, (1.0 / n_el) as f32)?
                .astype(x.dtype())?;
            apply(g, axes, false, true, None)?.multiply(&mask)
        }
        (true, false) => {
            let len = g.shape()[last];
            let odd = x.shape()[last] % 2 == 1;
            let mask = half_mask(len, odd, last, nd, 0.5, 1.0)?.astype(Dtype::Complex64)?;
            let back = apply(&g.multiply(&mask)?, axes, true, true, Some(x.shape()[last]))?;
            // the other axes keep the primal's sizes
            let back = fit(&back, x.shape())?;
            back.multiply(Tensor::scalar(n_el as f32).astype(x.dtype())?)
        }
        (false, true) => apply(g, axes, false, false, None)?.multiply(Tensor::scalar(
            num_complex::Complex32::new((1.0 / n_el) as f32, 0.0),
        )),
        (false, false) => apply(g, axes, true, false, None)?.multiply(Tensor::scalar(
            num_complex::Complex32::new(n_el as f32, 0.0),
        )),
    }
}

/// `t` cropped or zero-padded to `shape` (same rank).
fn fit(t: &Tensor, shape: &[usize]) -> Result<Tensor> {
    if t.shape() == shape {
        return Ok(t.clone());
    }
    let nd = shape.len();
    let stop: Vec<i64> = shape
        .iter()
        .zip(t.shape())
        .map(|(&a, &b)| a.min(b) as i64)
        .collect();
    let v = t.slice(&vec![0; nd], &stop, &vec![1; nd])?;
    let widths: Vec<(usize, usize)> = shape
        .iter()
        .zip(v.shape())
        .map(|(&a, &b)| (0, a.saturating_sub(b)))
        .collect();
    v.pad(&widths, 0.0)
}

/// MLX's `FFT::jvp`: the same transform of the tangent. An inverse real
/// transform keeps the node's output length (MLX 0.32.4 takes the default
/// `2 * (m - 1)` there, a tangent of the wrong length when `n` is odd).
pub(crate) fn jvp(
    t: &Tensor,
    y: &Tensor,
    axes: &[usize],
    inverse: bool,
    real: bool,
) -> Result<Tensor> {
    let n_last = if real && inverse {
        Some(y.shape()[axes[axes.len() - 1]])
    } else {
        None
    };
    apply(t, axes, inverse, real, n_last)
}
