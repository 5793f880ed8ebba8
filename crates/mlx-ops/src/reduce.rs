//! Reductions: sum, prod, max, min, all, any, mean, var, std, argmax,
//! argmin, logsumexp.

use crate::{Axes, Tensor};
use mlx_core::{ArgReduceOp, Dtype, Error, Primitive, ReduceOp, Result};

impl Tensor {
    /// A reduction node (axes kept with size 1) followed by a squeeze view
    /// when `keepdims` is false.
    fn reduce(
        &self,
        name: &'static str,
        op: ReduceOp,
        axes: Axes,
        keepdims: bool,
        out: Dtype,
    ) -> Result<Tensor> {
        let axes = axes.resolve(name, self.ndim())?;
        let x = self.astype(if matches!(op, ReduceOp::All | ReduceOp::Any) {
            self.dtype()
        } else {
            out
        })?;
        if axes.is_empty() {
            return x.astype(out);
        }
        if matches!(op, ReduceOp::Max | ReduceOp::Min) {
            if let Some(&ax) = axes.iter().find(|&&a| self.shape()[a] == 0) {
                return Err(Error::shape(
                    name,
                    format!("cannot reduce over axis {ax} with size 0"),
                    vec![self.shape().to_vec()],
                ));
            }
        }
        let mut kept = self.shape().to_vec();
        for &a in &axes {
            kept[a] = 1;
        }
        let r = Tensor::op(
            name,
            Primitive::Reduce {
                op,
                axes: axes.clone(),
            },
            &[&x],
            kept,
            out,
        )?;
        if keepdims {
            Ok(r)
        } else {
            r.squeeze(Axes::List(axes.iter().map(|&a| a as i64).collect()))
        }
    }

