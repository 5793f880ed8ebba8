//! Convolution layers: `Conv1d`, `Conv2d`, `Conv3d` and `ConvTranspose1d`,
//! `ConvTranspose2d`, `ConvTranspose3d`, as MLX's `nn` defines them
//! (channels last: inputs `[N, ..spatial, C_in]`, weights
//! `[C_out, ..kernel, C_in / groups]`). One generic layer per kind,
//! [`Conv`] and [`ConvTranspose`], over the number of spatial axes.

use super::linear::uniform_param;
use super::pooling::{Size2, Size3};
use crate::{Forward, Param};
use mlx_core::{Error, Result};
use mlx_ops::Tensor;

/// A per-axis size for an `N`-axis layer: one `usize` for every axis, or one
/// per axis as an array, a tuple, [`Size2`] or [`Size3`].
///
/// ```
/// use mlx_nn::SpatialDims;
/// assert_eq!(SpatialDims::<2>::dims(3usize), [3, 3]);
/// assert_eq!(SpatialDims::<3>::dims((1, 2, 3)), [1, 2, 3]);
/// ```
pub trait SpatialDims<const N: usize> {
    /// The size of every axis.
    fn dims(self) -> [usize; N];
}
impl<const N: usize> SpatialDims<N> for usize {
    fn dims(self) -> [usize; N] {
        [self; N]
    }
}
impl<const N: usize> SpatialDims<N> for [usize; N] {
    fn dims(self) -> [usize; N] {
        self
    }
}
impl SpatialDims<2> for (usize, usize) {
    fn dims(self) -> [usize; 2] {
        [self.0, self.1]
    }
}
impl SpatialDims<3> for (usize, usize, usize) {
    fn dims(self) -> [usize; 3] {
        [self.0, self.1, self.2]
    }
}
impl SpatialDims<2> for Size2 {
    fn dims(self) -> [usize; 2] {
        [self.0, self.1]
    }
}
impl SpatialDims<3> for Size3 {
    fn dims(self) -> [usize; 3] {
        [self.0, self.1, self.2]
    }
}

/// `[C_out, ..kernel, C_in]` drawn from `U(-s, s)` with
/// `s = 1 / sqrt(fan_in)`, MLX's initialisation of every convolution.
fn conv_weight(out_channels: usize, kernel: &[usize], in_channels: usize) -> Result<Param> {
    let fan_in = in_channels * kernel.iter().product::<usize>();
    let mut shape = Vec::with_capacity(kernel.len() + 2);
    shape.push(out_channels);
    shape.extend_from_slice(kernel);
    shape.push(in_channels);
    uniform_param((1.0 / fan_in.max(1) as f64).sqrt(), &shape)
}

fn add_bias(y: Tensor, bias: &Option<Param>) -> Result<Tensor> {
    match bias {
        Some(b) => y.add(&**b),
        None => Ok(y),
    }
}

/// `nn.Conv1d` / `nn.Conv2d` / `nn.Conv3d` over `N` spatial axes: a
/// cross-correlation of `[batch, ..spatial, in_channels]` inputs with a
/// `[out_channels, ..kernel, in_channels / groups]` weight, plus an optional
/// `[out_channels]` bias. Weights are drawn from
/// `U(-1/sqrt(fan_in), 1/sqrt(fan_in))` (the global random state), the bias
/// starts at zero. Stride, padding and dilation are set with the builder
/// methods; they do not change the parameters.
///
/// ```
/// use mlx_nn::{Conv2d, Forward, Module};
/// use mlx_ops::{Dtype, Tensor};
/// let mut conv = Conv2d::new(3, 8, 3)?.padding(1).stride(2);
/// assert_eq!(conv.parameters().flatten_keys(), ["bias", "weight"]);
/// assert_eq!(conv.weight.shape(), &[8, 3, 3, 3]);
/// let y = conv.forward(&Tensor::ones(&[2, 10, 10, 3], Dtype::Float32)?)?;
/// assert_eq!(y.shape(), &[2, 5, 5, 8]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Conv<const N: usize> {
    /// `[out_channels, ..kernel, in_channels / groups]`.
    pub weight: Param,
    /// `[out_channels]`, when the layer has a bias.
    pub bias: Option<Param>,
    /// The stride of every spatial axis.
    pub stride: [usize; N],
    /// The zero padding on both sides of every spatial axis.
    pub padding: [usize; N],
    /// The kernel dilation of every spatial axis.
    pub dilation: [usize; N],
    /// The number of channel groups.
    pub groups: usize,
    training: bool,
}

