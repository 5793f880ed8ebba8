//! Scans: cumsum, cumprod, cummax, cummin, logcumsumexp.

use crate::reduce::at_least_float;
use crate::Tensor;
use mlx_core::{Dtype, Primitive, Result, ScanOp};

impl Tensor {
    /// The scan node along `axis` (`None`: over the flattened array).
    fn scan(
        &self,
        name: &'static str,
        op: ScanOp,
        axis: Option<i64>,
        reverse: bool,
        inclusive: bool,
    ) -> Result<Tensor> {
        let (x, axis) = match axis {
            Some(a) => (
                self.clone(),
                mlx_core::shape::normalize_axis(name, a, self.ndim())?,
            ),
            None => (self.reshape(&[-1])?, 0),
        };
        let x = match op {
            ScanOp::Sum if x.dtype() == Dtype::Bool => x.astype(Dtype::Int32)?,
            ScanOp::LogAddExp => x.astype(at_least_float(x.dtype()))?,
            _ => x,
        };
        if op == ScanOp::LogAddExp && x.dtype() == Dtype::Complex64 {
            return Err(mlx_core::Error::dtype(
                name,
                "complex inputs are not supported",
                vec![x.dtype()],
            ));
        }
        Tensor::op(
            name,
            Primitive::Scan {
                op,
                axis,
                reverse,
                inclusive,
            },
            &[&x],
            x.shape().to_vec(),
            x.dtype(),
        )
    }

    /// Cumulative sum along `axis`, or over the flattened array with `None`
    /// (`mx.cumsum`). `reverse` scans from the end; `inclusive: false`
    /// starts from zero. Bool sums to int32; other dtypes keep theirs.
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let t = Tensor::from_slice(&[1i32, 2, 3, 4], &[2, 2])?;
    /// assert_eq!(t.cumsum(Some(1), false, true)?.to_vec::<i32>()?, vec![1, 3, 3, 7]);
    /// assert_eq!(t.cumsum(None, true, false)?.to_vec::<i32>()?, vec![9, 7, 4, 0]);
    /// let b = Tensor::from_slice(&[true, true], &[2])?;
    /// assert_eq!(b.cumsum(None, false, true)?.dtype(), Dtype::Int32);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn cumsum(&self, axis: Option<i64>, reverse: bool, inclusive: bool) -> Result<Tensor> {
        self.scan("cumsum", ScanOp::Sum, axis, reverse, inclusive)
    }

    /// Cumulative product (`mx.cumprod`); see [`Tensor::cumsum`].
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3])?;
    /// assert_eq!(t.cumprod(Some(0), false, false)?.to_vec::<f32>()?, vec![1.0, 1.0, 2.0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn cumprod(&self, axis: Option<i64>, reverse: bool, inclusive: bool) -> Result<Tensor> {
        self.scan("cumprod", ScanOp::Prod, axis, reverse, inclusive)
    }

    /// Running maximum (`mx.cummax`); NaN propagates, an exclusive scan
    /// starts from the dtype's lowest value (`-inf` for floats).
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[1i32, 3, 2], &[3])?;
    /// assert_eq!(t.cummax(None, false, true)?.to_vec::<i32>()?, vec![1, 3, 3]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn cummax(&self, axis: Option<i64>, reverse: bool, inclusive: bool) -> Result<Tensor> {
        self.scan("cummax", ScanOp::Max, axis, reverse, inclusive)
    }

    /// Running minimum (`mx.cummin`); see [`Tensor::cummax`].
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[2.0f32, 3.0, 1.0], &[3])?;
    /// assert_eq!(t.cummin(None, true, true)?.to_vec::<f32>()?, vec![1.0, 1.0, 1.0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn cummin(&self, axis: Option<i64>, reverse: bool, inclusive: bool) -> Result<Tensor> {
        self.scan("cummin", ScanOp::Min, axis, reverse, inclusive)
    }

    /// Running `log(sum(exp(x)))` (`mx.logcumsumexp`), computed stably;
    /// integer inputs give float32.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[0.0f32, 0.0], &[2])?;
    /// let v = t.logcumsumexp(None, false, true)?.to_vec::<f32>()?;
    /// assert!((v[1] - 2f32.ln()).abs() < 1e-6);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn logcumsumexp(
        &self,
        axis: Option<i64>,
        reverse: bool,
        inclusive: bool,
    ) -> Result<Tensor> {
        self.scan("logcumsumexp", ScanOp::LogAddExp, axis, reverse, inclusive)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Dtype, Tensor};

    #[test]
    fn dtypes_follow_mlx() {
        let b = Tensor::from_slice(&[true, false], &[2]).unwrap();
        assert_eq!(b.cumsum(None, false, true).unwrap().dtype(), Dtype::Int32);
        assert_eq!(b.cumprod(None, false, true).unwrap().dtype(), Dtype::Bool);
        assert_eq!(b.cummax(None, false, true).unwrap().dtype(), Dtype::Bool);
        let u = Tensor::from_slice(&[200u8, 100], &[2]).unwrap();
        let s = u.cumsum(None, false, true).unwrap();
        assert_eq!(s.dtype(), Dtype::Uint8);
        assert_eq!(s.to_vec::<u8>().unwrap(), vec![200, 44]);
        assert_eq!(
            u.logcumsumexp(None, false, true).unwrap().dtype(),
            Dtype::Float32
        );
    }

    #[test]
    fn exclusive_extremes_start_from_the_dtype_bounds() {
        let t = Tensor::from_slice(&[1i8, 3, 2], &[3]).unwrap();
        assert_eq!(
            t.cummax(None, true, false).unwrap().to_vec::<i8>().unwrap(),
            vec![3, 2, -128]
        );
        let u = Tensor::from_slice(&[1u8, 3, 2], &[3]).unwrap();
        assert_eq!(
            u.cummin(None, false, false)
                .unwrap()
                .to_vec::<u8>()
                .unwrap(),
            vec![255, 1, 1]
        );
        let f = Tensor::from_slice(&[1.0f32, 3.0], &[2]).unwrap();
        assert_eq!(
            f.logcumsumexp(None, false, false)
                .unwrap()
                .to_vec::<f32>()
                .unwrap()[0],
            f32::NEG_INFINITY
        );
    }

    #[test]
    fn axes_are_checked_and_none_flattens() {
        let t = Tensor::ones(&[2, 3], Dtype::Float32).unwrap();
        assert!(t.cumsum(Some(2), false, true).is_err());
        assert!(t.cumsum(Some(-3), false, true).is_err());
        assert_eq!(t.cumsum(None, false, true).unwrap().shape(), &[6]);
        assert_eq!(t.cumsum(Some(-1), false, true).unwrap().shape(), &[2, 3]);
        let s = Tensor::scalar(5.0f32);
        assert_eq!(s.cumsum(None, false, true).unwrap().shape(), &[1]);
        assert!(s.cumsum(Some(0), false, true).is_err());
        let e = Tensor::zeros(&[2, 0, 3], Dtype::Float32).unwrap();
        assert_eq!(e.cumprod(Some(1), false, true).unwrap().shape(), &[2, 0, 3]);
        e.cumprod(Some(1), false, true).unwrap().eval().unwrap();
    }
}
