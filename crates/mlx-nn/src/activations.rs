//! Activation functions (`mlx.nn` functions such as `nn.gelu`) and their
//! module forms (`nn.GELU`), with MLX's formulas and dtype behaviour.

use crate::{Forward, Param};
use mlx_core::{Error, Result};
use mlx_ops::{Dtype, Tensor};

/// `1 / (1 + exp(-x))`.
///
/// ```
/// let y = mlx_nn::sigmoid(&mlx_ops::Tensor::scalar(0.0f32))?;
/// assert_eq!(y.item::<f32>()?, 0.5);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn sigmoid(x: &Tensor) -> Result<Tensor> {
    x.sigmoid()
}

/// `max(x, 0)`.
///
/// ```
/// let x = mlx_ops::Tensor::from_slice(&[-1.0f32, 2.0], &[2])?;
/// assert_eq!(mlx_nn::relu(&x)?.to_vec::<f32>()?, vec![0.0, 2.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn relu(x: &Tensor) -> Result<Tensor> {
    x.maximum(0)
}

/// `max(x, 0)^2`.
///
/// ```
/// let x = mlx_ops::Tensor::from_slice(&[-1.0f32, 2.0], &[2])?;
/// assert_eq!(mlx_nn::relu2(&x)?.to_vec::<f32>()?, vec![0.0, 4.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn relu2(x: &Tensor) -> Result<Tensor> {
    x.maximum(0)?.square()
}

/// `min(max(x, 0), 6)`.
///
/// ```
/// let x = mlx_ops::Tensor::from_slice(&[-1.0f32, 7.0], &[2])?;
/// assert_eq!(mlx_nn::relu6(&x)?.to_vec::<f32>()?, vec![0.0, 6.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn relu6(x: &Tensor) -> Result<Tensor> {
    x.maximum(0)?.minimum(6.0)
}

/// `max(negative_slope * x, x)`.
///
/// ```
/// let x = mlx_ops::Tensor::from_slice(&[-1.0f32, 2.0], &[2])?;
/// assert_eq!(mlx_nn::leaky_relu(&x, 0.5)?.to_vec::<f32>()?, vec![-0.5, 2.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn leaky_relu(x: &Tensor, negative_slope: f64) -> Result<Tensor> {
    x.multiply(negative_slope)?.maximum(x)
}

/// `x - logsumexp(x)` along `axis`, shifted by the (gradient-stopped) max.
///
/// ```
/// let x = mlx_ops::Tensor::from_slice(&[0.0f32, 0.0], &[2])?;
/// let y = mlx_nn::log_softmax(&x, -1)?.to_vec::<f32>()?;
/// assert!((y[0] + 2f32.ln()).abs() < 1e-6);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn log_softmax(x: &Tensor, axis: i64) -> Result<Tensor> {
    let x = x.subtract(&x.max(axis, true)?.stop_gradient()?)?;
    x.subtract(&x.logsumexp(axis, true)?)
}

/// `x` where `x > 0`, else `alpha * (exp(x) - 1)`.
///
/// ```
/// let x = mlx_ops::Tensor::from_slice(&[0.0f32, 2.0], &[2])?;
/// assert_eq!(mlx_nn::elu(&x, 1.0)?.to_vec::<f32>()?, vec![0.0, 2.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn elu(x: &Tensor, alpha: f64) -> Result<Tensor> {
    x.greater(0)?
        .where_(x, x.exp()?.subtract(1)?.multiply(alpha)?)
}

/// Softmax along `axis`.
///
/// ```
/// let x = mlx_ops::Tensor::from_slice(&[1.0f32, 1.0], &[2])?;
/// assert_eq!(mlx_nn::softmax(&x, -1)?.to_vec::<f32>()?, vec![0.5, 0.5]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn softmax(x: &Tensor, axis: i64) -> Result<Tensor> {
    x.softmax(axis, false)
}

/// `softmax(-x)` along `axis`.
///
/// ```
/// let x = mlx_ops::Tensor::from_slice(&[1.0f32, 1.0], &[2])?;
/// assert_eq!(mlx_nn::softmin(&x, -1)?.to_vec::<f32>()?, vec![0.5, 0.5]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn softmin(x: &Tensor, axis: i64) -> Result<Tensor> {
    x.negative()?.softmax(axis, false)
}

