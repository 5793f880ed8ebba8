//! Key-based, splittable random numbers with MLX's design (`mx.random`).
//!
//! A key is a `uint32` tensor of shape `[2]`. [`bits`] hashes a counter with
//! the key through threefry-2x32 (20 rounds), exactly as MLX does, so the
//! same key gives the same bits here and in MLX. Distributions are composed
//! from the bits with MLX's own formulas:
//!
//! * `uniform(lo, hi)`: 32-bit `bits / u32::MAX` (in float32), clamped below 1, cast
//!   to the dtype, then `lo + (hi - lo) * u`;
//! * `normal`: `sqrt(2) * erfinv(uniform(nextafter(-1, 0), 1))`;
//! * `randint(lo, hi)`: `max(uniform(lo, hi, float32), lo)` cast to the
//!   integer dtype;
//! * `bernoulli(p)`: `uniform(0, 1) < p`;
//! * `categorical(logits)`: `argmax(logits - log(-log(uniform(0, 1))))`
//!   (the Gumbel-max trick), or inverse-CDF sampling for draws of a single
//!   distribution.
//!
//! * `truncated_normal`, `gumbel`, `laplace` and `permutation` (int and
//!   array forms): MLX's formulas over the same bits, bit-exact or within a
//!   few ulps of MLX's transcendental functions (checked by the conformance
//!   suite for every float dtype MLX accepts).
//!
//! * `multivariate_normal(mean, cov)`: MLX's composition: the square root
//!   `U diag(sqrt(S)) Vt` of the float32 covariance from its SVD, then
//!   `mean + z @ sqrt_cov` for standard normal draws `z` (the square root of
//!   a positive semi-definite matrix does not depend on the SVD's signs, so
//!   the same key gives MLX's samples up to float rounding).
//!
//! Without an explicit key, draws come from a global key sequence: each draw
//! splits the global key and keeps one half. [`seed`] resets it, which makes
//! a program reproducible; unseeded, it starts from the clock (as MLX).
//!
//! ```
//! use mlx_ops::random;
//! let k = random::key(0);
//! let a = random::uniform(0.0, 1.0, &[3], None, Some(&k))?;
//! let b = random::uniform(0.0, 1.0, &[3], None, Some(&k))?;
//! assert_eq!(a.to_vec::<f32>()?, b.to_vec::<f32>()?);
//! # Ok::<(), mlx_ops::Error>(())
//! ```

use crate::Tensor;
use mlx_core::{Dtype, Error, Primitive, Result};
use std::sync::Mutex;

/// A key from a seed: `[seed >> 32, seed & 0xffffffff]` as `uint32`.
///
/// ```
/// let k = mlx_ops::random::key(5);
/// assert_eq!(k.to_vec::<u32>()?, vec![0, 5]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn key(seed: u64) -> Tensor {
    Tensor::from_slice(&[(seed >> 32) as u32, seed as u32], &[2]).expect("two elements fill [2]")
}

static GLOBAL_KEY: Mutex<Option<[u32; 2]>> = Mutex::new(None);

/// Seeds the global key sequence (`mx.random.seed`).
pub fn seed(seed: u64) {
    *GLOBAL_KEY.lock().unwrap_or_else(|e| e.into_inner()) =
        Some([(seed >> 32) as u32, seed as u32]);
}

/// The next key of the global sequence.
fn next_key() -> Result<Tensor> {
    let mut g = GLOBAL_KEY.lock().unwrap_or_else(|e| e.into_inner());
    let cur = g.unwrap_or_else(|| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        [(t >> 32) as u32, t as u32]
    });
    let k = Tensor::from_slice(&cur, &[2])?;
    let halves = split(&k, 2)?.to_vec::<u32>()?;
    *g = Some([halves[0], halves[1]]);
    Tensor::from_slice(&halves[2..4], &[2])
}

