//! Matrix products.

use crate::Tensor;
use mlx_core::{shape::broadcast_shapes, Dtype, Error, Primitive, Result};

impl Tensor {
    /// Matrix product with NumPy/MLX semantics (`mx.matmul`, `@`): 1-D
    /// operands are promoted to a row/column and the added axis removed
    /// afterwards; batch axes broadcast. Only floating-point (and complex)
    /// results are supported, as in MLX.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2])?;
    /// let v = Tensor::from_slice(&[1.0f32, 1.0], &[2])?;
    /// assert_eq!(a.matmul(&v)?.to_vec::<f32>()?, vec![3.0, 7.0]);
    /// assert!(Tensor::from_slice(&[1i32], &[1, 1])?.matmul(&Tensor::from_slice(&[1i32], &[1, 1])?).is_err());
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn matmul(&self, other: &Tensor) -> Result<Tensor> {
        let dtype = Dtype::promote(self.dtype(), other.dtype());
        if !dtype.is_inexact() {
            return Err(Error::dtype(
                "matmul",
                format!("only inexact types are supported, but the inputs promote to {dtype}"),
                vec![self.dtype(), other.dtype()],
            ));
        }
        if self.ndim() == 0 || other.ndim() == 0 {
            return Err(Error::shape(
                "matmul",
                "inputs must have at least one dimension",
                vec![self.shape().to_vec(), other.shape().to_vec()],
            ));
        }
        let a_vec = self.ndim() == 1;
        let b_vec = other.ndim() == 1;
        let mut a = self.astype(dtype)?;
        let mut b = other.astype(dtype)?;
        if a_vec {
            a = a.expand_dims(0)?;
        }
        if b_vec {
            b = b.expand_dims(-1)?;
        }
        let (an, bn) = (a.ndim(), b.ndim());
        let (m, k) = (a.shape()[an - 2], a.shape()[an - 1]);
        let (k2, n) = (b.shape()[bn - 2], b.shape()[bn - 1]);
        if k != k2 {
            return Err(Error::shape(
                "matmul",
                format!("last dimension of the first input ({k}) does not match the second to last of the second ({k2})"),
                vec![self.shape().to_vec(), other.shape().to_vec()],
            ));
        }
        let batch = broadcast_shapes("matmul", &a.shape()[..an - 2], &b.shape()[..bn - 2])?;
        let with = |x: &[usize]| batch.iter().chain(x).copied().collect::<Vec<_>>();
        let a = a.broadcast_to(&with(&[m, k]))?;
        let b = b.broadcast_to(&with(&[k, n]))?;
        let mut out = Tensor::op("matmul", Primitive::Matmul, &[&a, &b], with(&[m, n]), dtype)?;
        if a_vec {
            out = out.squeeze(-2)?;
        }
        if b_vec {
            out = out.squeeze(-1)?;
        }
        Ok(out)
    }
}