/// `log(1 + exp(x))` (`logaddexp(x, 0)`).
///
/// ```
/// let y = mlx_nn::softplus(&mlx_ops::Tensor::scalar(0.0f32))?;
/// assert!((y.item::<f32>()? - 2f32.ln()).abs() < 1e-6);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn softplus(x: &Tensor) -> Result<Tensor> {
    x.logaddexp(0)
}

/// `x / (1 + |x|)`.
///
/// ```
/// let y = mlx_nn::softsign(&mlx_ops::Tensor::scalar(1.0f32))?;
/// assert_eq!(y.item::<f32>()?, 0.5);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn softsign(x: &Tensor) -> Result<Tensor> {
    x.divide(&x.abs()?.add(1)?)
}

/// `x - sign(x) * lambd` where `|x| > lambd`, else 0.
///
/// ```
/// let x = mlx_ops::Tensor::from_slice(&[0.2f32, -2.0], &[2])?;
/// assert_eq!(mlx_nn::softshrink(&x, 0.5)?.to_vec::<f32>()?, vec![0.0, -1.5]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn softshrink(x: &Tensor, lambd: f64) -> Result<Tensor> {
    x.abs()?
        .greater(lambd)?
        .where_(x.subtract(&x.sign()?.multiply(lambd)?)?, 0)
}

/// `max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)`.
///
/// ```
/// let y = mlx_nn::celu(&mlx_ops::Tensor::scalar(1.0f32), 1.0)?;
/// assert_eq!(y.item::<f32>()?, 1.0);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn celu(x: &Tensor, alpha: f64) -> Result<Tensor> {
    let neg = x
        .minimum(0.0)?
        .divide(alpha)?
        .exp()?
        .subtract(1)?
        .multiply(alpha)?;
    x.maximum(0.0)?.add(&neg)
}

/// `x * sigmoid(x)`.
///
/// ```
/// let y = mlx_nn::silu(&mlx_ops::Tensor::scalar(0.0f32))?;
/// assert_eq!(y.item::<f32>()?, 0.0);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn silu(x: &Tensor) -> Result<Tensor> {
    x.multiply(&x.sigmoid()?)
}

/// `-softplus(-x)`.
///
/// ```
/// let y = mlx_nn::log_sigmoid(&mlx_ops::Tensor::scalar(0.0f32))?;
/// assert!((y.item::<f32>()? + 2f32.ln()).abs() < 1e-6);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn log_sigmoid(x: &Tensor) -> Result<Tensor> {
    softplus(&x.negative()?)?.negative()
}

/// The exact GELU `x * (1 + erf(x / sqrt(2))) / 2`.
///
/// ```
/// let y = mlx_nn::gelu(&mlx_ops::Tensor::scalar(0.0f32))?;
/// assert_eq!(y.item::<f32>()?, 0.0);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn gelu(x: &Tensor) -> Result<Tensor> {
    let e = x.divide(std::f64::consts::SQRT_2)?.erf()?.add(1)?;
    x.multiply(&e)?.divide(2)
}

/// The tanh approximation of GELU (MLX's `gelu_approx`, GELU's `"precise"`
/// and `"tanh"`): `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
///
/// ```
/// let y = mlx_nn::gelu_approx(&mlx_ops::Tensor::scalar(1.0f32))?;
/// assert!((y.item::<f32>()? - 0.8412).abs() < 1e-3);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn gelu_approx(x: &Tensor) -> Result<Tensor> {
    let c = (2.0 / std::f64::consts::PI).sqrt();
    let inner = x.add(&x.power(3)?.multiply(0.044715)?)?.multiply(c)?;
    x.multiply(0.5)?.multiply(&inner.tanh()?.add(1)?)
}

/// The sigmoid approximation of GELU, `x * sigmoid(1.702 x)`.
///
/// ```
/// let y = mlx_nn::gelu_fast_approx(&mlx_ops::Tensor::scalar(0.0f32))?;
/// assert_eq!(y.item::<f32>()?, 0.0);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn gelu_fast_approx(x: &Tensor) -> Result<Tensor> {
    x.multiply(&x.multiply(1.702)?.sigmoid()?)
}

