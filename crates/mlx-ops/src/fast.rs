//! `mx.fast`: normalisations, rotary embeddings and attention.
//!
//! `rms_norm` is one fused primitive; the other ops are composed of existing
//! ops exactly as MLX's reference implementation (the one its CPU backend
//! runs), so values match MLX and derivatives, forward mode and `vmap` come
//! from the parts.
//!
//! ```
//! use mlx_ops::{fast, Dtype, Tensor};
//! let x = Tensor::from_slice(&[3.0f32, 4.0], &[1, 2])?;
//! let y = fast::rms_norm(&x, None, 0.0)?;
//! let want = [3.0 / 12.5f32.sqrt(), 4.0 / 12.5f32.sqrt()];
//! assert!(y.to_vec::<f32>()?.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6));
//! # Ok::<(), mlx_ops::Error>(())
//! ```

use crate::Tensor;
use mlx_core::{Dtype, Error, Primitive, Result};

/// Checks that `w` is 1-D with `n` elements.
fn check_affine(op: &'static str, what: &str, w: &Tensor, n: usize) -> Result<()> {
    if w.ndim() != 1 || w.shape()[0] != n {
        return Err(Error::shape(
            op,
            format!("{what} must be 1-D with the size of the last axis of x ({n})"),
            vec![w.shape().to_vec()],
        ));
    }
    Ok(())
}

fn check_float(op: &'static str, dtype: Dtype, inputs: &[Dtype]) -> Result<()> {
    if !dtype.is_floating() {
        return Err(Error::dtype(
            op,
            format!("received unsupported type {dtype}"),
            inputs.to_vec(),
        ));
    }
    Ok(())
}

fn scalar_on(v: f64, dtype: Dtype, like: &Tensor) -> Result<Tensor> {
    Tensor::scalar_as(v, dtype).to_device(like.device())
}

/// Root-mean-square normalisation over the last axis (`mx.fast.rms_norm`):
/// `x / sqrt(mean(x²) + eps) * weight`, computed in float32 and returned in
/// the promoted dtype of `x` and `weight`. One fused node (a single pass
/// per row on the CPU), with its own derivative and batching rules.
///
/// ```
/// use mlx_ops::{fast, Dtype, Tensor};
/// let x = Tensor::ones(&[2, 4], Dtype::Float16)?;
/// let w = Tensor::full(&[4], 2.0, Some(Dtype::Float16))?;
/// let y = fast::rms_norm(&x, Some(&w), 1e-5)?;
/// assert_eq!(y.dtype(), Dtype::Float16);
/// assert!((y.astype(Dtype::Float32)?.to_vec::<f32>()?[0] - 2.0).abs() < 1e-2);
/// assert!(fast::rms_norm(&x, Some(&Tensor::ones(&[3], Dtype::Float16)?), 1e-5).is_err());
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn rms_norm(x: &Tensor, weight: Option<&Tensor>, eps: f64) -> Result<Tensor> {
    if x.ndim() == 0 {
        return Err(Error::shape(
            "rms_norm",
            "input must have at least 1 dimension",
            vec![x.shape().to_vec()],
        ));
    }
    let n = x.shape()[x.ndim() - 1];
    let mut out = x.dtype();
    if let Some(w) = weight {
        check_affine("rms_norm", "weight", w, n)?;
        out = Dtype::promote(out, w.dtype());
    }
    check_float("rms_norm", out, &[x.dtype()])?;
    // one fused node; a missing weight is ones (multiplying by one is exact)
    let w = match weight {
        Some(w) => w.astype(out)?,
        None => Tensor::ones(&[n], out)?.to_device(x.device())?,
    };
    Tensor::op(
        "rms_norm",
        Primitive::RmsNorm { eps },
        &[&x.astype(out)?, &w],
        x.shape().to_vec(),
        out,
    )
}

/// `x / sqrt(mean(x²) + eps)` over the last axis in float32 (`x` may have
/// any float dtype): the normalised rows and the reciprocal root, kept.
fn rms_parts(x: &Tensor, eps: f64) -> Result<(Tensor, Tensor)> {
    let xf = x.astype(Dtype::Float32)?;
    let ms = xf.square()?.mean(-1, true)?;
    let r = ms.add(&scalar_on(eps, Dtype::Float32, x)?)?.rsqrt()?;
    Ok((xf.multiply(&r)?, r))
}