    /// Sum over `axes` (`mx.sum`). Bool, int8 and int16 sum to int32;
    /// uint8 and uint16 to uint32.
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor, ALL};
    /// let t = Tensor::from_slice(&[true, true, false], &[3])?;
    /// let s = t.sum(ALL, false)?;
    /// assert_eq!(s.dtype(), Dtype::Int32);
    /// assert_eq!(s.item::<i32>()?, 2);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn sum(&self, axes: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
        self.reduce(
            "sum",
            ReduceOp::Sum,
            axes.into(),
            keepdims,
            accumulate_dtype(self.dtype()),
        )
    }

    /// Product over `axes` (`mx.prod`), with `sum`'s dtype rule.
    pub fn prod(&self, axes: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
        self.reduce(
            "prod",
            ReduceOp::Prod,
            axes.into(),
            keepdims,
            accumulate_dtype(self.dtype()),
        )
    }

    /// Maximum over `axes` (`mx.max`); reducing an empty axis is an error.
    pub fn max(&self, axes: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
        self.reduce("max", ReduceOp::Max, axes.into(), keepdims, self.dtype())
    }

    /// Minimum over `axes` (`mx.min`); reducing an empty axis is an error.
    pub fn min(&self, axes: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
        self.reduce("min", ReduceOp::Min, axes.into(), keepdims, self.dtype())
    }

    /// True where every element along `axes` is nonzero (`mx.all`).
    pub fn all(&self, axes: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
        self.reduce("all", ReduceOp::All, axes.into(), keepdims, Dtype::Bool)
    }

    /// True where any element along `axes` is nonzero (`mx.any`).
    pub fn any(&self, axes: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
        self.reduce("any", ReduceOp::Any, axes.into(), keepdims, Dtype::Bool)
    }

    /// `(min, max)` over `axes`.
    pub fn minmax(&self, axes: impl Into<Axes>, keepdims: bool) -> Result<(Tensor, Tensor)> {
        let axes = axes.into();
        Ok((self.min(axes.clone(), keepdims)?, self.max(axes, keepdims)?))
    }

    /// Mean over `axes` (`mx.mean`): integer inputs give float32.
    ///
    /// ```
    /// use mlx_ops::{Tensor, ALL};
    /// let t = Tensor::from_slice(&[1i32, 2], &[2])?;
    /// assert_eq!(t.mean(ALL, false)?.item::<f32>()?, 1.5);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn mean(&self, axes: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
        let axes = axes.into();
        let n = self.count(&axes)?;
        let dtype = at_least_float(self.dtype());
        self.sum(axes, keepdims)?
            .multiply(Tensor::scalar_as(1.0 / n as f64, dtype).to_device(self.device())?)
    }

    /// Variance over `axes` with `ddof` delta degrees of freedom (`mx.var`).
    pub fn var(&self, axes: impl Into<Axes>, keepdims: bool, ddof: usize) -> Result<Tensor> {
        let axes = axes.into();
        let n = self.count(&axes)?;
        let x = self.astype(at_least_float(self.dtype()))?;
        let mu = x.mean(axes.clone(), true)?;
        let v = x.subtract(&mu)?.square()?.mean(axes, keepdims)?;
        if ddof == 0 {
            return Ok(v);
        }
        let denom = n.saturating_sub(ddof);
        let factor = if denom == 0 {
            f64::INFINITY
        } else {
            n as f64 / denom as f64
        };
        v.multiply(factor)
    }

    /// Standard deviation (`mx.std`): `sqrt(var)`.
    pub fn std(&self, axes: impl Into<Axes>, keepdims: bool, ddof: usize) -> Result<Tensor> {
        self.var(axes, keepdims, ddof)?.sqrt()
    }

    /// Index of the maximum along `axis`, or over the flattened array with
    /// `None` (`mx.argmax`); uint32, first occurrence wins.
    pub fn argmax(&self, axis: Option<i64>, keepdims: bool) -> Result<Tensor> {
        self.arg_reduce("argmax", ArgReduceOp::ArgMax, axis, keepdims)
    }

    /// Index of the minimum (see [`Tensor::argmax`]).
    pub fn argmin(&self, axis: Option<i64>, keepdims: bool) -> Result<Tensor> {
        self.arg_reduce("argmin", ArgReduceOp::ArgMin, axis, keepdims)
    }

    fn arg_reduce(
        &self,
        name: &'static str,
        op: ArgReduceOp,
        axis: Option<i64>,
        keepdims: bool,
    ) -> Result<Tensor> {
        let (x, ax) = match axis {
            Some(a) => (
                self.clone(),
                mlx_core::shape::normalize_axis(name, a, self.ndim())?,
            ),
            None => (self.reshape(&[-1])?, 0),
        };
        // MLX refuses any zero-size input, even when the reduced axis is not empty
        if x.size() == 0 {
            return Err(Error::shape(
                name,
                "cannot reduce a zero-size array",
                vec![self.shape().to_vec()],
            ));
        }
        let mut kept = x.shape().to_vec();
        kept[ax] = 1;
        let r = Tensor::op(
            name,
            Primitive::ArgReduce { op, axis: ax },
            &[&x],
            kept,
            Dtype::Uint32,
        )?;
        match (axis, keepdims) {
            (_, false) => r.squeeze(ax as i64),
            (None, true) => r.reshape(&vec![1; self.ndim()]),
            (Some(_), true) => Ok(r),
        }
    }

    /// `log(sum(exp(x)))` over `axes`, computed stably (`mx.logsumexp`).
    ///
    /// ```
    /// use mlx_ops::{Tensor, ALL};
    /// let t = Tensor::from_slice(&[1000.0f32, 1000.0], &[2])?;
    /// let v = t.logsumexp(ALL, false)?.item::<f32>()?;
    /// assert!((v - (1000.0 + 2f32.ln())).abs() < 1e-3);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn logsumexp(&self, axes: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
        let axes = axes.into();
        if self.size() == 0 {
            return Err(Error::shape(
                "logsumexp",
                "received an empty array",
                vec![self.shape().to_vec()],
            ));
        }
        let dtype = at_least_float(self.dtype());
        // half precision accumulates in float32 and rounds once, as MLX does
        let work = match dtype {
            Dtype::Float16 | Dtype::Bfloat16 => Dtype::Float32,
            d => d,
        };
        let x = self.astype(work)?;
        let m = x.max(axes.clone(), true)?.stop_gradient()?;
        let out = x
            .subtract(&m)?
            .exp()?
            .sum(axes.clone(), true)?
            .log()?
            .add(&m)?;
        let out = m.isinf()?.where_(&m, &out)?.astype(dtype)?;
        if keepdims {
            Ok(out)
        } else {
            out.squeeze(Axes::List(
                axes.resolve("logsumexp", self.ndim())?
                    .iter()
                    .map(|&a| a as i64)
                    .collect(),
            ))
        }
    }

    fn count(&self, axes: &Axes) -> Result<usize> {
        Ok(axes
            .resolve("reduce", self.ndim())?
            .iter()
            .map(|&a| self.shape()[a])
            .product())
    }
}

impl Tensor {
    /// The number of nonzero elements over `axes` (`mx.count_nonzero`), as
    /// int32.
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor, ALL};
    /// let t = Tensor::from_slice(&[1.0f32, 0.0, 2.0, 0.0], &[2, 2])?;
    /// let n = t.count_nonzero(ALL, false)?;
    /// assert_eq!((n.dtype(), n.item::<i32>()?), (Dtype::Int32, 2));
    /// assert_eq!(t.count_nonzero(0, false)?.to_vec::<i32>()?, vec![2, 0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn count_nonzero(&self, axes: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
        let zero = Tensor::scalar_as(0, self.dtype()).to_device(self.device())?;
        self.not_equal(&zero)?
            .astype(Dtype::Int32)?
            .sum(axes, keepdims)
    }
}

/// The dtype sums and products accumulate into.
fn accumulate_dtype(d: Dtype) -> Dtype {
    match d {
        Dtype::Bool | Dtype::Int8 | Dtype::Int16 => Dtype::Int32,
        Dtype::Uint8 | Dtype::Uint16 => Dtype::Uint32,
        d => d,
    }
}

/// Float dtypes stay; everything else becomes float32.
pub(crate) fn at_least_float(d: Dtype) -> Dtype {
    if d.is_inexact() {
        d
    } else {
        Dtype::Float32
    }
}
