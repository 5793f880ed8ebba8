//! `Dropout`, `Dropout2d`, `Dropout3d`.

use crate::Forward;
use mlx_core::{Error, Result};
use mlx_ops::{random, Tensor};

fn keep_prob(op: &'static str, p: f64) -> Result<f64> {
    if (0.0..1.0).contains(&p) {
        Ok(1.0 - p)
    } else {
        Err(Error::invalid(
            op,
            format!("The dropout probability {p} is not in [0, 1)"),
        ))
    }
}

fn apply(x: &Tensor, p1: f64, mask_shape: &[usize]) -> Result<Tensor> {
    let mask = random::bernoulli(p1, Some(mask_shape), None)?;
    mask.multiply(x)?.multiply(1.0 / p1)
}

macro_rules! dropout {
    ($($name:ident, $op:literal, $dims:expr, $spatial:expr, $doc:literal;)*) => {$(
        #[doc = $doc]
        #[doc = ""]
        #[doc = "In eval mode (`train(false)`) it returns its input; in training mode"]
        #[doc = "it zeroes with probability `p` (from the global random state) and"]
        #[doc = "scales the rest by `1 / (1 - p)`."]
        #[doc = ""]
        #[doc = "```"]
        #[doc = concat!("use mlx_nn::{Forward, Module, ", stringify!($name), "};")]
        #[doc = "use mlx_ops::{Dtype, Tensor};"]
        #[doc = concat!("let mut d = ", stringify!($name), "::new(0.5)?;")]
        #[doc = "let x = Tensor::ones(&[2, 4, 4, 3], Dtype::Float32)?;"]
        #[doc = "let y = d.forward(&x)?.to_vec::<f32>()?;"]
        #[doc = "assert!(y.iter().all(|v| *v == 0.0 || *v == 2.0));"]
        #[doc = "d.train(false);"]
        #[doc = "assert_eq!(d.forward(&x)?.to_vec::<f32>()?, vec![1.0; 96]);"]
        #[doc = concat!("assert!(", stringify!($name), "::new(1.0).is_err());")]
        #[doc = "# Ok::<(), mlx_core::Error>(())"]
        #[doc = "```"]
        #[derive(Clone, Debug)]
        pub struct $name {
            p_1: f64,
            training: bool,
        }
        impl $name {
            /// A layer dropping with probability `p` in `[0, 1)`.
            pub fn new(p: f64) -> Result<Self> {
                Ok($name { p_1: keep_prob($op, p)?, training: true })
            }
        }
        crate::impl_module!($name {});
        impl Forward for $name {
            fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
                let dims: &[usize] = &$dims;
                if !dims.is_empty() && !dims.contains(&x.ndim()) {
                    return Err(Error::shape(
                        $op,
                        format!("Received input with {} dimensions. Expected {:?} dimensions.", x.ndim(), dims),
                        vec![x.shape().to_vec()],
                    ));
                }
                if self.p_1 == 1.0 || !self.training {
                    return Ok(x.clone());
                }
                let mut shape = x.shape().to_vec();
                let n = shape.len();
                let spatial: usize = $spatial;
                for k in 0..spatial {
                    shape[n - 2 - k] = 1;
                }
                apply(x, self.p_1, &shape)
            }
        }
    )*};
}

dropout! {
    Dropout, "Dropout", [], 0usize, "`nn.Dropout(p=0.5)`: zeroes elements.";
    Dropout2d, "Dropout2d", [3, 4], 2usize, "`nn.Dropout2d(p=0.5)`: zeroes whole channels of `[N, H, W, C]` or `[H, W, C]` inputs.";
    Dropout3d, "Dropout3d", [4, 5], 3usize, "`nn.Dropout3d(p=0.5)`: zeroes whole channels of `[N, D, H, W, C]` or `[D, H, W, C]` inputs.";
}