/// [`rms_norm`] composed of elementwise ops and a mean (MLX's reference
/// formula): for batched weights under `vmap`, and to check the kernel.
pub(crate) fn rms_norm_composite(x: &Tensor, w: &Tensor, eps: f64) -> Result<Tensor> {
    let (n, _) = rms_parts(x, eps)?;
    n.astype(x.dtype())?.multiply(w)
}

/// The cotangents `(gx, gw)` of `RmsNorm` at `(x, w)` for the output
/// cotangent `g`: with `n = x r`, `r = 1 / sqrt(mean(x²) + eps)`,
/// `gw = sum(g n)` over all rows and `gx = r (gw' - n mean(gw' n))` where
/// `gw' = g w`.
pub(crate) fn rms_norm_vjp(
    x: &Tensor,
    w: &Tensor,
    eps: f64,
    g: &Tensor,
) -> Result<(Tensor, Tensor)> {
    let (n, r) = rms_parts(x, eps)?;
    let lead: Vec<i64> = (0..x.ndim() as i64 - 1).collect();
    let gw = g
        .multiply(&n.astype(x.dtype())?)?
        .sum(lead, false)?
        .astype(w.dtype())?;
    let gn = g.multiply(w)?.astype(Dtype::Float32)?;
    let proj = gn.multiply(&n)?.mean(-1, true)?;
    let gx = r
        .multiply(&gn.subtract(&n.multiply(&proj)?)?)?
        .astype(x.dtype())?;
    Ok((gx, gw))
}

/// The tangent of `RmsNorm` at `(x, w)` for input tangents `dx`, `dw`:
/// `r (dx - n mean(dx n)) w + n dw`.
pub(crate) fn rms_norm_jvp(
    x: &Tensor,
    w: &Tensor,
    eps: f64,
    dx: Option<&Tensor>,
    dw: Option<&Tensor>,
) -> Result<Option<Tensor>> {
    let (n, r) = rms_parts(x, eps)?;
    let mut out: Option<Tensor> = None;
    if let Some(dx) = dx {
        let dxf = dx.astype(Dtype::Float32)?;
        let proj = dxf.multiply(&n)?.mean(-1, true)?;
        let dn = r.multiply(&dxf.subtract(&n.multiply(&proj)?)?)?;
        out = Some(dn.astype(x.dtype())?.multiply(w)?);
    }
    if let Some(dw) = dw {
        let t = n.astype(x.dtype())?.multiply(dw)?;
        out = Some(match out {
            Some(o) => o.add(&t)?,
            None => t,
        });
    }
    Ok(out)
}

/// Layer normalisation over the last axis (`mx.fast.layer_norm`):
/// `(x - mean) / sqrt(var + eps) * weight + bias`, computed in float32;
/// `weight` and `bias` are optional.
///
/// ```
/// use mlx_ops::{fast, Tensor};
/// let x = Tensor::from_slice(&[1.0f32, 3.0], &[1, 2])?;
/// let y = fast::layer_norm(&x, None, None, 0.0)?;
/// assert_eq!(y.to_vec::<f32>()?, vec![-1.0, 1.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn layer_norm(
    x: &Tensor,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    if x.ndim() == 0 {
        return Err(Error::shape(
            "layer_norm",
            "input must have at least 1 dimension",
            vec![x.shape().to_vec()],
        ));
    }
    let n = x.shape()[x.ndim() - 1];
    if let Some(w) = weight {
        check_affine("layer_norm", "weight", w, n)?;
    }
    if let Some(b) = bias {
        check_affine("layer_norm", "bias", b, n)?;
    }
    // MLX: the bias takes part in the promotion only with a weight
    let out = match (weight, bias) {
        (Some(w), Some(b)) => Dtype::promote(Dtype::promote(x.dtype(), w.dtype()), b.dtype()),
        (Some(w), None) => Dtype::promote(x.dtype(), w.dtype()),
        _ => x.dtype(),
    };
    check_float("layer_norm", out, &[x.dtype()])?;
    let xf = x.astype(Dtype::Float32)?;
    let xc = xf.subtract(&xf.mean(-1, true)?)?;
    let var = xc.square()?.mean(-1, true)?;
    let inv = var.add(&scalar_on(eps, Dtype::Float32, x)?)?.rsqrt()?;
    let mut y = xc.multiply(&inv)?.astype(out)?;
    if let Some(w) = weight {
        y = y.multiply(&w.astype(out)?)?;
    }
    if let Some(b) = bias {
        y = y.add(&b.astype(out)?)?;
    }
    Ok(y)
}