/// `nn.Conv1d(in_channels, out_channels, kernel_size, ...)` over `[N, L, C]`.
pub type Conv1d = Conv<1>;
/// `nn.Conv2d(in_channels, out_channels, kernel_size, ...)` over `[N, H, W, C]`.
pub type Conv2d = Conv<2>;
/// `nn.Conv3d(in_channels, out_channels, kernel_size, ...)` over `[N, D, H, W, C]`.
pub type Conv3d = Conv<3>;

crate::impl_module!(generic [const N: usize] Conv<N> { "weight" => param weight, "bias" => opt_param bias });

impl<const N: usize> Conv<N> {
    /// A layer with a bias, stride 1, no padding, dilation 1 and one group.
    ///
    /// ```
    /// use mlx_nn::Conv1d;
    /// let c = Conv1d::new(4, 6, 5)?;
    /// assert_eq!(c.weight.shape(), &[6, 5, 4]);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel_size: impl SpatialDims<N>,
    ) -> Result<Self> {
        Self::with_groups(in_channels, out_channels, kernel_size, 1, true)
    }

    /// A layer with `groups` channel groups (`in_channels` must divide by
    /// it) and a bias or not, as MLX's `groups=` and `bias=`.
    ///
    /// ```
    /// use mlx_nn::{Conv2d, Module};
    /// let c = Conv2d::with_groups(8, 4, (3, 1), 2, false)?;
    /// assert_eq!(c.weight.shape(), &[4, 3, 1, 4]);
    /// assert_eq!(c.parameters().flatten_keys(), ["weight"]);
    /// assert!(Conv2d::with_groups(7, 4, 3, 2, true).is_err());
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn with_groups(
        in_channels: usize,
        out_channels: usize,
        kernel_size: impl SpatialDims<N>,
        groups: usize,
        bias: bool,
    ) -> Result<Self> {
        if groups == 0 || !in_channels.is_multiple_of(groups) {
            return Err(Error::invalid(
                "Conv",
                format!(
                    "the number of input channels ({in_channels}) must be divisible by the number of groups ({groups})"
                ),
            ));
        }
        let kernel = kernel_size.dims();
        let weight = conv_weight(out_channels, &kernel, in_channels / groups)?;
        let bias = if bias {
            Some(Param::new(Tensor::zeros(
                &[out_channels],
                mlx_core::Dtype::Float32,
            )?))
        } else {
            None
        };
        Ok(Conv {
            weight,
            bias,
            stride: [1; N],
            padding: [0; N],
            dilation: [1; N],
            groups,
            training: true,
        })
    }

    /// Sets the stride.
    pub fn stride(mut self, stride: impl SpatialDims<N>) -> Self {
        self.stride = stride.dims();
        self
    }
    /// Sets the zero padding (both sides).
    pub fn padding(mut self, padding: impl SpatialDims<N>) -> Self {
        self.padding = padding.dims();
        self
    }
    /// Sets the kernel dilation.
    pub fn dilation(mut self, dilation: impl SpatialDims<N>) -> Self {
        self.dilation = dilation.dims();
        self
    }

    /// The layer's output without needing `&mut` (what [`Forward::forward`]
    /// runs).
    ///
    /// ```
    /// use mlx_nn::Conv1d;
    /// use mlx_ops::{Dtype, Tensor};
    /// let c = Conv1d::new(2, 3, 3)?.dilation(2);
    /// assert_eq!(c.apply(&Tensor::ones(&[1, 9, 2], Dtype::Float32)?)?.shape(), &[1, 5, 3]);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let y = x.conv_general(
            &self.weight,
            &self.stride,
            &self.padding,
            &self.padding,
            &self.dilation,
            &[1; N],
            self.groups,
            false,
        )?;
        add_bias(y, &self.bias)
    }
}

impl<const N: usize> Forward for Conv<N> {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        self.apply(x)
    }
}

