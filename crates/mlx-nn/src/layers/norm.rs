//! Normalisation layers: `LayerNorm`, `RMSNorm`, `GroupNorm`, `BatchNorm`,
//! `InstanceNorm`.

use crate::{Forward, Param};
use mlx_core::{Error, Result};
use mlx_ops::{fast, Dtype, Tensor};

fn check_eps(op: &'static str, eps: f64) -> Result<()> {
    if eps > 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            op,
            format!("'eps' must be positive but got {eps}."),
        ))
    }
}

fn ones(n: usize) -> Result<Param> {
    Ok(Param::new(Tensor::ones(&[n], Dtype::Float32)?))
}
fn zeros(n: usize) -> Result<Param> {
    Ok(Param::new(Tensor::zeros(&[n], Dtype::Float32)?))
}

fn affine(x: Tensor, weight: &Option<Param>, bias: &Option<Param>) -> Result<Tensor> {
    match (weight, bias) {
        (Some(w), Some(b)) => w.multiply(&x)?.add(b.value()),
        (Some(w), None) => w.multiply(&x),
        _ => Ok(x),
    }
}

/// `nn.LayerNorm(dims, eps=1e-5, affine=True, bias=True)` over the last axis
/// (`mx.fast.layer_norm`).
///
/// ```
/// use mlx_nn::{Forward, LayerNorm, Module};
/// let mut ln = LayerNorm::new(2, 1e-5, true, true)?;
/// assert_eq!(ln.parameters().flatten_keys(), ["bias", "weight"]);
/// let y = ln.forward(&mlx_ops::Tensor::from_slice(&[1.0f32, 3.0], &[1, 2])?)?;
/// let v = y.to_vec::<f32>()?;
/// assert!((v[0] + 1.0).abs() < 1e-4 && (v[1] - 1.0).abs() < 1e-4);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct LayerNorm {
    /// `[dims]` (ones), when affine.
    pub weight: Option<Param>,
    /// `[dims]` (zeros), when affine with a bias.
    pub bias: Option<Param>,
    eps: f64,
    training: bool,
}

impl LayerNorm {
    /// A layer; `eps` must be positive.
    pub fn new(dims: usize, eps: f64, affine: bool, bias: bool) -> Result<LayerNorm> {
        check_eps("LayerNorm", eps)?;
        Ok(LayerNorm {
            weight: if affine { Some(ones(dims)?) } else { None },
            bias: if affine && bias {
                Some(zeros(dims)?)
            } else {
                None
            },
            eps,
            training: true,
        })
    }
}
crate::impl_module!(LayerNorm { "weight" => opt_param weight, "bias" => opt_param bias });
impl Forward for LayerNorm {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        fast::layer_norm(
            x,
            self.weight.as_ref().map(|p| p.value()),
            self.bias.as_ref().map(|p| p.value()),
            self.eps,
        )
    }
}

/// `nn.RMSNorm(dims, eps=1e-5)` over the last axis (`mx.fast.rms_norm`).
///
/// ```
/// use mlx_nn::{Forward, Module, RMSNorm};
/// let mut n = RMSNorm::new(2, 1e-5)?;
/// let y = n.forward(&mlx_ops::Tensor::from_slice(&[3.0f32, 3.0], &[2])?)?;
/// assert!(y.to_vec::<f32>()?.iter().all(|v| (v - 1.0).abs() < 1e-4));
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RMSNorm {
    /// `[dims]` (ones).
    pub weight: Param,
    eps: f64,
    training: bool,
}

impl RMSNorm {
    /// A layer; `eps` must be positive.
    pub fn new(dims: usize, eps: f64) -> Result<RMSNorm> {
        check_eps("RMSNorm", eps)?;
        Ok(RMSNorm {
            weight: ones(dims)?,
            eps,
            training: true,
        })
    }
}
impl RMSNorm {
    /// The layer's output without needing `&mut` (what
    /// [`Forward::forward`] runs).
    ///
    /// ```
    /// use mlx_nn::RMSNorm;
    /// let n = RMSNorm::new(2, 1e-5)?;
    /// let y = n.apply(&mlx_ops::Tensor::from_slice(&[3.0f32, -3.0], &[2])?)?;
    /// assert!((y.to_vec::<f32>()?[0] - 1.0).abs() < 1e-4);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        fast::rms_norm(x, Some(self.weight.value()), self.eps)
    }
}
crate::impl_module!(RMSNorm { "weight" => param weight });
impl Forward for RMSNorm {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        self.apply(x)
    }
}

