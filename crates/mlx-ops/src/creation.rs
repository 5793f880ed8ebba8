//! Creating tensors: from host data, constants, ranges, identity and
//! triangular matrices, grids, diagonals and traces.

use crate::{broadcast_arrays, runtime, Tensor};
use mlx_core::{
    default_device,
    shape::{normalize_axis, numel},
    Array, Dtype, Element, Error, Primitive, Result, Scalar,
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

impl Tensor {
    /// The lower triangle of the last two axes: elements above diagonal `k`
    /// become zero (`mx.tril`). The input needs at least two dimensions.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[1i32, 2, 3, 4], &[2, 2])?;
    /// assert_eq!(t.tril(0)?.to_vec::<i32>()?, vec![1, 0, 3, 4]);
    /// assert!(Tensor::from_slice(&[1i32], &[1])?.tril(0).is_err());
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn tril(&self, k: i64) -> Result<Tensor> {
        let (n, m) = self.last_two("tril")?;
        let mask = Tensor::tri(n, Some(m), k, Dtype::Bool)?;
        mask.where_(self, &self.zero_scalar()?)
    }

    /// The upper triangle of the last two axes: elements below diagonal `k`
    /// become zero (`mx.triu`).
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[1i32, 2, 3, 4], &[2, 2])?;
    /// assert_eq!(t.triu(1)?.to_vec::<i32>()?, vec![0, 2, 0, 0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn triu(&self, k: i64) -> Result<Tensor> {
        let (n, m) = self.last_two("triu")?;
        let mask = Tensor::tri(n, Some(m), k - 1, Dtype::Bool)?;
        mask.where_(&self.zero_scalar()?, self)
    }

    /// A 2-D array with `self` (1-D) on diagonal `k`, or the `k`-th diagonal
    /// of `self` (2-D) (`mx.diag`).
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let v = Tensor::from_slice(&[1i32, 2], &[2])?;
    /// assert_eq!(v.diag(1)?.to_vec::<i32>()?, vec![0, 1, 0, 0, 0, 2, 0, 0, 0]);
    /// assert_eq!(v.diag(0)?.diag(0)?.to_vec::<i32>()?, vec![1, 2]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn diag(&self, k: i64) -> Result<Tensor> {
        match self.ndim() {
            1 => {
                let len = self.shape()[0];
                let pad = k.unsigned_abs() as usize;
                let n = len + pad;
                if len == 0 {
                    return Tensor::zeros(&[n, n], self.dtype());
                }
                // the values padded to n, along rows (k >= 0) or columns
                let v = self.pad(&[(0, pad)], 0)?;
                let v = if k >= 0 {
                    v.reshape(&[n as i64, 1])?
                } else {
                    v.reshape(&[1, n as i64])?
                };
                let mask = Tensor::eye(n, None, k, Dtype::Bool)?;
                mask.where_(&v, &self.zero_scalar()?)
            }
            2 => self.diagonal(k, 0, 1),
            nd => Err(Error::shape(
                "diag",
                format!("array must be 1-D or 2-D, got {nd} dimensions"),
                vec![self.shape().to_vec()],
            )),
        }
    }

    /// The diagonal at `offset` of the 2-D slices over `axis1` and `axis2`
    /// (`mx.diagonal`): those axes are removed and the diagonal becomes the
    /// last axis.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::arange(0.0, 6.0, 1.0, None)?.reshape(&[2, 3])?;
    /// assert_eq!(t.diagonal(0, 0, 1)?.to_vec::<i32>()?, vec![0, 4]);
    /// assert_eq!(t.diagonal(1, 0, 1)?.to_vec::<i32>()?, vec![1, 5]);
    /// assert_eq!(t.diagonal(-1, 0, 1)?.to_vec::<i32>()?, vec![3]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn diagonal(&self, offset: i64, axis1: i64, axis2: i64) -> Result<Tensor> {
        let (a1, a2) = self.diagonal_axes("diagonal", axis1, axis2)?;
        let nd = self.ndim();
        let mut perm: Vec<i64> = (0..nd)
            .filter(|&i| i != a1 && i != a2)
            .map(|i| i as i64)
            .collect();
        perm.extend([a1 as i64, a2 as i64]);
        let x = self.transpose(&perm)?;
        let (n, m) = (self.shape()[a1] as i64, self.shape()[a2] as i64);
        let (off1, off2) = ((-offset).max(0), offset.max(0));
        let d = (n - off1).min(m - off2).max(0);
        let mut shape = x.shape()[..nd - 2].to_vec();
        if d == 0 {
            shape.push(0);
            return Tensor::zeros(&shape, self.dtype());
        }
        // rows off1.., columns off2..: element i of the diagonal is element
        // i * (cols + 1) of the flattened [d, cols] block
        let cols = m - off2;
        let block = x
            .slice_axis(-2, off1, off1 + d, 1)?
            .slice_axis(-1, off2, m, 1)?
            .flatten(-2, -1)?;
        block.slice_axis(-1, 0, (d - 1) * (cols + 1) + 1, cols + 1)
    }

    /// Sum of the diagonal at `offset` over `axis1` and `axis2`
    /// (`mx.trace`), accumulated in `dtype` (default: the input's, with
    /// `sum`'s promotion of small integers).
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2])?;
    /// assert_eq!(t.trace(0, 0, 1, None)?.item::<f32>()?, 5.0);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn trace(
        &self,
        offset: i64,
        axis1: i64,
        axis2: i64,
        dtype: Option<Dtype>,
    ) -> Result<Tensor> {
        self.diagonal_axes("trace", axis1, axis2)?;
        self.diagonal(offset, axis1, axis2)?
            .astype(dtype.unwrap_or(self.dtype()))?
            .sum(-1, false)
    }

    /// Validates the two axes of a diagonal.
    fn diagonal_axes(&self, op: &'static str, axis1: i64, axis2: i64) -> Result<(usize, usize)> {
        let nd = self.ndim();
        if nd < 2 {
            return Err(Error::shape(
                op,
                format!("array must have at least two dimensions, but got {nd}"),
                vec![self.shape().to_vec()],
            ));
        }
        let a1 = normalize_axis(op, axis1, nd)?;
        let a2 = normalize_axis(op, axis2, nd)?;
        if a1 == a2 {
            return Err(Error::invalid(
                op,
                format!("axis1 ({axis1}) and axis2 ({axis2}) cannot be the same axis"),
            ));
        }
        Ok((a1, a2))
    }

    /// The sizes of the last two axes, or an error naming `op`.
    fn last_two(&self, op: &'static str) -> Result<(usize, usize)> {
        let nd = self.ndim();
        if nd < 2 {
            return Err(Error::shape(
                op,
                "array must be at least 2-D",
                vec![self.shape().to_vec()],
            ));
        }
        Ok((self.shape()[nd - 2], self.shape()[nd - 1]))
    }

    /// A 0-d zero of this tensor's dtype, on its device.
    pub(crate) fn zero_scalar(&self) -> Result<Tensor> {
        Tensor::scalar_as(0, self.dtype()).to_device(self.device())
    }
}

