//! Softmax and log-softmax.

use crate::{reduce::at_least_float, Axes, Tensor};
use mlx_core::{Primitive, Result};

impl Tensor {
    /// Softmax over `axes` (`mx.softmax`). Over the last axis alone this is
    /// one fused node; `precise` accumulates half-precision input in float32.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let s = Tensor::from_slice(&[1.0f32, 2.0], &[2])?.softmax(-1, false)?;
    /// let v = s.to_vec::<f32>()?;
    /// assert!((v[0] + v[1] - 1.0).abs() < 1e-6);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn softmax(&self, axes: impl Into<Axes>, precise: bool) -> Result<Tensor> {
        let axes = axes.into().resolve("softmax", self.ndim())?;
        let x = self.astype(at_least_float(self.dtype()))?;
        if x.size() == 0 {
            return Ok(x);
        }
        if axes.is_empty() {
            return x.ones_like();
        }
        if axes == [self.ndim() - 1] {
            let d = x.dtype();
            return Tensor::op(
                "softmax",
                Primitive::Softmax { precise },
                &[&x],
                x.shape().to_vec(),
                d,
            );
        }
        let axes = Axes::List(axes.iter().map(|&a| a as i64).collect());
        let m = x.max(axes.clone(), true)?.stop_gradient()?;
        let e = x.subtract(&m)?.exp()?;
        e.divide(&e.sum(axes, true)?)
    }

    /// `x - logsumexp(x)` over `axes`.
    pub fn log_softmax(&self, axes: impl Into<Axes>) -> Result<Tensor> {
        let axes = axes.into();
        let x = self.astype(at_least_float(self.dtype()))?;
        x.subtract(&x.logsumexp(axes, true)?)
    }
}
