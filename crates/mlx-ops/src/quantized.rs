//! Affine quantization in MLX's exact format and the expert-indexed matrix
//! products: [`quantize`], [`dequantize`], [`quantized_matmul`],
//! [`gather_mm`] and [`gather_qmm`] (MLX 0.32.4, `mode="affine"`).
//!
//! A quantized matrix is three arrays: the codes packed as a little-endian
//! bit stream into `uint32` words (`k * bits / 32` words per row of `k`
//! values), and one scale and one bias per group of `group_size` values
//! along the last axis; a value is `scale * code + bias`. Weights quantized
//! by MLX load and multiply here with the same results, and the other way
//! round.
//!
//! ```
//! use mlx_ops::{quantized, Dtype, Tensor};
//! let w = Tensor::arange(0.0, 128.0, 1.0, Some(Dtype::Float32))?.reshape(&[2, 64])?;
//! let (wq, s, b) = quantized::quantize(&w, 64, 4)?;
//! assert_eq!((wq.shape(), wq.dtype()), (&[2usize, 8][..], Dtype::Uint32));
//! let back = quantized::dequantize(&wq, &s, &b, 64, 4, None)?;
//! let err = back.subtract(&w)?.abs()?.max(mlx_ops::ALL, false)?.item::<f32>()?;
//! assert!(err <= 2.2);
//! # Ok::<(), mlx_ops::Error>(())
//! ```

use crate::{broadcast_arrays, Tensor};
use mlx_core::{shape::broadcast_shapes, Dtype, Error, Primitive, Result};

/// The group sizes MLX's affine mode supports.
pub const GROUP_SIZES: [usize; 3] = [32, 64, 128];
/// The bit widths MLX's affine mode supports.
pub const BITS: [usize; 7] = [1, 2, 3, 4, 5, 6, 8];

fn check_params(op: &'static str, group_size: usize, bits: usize) -> Result<()> {
    if !GROUP_SIZES.contains(&group_size) {
        return Err(Error::invalid(
            op,
            format!("the requested group size {group_size} is not supported; the supported group sizes are 32, 64 and 128"),
        ));
    }
    if !BITS.contains(&bits) {
        return Err(Error::invalid(
            op,
            format!("the requested number of bits {bits} is not supported; the supported bits are 1, 2, 3, 4, 5, 6 and 8"),
        ));
    }
    Ok(())
}

/// The float dtypes the quantized kernels compute in.
fn check_compute_dtype(op: &'static str, dtype: Dtype, inputs: Vec<Dtype>) -> Result<()> {
    if matches!(dtype, Dtype::Float32 | Dtype::Float16 | Dtype::Bfloat16) {
        Ok(())
    } else {
        Err(Error::dtype(
            op,
            format!(
                "only float32, float16 and bfloat16 are supported, but the inputs give {dtype}"
            ),
            inputs,
        ))
    }
}

/// Quantizes `w` (a float array of at least two dimensions whose last axis
/// is a multiple of `group_size`) with MLX's affine scheme (`mx.quantize`):
/// returns the packed `uint32` codes (last axis `k * bits / 32`), and the
/// scales and biases (last axis `k / group_size`, `w`'s dtype). The words,
/// scales and biases are bit-identical to MLX's.
///
/// ```
/// use mlx_ops::{quantized::quantize, Dtype, Tensor};
/// let w = Tensor::ones(&[4, 128], Dtype::Float16)?;
/// let (wq, s, b) = quantize(&w, 32, 3)?;
/// assert_eq!((wq.shape(), s.shape(), b.dtype()), (&[4usize, 12][..], &[4usize, 4][..], Dtype::Float16));
/// assert!(quantize(&w, 48, 4).is_err());
/// assert!(quantize(&w, 64, 7).is_err());
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn quantize(w: &Tensor, group_size: usize, bits: usize) -> Result<(Tensor, Tensor, Tensor)> {
    check_params("quantize", group_size, bits)?;
    if !w.dtype().is_floating() {
        return Err(Error::dtype(
            "quantize",
            format!(
                "only real floating types can be quantized but w has type {}",
                w.dtype()
            ),
            vec![w.dtype()],
        ));
    }
    check_compute_dtype("quantize", w.dtype(), vec![w.dtype()])?;
    if w.ndim() < 2 {
        return Err(Error::shape(
            "quantize",
            format!(
                "the matrix to be quantized must have at least 2 dimensions but it has {}",
                w.ndim()
            ),
            vec![w.shape().to_vec()],
        ));
    }
    let k = w.shape()[w.ndim() - 1];
    if !k.is_multiple_of(group_size) {
        return Err(Error::shape(
            "quantize",
            format!("the last dimension ({k}) must be divisible by the group size {group_size}"),
            vec![w.shape().to_vec()],
        ));
    }
    let with_last = |d: usize| {
        let mut s = w.shape().to_vec();
        *s.last_mut().expect("ndim >= 2") = d;
        s
    };
    let (g, b) = (group_size as u32, bits as u32);
    let part = |p: u8, shape: Vec<usize>, dtype: Dtype| {
        Tensor::op(
            "quantize",
            Primitive::Quantize {
                group_size: g,
                bits: b,
                part: p,
            },
            &[w],
            shape,
            dtype,
        )
    };
    Ok((
        part(0, with_last(k * bits / 32), Dtype::Uint32)?,
        part(1, with_last(k / group_size), w.dtype())?,
        part(2, with_last(k / group_size), w.dtype())?,
    ))
}