fn key_or_next(key: Option<&Tensor>) -> Result<Tensor> {
    match key {
        Some(k) => {
            if k.dtype() != Dtype::Uint32 || k.shape().last() != Some(&2) {
                return Err(Error::invalid(
                    "random",
                    format!(
                        "a key is a uint32 array of shape [2], got {} {:?}",
                        k.dtype(),
                        k.shape()
                    ),
                ));
            }
            Ok(k.clone())
        }
        None => next_key(),
    }
}

/// Random bits (`mx.random.bits`): `width` bytes per element (1, 2 or 4),
/// as uint8, uint16 or uint32.
pub fn bits(shape: &[usize], width: u8, key: Option<&Tensor>) -> Result<Tensor> {
    let dtype = match width {
        1 => Dtype::Uint8,
        2 => Dtype::Uint16,
        4 => Dtype::Uint32,
        w => {
            return Err(Error::invalid(
                "random.bits",
                format!("width must be 1, 2 or 4, got {w}"),
            ))
        }
    };
    let key = key_or_next(key)?;
    Tensor::op(
        "random.bits",
        Primitive::RandomBits { width },
        &[&key],
        shape.to_vec(),
        dtype,
    )
}

/// `num` new keys from one (`mx.random.split`), shape `[num, 2]`.
pub fn split(key: &Tensor, num: usize) -> Result<Tensor> {
    bits(&[num, 2], 4, Some(key))
}

/// Uniform samples in `[low, high)` (`mx.random.uniform`); `dtype` defaults
/// to float32 and must be a real float.
pub fn uniform(
    low: impl Into<crate::Operand>,
    high: impl Into<crate::Operand>,
    shape: &[usize],
    dtype: Option<Dtype>,
    key: Option<&Tensor>,
) -> Result<Tensor> {
    let dtype = dtype.unwrap_or(Dtype::Float32);
    if !dtype.is_floating() {
        return Err(Error::dtype(
            "random.uniform",
            "can only generate uniform numbers with real floating point type",
            vec![dtype],
        ));
    }
    let lo = operand_as(low.into(), dtype)?;
    let hi = operand_as(high.into(), dtype)?;
    let range = hi.subtract(&lo)?;
    let out_shape = mlx_core::shape::broadcast_shapes("random.uniform", shape, range.shape())?;
    if out_shape != shape {
        return Err(Error::shape(
            "random.uniform",
            "cannot generate random values of the requested shape from bounds of this shape",
            vec![shape.to_vec(), range.shape().to_vec()],
        ));
    }
    // MLX draws 32-bit words for every float dtype and clamps below one in
    // the target dtype
    let upper = match dtype {
        Dtype::Float32 => Tensor::scalar(next_below_one_f32()),
        Dtype::Float16 => Tensor::scalar(half::f16::from_bits(0x3bff)),
        Dtype::Bfloat16 => Tensor::scalar(half::bf16::from_bits(0x3f7f)),
        d => {
            return Err(Error::dtype(
                "random.uniform",
                "unsupported float type for uniform",
                vec![d],
            ));
        }
    };
    let b = bits(shape, 4, Some(&key_or_next(key)?))?;
    let u = b
        .divide(Tensor::scalar_as(u32::MAX as f64, Dtype::Float32))?
        .minimum(&upper)?
        .astype(dtype)?;
    range.multiply(&u)?.add(&lo)
}

/// Standard normal samples scaled by `scale` and shifted by `loc`
/// (`mx.random.normal`).
pub fn normal(
    shape: &[usize],
    dtype: Option<Dtype>,
    loc: f64,
    scale: f64,
    key: Option<&Tensor>,
) -> Result<Tensor> {
    let dtype = dtype.unwrap_or(Dtype::Float32);
    let low = Tensor::scalar_as(next_toward_zero_from_minus_one(), dtype);
    let high = Tensor::scalar_as(1.0, dtype);
    let u = uniform(&low, &high, shape, Some(dtype), key)?;
    let mut s = Tensor::scalar_as(std::f64::consts::SQRT_2, dtype).multiply(&u.erfinv()?)?;
    if scale != 1.0 {
        s = Tensor::scalar_as(scale, dtype).multiply(&s)?;
    }
    if loc != 0.0 {
        s = Tensor::scalar_as(loc, dtype).add(&s)?;
    }
    Ok(s)
}

