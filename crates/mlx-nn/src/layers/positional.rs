//! Positional encodings: `RoPE`, `SinusoidalPositionalEncoding`, `ALiBi`.

use crate::Forward;
use mlx_core::{Error, Result};
use mlx_ops::{concatenate, fast, Dtype, Tensor};

/// `nn.RoPE(dims, traditional=False, base=10000, scale=1.0)`: rotary
/// positional encoding of the first `dims` features (`mx.fast.rope`) of
/// inputs `[..., L, D]` (at least 3-D).
///
/// ```
/// use mlx_nn::{Forward, RoPE};
/// use mlx_ops::{Dtype, Tensor};
/// let mut r = RoPE::new(4, false, 10000.0, 1.0);
/// let x = Tensor::ones(&[1, 3, 4], Dtype::Float32)?;
/// let y = r.forward(&x)?;
/// assert_eq!(y.shape(), &[1, 3, 4]);
/// assert_eq!(r.forward_offset(&x, 2)?.shape(), &[1, 3, 4]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RoPE {
    dims: usize,
    traditional: bool,
    base: f64,
    scale: f64,
    training: bool,
}

impl RoPE {
    /// The encoding.
    pub fn new(dims: usize, traditional: bool, base: f64, scale: f64) -> RoPE {
        RoPE {
            dims,
            traditional,
            base,
            scale,
            training: true,
        }
    }
    /// Applies the encoding with positions starting at `offset`.
    pub fn forward_offset(&self, x: &Tensor, offset: i32) -> Result<Tensor> {
        fast::rope(
            x,
            self.dims,
            self.traditional,
            Some(self.base),
            self.scale,
            &Tensor::scalar(offset),
            None,
        )
    }
}
crate::impl_module!(RoPE {});
impl Forward for RoPE {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        self.forward_offset(x, 0)
    }
}

/// `nn.SinusoidalPositionalEncoding(dims, min_freq=1e-4, max_freq=1,
/// scale=None, cos_first=False, full_turns=False)`: maps each value `x` to
/// `[sin(x σ), cos(x σ)] * scale` with `dims / 2` geometric frequencies σ.
///
/// ```
/// use mlx_nn::{Forward, SinusoidalPositionalEncoding};
/// use mlx_ops::Tensor;
/// let mut pe = SinusoidalPositionalEncoding::new(8, 1e-4, 1.0, None, false, false)?;
/// let y = pe.forward(&Tensor::from_slice(&[0.0f32, 1.0, 2.0], &[3])?)?;
/// assert_eq!(y.shape(), &[3, 8]);
/// assert!(SinusoidalPositionalEncoding::new(3, 1e-4, 1.0, None, false, false).is_err());
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SinusoidalPositionalEncoding {
    sigmas: Tensor,
    scale: f64,
    cos_first: bool,
    training: bool,
}

impl SinusoidalPositionalEncoding {
    /// The encoding; `dims` must be positive and even.
    pub fn new(
        dims: usize,
        min_freq: f64,
        max_freq: f64,
        scale: Option<f64>,
        cos_first: bool,
        full_turns: bool,
    ) -> Result<SinusoidalPositionalEncoding> {
        if dims == 0 || !dims.is_multiple_of(2) {
            return Err(Error::invalid(
                "SinusoidalPositionalEncoding",
                format!("dims must be positive and even but got {dims}."),
            ));
        }
        let half = dims / 2;
        let one_zero = if dims == 2 {
            Tensor::from_slice(&[1.0f32], &[1])?
        } else {
            Tensor::arange(0.0, half as f64, 1.0, Some(Dtype::Int32))?
                .divide((half - 1) as i32)?
                .negative()?
                .add(1)?
        };
        let (lo, hi) = (min_freq.ln(), max_freq.ln());
        let mut sigmas = one_zero.multiply(hi - lo)?.add(lo)?.exp()?;
        if full_turns {
            sigmas = sigmas.multiply(2.0 * std::f64::consts::PI)?;
        }
        Ok(SinusoidalPositionalEncoding {
            sigmas,
            scale: scale.unwrap_or((2.0 / dims as f64).sqrt()),
            cos_first,
            training: true,
        })
    }
}
crate::impl_module!(SinusoidalPositionalEncoding {});
impl Forward for SinusoidalPositionalEncoding {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        let y = x.expand_dims(-1)?.multiply(&self.sigmas)?;
        let (c, s) = (y.cos()?, y.sin()?);
        let y = if self.cos_first {
            concatenate(&[&c, &s], -1)?
        } else {
            concatenate(&[&s, &c], -1)?
        };
        if self.scale != 1.0 {
            y.multiply(self.scale)
        } else {
            Ok(y)
        }
    }
}

