//! Pooling (`MaxPool1d/2d/3d`, `AvgPool1d/2d/3d`) over channels-last inputs
//! `[N, spatial..., C]`, by sliding windows (`as_strided`) and a reduction,
//! as MLX does.

use crate::Forward;
use mlx_core::{Error, Result};
use mlx_ops::Tensor;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Max,
    Avg,
}

fn sliding_windows(x: &Tensor, window: &[usize], stride: &[usize]) -> Result<Tensor> {
    let shape = x.shape().to_vec();
    let spatial = &shape[1..shape.len() - 1];
    let k = window.len();
    if spatial.len() != k {
        return Err(Error::shape(
            "pool",
            format!(
                "the input has {} spatial dimensions but the window has {k}",
                spatial.len()
            ),
            vec![shape.clone()],
        ));
    }
    if spatial.iter().zip(window).any(|(s, w)| s < w) {
        return Err(Error::shape(
            "pool",
            format!("the window {window:?} is larger than the (padded) input"),
            vec![shape.clone()],
        ));
    }
    let non_overlapping = spatial
        .iter()
        .zip(window)
        .zip(stride)
        .all(|((s, w), st)| w == st && s % w == 0);
    if non_overlapping {
        let mut new_shape = vec![shape[0] as i64];
        for (s, w) in spatial.iter().zip(window) {
            new_shape.push((s / w) as i64);
            new_shape.push(*w as i64);
        }
        new_shape.push(shape[shape.len() - 1] as i64);
        let last = new_shape.len() as i64 - 1;
        let mut order = vec![0];
        order.extend((1..last).step_by(2));
        order.extend((2..last).step_by(2));
        order.push(last);
        return x.reshape(&new_shape)?.transpose(&order);
    }
    // row-major strides of the input
    let mut strides = vec![1i64; shape.len()];
    for i in (0..shape.len() - 1).rev() {
        strides[i] = strides[i + 1] * shape[i + 1] as i64;
    }
    let mut out_shape = vec![shape[0]];
    out_shape.extend(
        spatial
            .iter()
            .zip(window)
            .zip(stride)
            .map(|((s, w), st)| (s - w) / st + 1),
    );
    out_shape.extend(window);
    out_shape.push(shape[shape.len() - 1]);
    let mut out_strides = vec![strides[0]];
    out_strides.extend(
        strides[1..shape.len() - 1]
            .iter()
            .zip(stride)
            .map(|(s, st)| s * *st as i64),
    );
    out_strides.extend(&strides[1..shape.len() - 1]);
    out_strides.push(strides[shape.len() - 1]);
    x.as_strided(Some(&out_shape), Some(&out_strides), 0)
}

#[derive(Clone, Debug)]
struct Pool {
    kind: Kind,
    kernel: Vec<usize>,
    stride: Vec<usize>,
    padding: Vec<usize>,
}

impl Pool {
    fn new(
        op: &'static str,
        kind: Kind,
        kernel: Vec<usize>,
        stride: Option<Vec<usize>>,
        padding: Vec<usize>,
    ) -> Result<Pool> {
        let stride = stride.unwrap_or_else(|| kernel.clone());
        for (name, v) in [("kernel_size", &kernel), ("stride", &stride)] {
            if v.contains(&0) {
                return Err(Error::invalid(
                    op,
                    format!("'{name}' must be positive but got {v:?}."),
                ));
            }
        }
        Ok(Pool {
            kind,
            kernel,
            stride,
            padding,
        })
    }
    fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let k = self.kernel.len();
        if x.ndim() != k + 2 {
            return Err(Error::shape(
                "pool",
                format!("expected a [N, {k} spatial axes, C] input"),
                vec![x.shape().to_vec()],
            ));
        }
        let mut x = x.clone();
        if self.padding.iter().any(|&p| p > 0) {
            let mut widths = vec![(0, 0)];
            widths.extend(self.padding.iter().map(|&p| (p, p)));
            widths.push((0, 0));
            x = match self.kind {
                Kind::Max => x.pad(&widths, f64::NEG_INFINITY)?,
                Kind::Avg => x.pad(&widths, 0)?,
            };
        }
        let w = sliding_windows(&x, &self.kernel, &self.stride)?;
        let axes: Vec<i64> = (-(k as i64) - 1..-1).collect();
        match self.kind {
            Kind::Max => w.max(axes, false),
            Kind::Avg => w.mean(axes, false),
        }
    }
}