/// Integers in `[low, high)` (`mx.random.randint`); `dtype` defaults to
/// int32 and must be an integer type.
pub fn randint(
    low: i64,
    high: i64,
    shape: &[usize],
    dtype: Option<Dtype>,
    key: Option<&Tensor>,
) -> Result<Tensor> {
    let dtype = dtype.unwrap_or(Dtype::Int32);
    if dtype.is_inexact() {
        return Err(Error::dtype(
            "random.randint",
            "can only generate integer types",
            vec![dtype],
        ));
    }
    let lo = Tensor::scalar_as(low, dtype);
    let hi = Tensor::scalar_as(high, dtype);
    let u = uniform(&lo, &hi, shape, Some(Dtype::Float32), key)?;
    // MLX rounds down (floor), not toward zero: randint(-10, 10) can give -10
    u.floor()?.maximum(&lo)?.astype(dtype)
}

/// Booleans that are true with probability `p` (`mx.random.bernoulli`).
pub fn bernoulli(
    p: impl Into<crate::Operand>,
    shape: Option<&[usize]>,
    key: Option<&Tensor>,
) -> Result<Tensor> {
    let p = operand_as(p.into(), Dtype::Float32)?;
    let shape = shape
        .map(|s| s.to_vec())
        .unwrap_or_else(|| p.shape().to_vec());
    let pdt = if p.dtype().is_floating() {
        p.dtype()
    } else {
        Dtype::Float32
    };
    uniform(0.0, 1.0, &shape, Some(pdt), key)?.less(&p)
}

/// How many draws [`categorical`] makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Samples {
    /// One draw per distribution (the logits' shape without `axis`).
    One,
    /// Draws of this shape, which the logits' shape without `axis` must
    /// broadcast to.
    Shape(Vec<usize>),
    /// This many draws per distribution, as a new last axis.
    Num(usize),
}

/// Samples indices from the categorical distributions given by unnormalised
/// log-probabilities along `axis` (`mx.random.categorical`), as uint32.
/// Bit-compatible with MLX: the Gumbel-max trick `argmax(logits + g)` with
/// `g = -log(-log(uniform))`, or for one distribution drawn several times,
/// inverse-CDF sampling from one uniform per draw.
///
/// ```
/// use mlx_ops::{random::{self, Samples}, Dtype, Tensor};
/// let logits = Tensor::from_slice(&[0.0f32, f32::NEG_INFINITY, 0.0, f32::NEG_INFINITY], &[2, 2])?;
/// let k = random::key(0);
/// let s = random::categorical(&logits, -1, Samples::Num(5), Some(&k))?;
/// assert_eq!((s.shape(), s.dtype()), (&[2usize, 5][..], Dtype::Uint32));
/// assert!(s.to_vec::<u32>()?.iter().all(|&i| i == 0));
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn categorical(
    logits: &Tensor,
    axis: i64,
    samples: Samples,
    key: Option<&Tensor>,
) -> Result<Tensor> {
    let nd = logits.ndim();
    let ax = mlx_core::shape::normalize_axis("random.categorical", axis, nd)?;
    let mut reduced = logits.shape().to_vec();
    reduced.remove(ax);
    let (logits, shape) = match samples {
        Samples::One => (logits.clone(), reduced),
        Samples::Shape(shape) => {
            let b = mlx_core::shape::broadcast_shapes("random.categorical", &shape, &reduced);
            if b.as_deref() != Ok(&shape[..]) {
                return Err(Error::shape(
                    "random.categorical",
                    format!("requested shape {shape:?} is not broadcast compatible with the reduced logits shape {reduced:?}"),
                    vec![logits.shape().to_vec()],
                ));
            }
            (logits.clone(), shape)
        }
        Samples::Num(k) => {
            let l = logits.expand_dims(-1)?;
            let mut shape = l.shape().to_vec();
            shape.remove(ax);
            if let Some(last) = shape.last_mut() {
                *last = k;
            }
            (l, shape)
        }
    };
    let n = logits.shape()[ax];
    if n > 0 && logits.size() == n && !shape.is_empty() {
        return categorical_inverse_cdf(&logits.reshape(&[n as i64])?, &shape, key);
    }
    let offset = ax + shape.len() + 1 - logits.ndim();
    let mut gshape = shape.clone();
    gshape.insert(offset, n);
    let u = uniform(0.0, 1.0, &gshape, Some(Dtype::Float32), key)?;
    let g = u.log()?.negative()?.log()?.negative()?;
    g.add(&logits)?.argmax(Some(offset as i64), false)
}

