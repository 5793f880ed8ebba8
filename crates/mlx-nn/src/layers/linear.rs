//! `Identity`, `Linear`, `Bilinear` and `Embedding`.

use crate::{Forward, Param};
use mlx_core::{Error, Result};
use mlx_ops::{random, Tensor};

pub(super) fn uniform_param(scale: f64, shape: &[usize]) -> Result<Param> {
    Ok(Param::new(random::uniform(
        -scale, scale, shape, None, None,
    )?))
}

/// `nn.Identity`: returns its input.
///
/// ```
/// use mlx_nn::{Forward, Identity};
/// let x = mlx_ops::Tensor::scalar(3.0f32);
/// assert_eq!(Identity::new().forward(&x)?.item::<f32>()?, 3.0);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Identity {
    training: bool,
}

impl Identity {
    /// The module.
    pub fn new() -> Identity {
        Identity { training: true }
    }
}
impl Default for Identity {
    fn default() -> Self {
        Identity::new()
    }
}
crate::impl_module!(Identity {});
impl Forward for Identity {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        Ok(x.clone())
    }
}

/// `nn.Linear(input_dims, output_dims, bias=True)`: `x @ weight.T + bias`,
/// with `weight` `[output_dims, input_dims]` and both initialised from
/// `U(-1/sqrt(input_dims), 1/sqrt(input_dims))` (the global random state).
///
/// ```
/// use mlx_nn::{Forward, Linear, Module};
/// let mut l = Linear::new(3, 2, true)?;
/// assert_eq!(l.parameters().flatten_keys(), ["bias", "weight"]);
/// assert_eq!(l.weight.shape(), &[2, 3]);
/// let y = l.forward(&mlx_ops::Tensor::ones(&[4, 3], mlx_ops::Dtype::Float32)?)?;
/// assert_eq!(y.shape(), &[4, 2]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Linear {
    /// `[output_dims, input_dims]`.
    pub weight: Param,
    /// `[output_dims]`, when the layer has a bias.
    pub bias: Option<Param>,
    training: bool,
}

impl Linear {
    /// A layer with MLX's initialisation.
    pub fn new(input_dims: usize, output_dims: usize, bias: bool) -> Result<Linear> {
        let scale = (1.0 / input_dims as f64).sqrt();
        let weight = uniform_param(scale, &[output_dims, input_dims])?;
        let bias = if bias {
            Some(uniform_param(scale, &[output_dims])?)
        } else {
            None
        };
        Ok(Linear {
            weight,
            bias,
            training: true,
        })
    }
    /// A layer with the given weight (`[out, in]`) and bias (`[out]`).
    ///
    /// ```
    /// use mlx_nn::{Forward, Linear};
    /// use mlx_ops::Tensor;
    /// let mut l = Linear::from_weights(Tensor::from_slice(&[2.0f32], &[1, 1])?, None)?;
    /// assert_eq!(l.forward(&Tensor::from_slice(&[3.0f32], &[1])?)?.to_vec::<f32>()?, vec![6.0]);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn from_weights(weight: Tensor, bias: Option<Tensor>) -> Result<Linear> {
        if weight.ndim() != 2 {
            return Err(Error::shape(
                "Linear",
                "weight must be 2-D [output_dims, input_dims]",
                vec![weight.shape().to_vec()],
            ));
        }
        Ok(Linear {
            weight: Param::new(weight),
            bias: bias.map(Param::new),
            training: true,
        })
    }
}
impl Linear {
    /// The layer's output, without needing `&mut` (what
    /// [`Forward::forward`] runs).
    ///
    /// ```
    /// use mlx_nn::Linear;
    /// let l = Linear::new(3, 2, false)?;
    /// assert_eq!(l.apply(&mlx_ops::Tensor::ones(&[3], mlx_ops::Dtype::Float32)?)?.shape(), &[2]);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let wt = self.weight.transpose(&[])?;
        match &self.bias {
            Some(b) => b.addmm(x, &wt, 1.0, 1.0),
            None => x.matmul(&wt),
        }
    }
}
crate::impl_module!(Linear { "weight" => param weight, "bias" => opt_param bias });
impl Forward for Linear {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        self.apply(x)
    }
}

/// `nn.Bilinear(input1_dims, input2_dims, output_dims, bias=True)`:
/// `y_i = x1ᵀ W_i x2 + b_i`, with `weight` `[output, input2, input1]`.
///
/// ```
/// use mlx_nn::{Bilinear, Module};
/// use mlx_ops::{Dtype, Tensor};
/// let b = Bilinear::new(3, 4, 5, true)?;
/// assert_eq!(b.weight.shape(), &[5, 4, 3]);
/// let y = b.forward2(&Tensor::ones(&[2, 3], Dtype::Float32)?, &Tensor::ones(&[2, 4], Dtype::Float32)?)?;
/// assert_eq!(y.shape(), &[2, 5]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Bilinear {
    /// `[output_dims, input2_dims, input1_dims]`.
    pub weight: Param,
    /// `[output_dims]`.
    pub bias: Option<Param>,
    training: bool,
}