/// Gated linear unit: splits `axis` in halves `a`, `b` and returns
/// `a * sigmoid(b)`.
///
/// ```
/// let x = mlx_ops::Tensor::from_slice(&[2.0f32, 0.0], &[2])?;
/// assert_eq!(mlx_nn::glu(&x, -1)?.to_vec::<f32>()?, vec![1.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn glu(x: &Tensor, axis: i64) -> Result<Tensor> {
    let parts = x.split(2, axis)?;
    parts[0].multiply(&parts[1].sigmoid()?)
}

/// 1 where `x >= threshold`, else 0 (`int32`, as MLX's `where(.., 1, 0)`).
///
/// ```
/// let x = mlx_ops::Tensor::from_slice(&[-1.0f32, 1.0], &[2])?;
/// assert_eq!(mlx_nn::step(&x, 0.0)?.to_vec::<i32>()?, vec![0, 1]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn step(x: &Tensor, threshold: f64) -> Result<Tensor> {
    x.greater_equal(threshold)?.where_(1, 0)
}

/// `1.0507 * elu(x, 1.67326)`.
///
/// ```
/// let y = mlx_nn::selu(&mlx_ops::Tensor::scalar(1.0f32))?;
/// assert!((y.item::<f32>()? - 1.0507).abs() < 1e-6);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn selu(x: &Tensor) -> Result<Tensor> {
    elu(x, 1.67326)?.multiply(1.0507)
}

/// `max(0, x) + alpha * min(0, x)`.
///
/// ```
/// use mlx_ops::Tensor;
/// let x = Tensor::from_slice(&[-2.0f32, 2.0], &[2])?;
/// let y = mlx_nn::prelu(&x, &Tensor::from_slice(&[0.25f32], &[1])?)?;
/// assert_eq!(y.to_vec::<f32>()?, vec![-0.5, 2.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn prelu(x: &Tensor, alpha: &Tensor) -> Result<Tensor> {
    x.maximum(0)?.add(&alpha.multiply(&x.minimum(0)?)?)
}

/// `x * tanh(softplus(x))`.
///
/// ```
/// let y = mlx_nn::mish(&mlx_ops::Tensor::scalar(0.0f32))?;
/// assert_eq!(y.item::<f32>()?, 0.0);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn mish(x: &Tensor) -> Result<Tensor> {
    x.multiply(&softplus(x)?.tanh()?)
}

/// `x * min(max(x + 3, 0), 6) / 6`.
///
/// ```
/// let y = mlx_nn::hardswish(&mlx_ops::Tensor::scalar(3.0f32))?;
/// assert_eq!(y.item::<f32>()?, 3.0);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn hardswish(x: &Tensor) -> Result<Tensor> {
    let m = x.add(3)?.maximum(0)?.minimum(6)?;
    x.multiply(&m)?.divide(6)
}

/// `min(max(x, min_val), max_val)`.
///
/// ```
/// let x = mlx_ops::Tensor::from_slice(&[-3.0f32, 0.5], &[2])?;
/// assert_eq!(mlx_nn::hard_tanh(&x, -1.0, 1.0)?.to_vec::<f32>()?, vec![-1.0, 0.5]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn hard_tanh(x: &Tensor, min_val: f64, max_val: f64) -> Result<Tensor> {
    x.maximum(min_val)?.minimum(max_val)
}

/// `x` where `|x| > lambd`, else 0.
///
/// ```
/// let x = mlx_ops::Tensor::from_slice(&[0.2f32, -2.0], &[2])?;
/// assert_eq!(mlx_nn::hard_shrink(&x, 0.5)?.to_vec::<f32>()?, vec![0.0, -2.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn hard_shrink(x: &Tensor, lambd: f64) -> Result<Tensor> {
    x.abs()?.greater(lambd)?.where_(x, 0)
}

/// Hyperbolic tangent.
///
/// ```
/// let y = mlx_nn::tanh(&mlx_ops::Tensor::scalar(0.0f32))?;
/// assert_eq!(y.item::<f32>()?, 0.0);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn tanh(x: &Tensor) -> Result<Tensor> {
    x.tanh()
}