/// `nn.GroupNorm(num_groups, dims, eps=1e-5, affine=True,
/// pytorch_compatible=False)` over inputs `[N, ..., dims]`.
///
/// ```
/// use mlx_nn::{Forward, GroupNorm};
/// use mlx_ops::Tensor;
/// let mut g = GroupNorm::new(2, 4, 1e-5, true, false)?;
/// let x = Tensor::arange(0.0, 16.0, 1.0, Some(mlx_ops::Dtype::Float32))?.reshape(&[2, 2, 4])?;
/// assert_eq!(g.forward(&x)?.shape(), &[2, 2, 4]);
/// assert!(GroupNorm::new(3, 4, 1e-5, true, false).is_err());
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct GroupNorm {
    /// `[dims]`, when affine.
    pub weight: Option<Param>,
    /// `[dims]`, when affine.
    pub bias: Option<Param>,
    num_groups: usize,
    dims: usize,
    eps: f64,
    pytorch_compatible: bool,
    training: bool,
}

impl GroupNorm {
    /// A layer; `dims` must be a positive multiple of `num_groups`.
    pub fn new(
        num_groups: usize,
        dims: usize,
        eps: f64,
        affine: bool,
        pytorch_compatible: bool,
    ) -> Result<GroupNorm> {
        check_eps("GroupNorm", eps)?;
        if num_groups == 0 {
            return Err(Error::invalid(
                "GroupNorm",
                format!("The number of groups ({num_groups}) must be a positive integer."),
            ));
        }
        if dims == 0 || !dims.is_multiple_of(num_groups) {
            return Err(Error::invalid(
                "GroupNorm",
                format!("The number of features ({dims}) must be a positive multiple of the number of groups ({num_groups})."),
            ));
        }
        Ok(GroupNorm {
            weight: if affine { Some(ones(dims)?) } else { None },
            bias: if affine { Some(zeros(dims)?) } else { None },
            num_groups,
            dims,
            eps,
            pytorch_compatible,
            training: true,
        })
    }
}
crate::impl_module!(GroupNorm { "bias" => opt_param bias, "weight" => opt_param weight });
impl Forward for GroupNorm {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        if x.ndim() < 2 || x.shape()[x.ndim() - 1] != self.dims {
            return Err(Error::shape(
                "GroupNorm",
                format!("expected input [N, ..., {}]", self.dims),
                vec![x.shape().to_vec()],
            ));
        }
        let shape: Vec<i64> = x.shape().iter().map(|&d| d as i64).collect();
        let batch = shape[0];
        let g = self.num_groups as i64;
        let y = if self.pytorch_compatible {
            let gs = self.dims as i64 / g;
            let y = x
                .reshape(&[batch, -1, g, gs])?
                .transpose(&[0, 2, 1, 3])?
                .reshape(&[batch, g, -1])?;
            let y = fast::layer_norm(&y, None, None, self.eps)?;
            y.reshape(&[batch, g, -1, gs])?
                .transpose(&[0, 2, 1, 3])?
                .reshape(&shape)?
        } else {
            let y = x.reshape(&[batch, -1, g])?;
            let mean = y.mean(1, true)?;
            let var = y.var(1, true, 0)?;
            y.subtract(&mean)?
                .multiply(&var.add(self.eps)?.rsqrt()?)?
                .reshape(&shape)?
        };
        affine(y, &self.weight, &self.bias)
    }
}

/// `nn.InstanceNorm(dims, eps=1e-5, affine=False)`: normalises each
/// channel of each example over the spatial axes of `[N, ..., C]`.
///
/// ```
/// use mlx_nn::{Forward, InstanceNorm};
/// use mlx_ops::{Dtype, Tensor};
/// let mut n = InstanceNorm::new(3, 1e-5, true)?;
/// let x = Tensor::arange(0.0, 24.0, 1.0, Some(Dtype::Float32))?.reshape(&[2, 4, 3])?;
/// assert_eq!(n.forward(&x)?.shape(), &[2, 4, 3]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct InstanceNorm {
    /// `[dims]`, when affine.
    pub weight: Option<Param>,
    /// `[dims]`, when affine.
    pub bias: Option<Param>,
    eps: f64,
    training: bool,
}

impl InstanceNorm {
    /// A layer; `eps` must be positive.
    pub fn new(dims: usize, eps: f64, affine: bool) -> Result<InstanceNorm> {
        check_eps("InstanceNorm", eps)?;
        Ok(InstanceNorm {
            weight: if affine { Some(ones(dims)?) } else { None },
            bias: if affine { Some(zeros(dims)?) } else { None },
            eps,
            training: true,
        })
    }
}
crate::impl_module!(InstanceNorm { "weight" => opt_param weight, "bias" => opt_param bias });
impl Forward for InstanceNorm {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        let nd = x.ndim();
        if nd < 3 {
            return Err(Error::shape(
                "InstanceNorm",
                format!("InstanceNorm expects inputs with at least 3 dimensions (N, ..., C) but the input has {nd} dimensions."),
                vec![x.shape().to_vec()],
            ));
        }
        let (b, c) = (x.shape()[0] as i64, x.shape()[nd - 1] as i64);
        let spatial: Vec<i64> = x.shape()[1..nd - 1].iter().map(|&d| d as i64).collect();
        let mut perm = vec![0, nd as i64 - 1];
        perm.extend(1..nd as i64 - 1);
        let cf = x.transpose(&perm)?.reshape(&[b, c, -1])?;
        let y = fast::layer_norm(&cf, None, None, self.eps)?;
        let mut shape = vec![b, c];
        shape.extend(&spatial);
        let mut back = vec![0];
        back.extend(2..nd as i64);
        back.push(1);
        let y = y.reshape(&shape)?.transpose(&back)?;
        affine(y, &self.weight, &self.bias)
    }
}