/// Inverse-CDF sampling of one distribution (`logits` 1-D), MLX's path for
/// several draws of one distribution.
fn categorical_inverse_cdf(
    logits: &Tensor,
    shape: &[usize],
    key: Option<&Tensor>,
) -> Result<Tensor> {
    let dtype = Dtype::promote(logits.dtype(), Dtype::Float32);
    let x = logits.astype(dtype)?;
    let m = x.max(crate::ALL, false)?;
    // exp(x - m) is NaN for an infinite maximum: uniform over the maxima
    let w = m
        .isinf()?
        .where_(&x.equal(&m)?.astype(dtype)?, &x.subtract(&m)?.exp()?)?;
    let cdf = exclusive_cumsum(&w)?;
    let u = uniform(0.0, 1.0, shape, Some(Dtype::Float32), key)?
        .multiply(&w.sum(crate::ALL, false)?)?;
    // searchsorted(cdf, u, "right") - 1: how many cdf entries are <= u, less one
    let below = cdf.less_equal(&u.expand_dims(-1)?)?;
    below
        .astype(Dtype::Uint32)?
        .sum(-1, false)?
        .subtract(Tensor::scalar(1u32))
}

/// `[0, w0, w0 + w1, ...]` of a 1-D tensor, by doubling shifted sums.
fn exclusive_cumsum(w: &Tensor) -> Result<Tensor> {
    let n = w.shape()[0];
    let mut acc = w.clone();
    let mut shift = 1;
    while shift < n {
        let moved = acc
            .slice_axis(0, 0, (n - shift) as i64, 1)?
            .pad(&[(shift, 0)], 0)?;
        acc = acc.add(&moved)?;
        shift *= 2;
    }
    acc.slice_axis(0, 0, n as i64 - 1, 1)?.pad(&[(1, 0)], 0)
}

fn operand_as(o: crate::Operand, dtype: Dtype) -> Result<Tensor> {
    match o {
        crate::Operand::Tensor(t) => t.astype(dtype),
        crate::Operand::Scalar(s) => Ok(Tensor::scalar_as(s, dtype)),
    }
}

fn next_below_one_f32() -> f32 {
    f32::from_bits(1.0f32.to_bits() - 1)
}

fn next_toward_zero_from_minus_one() -> f64 {
    f32::from_bits((-1.0f32).to_bits() - 1) as f64
}

fn check_float(op: &'static str, dtype: Dtype) -> Result<()> {
    if dtype.is_floating() {
        Ok(())
    } else {
        Err(Error::dtype(
            op,
            "only real floating point types are supported",
            vec![dtype],
        ))
    }
}