/// `nn.ALiBi`: adds linear attention biases `-|i - j| * slope_h` to
/// attention scores `[B, heads, L_q, L_k]`.
///
/// ```
/// use mlx_nn::ALiBi;
/// use mlx_ops::{Dtype, Tensor};
/// let s = Tensor::zeros(&[1, 2, 3, 3], Dtype::Float32)?;
/// let y = ALiBi::new().forward_scores(&s, 0, None)?;
/// assert_eq!(y.shape(), &[1, 2, 3, 3]);
/// assert_eq!(ALiBi::slopes(2, Dtype::Float32)?.to_vec::<f32>()?, vec![0.0625, 0.00390625]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ALiBi {
    training: bool,
}

impl Default for ALiBi {
    fn default() -> Self {
        ALiBi::new()
    }
}

fn alibi_slopes(n: usize) -> Vec<f64> {
    let l = (n as f64).log2();
    if l.fract() == 0.0 {
        let start = 2f64.powf(-(2f64.powf(-(l - 3.0))));
        (0..n).map(|i| start * start.powi(i as i32)).collect()
    } else {
        let closest = 2usize.pow(l.floor() as u32);
        let mut out = alibi_slopes(closest);
        out.extend(
            alibi_slopes(2 * closest)
                .into_iter()
                .step_by(2)
                .take(n - closest),
        );
        out
    }
}

impl ALiBi {
    /// The module.
    pub fn new() -> ALiBi {
        ALiBi { training: true }
    }
    /// The per-head slopes, `[num_heads, 1, 1]`
    /// (`ALiBi.create_alibi_slope`).
    pub fn slopes(num_heads: usize, dtype: Dtype) -> Result<Tensor> {
        let s: Vec<f32> = alibi_slopes(num_heads)
            .into_iter()
            .map(|v| v as f32)
            .collect();
        Tensor::from_slice(&s, &[num_heads, 1, 1])?.astype(dtype)
    }
    /// The bias matrix `[1, heads, L_q - offset, L_k]`
    /// (`ALiBi.create_alibi_matrix`).
    pub fn matrix(
        q_len: usize,
        k_len: usize,
        num_heads: usize,
        offset: usize,
        dtype: Dtype,
    ) -> Result<Tensor> {
        let x1 = Tensor::arange(offset as f64, q_len as f64, 1.0, Some(Dtype::Int32))?;
        let x2 = Tensor::arange(0.0, k_len as f64, 1.0, Some(Dtype::Int32))?;
        let d = x1
            .expand_dims(1)?
            .subtract(&x2.expand_dims(0)?)?
            .expand_dims(vec![0i64, 1])?
            .abs()?
            .negative()?;
        d.multiply(&ALiBi::slopes(num_heads, dtype)?)?.astype(dtype)
    }
    /// Adds the biases (and an optional additive `mask`) to `scores`.
    pub fn forward_scores(
        &self,
        scores: &Tensor,
        offset: usize,
        mask: Option<&Tensor>,
    ) -> Result<Tensor> {
        if scores.ndim() != 4 {
            return Err(Error::shape(
                "ALiBi",
                "attention scores must be [B, heads, L_q, L_k]",
                vec![scores.shape().to_vec()],
            ));
        }
        let s = scores.shape();
        let mut m = ALiBi::matrix(s[2] + offset, s[3], s[1], offset, scores.dtype())?;
        if let Some(mask) = mask {
            m = m.add(mask)?;
        }
        scores.add(&m)
    }
}
crate::impl_module!(ALiBi {});