/// `nn.ConvTranspose1d` / `2d` / `3d` over `N` spatial axes: the transpose
/// (gradient) of a convolution, mapping `[batch, ..spatial, in_channels]`
/// to `[batch, ..larger spatial, out_channels]` with a
/// `[out_channels, ..kernel, in_channels]` weight drawn as [`Conv`]'s.
///
/// ```
/// use mlx_nn::{ConvTranspose2d, Forward};
/// use mlx_ops::{Dtype, Tensor};
/// let mut up = ConvTranspose2d::new(4, 2, 2)?.stride(2);
/// let y = up.forward(&Tensor::ones(&[1, 5, 5, 4], Dtype::Float32)?)?;
/// assert_eq!(y.shape(), &[1, 10, 10, 2]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ConvTranspose<const N: usize> {
    /// `[out_channels, ..kernel, in_channels]`.
    pub weight: Param,
    /// `[out_channels]`, when the layer has a bias.
    pub bias: Option<Param>,
    /// The stride of every spatial axis.
    pub stride: [usize; N],
    /// The padding removed from both sides of every spatial axis.
    pub padding: [usize; N],
    /// The kernel dilation of every spatial axis.
    pub dilation: [usize; N],
    /// Extra size added to one side of every spatial axis of the output.
    pub output_padding: [usize; N],
    training: bool,
}

/// `nn.ConvTranspose1d(in_channels, out_channels, kernel_size, ...)`.
pub type ConvTranspose1d = ConvTranspose<1>;
/// `nn.ConvTranspose2d(in_channels, out_channels, kernel_size, ...)`.
pub type ConvTranspose2d = ConvTranspose<2>;
/// `nn.ConvTranspose3d(in_channels, out_channels, kernel_size, ...)`.
pub type ConvTranspose3d = ConvTranspose<3>;

crate::impl_module!(generic [const N: usize] ConvTranspose<N> { "weight" => param weight, "bias" => opt_param bias });

impl<const N: usize> ConvTranspose<N> {
    /// A layer with a bias or not, stride 1, no padding, dilation 1 and no
    /// output padding.
    ///
    /// ```
    /// use mlx_nn::{ConvTranspose1d, Module};
    /// let c = ConvTranspose1d::with_bias(3, 5, 4, false)?;
    /// assert_eq!(c.weight.shape(), &[5, 4, 3]);
    /// assert_eq!(c.parameters().flatten_keys(), ["weight"]);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn with_bias(
        in_channels: usize,
        out_channels: usize,
        kernel_size: impl SpatialDims<N>,
        bias: bool,
    ) -> Result<Self> {
        let kernel = kernel_size.dims();
        let weight = conv_weight(out_channels, &kernel, in_channels)?;
        let bias = if bias {
            Some(Param::new(Tensor::zeros(
                &[out_channels],
                mlx_core::Dtype::Float32,
            )?))
        } else {
            None
        };
        Ok(ConvTranspose {
            weight,
            bias,
            stride: [1; N],
            padding: [0; N],
            dilation: [1; N],
            output_padding: [0; N],
            training: true,
        })
    }

    /// A layer with a bias (see [`ConvTranspose::with_bias`]).
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel_size: impl SpatialDims<N>,
    ) -> Result<Self> {
        Self::with_bias(in_channels, out_channels, kernel_size, true)
    }

    /// Sets the stride.
    pub fn stride(mut self, stride: impl SpatialDims<N>) -> Self {
        self.stride = stride.dims();
        self
    }
    /// Sets the padding.
    pub fn padding(mut self, padding: impl SpatialDims<N>) -> Self {
        self.padding = padding.dims();
        self
    }
    /// Sets the kernel dilation.
    pub fn dilation(mut self, dilation: impl SpatialDims<N>) -> Self {
        self.dilation = dilation.dims();
        self
    }
    /// Sets the output padding.
    pub fn output_padding(mut self, output_padding: impl SpatialDims<N>) -> Self {
        self.output_padding = output_padding.dims();
        self
    }

    /// The layer's output without needing `&mut`.
    ///
    /// ```
    /// use mlx_nn::ConvTranspose1d;
    /// use mlx_ops::{Dtype, Tensor};
    /// let c = ConvTranspose1d::new(2, 3, 3)?.stride(2).output_padding(1);
    /// assert_eq!(c.apply(&Tensor::ones(&[1, 4, 2], Dtype::Float32)?)?.shape(), &[1, 10, 3]);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let y = x.conv_transpose(
            &self.weight,
            &self.stride,
            &self.padding,
            &self.dilation,
            &self.output_padding,
            1,
        )?;
        add_bias(y, &self.bias)
    }
}

impl<const N: usize> Forward for ConvTranspose<N> {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        self.apply(x)
    }
}