/// Checks packed weights against their scales and biases (MLX's
/// `validate_quantized_input`) and returns the float dtype of scales and
/// biases together.
fn check_packed(
    op: &'static str,
    w: &Tensor,
    scales: &Tensor,
    biases: &Tensor,
    group_size: usize,
    bits: usize,
) -> Result<Dtype> {
    check_params(op, group_size, bits)?;
    if w.dtype() != Dtype::Uint32 {
        return Err(Error::dtype(
            op,
            format!(
                "the weight matrix should be uint32 but received {}",
                w.dtype()
            ),
            vec![w.dtype()],
        ));
    }
    let shapes = || {
        vec![
            w.shape().to_vec(),
            scales.shape().to_vec(),
            biases.shape().to_vec(),
        ]
    };
    if w.ndim() < 2 {
        return Err(Error::shape(
            op,
            "the quantized matrix must have at least 2 dimensions",
            shapes(),
        ));
    }
    if scales.shape() != biases.shape() {
        return Err(Error::shape(
            op,
            "scales and biases should have the same shape",
            shapes(),
        ));
    }
    let nd = w.ndim();
    if scales.ndim() != nd || w.shape()[..nd - 1] != scales.shape()[..nd - 1] {
        return Err(Error::shape(
            op,
            "weight and scales should have the same shape except for the last axis",
            shapes(),
        ));
    }
    if w.shape()[nd - 1] * 32 / bits != scales.shape()[nd - 1] * group_size
        || !(w.shape()[nd - 1] * 32).is_multiple_of(bits)
    {
        return Err(Error::shape(
            op,
            format!("the shapes of the weight and scales are incompatible with group_size={group_size} and bits={bits}"),
            shapes(),
        ));
    }
    let dtype = Dtype::promote(scales.dtype(), biases.dtype());
    if !dtype.is_floating() {
        return Err(Error::dtype(
            op,
            "only real floating types are supported for scales and biases",
            vec![scales.dtype(), biases.dtype()],
        ));
    }
    Ok(dtype)
}

/// Unpacks quantized weights (`mx.dequantize`): `scales * codes + biases`
/// per group, in the dtype of `scales` and `biases` promoted (or `dtype`),
/// rounded as MLX rounds (after the product and after the sum).
///
/// ```
/// use mlx_ops::{quantized::{dequantize, quantize}, Dtype, Tensor};
/// let w = Tensor::full(&[1, 32], 0.5, Some(Dtype::Float32))?;
/// let (wq, s, b) = quantize(&w, 32, 8)?;
/// let d = dequantize(&wq, &s, &b, 32, 8, Some(Dtype::Float16))?;
/// assert_eq!(d.dtype(), Dtype::Float16);
/// assert_eq!(d.astype(Dtype::Float32)?.to_vec::<f32>()?, vec![0.5; 32]);
/// assert!(dequantize(&s, &s, &b, 32, 8, None).is_err());
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn dequantize(
    w: &Tensor,
    scales: &Tensor,
    biases: &Tensor,
    group_size: usize,
    bits: usize,
    dtype: Option<Dtype>,
) -> Result<Tensor> {
    let dt = check_packed("dequantize", w, scales, biases, group_size, bits)?;
    if let Some(d) = dtype {
        if !d.is_floating() {
            return Err(Error::dtype(
                "dequantize",
                format!("only real floating types are supported but the output dtype is {d}"),
                vec![d],
            ));
        }
    }
    let mut shape = w.shape().to_vec();
    let nd = shape.len();
    shape[nd - 1] = scales.shape()[nd - 1] * group_size;
    let out = Tensor::op(
        "dequantize",
        Primitive::Dequantize {
            group_size: group_size as u32,
            bits: bits as u32,
        },
        &[w, &scales.astype(dt)?, &biases.astype(dt)?],
        shape,
        dt,
    )?;
    match dtype {
        Some(d) if d != dt => out.astype(d),
        _ => Ok(out),
    }
}

/// `(inner, outer)` dims of the unpacked matrix, checked against `x`.
fn qmm_dims(
    op: &'static str,
    x: &Tensor,
    w: &Tensor,
    transpose: bool,
    bits: usize,
) -> Result<(usize, usize)> {
    let nd = w.ndim();
    let (r, c) = (w.shape()[nd - 2], w.shape()[nd - 1] * 32 / bits);
    let (inner, outer) = if transpose { (c, r) } else { (r, c) };
    if x.ndim() == 0 || x.shape()[x.ndim() - 1] != inner {
        return Err(Error::shape(
            op,
            format!("the last dimension of x does not match the expanded quantized matrix ({inner}, {outer}) with bits={bits} and transpose={transpose}"),
            vec![x.shape().to_vec(), w.shape().to_vec()],
        ));
    }
    Ok((inner, outer))
}