impl Bilinear {
    /// A layer with MLX's initialisation, `U(±1/sqrt(input1_dims))`.
    pub fn new(
        input1_dims: usize,
        input2_dims: usize,
        output_dims: usize,
        bias: bool,
    ) -> Result<Bilinear> {
        let scale = (1.0 / input1_dims as f64).sqrt();
        let weight = uniform_param(scale, &[output_dims, input2_dims, input1_dims])?;
        let bias = if bias {
            Some(uniform_param(scale, &[output_dims])?)
        } else {
            None
        };
        Ok(Bilinear {
            weight,
            bias,
            training: true,
        })
    }
    /// Applies the layer to `x1` (`[..., input1]`) and `x2` (`[..., input2]`).
    pub fn forward2(&self, x1: &Tensor, x2: &Tensor) -> Result<Tensor> {
        let ws = self.weight.shape();
        let (out, in2, in1) = (ws[0] as i64, ws[1] as i64, ws[2] as i64);
        if x1.ndim() == 0 || x2.ndim() == 0 {
            return Err(Error::shape(
                "Bilinear",
                "inputs must have at least one dimension",
                vec![x1.shape().to_vec(), x2.shape().to_vec()],
            ));
        }
        let mut oshape: Vec<i64> = x1.shape()[..x1.ndim() - 1]
            .iter()
            .map(|&d| d as i64)
            .collect();
        let a = x1.reshape(&[-1, in1])?;
        let b = x2.reshape(&[-1, 1, in2])?;
        let w = self.weight.reshape(&[out * in2, in1])?;
        let y = a.matmul(&w.transpose(&[])?)?;
        let y = y.reshape(&[-1, out, in2])?.swapaxes(-2, -1)?;
        let y = b.matmul(&y)?.squeeze(1)?;
        oshape.push(out);
        let y = y.reshape(&oshape)?;
        match &self.bias {
            Some(bias) => y.add(bias.value()),
            None => Ok(y),
        }
    }
}
crate::impl_module!(Bilinear { "weight" => param weight, "bias" => opt_param bias });

/// `nn.Embedding(num_embeddings, dims)`: rows of `weight`
/// (`[num_embeddings, dims]`, initialised `N(0, 1/dims)`) picked by integer
/// indices; [`as_linear`](Embedding::as_linear) reuses it as an output
/// projection (tied weights).
///
/// ```
/// use mlx_nn::{Embedding, Forward};
/// use mlx_ops::Tensor;
/// let mut e = Embedding::new(10, 4)?;
/// let y = e.forward(&Tensor::from_slice(&[1i32, 3, 3], &[3])?)?;
/// assert_eq!(y.shape(), &[3, 4]);
/// assert_eq!(e.as_linear(&y)?.shape(), &[3, 10]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Embedding {
    /// `[num_embeddings, dims]`.
    pub weight: Param,
    training: bool,
}

impl Embedding {
    /// A table with MLX's initialisation.
    pub fn new(num_embeddings: usize, dims: usize) -> Result<Embedding> {
        let scale = (1.0 / dims as f64).sqrt();
        Ok(Embedding {
            weight: Param::new(random::normal(
                &[num_embeddings, dims],
                None,
                0.0,
                scale,
                None,
            )?),
            training: true,
        })
    }
    /// `x @ weight.T`.
    pub fn as_linear(&self, x: &Tensor) -> Result<Tensor> {
        x.matmul(&self.weight.transpose(&[])?)
    }
}
crate::impl_module!(Embedding { "weight" => param weight });
impl Forward for Embedding {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        self.apply(x)
    }
}
impl Embedding {
    /// The rows of the table for integer indices `x` (shape `x.shape ++
    /// [dims]`), without needing `&mut`.
    ///
    /// ```
    /// use mlx_nn::Embedding;
    /// let e = Embedding::new(5, 3)?;
    /// let y = e.apply(&mlx_ops::Tensor::from_slice(&[0i32, 4], &[2])?)?;
    /// assert_eq!(y.shape(), &[2, 3]);
    /// assert!(e.apply(&mlx_ops::Tensor::from_slice(&[0.5f32], &[1])?).is_err());
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        if x.dtype().is_inexact() {
            return Err(Error::dtype(
                "Embedding",
                "indices must be integers",
                vec![x.dtype()],
            ));
        }
        self.weight.take(x, Some(0))
    }
}