/// Rotary positional embedding of the first `dims` features of the last
/// axis (`mx.fast.rope`). `x` is `[B, *, T, D]` (at least 3-D); position
/// `t` of the sequence axis rotates pair `i` by
/// `(offset + t) * scale * base^(-i / (dims/2))` (or `/ freqs[i]` when
/// `freqs` is given instead of `base`). `traditional` rotates adjacent
/// pairs `(2i, 2i+1)`, otherwise `(i, i + dims/2)`. `offset` is an integer
/// scalar or one offset per batch element.
///
/// ```
/// use mlx_ops::{fast, Dtype, Tensor};
/// let x = Tensor::ones(&[1, 2, 4], Dtype::Float32)?;
/// let off = Tensor::scalar(0i32);
/// let y = fast::rope(&x, 4, false, Some(10000.0), 1.0, &off, None)?;
/// assert_eq!(y.shape(), &[1, 2, 4]);
/// // position 0 is not rotated
/// assert_eq!(y.to_vec::<f32>()?[..4], [1.0, 1.0, 1.0, 1.0]);
/// assert!(fast::rope(&x, 3, false, Some(10000.0), 1.0, &off, None).is_err());
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn rope(
    x: &Tensor,
    dims: usize,
    traditional: bool,
    base: Option<f64>,
    scale: f64,
    offset: &Tensor,
    freqs: Option<&Tensor>,
) -> Result<Tensor> {
    let nd = x.ndim();
    if nd < 3 {
        return Err(Error::shape(
            "rope",
            format!("input must have at least 3 dimensions but got {nd}"),
            vec![x.shape().to_vec()],
        ));
    }
    check_float("rope", x.dtype(), &[x.dtype()])?;
    if offset.ndim() > 1 || (offset.size() != 1 && offset.size() != x.shape()[0]) {
        return Err(Error::shape(
            "rope",
            format!(
                "offset must be a scalar or a vector with {} elements",
                x.shape()[0]
            ),
            vec![offset.shape().to_vec()],
        ));
    }
    if !offset.dtype().is_integer() {
        return Err(Error::dtype(
            "rope",
            "offset must be an integer",
            vec![offset.dtype()],
        ));
    }
    let d = x.shape()[nd - 1];
    if dims == 0 || !dims.is_multiple_of(2) || dims > d {
        return Err(Error::invalid(
            "rope",
            format!("dims must be positive, even and at most the last dimension ({d}), got {dims}"),
        ));
    }
    let half = dims / 2;
    let inv_freqs = match (freqs, base) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "rope",
                "only one of base or freqs can have a value",
            ))
        }
        (None, None) => return Err(Error::invalid("rope", "neither base nor freqs has a value")),
        (Some(f), None) => {
            if f.ndim() != 1 || f.shape()[0] != half {
                return Err(Error::shape(
                    "rope",
                    format!("freqs must be one dimensional with size {half}"),
                    vec![f.shape().to_vec()],
                ));
            }
            f.astype(Dtype::Float32)?.reciprocal()?
        }
        (None, Some(b)) => {
            // MLX: log(base) / half in float32
            let step = (b as f32).ln() / half as f32;
            Tensor::arange(0.0, -(half as f64), -1.0, Some(Dtype::Float32))?
                .multiply(scalar_on(step as f64, Dtype::Float32, x)?)?
                .exp()?
        }
    };
    let shape: Vec<i64> = x.shape().iter().map(|&s| s as i64).collect();
    let x4 = match nd {
        3 => x.expand_dims(1)?,
        4 => x.clone(),
        _ => x.flatten(1, (nd - 3) as i64)?,
    };
    let (b, n, t) = (x4.shape()[0] as i64, x4.shape()[1] as i64, x4.shape()[2]);
    let mut off = offset.astype(Dtype::Int32)?;
    if off.size() > 1 {
        off = off.reshape(&[-1, 1, 1])?;
    }
    let positions = Tensor::arange(0.0, t as f64, 1.0, Some(Dtype::Float32))?
        .add(&off)?
        .multiply(scalar_on(scale, Dtype::Float32, x)?)?;
    let theta = positions.expand_dims(-1)?.multiply(&inv_freqs)?;
    let coss = theta.cos()?.astype(x.dtype())?;
    let sins = theta.sin()?.astype(x.dtype())?;
    let rotate = |x1: &Tensor, x2: &Tensor| -> Result<(Tensor, Tensor)> {
        Ok((
            x1.multiply(&coss)?.subtract(&x2.multiply(&sins)?)?,
            x1.multiply(&sins)?.add(&x2.multiply(&coss)?)?,
        ))
    };
    let dims_i = dims as i64;
    let rest = (dims < d)
        .then(|| x4.slice_axis(-1, dims_i, d as i64, 1))
        .transpose()?;
    let out = if traditional {
        let x1 = x4.slice_axis(-1, 0, dims_i, 2)?;
        let x2 = x4.slice_axis(-1, 1, dims_i, 2)?;
        let (o1, o2) = rotate(&x1, &x2)?;
        let pairs = crate::concatenate(&[&o1.expand_dims(-1)?, &o2.expand_dims(-1)?], -1)?;
        let mut out = pairs.reshape(&[b, n, t as i64, dims_i])?;
        if let Some(r) = &rest {
            out = crate::concatenate(&[&out, r], -1)?;
        }
        out
    } else {
        let x1 = x4.slice_axis(-1, 0, half as i64, 1)?;
        let x2 = x4.slice_axis(-1, half as i64, dims_i, 1)?;
        let (o1, o2) = rotate(&x1, &x2)?;
        let mut parts = vec![&o1, &o2];
        if let Some(r) = &rest {
            parts.push(r);
        }
        crate::concatenate(&parts, -1)?
    };
    out.reshape(&shape)
}