/// `x @ dequantize(w).T` (`transpose`, MLX's default) or
/// `x @ dequantize(w)` without materialising the float weight
/// (`mx.quantized_matmul`). The result has the dtype of `x`, `scales` and
/// `biases` promoted; batch axes of `x` and `w` broadcast when both have
/// more than two.
///
/// ```
/// use mlx_ops::{quantized::{quantize, quantized_matmul}, Dtype, Tensor};
/// let w = Tensor::ones(&[8, 64], Dtype::Float32)?;
/// let (wq, s, b) = quantize(&w, 64, 4)?;
/// let x = Tensor::ones(&[2, 64], Dtype::Float32)?;
/// let y = quantized_matmul(&x, &wq, &s, &b, true, 64, 4)?;
/// assert_eq!(y.shape(), &[2, 8]);
/// assert_eq!(y.to_vec::<f32>()?, vec![64.0; 16]);
/// assert!(quantized_matmul(&x, &wq, &s, &b, false, 64, 4).is_err());
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn quantized_matmul(
    x: &Tensor,
    w: &Tensor,
    scales: &Tensor,
    biases: &Tensor,
    transpose: bool,
    group_size: usize,
    bits: usize,
) -> Result<Tensor> {
    let op = "quantized_matmul";
    let sdt = check_packed(op, w, scales, biases, group_size, bits)?;
    let (_, outer) = qmm_dims(op, x, w, transpose, bits)?;
    let dtype = Dtype::promote(x.dtype(), sdt);
    check_compute_dtype(op, dtype, vec![x.dtype(), scales.dtype(), biases.dtype()])?;
    let mut inputs = [
        x.astype(dtype)?,
        w.clone(),
        scales.astype(dtype)?,
        biases.astype(dtype)?,
    ];
    if x.ndim() > 2 && w.ndim() > 2 {
        // broadcast the batch axes of all four
        let batch = broadcast_shapes(op, &x.shape()[..x.ndim() - 2], &w.shape()[..w.ndim() - 2])?;
        for t in inputs.iter_mut() {
            let n = t.ndim();
            let mut s = batch.clone();
            s.extend_from_slice(&t.shape()[n - 2..]);
            *t = t.broadcast_to(&s)?;
        }
    } else if w.ndim() > 2 {
        // MLX multiplies by the first matrix of a batched weight here
        for t in inputs.iter_mut().skip(1) {
            let n = t.ndim();
            let (r, c) = (t.shape()[n - 2] as i64, t.shape()[n - 1] as i64);
            *t = t
                .reshape(&[-1, r, c])?
                .slice_axis(0, 0, 1, 1)?
                .reshape(&[r, c])?;
        }
    }
    let mut shape = inputs[0].shape().to_vec();
    *shape.last_mut().expect("ndim >= 1") = outer;
    let refs: Vec<&Tensor> = inputs.iter().collect();
    Tensor::op(
        op,
        Primitive::QuantizedMatmul {
            group_size: group_size as u32,
            bits: bits as u32,
            transpose,
        },
        &refs,
        shape,
        dtype,
    )
}

/// Integer indices as `uint32`, or the default (every batch matrix of `x`
/// in order, shaped like `x`'s batch axes).
fn indices_or_default(op: &'static str, idx: Option<&Tensor>, x: &Tensor) -> Result<Tensor> {
    if x.ndim() < 2 {
        return Err(Error::shape(
            op,
            "input must have at least two dimensions",
            vec![x.shape().to_vec()],
        ));
    }
    match idx {
        Some(i) => {
            if !i.dtype().is_integer() {
                return Err(Error::dtype(
                    op,
                    "indices must be integral",
                    vec![i.dtype()],
                ));
            }
            i.astype(Dtype::Uint32)
        }
        None => {
            let batch = &x.shape()[..x.ndim() - 2];
            let total: usize = batch.iter().product();
            let dims: Vec<i64> = batch.iter().map(|&d| d as i64).collect();
            Tensor::arange(0.0, total as f64, 1.0, Some(Dtype::Uint32))?
                .to_device(x.device())?
                .reshape(&dims)
        }
    }
}