/// Normal samples truncated to `[lower, upper]` (`mx.random.truncated_normal`,
/// bit-exact with MLX): `sqrt(2) * erfinv(uniform(erf(lower / sqrt(2)),
/// erf(upper / sqrt(2))))` in `dtype` (default float32), clipped to the
/// bounds. `shape` defaults to the bounds' broadcast shape.
///
/// ```
/// use mlx_ops::random;
/// let k = random::key(3);
/// let x = random::truncated_normal(-0.5, 0.5, Some(&[100]), None, Some(&k))?;
/// assert!(x.to_vec::<f32>()?.iter().all(|v| (-0.5..=0.5).contains(v)));
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn truncated_normal(
    lower: impl Into<crate::Operand>,
    upper: impl Into<crate::Operand>,
    shape: Option<&[usize]>,
    dtype: Option<Dtype>,
    key: Option<&Tensor>,
) -> Result<Tensor> {
    let op = "random.truncated_normal";
    let dtype = dtype.unwrap_or(Dtype::Float32);
    check_float(op, dtype)?;
    let lo = operand_as(lower.into(), dtype)?;
    let hi = operand_as(upper.into(), dtype)?;
    let shape = match shape {
        Some(s) => s.to_vec(),
        None => mlx_core::shape::broadcast_shapes(op, lo.shape(), hi.shape())?,
    };
    let sqrt2 = Tensor::scalar_as(std::f64::consts::SQRT_2, dtype);
    let a = lo.divide(&sqrt2)?.erf()?;
    let b = hi.divide(&sqrt2)?.erf()?;
    let u = uniform(&a, &b, &shape, Some(dtype), key)?;
    let out = sqrt2.multiply(&u.erfinv()?)?;
    hi.minimum(&out)?.maximum(&lo)
}

/// Standard Gumbel samples (`mx.random.gumbel`, bit-exact with MLX):
/// `-log(-log(uniform(0, 1)))` in `dtype` (default float32).
///
/// ```
/// use mlx_ops::random;
/// let g = random::gumbel(&[2, 3], None, Some(&random::key(0)))?;
/// assert_eq!(g.shape(), &[2, 3]);
/// assert!(random::gumbel(&[2], Some(mlx_ops::Dtype::Int32), None).is_err());
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn gumbel(shape: &[usize], dtype: Option<Dtype>, key: Option<&Tensor>) -> Result<Tensor> {
    let dtype = dtype.unwrap_or(Dtype::Float32);
    check_float("random.gumbel", dtype)?;
    let u = uniform(
        Tensor::scalar_as(0.0, dtype),
        Tensor::scalar_as(1.0, dtype),
        shape,
        Some(dtype),
        key,
    )?;
    u.log()?.negative()?.log()?.negative()
}

/// Laplace samples (`mx.random.laplace`, bit-exact with MLX): the inverse
/// CDF `sign(u) * log1p(-|u|)` of a float32 `u` uniform in `(-1, 1)`, cast
/// to `dtype` (default float32), then `scale * x + loc`.
///
/// ```
/// use mlx_ops::random;
/// let x = random::laplace(&[1000], None, 1.0, 2.0, Some(&random::key(1)))?;
/// let m = x.mean(mlx_ops::ALL, false)?.item::<f32>()?;
/// assert!((m - 1.0).abs() < 0.3);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn laplace(
    shape: &[usize],
    dtype: Option<Dtype>,
    loc: f64,
    scale: f64,
    key: Option<&Tensor>,
) -> Result<Tensor> {
    let dtype = dtype.unwrap_or(Dtype::Float32);
    check_float("random.laplace", dtype)?;
    let low = Tensor::scalar_as(next_toward_zero_from_minus_one(), Dtype::Float32);
    let high = Tensor::scalar_as(1.0, Dtype::Float32);
    let u = uniform(&low, &high, shape, Some(Dtype::Float32), key)?;
    let neg = Tensor::scalar_as(-1.0, dtype).multiply(&u.abs()?)?;
    let mut s = u.sign()?.multiply(&neg.log1p()?)?.astype(dtype)?;
    if scale != 1.0 {
        s = Tensor::scalar_as(scale, dtype).multiply(&s)?;
    }
    if loc != 0.0 {
        s = Tensor::scalar_as(loc, dtype).add(&s)?;
    }
    Ok(s)
}

/// A random permutation of `0..n` (`mx.random.permutation(n)`, bit-exact
/// with MLX): the stable argsort of `n` random `uint32` words (`uint32`).
///
/// ```
/// use mlx_ops::random;
/// let p = random::permutation(5, Some(&random::key(0)))?;
/// let mut v = p.to_vec::<u32>()?;
/// v.sort();
/// assert_eq!(v, vec![0, 1, 2, 3, 4]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn permutation(n: usize, key: Option<&Tensor>) -> Result<Tensor> {
    bits(&[n], 4, Some(&key_or_next(key)?))?.argsort(Some(0))
}