/// The mask of [`scaled_dot_product_attention`].
#[derive(Clone, Copy, Debug)]
pub enum AttentionMask<'a> {
    /// No mask.
    None,
    /// Query `i` attends to keys `0..=i + (L_kv - L_q)`.
    Causal,
    /// A boolean mask (false: masked out) or an additive mask, broadcast to
    /// `[B, n_q_heads, L_q, L_kv]`.
    Array(&'a Tensor),
}

/// `softmax(scale * q @ kᵀ + mask) @ v` over `[B, heads, L, D]` inputs
/// (`mx.fast.scaled_dot_product_attention`). Keys and values may have fewer
/// heads than the queries (grouped-query attention: each key/value head
/// serves `n_q_heads / n_kv_heads` query heads). `sinks` (one logit per
/// query head) join every softmax as an extra column that is then dropped.
///
/// ```
/// use mlx_ops::{fast::{self, AttentionMask}, Dtype, Tensor};
/// let q = Tensor::ones(&[1, 4, 3, 8], Dtype::Float32)?;
/// let kv = Tensor::ones(&[1, 2, 5, 8], Dtype::Float32)?; // 2 KV heads for 4 query heads
/// let o = fast::scaled_dot_product_attention(&q, &kv, &kv, 0.35, AttentionMask::Causal, None)?;
/// assert_eq!(o.shape(), &[1, 4, 3, 8]);
/// assert_eq!(o.to_vec::<f32>()?[0], 1.0);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn scaled_dot_product_attention(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    scale: f64,
    mask: AttentionMask<'_>,
    sinks: Option<&Tensor>,
) -> Result<Tensor> {
    const OP: &str = "scaled_dot_product_attention";
    let shapes = || vec![q.shape().to_vec(), k.shape().to_vec(), v.shape().to_vec()];
    if [q, k, v].iter().any(|t| t.ndim() != 4) {
        return Err(Error::shape(OP, "inputs must have rank 4", shapes()));
    }
    if k.shape()[0] != q.shape()[0] || v.shape()[0] != q.shape()[0] {
        return Err(Error::shape(OP, "mismatching batch dimension", shapes()));
    }
    if q.shape()[3] != k.shape()[3] {
        return Err(Error::shape(
            OP,
            "queries and keys must have the same last dimension",
            shapes(),
        ));
    }
    let (n_q, n_kv) = (q.shape()[1], k.shape()[1]);
    if v.shape()[1] != n_kv {
        return Err(Error::shape(
            OP,
            "keys and values must have the same number of heads",
            shapes(),
        ));
    }
    if n_kv == 0 || n_q % n_kv != 0 {
        return Err(Error::shape(
            OP,
            "the number of query heads must be a multiple of the number of key/value heads",
            shapes(),
        ));
    }
    let dtype = Dtype::promote(Dtype::promote(q.dtype(), k.dtype()), v.dtype());
    check_float(OP, dtype, &[q.dtype(), k.dtype(), v.dtype()])?;
    let (lq, lk) = (q.shape()[2], k.shape()[2]);
    let mask = match mask {
        AttentionMask::Array(m) => {
            if m.ndim() > 4 {
                return Err(Error::shape(
                    OP,
                    "the mask must have at most rank 4",
                    vec![m.shape().to_vec()],
                ));
            }
            if m.dtype() != Dtype::Bool && Dtype::promote(m.dtype(), dtype) != dtype {
                return Err(Error::dtype(
                    OP,
                    format!("the mask type must promote to the output type {dtype}"),
                    vec![m.dtype(), dtype],
                ));
            }
            let m = if m.dtype() == Dtype::Bool {
                m.clone()
            } else {
                m.astype(dtype)?
            };
            Some(m.broadcast_to(&[q.shape()[0], n_q, lq, lk])?)
        }
        AttentionMask::Causal => {
            let off = lk as f64 - lq as f64;
            let qi =
                Tensor::arange(off, lq as f64 + off, 1.0, Some(Dtype::Int32))?.expand_dims(1)?;
            let ki = Tensor::arange(0.0, lk as f64, 1.0, Some(Dtype::Int32))?.expand_dims(0)?;
            Some(qi.greater_equal(&ki)?)
        }
        AttentionMask::None => None,
    };
    let sinks = match sinks {
        Some(s) => {
            if Dtype::promote(s.dtype(), dtype) != dtype {
                return Err(Error::dtype(
                    OP,
                    format!("the type of sinks must promote to the output type {dtype}"),
                    vec![s.dtype(), dtype],
                ));
            }
            if s.ndim() != 1 || s.shape()[0] != n_q {
                return Err(Error::shape(
                    OP,
                    format!("sinks must have shape [{n_q}]"),
                    vec![s.shape().to_vec()],
                ));
            }
            Some(s.astype(dtype)?)
        }
        None => None,
    };
    let rep = n_q / n_kv;
    let mut q = scalar_on(scale, dtype, q)?.multiply(&q.astype(dtype)?)?;
    let mut k = k.astype(dtype)?;
    let mut v = v.astype(dtype)?;
    if rep > 1 {
        q = q.unflatten(1, &[n_kv as i64, rep as i64])?;
        k = k.expand_dims(2)?;
        v = v.expand_dims(2)?;
    }
    let mut scores = q.matmul(&k.swapaxes(-1, -2)?)?;
    if let Some(mut m) = mask {
        if rep > 1 && m.ndim() >= 3 {
            m = if m.shape()[m.ndim() - 3] == 1 {
                m.expand_dims(-3)?
            } else {
                m.unflatten(-3, &[n_kv as i64, rep as i64])?
            };
        }
        scores = if m.dtype() == Dtype::Bool {
            m.where_(&scores, &scalar_on(lowest(dtype), dtype, &scores)?)?
        } else {
            scores.add(&m)?
        };
    }
    if let Some(s) = &sinks {
        let mut s = s.reshape(&[1, -1, 1, 1])?;
        if scores.ndim() == 5 {
            s = s.unflatten(1, &[n_kv as i64, rep as i64])?;
        }
        let mut col = scores.shape().to_vec();
        let last = col.len() - 1;
        col[last] = 1;
        scores = crate::concatenate(&[&s.broadcast_to(&col)?, &scores], -1)?;
    }
    scores = scores.softmax(-1, true)?;
    if sinks.is_some() {
        let n = scores.shape()[scores.ndim() - 1] as i64;
        scores = scores.slice_axis(-1, 1, n, 1)?;
    }
    let out = scores.matmul(&v)?;
    if rep > 1 {
        out.flatten(1, 2)
    } else {
        Ok(out)
    }
}

/// The most negative finite value of a float dtype (`finfo(dtype).min`).
fn lowest(dtype: Dtype) -> f64 {
    match dtype {
        Dtype::Float16 => half::f16::MIN.to_f64(),
        Dtype::Bfloat16 => half::bf16::MIN.to_f64(),
        Dtype::Float64 => f64::MIN,
        _ => f32::MIN as f64,
    }
}