/// Expert-indexed matrix product (`mx.gather_mm`): output block `i` is
/// `a[lhs[i]] @ b[rhs[i]]`, indexing the flattened batch matrices of `a`
/// (`[..., m, k]`) and `b` (`[..., k, n]`); the indices broadcast together
/// and the output is `indices.shape ++ [m, n]`. Missing indices default to
/// every batch matrix in order; with neither it is [`Tensor::matmul`].
/// Rows that share an rhs matrix are multiplied together in one product.
/// `sorted_indices` is a hint (the results do not depend on it). Indices out
/// of range are an error when the product is evaluated.
///
/// ```
/// use mlx_ops::{quantized::gather_mm, Dtype, Tensor};
/// let a = Tensor::ones(&[4, 1, 3], Dtype::Float32)?;          // 4 tokens
/// let b = Tensor::arange(0.0, 2.0, 1.0, Some(Dtype::Float32))?
///     .reshape(&[2, 1, 1])?.broadcast_to(&[2, 3, 2])?;       // 2 experts
/// let rhs = Tensor::from_slice(&[1u32, 0, 1, 1], &[4])?;
/// let y = gather_mm(&a, &b, None, Some(&rhs), false)?;
/// assert_eq!(y.shape(), &[4, 1, 2]);
/// assert_eq!(y.to_vec::<f32>()?, vec![3.0, 3.0, 0.0, 0.0, 3.0, 3.0, 3.0, 3.0]);
/// let bad = Tensor::from_slice(&[5u32, 0, 1, 1], &[4])?;
/// assert!(gather_mm(&a, &b, None, Some(&bad), false)?.eval().is_err());
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn gather_mm(
    a: &Tensor,
    b: &Tensor,
    lhs_indices: Option<&Tensor>,
    rhs_indices: Option<&Tensor>,
    sorted_indices: bool,
) -> Result<Tensor> {
    let _ = sorted_indices;
    let op = "gather_mm";
    if lhs_indices.is_none() && rhs_indices.is_none() {
        return a.matmul(b);
    }
    if a.ndim() == 0 || b.ndim() == 0 {
        return Err(Error::shape(
            op,
            "inputs must have at least one dimension",
            vec![a.shape().to_vec(), b.shape().to_vec()],
        ));
    }
    let (a_vec, b_vec) = (a.ndim() == 1, b.ndim() == 1);
    let a2 = if a_vec { a.expand_dims(0)? } else { a.clone() };
    let b2 = if b_vec { b.expand_dims(1)? } else { b.clone() };
    let (an, bn) = (a2.ndim(), b2.ndim());
    if a2.shape()[an - 1] != b2.shape()[bn - 2] {
        return Err(Error::shape(
            op,
            "the last dimension of the first input must match the second to last of the second",
            vec![a.shape().to_vec(), b.shape().to_vec()],
        ));
    }
    let dtype = Dtype::promote(a.dtype(), b.dtype());
    if !dtype.is_floating() {
        return Err(Error::dtype(
            op,
            format!(
                "only real floating point types are supported, but the inputs promote to {dtype}"
            ),
            vec![a.dtype(), b.dtype()],
        ));
    }
    check_compute_dtype(op, dtype, vec![a.dtype(), b.dtype()])?;
    let a2 = a2.astype(dtype)?;
    let b2 = b2.astype(dtype)?;
    let li = indices_or_default(op, lhs_indices, &a2)?;
    let ri = indices_or_default(op, rhs_indices, &b2)?;
    let bi = broadcast_arrays(&[&li, &ri])?;
    let mut shape = bi[0].shape().to_vec();
    shape.push(a2.shape()[an - 2]);
    shape.push(b2.shape()[bn - 1]);
    let out = Tensor::op(
        op,
        Primitive::GatherMm,
        &[&a2, &b2, &bi[0], &bi[1]],
        shape,
        dtype,
    )?;
    let nd = out.ndim() as i64;
    let mut axes = Vec::new();
    if a_vec {
        axes.push(nd - 2);
    }
    if b_vec {
        axes.push(nd - 1);
    }
    if axes.is_empty() {
        Ok(out)
    } else {
        out.squeeze(axes)
    }
}

/// Expert-indexed quantized product (`mx.gather_qmm`): output block `i` is
/// `quantized_matmul(x[lhs[i]], w[rhs[i]], ...)` over the flattened batch
/// matrices of `x` and of the quantized `w` (with its scales and biases);
/// the output is `indices.shape ++ [m, n]`. With neither index it is
/// [`quantized_matmul`]. Rows that share an expert are multiplied together.
///
/// ```
/// use mlx_ops::{quantized::{gather_qmm, quantize}, Dtype, Tensor};
/// let w = Tensor::ones(&[3, 16, 64], Dtype::Float32)?;       // 3 experts
/// let (wq, s, b) = quantize(&w, 64, 4)?;
/// let x = Tensor::ones(&[5, 1, 64], Dtype::Float32)?;        // 5 tokens
/// let rhs = Tensor::from_slice(&[2u32, 0, 1, 2, 2], &[5])?;
/// let y = gather_qmm(&x, &wq, &s, &b, None, Some(&rhs), true, 64, 4, false)?;
/// assert_eq!(y.shape(), &[5, 1, 16]);
/// assert_eq!(y.to_vec::<f32>()?[0], 64.0);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn gather_qmm(
    x: &Tensor,
    w: &Tensor,
    scales: &Tensor,
    biases: &Tensor,
    lhs_indices: Option<&Tensor>,
    rhs_indices: Option<&Tensor>,
    transpose: bool,
    group_size: usize,
    bits: usize,
    sorted_indices: bool,
) -> Result<Tensor> {
    let _ = sorted_indices;
    let op = "gather_qmm";
    if lhs_indices.is_none() && rhs_indices.is_none() {
        return quantized_matmul(x, w, scales, biases, transpose, group_size, bits);
    }
    let sdt = check_packed(op, w, scales, biases, group_size, bits)?;
    let (_, outer) = qmm_dims(op, x, w, transpose, bits)?;
    let dtype = Dtype::promote(x.dtype(), sdt);
    check_compute_dtype(op, dtype, vec![x.dtype(), scales.dtype(), biases.dtype()])?;
    let li = indices_or_default(op, lhs_indices, x)?;
    let ri = indices_or_default(op, rhs_indices, w)?;
    let bi = broadcast_arrays(&[&li, &ri])?;
    let mut shape = bi[0].shape().to_vec();
    shape.push(x.shape()[x.ndim() - 2]);
    shape.push(outer);
    Tensor::op(
        op,
        Primitive::GatherQmm {
            group_size: group_size as u32,
            bits: bits as u32,
            transpose,
        },
        &[
            &x.astype(dtype)?,
            w,
            &scales.astype(dtype)?,
            &biases.astype(dtype)?,
            &bi[0],
            &bi[1],
        ],
        shape,
        dtype,
    )
}