/// `nn.BatchNorm(num_features, eps=1e-5, momentum=0.1, affine=True,
/// track_running_stats=True)` over inputs `[N, ..., C]` (2 to 4 axes). In
/// training mode it normalises with the batch statistics and updates the
/// running ones (`running_mean`, `running_var`: frozen parameters, saved in
/// weight files); in eval mode it uses the running statistics.
///
/// ```
/// use mlx_nn::{BatchNorm, Forward, Module};
/// use mlx_ops::Tensor;
/// let mut bn = BatchNorm::new(2, 1e-5, 0.1, true, true)?;
/// assert_eq!(bn.trainable_parameters().flatten_keys(), ["bias", "weight"]);
/// let x = Tensor::from_slice(&[0.0f32, 1.0, 2.0, 3.0], &[2, 2])?;
/// bn.forward(&x)?;
/// assert!((bn.running_mean.as_ref().unwrap().to_vec::<f32>()?[0] - 0.1).abs() < 1e-6);
/// bn.train(false);
/// assert_eq!(bn.forward(&x)?.shape(), &[2, 2]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct BatchNorm {
    /// `[C]`, when affine.
    pub weight: Option<Param>,
    /// `[C]`, when affine.
    pub bias: Option<Param>,
    /// `[C]`, when tracking running statistics.
    pub running_mean: Option<Param>,
    /// `[C]`, when tracking running statistics.
    pub running_var: Option<Param>,
    eps: f64,
    momentum: f64,
    training: bool,
}

impl BatchNorm {
    /// A layer; `eps` must be positive.
    pub fn new(
        num_features: usize,
        eps: f64,
        momentum: f64,
        affine: bool,
        track_running_stats: bool,
    ) -> Result<BatchNorm> {
        check_eps("BatchNorm", eps)?;
        let stat = |v: f64| -> Result<Option<Param>> {
            Ok(if track_running_stats {
                Some(Param::buffer(Tensor::full(
                    &[num_features],
                    v,
                    Some(Dtype::Float32),
                )?))
            } else {
                None
            })
        };
        Ok(BatchNorm {
            weight: if affine {
                Some(ones(num_features)?)
            } else {
                None
            },
            bias: if affine {
                Some(zeros(num_features)?)
            } else {
                None
            },
            running_mean: stat(0.0)?,
            running_var: stat(1.0)?,
            eps,
            momentum,
            training: true,
        })
    }
}
crate::impl_module!(BatchNorm {
    "weight" => opt_param weight,
    "bias" => opt_param bias,
    "running_mean" => opt_param running_mean,
    "running_var" => opt_param running_var,
});
impl Forward for BatchNorm {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        let nd = x.ndim();
        if !(2..=4).contains(&nd) {
            return Err(Error::shape(
                "BatchNorm",
                format!("Expected input tensor to have 2, 3 or 4 dimensions, but got {nd}"),
                vec![x.shape().to_vec()],
            ));
        }
        if self.training && x.shape()[..nd - 1].iter().product::<usize>() == 1 {
            return Err(Error::shape(
                "BatchNorm",
                "BatchNorm training requires more than one value per channel.",
                vec![x.shape().to_vec()],
            ));
        }
        let axes: Vec<i64> = (0..nd as i64 - 1).collect();
        let mut mean = x.mean(axes.as_slice(), false)?;
        let mut var = x.var(axes.as_slice(), false, 0)?;
        match (&mut self.running_mean, &mut self.running_var) {
            (Some(rm), Some(rv)) if self.training => {
                let mu = self.momentum;
                let unbiased = x.var(axes.as_slice(), false, 1)?;
                let new_mean = rm.multiply(1.0 - mu)?.add(&mean.multiply(mu)?)?;
                let new_var = rv.multiply(1.0 - mu)?.add(&unbiased.multiply(mu)?)?;
                rm.set(new_mean);
                rv.set(new_var);
            }
            (Some(rm), Some(rv)) => {
                mean = rm.value().clone();
                var = rv.value().clone();
            }
            _ => {}
        }
        let y = x.subtract(&mean)?.multiply(&var.add(self.eps)?.rsqrt()?)?;
        affine(y, &self.weight, &self.bias)
    }
}