macro_rules! simple_activation {
    ($($name:ident => $f:ident : $doc:literal;)*) => {$(
        #[doc = $doc]
        #[doc = ""]
        #[doc = "```"]
        #[doc = concat!("use mlx_nn::{Forward, ", stringify!($name), "};")]
        #[doc = "let x = mlx_ops::Tensor::from_slice(&[-1.0f32, 0.5, 2.0], &[3])?;"]
        #[doc = concat!("let y = ", stringify!($name), "::new().forward(&x)?;")]
        #[doc = concat!("assert_eq!(y.to_vec::<f32>()?, mlx_nn::", stringify!($f), "(&x)?.to_vec::<f32>()?);")]
        #[doc = "# Ok::<(), mlx_core::Error>(())"]
        #[doc = "```"]
        #[derive(Clone, Debug)]
        pub struct $name {
            training: bool,
        }
        impl $name {
            /// The module.
            pub fn new() -> Self {
                $name { training: true }
            }
        }
        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }
        crate::impl_module!($name {});
        impl Forward for $name {
            fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
                $f(x)
            }
        }
    )*};
}

simple_activation! {
    Sigmoid => sigmoid: "The module form of [`sigmoid`].";
    ReLU => relu: "The module form of [`relu`].";
    ReLU2 => relu2: "The module form of [`relu2`].";
    ReLU6 => relu6: "The module form of [`relu6`].";
    Softplus => softplus: "The module form of [`softplus`].";
    Softsign => softsign: "The module form of [`softsign`].";
    SiLU => silu: "The module form of [`silu`].";
    LogSigmoid => log_sigmoid: "The module form of [`log_sigmoid`].";
    Mish => mish: "The module form of [`mish`].";
    Hardswish => hardswish: "The module form of [`hardswish`].";
    Tanh => tanh: "The module form of [`tanh`].";
    SELU => selu: "The module form of [`selu`].";
}

macro_rules! param_activation {
    ($($name:ident($field:ident: $ty:ty = $default:expr) => |$x:ident, $p:ident| $body:expr, $doc:literal;)*) => {$(
        #[doc = $doc]
        #[doc = ""]
        #[doc = "```"]
        #[doc = concat!("use mlx_nn::{Forward, ", stringify!($name), "};")]
        #[doc = "let x = mlx_ops::Tensor::from_slice(&[-1.0f32, 0.5, 2.0, 3.0], &[4])?;"]
        #[doc = concat!("let y = ", stringify!($name), "::default().forward(&x)?;")]
        #[doc = "assert_eq!(y.ndim(), 1);"]
        #[doc = "# Ok::<(), mlx_core::Error>(())"]
        #[doc = "```"]
        #[derive(Clone, Debug)]
        pub struct $name {
            $field: $ty,
            training: bool,
        }
        impl $name {
            #[doc = concat!("The module with `", stringify!($field), "` (MLX's default: `", stringify!($default), "`).")]
            pub fn new($field: $ty) -> Self {
                $name { $field, training: true }
            }
        }
        impl Default for $name {
            fn default() -> Self {
                Self::new($default)
            }
        }
        crate::impl_module!($name {});
        impl Forward for $name {
            fn forward(&mut self, $x: &Tensor) -> Result<Tensor> {
                let $p = self.$field;
                $body
            }
        }
    )*};
}

param_activation! {
    LeakyReLU(negative_slope: f64 = 0.01) => |x, s| leaky_relu(x, s), "The module form of [`leaky_relu`].";
    ELU(alpha: f64 = 1.0) => |x, a| elu(x, a), "The module form of [`elu`].";
    CELU(alpha: f64 = 1.0) => |x, a| celu(x, a), "The module form of [`celu`].";
    Softshrink(lambd: f64 = 0.5) => |x, l| softshrink(x, l), "The module form of [`softshrink`].";
    HardShrink(lambd: f64 = 0.5) => |x, l| hard_shrink(x, l), "The module form of [`hard_shrink`].";
    Step(threshold: f64 = 0.0) => |x, t| step(x, t), "The module form of [`step`].";
    GLU(axis: i64 = -1) => |x, a| glu(x, a), "The module form of [`glu`].";
    Softmax(axis: i64 = -1) => |x, a| softmax(x, a), "The module form of [`softmax`] (MLX's `nn.Softmax` uses the last axis).";
    Softmin(axis: i64 = -1) => |x, a| softmin(x, a), "The module form of [`softmin`].";
    LogSoftmax(axis: i64 = -1) => |x, a| log_softmax(x, a), "The module form of [`log_softmax`].";
}