// ------------------------------------------------------------- derivatives

/// For each rhs matrix `e` (of `count`), the sum over blocks `i` with
/// `rhs[i] == e` of `a[lhs[i]]^T @ g[i]` (`[count, k, n]`): the cotangent of
/// the rhs of an expert-indexed product.
fn gather_mm_grad(
    a: &Tensor,
    g: &Tensor,
    lhs: &Tensor,
    rhs: &Tensor,
    count: usize,
) -> Result<Tensor> {
    let an = a.ndim();
    let (m, k) = (a.shape()[an - 2] as i64, a.shape()[an - 1] as i64);
    let n = g.shape()[g.ndim() - 1] as i64;
    let af = a.reshape(&[-1, m, k])?;
    let lf = lhs.reshape(&[-1])?;
    let rf = rhs.reshape(&[-1])?;
    let ag = af.take(&lf, Some(0))?;
    let gf = g.reshape(&[-1, m, n])?;
    let prod = ag.swapaxes(-1, -2)?.matmul(&gf)?; // [i, k, n]
    let zeros =
        Tensor::zeros(&[count, k as usize, n as usize], prod.dtype())?.to_device(a.device())?;
    zeros.scatter_add(&[&rf], &prod.expand_dims(1)?, &[0])
}

/// The cotangent of `a` of an expert-indexed product whose per-block
/// cotangent (before scattering to `lhs`) is `gi` (`idx.shape ++ [m, k]`).
fn scatter_to_lhs(a: &Tensor, gi: &Tensor, lhs: &Tensor) -> Result<Tensor> {
    let an = a.ndim();
    let (m, k) = (a.shape()[an - 2], a.shape()[an - 1]);
    let na = a.size() / (m * k).max(1);
    let zeros = Tensor::zeros(&[na, m, k], a.dtype())?.to_device(a.device())?;
    let lf = lhs.reshape(&[-1])?;
    let gf = gi.reshape(&[-1, 1, m as i64, k as i64])?;
    let dims: Vec<i64> = a.shape().iter().map(|&d| d as i64).collect();
    zeros.scatter_add(&[&lf], &gf, &[0])?.reshape(&dims)
}

/// Scale and bias cotangents from the cotangent `dw` of the dequantized
/// weight (same shape as it).
fn scale_bias_grads(
    dw: &Tensor,
    w: &Tensor,
    scales: &Tensor,
    group_size: usize,
    bits: usize,
) -> Result<(Tensor, Tensor)> {
    let dsb = dw.unflatten(-1, &[-1, group_size as i64])?;
    let gb = dsb.sum(-1, false)?;
    let codes = dequantize(
        w,
        &scales.ones_like()?,
        &scales.zeros_like()?,
        group_size,
        bits,
        None,
    )?
    .unflatten(-1, &[-1, group_size as i64])?;
    let gs = dsb.multiply(&codes)?.sum(-1, false)?;
    Ok((gs, gb))
}

/// The pieces of MLX's scale and bias computation for `w`'s groups (in
/// float32, shaped `[..., groups, 1]`), through which MLX 0.32.4
/// differentiates `quantize` (its composite fallback): the group `w`
/// (`[..., groups, group_size]`), max and min, whether the min is the edge,
/// whether `max - min` passed the `1e-7` floor, the first code `q0` of the
/// edge, and `n_bins`.
struct QuantParts {
    wg: Tensor,
    hi: Tensor,
    lo: Tensor,
    mask: Tensor,
    above: Tensor,
    q0: Tensor,
    n_bins: f64,
}

fn quant_parts(w: &Tensor, group_size: usize, bits: usize) -> Result<QuantParts> {
    let wg = w
        .unflatten(-1, &[-1, group_size as i64])?
        .astype(Dtype::Float32)?;
    let hi = wg.max(-1, true)?;
    let lo = wg.min(-1, true)?;
    let n_bins = ((1u64 << bits) - 1) as f64;
    let mask = lo.abs()?.greater(&hi.abs()?)?;
    let raw = hi.subtract(&lo)?.divide(n_bins)?;
    let above = raw.greater_equal(1e-7)?;
    let s = raw.maximum(1e-7)?;
    let s = mask.where_(&s, &s.negative()?)?;
    let edge = mask.where_(&lo, &hi)?;
    let q0 = edge.divide(&s)?.round(0)?;
    Ok(QuantParts {
        wg,
        hi,
        lo,
        mask,
        above,
        q0,
        n_bins,
    })
}