/// Coordinate grids from 1-D coordinate vectors (`mx.meshgrid`); inputs of
/// more dimensions are flattened. `indexing` is `"xy"` (Cartesian: the first
/// two output axes swapped) or `"ij"` (matrix); `sparse` keeps the outputs
/// unbroadcast (size 1 on every axis but their own).
///
/// ```
/// use mlx_ops::{meshgrid, Tensor};
/// let x = Tensor::from_slice(&[1i32, 2, 3], &[3])?;
/// let y = Tensor::from_slice(&[4i32, 5], &[2])?;
/// let g = meshgrid(&[&x, &y], false, "xy")?;
/// assert_eq!(g[0].shape(), &[2, 3]);
/// assert_eq!(g[1].to_vec::<i32>()?, vec![4, 4, 4, 5, 5, 5]);
/// assert_eq!(meshgrid(&[&x, &y], true, "ij")?[1].shape(), &[1, 2]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn meshgrid(arrays: &[&Tensor], sparse: bool, indexing: &str) -> Result<Vec<Tensor>> {
    if indexing != "xy" && indexing != "ij" {
        return Err(Error::invalid(
            "meshgrid",
            format!("invalid indexing {indexing:?}: valid values are \"xy\" and \"ij\""),
        ));
    }
    let nd = arrays.len();
    let mut place: Vec<usize> = (0..nd).collect();
    if indexing == "xy" && nd > 1 {
        place.swap(0, 1);
    }
    let outs: Vec<Tensor> = arrays
        .iter()
        .zip(&place)
        .map(|(t, &ax)| {
            let mut shape = vec![1i64; nd];
            shape[ax] = t.size() as i64;
            t.reshape(&shape)
        })
        .collect::<Result<_>>()?;
    if sparse {
        return Ok(outs);
    }
    let refs: Vec<&Tensor> = outs.iter().collect();
    broadcast_arrays(&refs)
}