/// `nn.HardTanh(min_val=-1, max_val=1)`.
///
/// ```
/// use mlx_nn::{Forward, HardTanh};
/// let x = mlx_ops::Tensor::from_slice(&[-3.0f32, 3.0], &[2])?;
/// assert_eq!(HardTanh::default().forward(&x)?.to_vec::<f32>()?, vec![-1.0, 1.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct HardTanh {
    min_val: f64,
    max_val: f64,
    training: bool,
}

impl HardTanh {
    /// The module clamping to `[min_val, max_val]`.
    pub fn new(min_val: f64, max_val: f64) -> Self {
        HardTanh {
            min_val,
            max_val,
            training: true,
        }
    }
}
impl Default for HardTanh {
    fn default() -> Self {
        HardTanh::new(-1.0, 1.0)
    }
}
crate::impl_module!(HardTanh {});
impl Forward for HardTanh {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        hard_tanh(x, self.min_val, self.max_val)
    }
}

/// Which GELU: MLX's `approx` argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum GeluApprox {
    /// The exact erf form (`"none"`).
    #[default]
    None,
    /// The tanh approximation (`"precise"` or `"tanh"`).
    Tanh,
    /// The sigmoid approximation (`"fast"`).
    Fast,
}

impl GeluApprox {
    /// Parses MLX's names: `"none"`, `"precise"`, `"tanh"`, `"fast"`.
    ///
    /// ```
    /// use mlx_nn::GeluApprox;
    /// assert_eq!(GeluApprox::parse("precise")?, GeluApprox::Tanh);
    /// assert!(GeluApprox::parse("exact").is_err());
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn parse(name: &str) -> Result<GeluApprox> {
        match name {
            "none" => Ok(GeluApprox::None),
            "precise" | "tanh" => Ok(GeluApprox::Tanh),
            "fast" => Ok(GeluApprox::Fast),
            other => Err(Error::invalid(
                "GELU",
                format!("The approximation should be in [\"none\", \"precise\", \"tanh\", \"fast\"] but '{other}' was given"),
            )),
        }
    }
}

/// `nn.GELU(approx)`.
///
/// ```
/// use mlx_nn::{Forward, GeluApprox, GELU};
/// let x = mlx_ops::Tensor::from_slice(&[1.0f32], &[1])?;
/// let exact = GELU::new(GeluApprox::None).forward(&x)?.item::<f32>()?;
/// let fast = GELU::new(GeluApprox::Fast).forward(&x)?.item::<f32>()?;
/// assert!((exact - 0.8413).abs() < 1e-3 && (fast - 0.8458).abs() < 1e-3);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct GELU {
    approx: GeluApprox,
    training: bool,
}

impl GELU {
    /// The module with the given approximation.
    pub fn new(approx: GeluApprox) -> Self {
        GELU {
            approx,
            training: true,
        }
    }
}
impl Default for GELU {
    fn default() -> Self {
        GELU::new(GeluApprox::None)
    }
}
crate::impl_module!(GELU {});
impl Forward for GELU {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        match self.approx {
            GeluApprox::None => gelu(x),
            GeluApprox::Tanh => gelu_approx(x),
            GeluApprox::Fast => gelu_fast_approx(x),
        }
    }
}

/// `nn.PReLU(num_parameters=1, init=0.25)`: a learned slope `weight` for
/// negative inputs.
///
/// ```
/// use mlx_nn::{Forward, Module, PReLU};
/// let mut m = PReLU::new(1, 0.25)?;
/// assert_eq!(m.parameters().flatten_keys(), ["weight"]);
/// let x = mlx_ops::Tensor::from_slice(&[-4.0f32], &[1])?;
/// assert_eq!(m.forward(&x)?.to_vec::<f32>()?, vec![-1.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct PReLU {
    /// The slopes, `[num_parameters]`.
    pub weight: Param,
    training: bool,
}

impl PReLU {
    /// `num_parameters` slopes, all `init`.
    pub fn new(num_parameters: usize, init: f64) -> Result<Self> {
        Ok(PReLU {
            weight: Param::new(Tensor::full(&[num_parameters], init, Some(Dtype::Float32))?),
            training: true,
        })
    }
}
crate::impl_module!(PReLU { "weight" => param weight });
impl Forward for PReLU {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        prelu(x, &self.weight)
    }
}
