//! Creating tensors: from host data, constants, ranges, identity and
//! triangular matrices.

use crate::{runtime, Tensor};
use mlx_core::{
    default_device, shape::numel, Array, Dtype, Element, Error, Primitive, Result, Scalar,
};

impl Tensor {
    /// A tensor holding a copy of `data` with the given shape.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[1i32, 2, 3, 4], &[2, 2])?;
    /// assert_eq!(t.to_vec::<i32>()?, vec![1, 2, 3, 4]);
    /// assert!(Tensor::from_slice(&[1i32, 2, 3], &[2, 2]).is_err());
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn from_slice<T: Element>(data: &[T], shape: &[usize]) -> Result<Tensor> {
        runtime();
        Array::from_slice(data, shape).map(Tensor)
    }

    /// A 0-d tensor (`mx.array(x)`).
    ///
    /// ```
    /// let t = mlx_ops::Tensor::scalar(3u8);
    /// assert_eq!(t.ndim(), 0);
    /// ```
    pub fn scalar<T: Element>(value: T) -> Tensor {
        runtime();
        Tensor(Array::scalar(value))
    }

    /// A 0-d tensor holding `value` converted to `dtype`.
    pub fn scalar_as(value: impl Into<Scalar>, dtype: Dtype) -> Tensor {
        runtime();
        Tensor(Array::from_scalar(value.into(), dtype))
    }

    /// A tensor of `shape` filled with `value` (`mx.full`). With `dtype`
    /// `None` the value's own dtype is used (int32, float32, bool, complex64).
    /// The result is a broadcast view of one element: no memory per element.
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let t = Tensor::full(&[2, 2], 3, None)?;
    /// assert_eq!(t.dtype(), Dtype::Int32);
    /// assert_eq!(t.to_vec::<i32>()?, vec![3; 4]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn full(shape: &[usize], value: impl Into<Scalar>, dtype: Option<Dtype>) -> Result<Tensor> {
        let value = value.into();
        let dtype = dtype.unwrap_or(value.default_dtype());
        Tensor::scalar_as(value, dtype).broadcast_to(shape)
    }

    /// Zeros (`mx.zeros`).
    pub fn zeros(shape: &[usize], dtype: Dtype) -> Result<Tensor> {
        Tensor::full(shape, 0, Some(dtype))
    }

    /// Ones (`mx.ones`).
    pub fn ones(shape: &[usize], dtype: Dtype) -> Result<Tensor> {
        Tensor::full(shape, 1, Some(dtype))
    }

    /// Zeros with this tensor's shape and dtype.
    pub fn zeros_like(&self) -> Result<Tensor> {
        Tensor::zeros(self.shape(), self.dtype())
    }

    /// Ones with this tensor's shape and dtype.
    pub fn ones_like(&self) -> Result<Tensor> {
        Tensor::ones(self.shape(), self.dtype())
    }

    /// `value` with this tensor's shape and dtype.
    pub fn full_like(&self, value: impl Into<Scalar>) -> Result<Tensor> {
        Tensor::full(self.shape(), value, Some(self.dtype()))
    }

    /// Values `start, start + step, ...` below `stop` (`mx.arange`). With
    /// `dtype` `None`: `int32` when start, stop and step are integral,
    /// else `float32`.
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let t = Tensor::arange(0.0, 10.0, 3.0, None)?;
    /// assert_eq!(t.dtype(), Dtype::Int32);
    /// assert_eq!(t.to_vec::<i32>()?, vec![0, 3, 6, 9]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn arange(start: f64, stop: f64, step: f64, dtype: Option<Dtype>) -> Result<Tensor> {
        if step == 0.0 || !step.is_finite() || !start.is_finite() || !stop.is_finite() {
            return Err(Error::invalid(
                "arange",
                format!(
                    "start {start}, stop {stop} and step {step} must be finite and step non-zero"
                ),
            ));
        }
        let integral = start.fract() == 0.0 && stop.fract() == 0.0 && step.fract() == 0.0;
        let dtype = dtype.unwrap_or(if integral {
            Dtype::Int32
        } else {
            Dtype::Float32
        });
        if dtype == Dtype::Bool {
            return Err(Error::dtype("arange", "bool is not supported", vec![dtype]));
        }
        let n = ((stop - start) / step).ceil().max(0.0) as usize;
        Tensor::source("arange", Primitive::Arange { start, step }, vec![n], dtype)
    }

    /// `num` evenly spaced values from `start` to `stop` inclusive
    /// (`mx.linspace`, computed in float32 then converted).
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let t = Tensor::linspace(0.0, 1.0, 5, None)?;
    /// assert_eq!(t.to_vec::<f32>()?, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn linspace(start: f64, stop: f64, num: usize, dtype: Option<Dtype>) -> Result<Tensor> {
        let dtype = dtype.unwrap_or(Dtype::Float32);
        // MLX works in float32, or float64 for a float64 result
        let wd = if dtype == Dtype::Float64 {
            Dtype::Float64
        } else {
            Dtype::Float32
        };
        if num == 1 {
            return Tensor::full(&[1], start, Some(wd))?.astype(dtype);
        }
        let t = Tensor::arange(0.0, num as f64, 1.0, Some(wd))?
            .divide(Tensor::scalar_as((num as f64 - 1.0).max(1.0), wd))?;
        let t_bar = Tensor::scalar_as(1.0, wd).subtract(&t)?;
        t_bar
            .multiply(Tensor::scalar_as(start, wd))?
            .add(t.multiply(Tensor::scalar_as(stop, wd))?)?
            .astype(dtype)
    }

    /// An `n x m` matrix with ones on diagonal `k` (`mx.eye`).
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let t = Tensor::eye(2, None, 0, Dtype::Int32)?;
    /// assert_eq!(t.to_vec::<i32>()?, vec![1, 0, 0, 1]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn eye(n: usize, m: Option<usize>, k: i64, dtype: Dtype) -> Result<Tensor> {
        Tensor::source("eye", Primitive::Eye { k }, vec![n, m.unwrap_or(n)], dtype)
    }

    /// The `n x n` identity (`mx.identity`).
    pub fn identity(n: usize, dtype: Dtype) -> Result<Tensor> {
        Tensor::eye(n, None, 0, dtype)
    }

    /// An `n x m` matrix with ones at and below diagonal `k` (`mx.tri`).
    pub fn tri(n: usize, m: Option<usize>, k: i64, dtype: Dtype) -> Result<Tensor> {
        Tensor::source("tri", Primitive::Tri { k }, vec![n, m.unwrap_or(n)], dtype)
    }

    fn source(
        op: &'static str,
        prim: Primitive,
        shape: Vec<usize>,
        dtype: Dtype,
    ) -> Result<Tensor> {
        runtime();
        if numel(&shape) > isize::MAX as usize / 16 {
            return Err(Error::invalid(op, format!("shape {shape:?} is too large")));
        }
        Array::from_op_on(op, prim, &[], shape, dtype, default_device()).map(Tensor)
    }
}