/// The cotangent of `w` from the cotangent `g` of the scales (`part` 1) or
/// biases (`part` 2) of `quantize(w)` (MLX's rule, through its composite:
/// `scale = edge / q0` and `bias = edge` when `q0 != 0`, else the floored
/// range and zero; max and min share a cotangent among ties). The packed
/// codes (`part` 0) get none.
pub(crate) fn quantize_vjp(
    w: &Tensor,
    part: u8,
    g: &Tensor,
    group_size: usize,
    bits: usize,
) -> Result<Option<Tensor>> {
    if part == 0 {
        return Ok(None);
    }
    let q = quant_parts(w, group_size, bits)?;
    let g = g.astype(Dtype::Float32)?.expand_dims(-1)?;
    let zero = g.zeros_like()?;
    let (d_hi, d_lo) = if bits == 1 {
        // scale = max(hi - lo, eps), bias = lo
        if part == 1 {
            let d = q.above.where_(&g, &zero)?;
            (d.clone(), d.negative()?)
        } else {
            (zero.clone(), g.clone())
        }
    } else {
        let nz = q.q0.not_equal(0.0)?;
        let (d_edge, d_s) = if part == 1 {
            (nz.where_(&g.divide(&q.q0)?, &zero)?, nz.where_(&zero, &g)?)
        } else {
            (nz.where_(&g, &zero)?, zero.clone())
        };
        let d_raw = q
            .above
            .where_(&q.mask.where_(&d_s, &d_s.negative()?)?, &zero)?
            .divide(q.n_bins)?;
        (
            d_raw.add(&q.mask.where_(&zero, &d_edge)?)?,
            d_raw.negative()?.add(&q.mask.where_(&d_edge, &zero)?)?,
        )
    };
    let share = |m: Tensor, d: &Tensor| -> Result<Tensor> {
        let m = m.astype(Dtype::Float32)?;
        m.multiply(&d.divide(&m.sum(-1, true)?)?)
    };
    let dw = share(q.wg.equal(&q.hi)?, &d_hi)?.add(&share(q.wg.equal(&q.lo)?, &d_lo)?)?;
    let dims: Vec<i64> = w.shape().iter().map(|&d| d as i64).collect();
    Ok(Some(dw.reshape(&dims)?.astype(w.dtype())?))
}

/// The tangent of the scales (`part` 1) or biases (`part` 2) of
/// `quantize(w)` along `t` (see [`quantize_vjp`]); the codes have none.
pub(crate) fn quantize_jvp(
    w: &Tensor,
    part: u8,
    t: &Tensor,
    group_size: usize,
    bits: usize,
) -> Result<Option<Tensor>> {
    if part == 0 {
        return Ok(None);
    }
    let q = quant_parts(w, group_size, bits)?;
    let tg = t
        .unflatten(-1, &[-1, group_size as i64])?
        .astype(Dtype::Float32)?;
    let pick = |m: Tensor| -> Result<Tensor> {
        let m = m.astype(Dtype::Float32)?;
        tg.multiply(&m)?.sum(-1, true)?.divide(&m.sum(-1, true)?)
    };
    let (t_hi, t_lo) = (pick(q.wg.equal(&q.hi)?)?, pick(q.wg.equal(&q.lo)?)?);
    let zero = t_hi.zeros_like()?;
    let t_raw = q.above.where_(&t_hi.subtract(&t_lo)?, &zero)?;
    let out = if bits == 1 {
        if part == 1 {
            t_raw
        } else {
            t_lo
        }
    } else {
        let t_raw = t_raw.divide(q.n_bins)?;
        let t_s = q.mask.where_(&t_raw, &t_raw.negative()?)?;
        let t_edge = q.mask.where_(&t_lo, &t_hi)?;
        let nz = q.q0.not_equal(0.0)?;
        if part == 1 {
            nz.where_(&t_edge.divide(&q.q0)?, &t_s)?
        } else {
            nz.where_(&t_edge, &zero)?
        }
    };
    Ok(Some(out.squeeze(-1)?.astype(w.dtype())?))
}

/// The cotangents of `Dequantize` at `(w, scales, biases)` for the output
/// cotangent `g`: the group sums of `g * codes` and of `g` (the packed codes
/// get none).
pub(crate) fn dequantize_vjp(
    inputs: &[Tensor],
    g: &Tensor,
    group_size: usize,
    bits: usize,
) -> Result<(Tensor, Tensor)> {
    scale_bias_grads(g, &inputs[0], &inputs[1], group_size, bits)
}

/// The tangent of `Dequantize` at `(w, scales, biases)` along the scale and
/// bias tangents: `codes * ts + tb`, each group's tangent repeated over its
/// elements (`None` when both are zero).
pub(crate) fn dequantize_jvp(
    inputs: &[Tensor],
    ts: Option<&Tensor>,
    tb: Option<&Tensor>,
    group_size: usize,
    bits: usize,
) -> Result<Option<Tensor>> {
    let (w, scales) = (&inputs[0], &inputs[1]);
    let spread = |t: &Tensor| -> Result<Tensor> {
        let mut shape = t.shape().to_vec();
        shape.push(group_size);
        let n = shape.len();
        let out: Vec<i64> = shape[..n - 2]
            .iter()
            .map(|&d| d as i64)
            .chain([(shape[n - 2] * group_size) as i64])
            .collect();
        t.expand_dims(-1)?.broadcast_to(&shape)?.reshape(&out)
    };
    let a = match ts {
        Some(ts) => {
            let codes = dequantize(
                w,
                &scales.ones_like()?,
                &scales.zeros_like()?,
                group_size,
                bits,
                None,
            )?;
            Some(codes.multiply(&spread(ts)?)?)
        }
        None => None,
    };
    let b = tb.map(spread).transpose()?;
    Ok(match (a, b) {
        (Some(a), Some(b)) => Some(a.add(&b)?),
        (a, b) => a.or(b),
    })
}