macro_rules! pool_layer {
    ($($name:ident, $kind:ident, $n:literal, $arg:ty, $iarg:ty, $to_vec:expr, $doc:literal, $input:expr, $out:expr;)*) => {$(
        #[doc = $doc]
        #[doc = ""]
        #[doc = "`stride` defaults to the kernel size, `padding` (on both sides of each"]
        #[doc = "spatial axis, with -inf for max pooling and 0 for average) to 0."]
        #[doc = ""]
        #[doc = "```"]
        #[doc = concat!("use mlx_nn::{Forward, ", stringify!($name), "};")]
        #[doc = "use mlx_ops::{Dtype, Tensor};"]
        #[doc = concat!("let x = Tensor::ones(&", stringify!($input), ", Dtype::Float32)?;")]
        #[doc = concat!("let mut p = ", stringify!($name), "::new(2, None, 0)?;")]
        #[doc = concat!("assert_eq!(p.forward(&x)?.shape(), &", stringify!($out), ");")]
        #[doc = "# Ok::<(), mlx_core::Error>(())"]
        #[doc = "```"]
        #[derive(Clone, Debug)]
        pub struct $name {
            pool: Pool,
            training: bool,
        }
        impl $name {
            #[doc = concat!("A layer; sizes are one integer for all ", stringify!($n), " spatial axes or one per axis.")]
            pub fn new(kernel_size: $iarg, stride: Option<$arg>, padding: $iarg) -> Result<Self> {
                let f = $to_vec;
                Ok($name {
                    pool: Pool::new(stringify!($name), Kind::$kind, f(kernel_size.into()), stride.map(f), f(padding.into()))?,
                    training: true,
                })
            }
        }
        crate::impl_module!($name {});
        impl Forward for $name {
            fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
                self.pool.apply(x)
            }
        }
    )*};
}

/// One size per spatial axis of a 2-D pooling (or one for both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size2(pub usize, pub usize);
impl From<usize> for Size2 {
    fn from(v: usize) -> Self {
        Size2(v, v)
    }
}
impl From<(usize, usize)> for Size2 {
    fn from(v: (usize, usize)) -> Self {
        Size2(v.0, v.1)
    }
}
/// One size per spatial axis of a 3-D pooling (or one for all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size3(pub usize, pub usize, pub usize);
impl From<usize> for Size3 {
    fn from(v: usize) -> Self {
        Size3(v, v, v)
    }
}
impl From<(usize, usize, usize)> for Size3 {
    fn from(v: (usize, usize, usize)) -> Self {
        Size3(v.0, v.1, v.2)
    }
}

pool_layer! {
    MaxPool1d, Max, 1, usize, usize, |v: usize| vec![v], "`nn.MaxPool1d(kernel_size, stride=None, padding=0)` over `[N, L, C]`.", [1, 8, 3], [1, 4, 3];
    AvgPool1d, Avg, 1, usize, usize, |v: usize| vec![v], "`nn.AvgPool1d(kernel_size, stride=None, padding=0)` over `[N, L, C]`.", [1, 8, 3], [1, 4, 3];
    MaxPool2d, Max, 2, Size2, impl Into<Size2>, |v: Size2| vec![v.0, v.1], "`nn.MaxPool2d(kernel_size, stride=None, padding=0)` over `[N, H, W, C]`.", [1, 4, 6, 3], [1, 2, 3, 3];
    AvgPool2d, Avg, 2, Size2, impl Into<Size2>, |v: Size2| vec![v.0, v.1], "`nn.AvgPool2d(kernel_size, stride=None, padding=0)` over `[N, H, W, C]`.", [1, 4, 6, 3], [1, 2, 3, 3];
    MaxPool3d, Max, 3, Size3, impl Into<Size3>, |v: Size3| vec![v.0, v.1, v.2], "`nn.MaxPool3d(kernel_size, stride=None, padding=0)` over `[N, D, H, W, C]`.", [1, 4, 4, 4, 1], [1, 2, 2, 2, 1];
    AvgPool3d, Avg, 3, Size3, impl Into<Size3>, |v: Size3| vec![v.0, v.1, v.2], "`nn.AvgPool3d(kernel_size, stride=None, padding=0)` over `[N, D, H, W, C]`.", [1, 4, 4, 4, 1], [1, 2, 2, 2, 1];
}