/// `x` shuffled along `axis` (`mx.random.permutation(x, axis)`, bit-exact
/// with MLX): `take(x, permutation(x.shape[axis]), axis)`.
///
/// ```
/// use mlx_ops::{random, Tensor};
/// let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2])?;
/// let y = random::permutation_of(&x, 0, Some(&random::key(4)))?;
/// let mut rows: Vec<f32> = y.to_vec::<f32>()?.chunks(2).map(|r| r[0]).collect();
/// rows.sort_by(f32::total_cmp);
/// assert_eq!(rows, vec![1.0, 3.0, 5.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn permutation_of(x: &Tensor, axis: i64, key: Option<&Tensor>) -> Result<Tensor> {
    let ax = mlx_core::shape::normalize_axis("random.permutation", axis, x.ndim())?;
    let p = permutation(x.shape()[ax], key)?;
    x.take(&p, Some(ax as i64))
}

/// Jointly normal samples with the given `mean` (`[..., n]`) and
/// covariance `cov` (`[..., n, n]`, positive semi-definite)
/// (`mx.random.multivariate_normal`). The output is `shape` broadcast with
/// the batch shapes of `mean` and `cov`, plus `[n]`; only float32 is
/// supported, as in MLX.
///
/// ```
/// use mlx_ops::{random, Tensor};
/// let mean = Tensor::from_slice(&[1.0f32, -1.0], &[2])?;
/// let cov = Tensor::from_slice(&[1.0f32, 0.0, 0.0, 4.0], &[2, 2])?;
/// let k = random::key(0);
/// let x = random::multivariate_normal(&mean, &cov, &[5], None, Some(&k))?;
/// assert_eq!(x.shape(), &[5, 2]);
/// assert!(random::multivariate_normal(&mean, &cov, &[], Some(mlx_ops::Dtype::Float64), None).is_err());
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn multivariate_normal(
    mean: &Tensor,
    cov: &Tensor,
    shape: &[usize],
    dtype: Option<Dtype>,
    key: Option<&Tensor>,
) -> Result<Tensor> {
    let op = "random.multivariate_normal";
    let dtype = dtype.unwrap_or(Dtype::Float32);
    if dtype != Dtype::Float32 {
        return Err(Error::dtype(op, "dtype must be float32.", vec![dtype]));
    }
    if mean.ndim() < 1 {
        return Err(Error::shape(
            op,
            "mean must have at least one dimension.",
            vec![mean.shape().to_vec()],
        ));
    }
    if cov.ndim() < 2 {
        return Err(Error::shape(
            op,
            "cov must have at least two dimensions.",
            vec![cov.shape().to_vec()],
        ));
    }
    let n = mean.shape()[mean.ndim() - 1];
    let cn = cov.ndim();
    if cov.shape()[cn - 1] != cov.shape()[cn - 2] {
        return Err(Error::shape(
            op,
            "last two dimensions of cov must be equal.",
            vec![cov.shape().to_vec()],
        ));
    }
    if n != cov.shape()[cn - 1] {
        return Err(Error::shape(
            op,
            "mean and cov must have compatible shapes.",
            vec![mean.shape().to_vec(), cov.shape().to_vec()],
        ));
    }
    let out = mlx_core::shape::broadcast_shapes(
        op,
        &cov.shape()[..cn - 2],
        &mean.shape()[..mean.ndim() - 1],
    )?;
    let mut out = mlx_core::shape::broadcast_shapes(op, &out, shape)?;
    out.push(n);
    let usv = crate::linalg::svd(&cov.astype(Dtype::Float32)?, true)?;
    let std = usv[0]
        .multiply(&usv[1].sqrt()?.expand_dims(-2)?)?
        .matmul(&usv[2])?
        .astype(dtype)?;
    let z = normal(&out, Some(dtype), 0.0, 1.0, key)?;
    let scaled = z.expand_dims(-2)?.matmul(&std)?.squeeze(-2)?;
    mean.add(&scaled)
}