/// The cotangents of `QuantizedMatmul` at `(x, w, scales, biases)` for the
/// output cotangent `g`: `x` gets the product with the transposed weight;
/// scales and biases get MLX's group sums; the packed codes get none.
pub(crate) fn quantized_matmul_vjp(
    inputs: &[Tensor],
    g: &Tensor,
    transpose: bool,
    group_size: usize,
    bits: usize,
) -> Result<(Tensor, Tensor, Tensor)> {
    let (x, w, s, b) = (&inputs[0], &inputs[1], &inputs[2], &inputs[3]);
    let gx = quantized_matmul(g, w, s, b, !transpose, group_size, bits)?;
    let (fx, fg) = if w.ndim() == 2 {
        let k = x.shape()[x.ndim() - 1] as i64;
        let n = g.shape()[g.ndim() - 1] as i64;
        (x.reshape(&[-1, k])?, g.reshape(&[-1, n])?)
    } else {
        (x.clone(), g.clone())
    };
    let dw = if transpose {
        fg.swapaxes(-1, -2)?.matmul(&fx)?
    } else {
        fx.swapaxes(-1, -2)?.matmul(&fg)?
    };
    let (gs, gb) = scale_bias_grads(&dw, w, s, group_size, bits)?;
    Ok((gx, gs, gb))
}

/// The cotangents of `GatherMm` at `(a, b, lhs, rhs)` (MLX's rule: `a`
/// gets the products with the transposed rhs scattered to `lhs`; `b` the
/// per-expert sums of `a^T g`).
pub(crate) fn gather_mm_vjp(inputs: &[Tensor], g: &Tensor) -> Result<(Tensor, Tensor)> {
    let (a, b, lhs, rhs) = (&inputs[0], &inputs[1], &inputs[2], &inputs[3]);
    let gi = gather_mm(g, &b.swapaxes(-1, -2)?, None, Some(rhs), false)?;
    let ga = scatter_to_lhs(a, &gi, lhs)?;
    let bn = b.ndim();
    let nb = b.size() / (b.shape()[bn - 2] * b.shape()[bn - 1]).max(1);
    let dims: Vec<i64> = b.shape().iter().map(|&d| d as i64).collect();
    let gb = gather_mm_grad(a, g, lhs, rhs, nb)?.reshape(&dims)?;
    Ok((ga, gb))
}

/// The cotangents of `GatherQmm` at `(x, w, scales, biases, lhs, rhs)`.
pub(crate) fn gather_qmm_vjp(
    inputs: &[Tensor],
    g: &Tensor,
    transpose: bool,
    group_size: usize,
    bits: usize,
) -> Result<(Tensor, Tensor, Tensor)> {
    let (x, w, s, b, lhs, rhs) = (
        &inputs[0], &inputs[1], &inputs[2], &inputs[3], &inputs[4], &inputs[5],
    );
    let gi = gather_qmm(
        g,
        w,
        s,
        b,
        None,
        Some(rhs),
        !transpose,
        group_size,
        bits,
        false,
    )?;
    let gx = scatter_to_lhs(x, &gi, lhs)?;
    let wn = w.ndim();
    let nb = w.size() / (w.shape()[wn - 2] * w.shape()[wn - 1]).max(1);
    // per expert: x^T g ([k, n]); the weight is [n, k] when transposed
    let d = gather_mm_grad(x, g, lhs, rhs, nb)?;
    let d = if transpose { d.swapaxes(-1, -2)? } else { d };
    let mut dims: Vec<i64> = w.shape()[..wn - 2].iter().map(|&v| v as i64).collect();
    dims.extend(d.shape()[1..].iter().map(|&v| v as i64));
    let dw = d.reshape(&dims)?;
    let (gs, gb) = scale_bias_grads(&dw, w, s, group_size, bits)?;
    Ok((gx, gs, gb))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f32], s: &[usize]) -> Tensor {
        Tensor::from_slice(v, s).unwrap()
    }

    #[test]
    fn quantize_round_trips_within_a_step() {
        // MLX pins the larger-magnitude edge of each group to a code exactly;
        // the other edge may clip by about a step (one bit: more); MLX agrees
        // (the conformance cases compare the codes exactly)
        for &bits in &BITS[1..] {
            for &gs in &GROUP_SIZES {
                let n = 2 * gs;
                let v: Vec<f32> = (0..n)
                    .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
                    .collect();
                let w = t(&v, &[2, gs]);
                let (wq, s, b) = quantize(&w, gs, bits).unwrap();
                assert_eq!(wq.shape(), &[2, gs * bits / 32]);
                let d = dequantize(&wq, &s, &b, gs, bits, None)
                    .unwrap()
                    .to_vec::<f32>()
                    .unwrap();
                let sv = s.to_vec::<f32>().unwrap();
                for (i, (&x, &y)) in v.iter().zip(&d).enumerate() {
                    let step = sv[i / gs].abs();
                    assert!(
                        (x - y).abs() <= step + 1e-4,
                        "bits {bits} gs {gs} at {i}: {x} vs {y}"
                    );
                }
            }
        }
    }

    #[test]
    fn quantized_matmul_matches_dequantized_matmul() {
        let (n, k) = (24, 128);
        let v: Vec<f32> = (0..n * k)
            .map(|i| ((i * 13 % 29) as f32 - 14.0) / 9.0)
            .collect();
        let w = t(&v, &[n, k]);
        for &bits in &[2usize, 3, 4, 6, 8] {
            let (wq, s, b) = quantize(&w, 64, bits).unwrap();
            let wd = dequantize(&wq, &s, &b, 64, bits, None).unwrap();
            for &m in &[1usize, 3, 20] {
                let xv: Vec<f32> = (0..m * k)
                    .map(|i| ((i * 7 % 11) as f32 - 5.0) / 4.0)
                    .collect();
                let x = t(&xv, &[m, k]);
                let want = x
                    .matmul(&wd.transpose(&[1, 0]).unwrap())
                    .unwrap()
                    .to_vec::<f32>()
                    .unwrap();
                let got = quantized_matmul(&x, &wq, &s, &b, true, 64, bits)
                    .unwrap()
                    .to_vec::<f32>()
                    .unwrap();
                for (a, b) in want.iter().zip(&got) {
                    assert!(
                        (a - b).abs() <= 1e-3 * (1.0 + a.abs()),
                        "bits {bits} m {m}: {a} vs {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn untransposed_quantized_matmul() {
        let (k, n) = (32, 128);
        let v: Vec<f32> = (0..k * n)
            .map(|i| ((i * 5 % 17) as f32 - 8.0) / 3.0)
            .collect();
        let w = t(&v, &[k, n]);
        let (wq, s, b) = quantize(&w, 32, 4).unwrap();
        let wd = dequantize(&wq, &s, &b, 32, 4, None).unwrap();
        for &m in &[1usize, 12] {
            let xv: Vec<f32> = (0..m * k).map(|i| (i % 5) as f32 - 2.0).collect();
            let x = t(&xv, &[m, k]);
            let want = x.matmul(&wd).unwrap().to_vec::<f32>().unwrap();
            let got = quantized_matmul(&x, &wq, &s, &b, false, 32, 4)
                .unwrap()
                .to_vec::<f32>()
                .unwrap();
            for (a, b) in want.iter().zip(&got) {
                assert!((a - b).abs() <= 1e-3 * (1.0 + a.abs()));
            }
        }
    }

    #[test]
    fn gather_mm_matches_per_block_matmuls() {
        let a = Tensor::arange(0.0, 24.0, 1.0, Some(Dtype::Float32))
            .unwrap()
            .reshape(&[3, 2, 4])
            .unwrap();
        let b = Tensor::arange(0.0, 40.0, 1.0, Some(Dtype::Float32))
            .unwrap()
            .reshape(&[2, 4, 5])
            .unwrap();
        let li = Tensor::from_slice(&[2i32, 0, 1, 2], &[4]).unwrap();
        let ri = Tensor::from_slice(&[1i32, 1, 0, 0], &[4]).unwrap();
        let y = gather_mm(&a, &b, Some(&li), Some(&ri), false).unwrap();
        assert_eq!(y.shape(), &[4, 2, 5]);
        let got = y.to_vec::<f32>().unwrap();
        for (i, (l, r)) in [(2i64, 1i64), (0, 1), (1, 0), (2, 0)].iter().enumerate() {
            let want = a
                .slice_axis(0, *l, l + 1, 1)
                .unwrap()
                .matmul(&b.slice_axis(0, *r, r + 1, 1).unwrap())
                .unwrap()
                .to_vec::<f32>()
                .unwrap();
            assert_eq!(&got[i * 10..(i + 1) * 10], &want[..]);
        }
        let bad = Tensor::from_slice(&[3i32], &[1]).unwrap();
        let err = gather_mm(&a, &b, Some(&bad), None, false).and_then(|y| y.eval());
        assert!(err.unwrap_err().to_string().contains("gather_mm"));
    }

    #[test]
    fn errors_name_the_op() {
        let w = Tensor::ones(&[2, 64], Dtype::Float32).unwrap();
        let e = quantize(&w, 64, 7).unwrap_err().to_string();
        assert!(e.contains("quantize") && e.contains('7'), "{e}");
        let e = quantize(&Tensor::ones(&[64], Dtype::Float32).unwrap(), 64, 4).unwrap_err();
        assert!(e.to_string().contains("quantize"));
        let (wq, s, b) = quantize(&w, 64, 4).unwrap();
        let x = Tensor::ones(&[1, 32], Dtype::Float32).unwrap();
        let e = quantized_matmul(&x, &wq, &s, &b, true, 64, 4)
            .unwrap_err()
            .to_string();
        assert!(e.contains("quantized_matmul"), "{e}");
        let e = quantized_matmul(&x, &wq, &s, &b, true, 64, 5)
            .unwrap_err()
            .to_string();
        assert!(e.contains("quantized_matmul"), "{e}");
        let ai = Tensor::ones(&[2, 2, 2], Dtype::Int32).unwrap();
        assert!(gather_mm(
            &ai,
            &ai,
            Some(&Tensor::from_slice(&[0u32], &[1]).unwrap()),
            None,
            false
        )
        .is_err());
    }
}
