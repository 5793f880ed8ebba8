//! Linear algebra. Matrix products and the contractions built on them are
//! `Tensor` methods (`matmul`, `addmm`, `inner`, `outer`, `tensordot`,
//! `kron`, `vecdot`; `einsum` lives in `einsum.rs`); `mx.linalg`'s
//! factorizations, solves and norms are the free functions of this module
//! (`linalg::inv`, `linalg::svd`, ...).

mod decomp;
pub use decomp::*;

use crate::Tensor;
use mlx_core::{
    shape::{broadcast_shapes, normalize_axis},
    Dtype, Error, Primitive, Result,
};

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

impl Tensor {
    /// `beta * c + alpha * (a @ b)` with `self` as `c` (`mx.addmm`): `a` and
    /// `b` follow [`Tensor::matmul`], `c` must broadcast to the product's
    /// shape, and the promoted dtype must be a real float (complex is
    /// accepted too).
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let c = Tensor::ones(&[2, 2], Dtype::Float32)?;
    /// let a = Tensor::ones(&[2, 3], Dtype::Float32)?;
    /// let b = Tensor::ones(&[3, 2], Dtype::Float32)?;
    /// assert_eq!(c.addmm(&a, &b, 2.0, 0.5)?.to_vec::<f32>()?, vec![6.5; 4]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn addmm(&self, a: &Tensor, b: &Tensor, alpha: f64, beta: f64) -> Result<Tensor> {
        if a.ndim() == 0 || b.ndim() == 0 {
            return Err(Error::shape(
                "addmm",
                "inputs must have at least one dimension",
                vec![a.shape().to_vec(), b.shape().to_vec()],
            ));
        }
        let dtype = Dtype::promote(Dtype::promote(a.dtype(), b.dtype()), self.dtype());
        if !dtype.is_inexact() {
            return Err(Error::dtype(
                "addmm",
                format!("only real floating point types are supported, but the inputs promote to {dtype}"),
                vec![self.dtype(), a.dtype(), b.dtype()],
            ));
        }
        let ab = a.astype(dtype)?.matmul(&b.astype(dtype)?)?;
        let c = self.astype(dtype)?;
        let fits = broadcast_shapes("addmm", c.shape(), ab.shape())
            .map(|s| s == ab.shape())
            .unwrap_or(false);
        if !fits {
            return Err(Error::shape(
                "addmm",
                "input c must broadcast to the output shape",
                vec![
                    self.shape().to_vec(),
                    a.shape().to_vec(),
                    b.shape().to_vec(),
                ],
            ));
        }
        let scale = |t: &Tensor, f: f64| -> Result<Tensor> {
            if f == 1.0 {
                Ok(t.clone())
            } else {
                t.multiply(Tensor::scalar_as(f, dtype).to_device(t.device())?)
            }
        };
        scale(&ab, alpha)?.add(&scale(&c, beta)?)
    }

    /// Contraction of `self`'s axes `axes_a` with `other`'s `axes_b`
    /// (`mx.tensordot` with a pair of lists): the free axes of `self` then of
    /// `other` remain, in order.
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let a = Tensor::ones(&[2, 3, 4], Dtype::Float32)?;
    /// let b = Tensor::ones(&[4, 3, 5], Dtype::Float32)?;
    /// let c = a.tensordot(&b, &[1, 2], &[1, 0])?;
    /// assert_eq!(c.shape(), &[2, 5]);
    /// assert_eq!(c.to_vec::<f32>()?[0], 12.0);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn tensordot(&self, other: &Tensor, axes_a: &[i64], axes_b: &[i64]) -> Result<Tensor> {
        if axes_a.len() != axes_b.len() {
            return Err(Error::invalid(
                "tensordot",
                format!("axes {axes_a:?} and {axes_b:?} must have the same length"),
            ));
        }
        let ca = mlx_core::shape::normalize_axes("tensordot", axes_a, self.ndim())?;
        let cb = mlx_core::shape::normalize_axes("tensordot", axes_b, other.ndim())?;
        let mut csize = 1usize;
        for (&a, &b) in axes_a.iter().zip(axes_b) {
            let a = normalize_axis("tensordot", a, self.ndim())?;
            let b = normalize_axis("tensordot", b, other.ndim())?;
            if self.shape()[a] != other.shape()[b] {
                return Err(Error::shape(
                    "tensordot",
                    format!(
                        "a and b must have the same shape on the contracted axes ({a} and {b})"
                    ),
                    vec![self.shape().to_vec(), other.shape().to_vec()],
                ));
            }
            csize *= self.shape()[a];
        }
        let free_a: Vec<usize> = (0..self.ndim()).filter(|i| !ca.contains(i)).collect();
        let free_b: Vec<usize> = (0..other.ndim()).filter(|i| !cb.contains(i)).collect();
        let size = |t: &Tensor, ax: &[usize]| ax.iter().map(|&i| t.shape()[i]).product::<usize>();
        let (m, n) = (size(self, &free_a), size(other, &free_b));
        let mut pa: Vec<i64> = free_a.iter().map(|&i| i as i64).collect();
        pa.extend(
            axes_a
                .iter()
                .map(|&a| normalize_axis("tensordot", a, self.ndim()).map(|x| x as i64))
                .collect::<Result<Vec<_>>>()?,
        );
        let mut pb: Vec<i64> = axes_b
            .iter()
            .map(|&b| normalize_axis("tensordot", b, other.ndim()).map(|x| x as i64))
            .collect::<Result<Vec<_>>>()?;
        pb.extend(free_b.iter().map(|&i| i as i64));
        let x = self.transpose(&pa)?.reshape(&[m as i64, csize as i64])?;
        let y = other.transpose(&pb)?.reshape(&[csize as i64, n as i64])?;
        let mut shape: Vec<i64> = free_a.iter().map(|&i| self.shape()[i] as i64).collect();
        shape.extend(free_b.iter().map(|&i| other.shape()[i] as i64));
        x.matmul(&y)?.reshape(&shape)
    }

    /// `mx.tensordot` with an integer: contracts the last `axes` axes of
    /// `self` with the first `axes` of `other`.
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let a = Tensor::ones(&[2, 3], Dtype::Float32)?;
    /// let b = Tensor::ones(&[3, 4], Dtype::Float32)?;
    /// assert_eq!(a.tensordot_n(&b, 1)?.shape(), &[2, 4]);
    /// assert!(a.tensordot_n(&b, 3).is_err());
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn tensordot_n(&self, other: &Tensor, axes: usize) -> Result<Tensor> {
        if axes > self.ndim().min(other.ndim()) {
            return Err(Error::invalid(
                "tensordot",
                format!(
                    "axes ({axes}) must not exceed the number of dimensions of a ({}) and b ({})",
                    self.ndim(),
                    other.ndim()
                ),
            ));
        }
        let a: Vec<i64> = (0..axes as i64).map(|i| i - axes as i64).collect();
        let b: Vec<i64> = (0..axes as i64).collect();
        self.tensordot(other, &a, &b)
    }

    /// Inner product over the last axes (`mx.inner`); a 0-d operand
    /// multiplies.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let a = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
    /// assert_eq!(a.inner(&a)?.item::<f32>()?, 5.0);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn inner(&self, other: &Tensor) -> Result<Tensor> {
        if self.ndim() == 0 || other.ndim() == 0 {
            return self.multiply(other);
        }
        if self.shape().last() != other.shape().last() {
            return Err(Error::shape(
                "inner",
                "a and b must have the same last dimension",
                vec![self.shape().to_vec(), other.shape().to_vec()],
            ));
        }
        self.tensordot(other, &[-1], &[-1])
    }

    /// Outer product of the flattened inputs (`mx.outer`).
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let a = Tensor::from_slice(&[1i32, 2], &[2])?;
    /// let b = Tensor::from_slice(&[3i32, 4, 5], &[3])?;
    /// assert_eq!(a.outer(&b)?.to_vec::<i32>()?, vec![3, 4, 5, 6, 8, 10]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn outer(&self, other: &Tensor) -> Result<Tensor> {
        self.reshape(&[self.size() as i64, 1])?
            .multiply(&other.reshape(&[-1])?)
    }

    /// Kronecker product (`mx.kron`): blocks of `other` scaled by each
    /// element of `self`; empty inputs are an error.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let a = Tensor::from_slice(&[1i32, 2], &[2])?;
    /// let b = Tensor::from_slice(&[1i32, 10], &[2])?;
    /// assert_eq!(a.kron(&b)?.to_vec::<i32>()?, vec![1, 10, 2, 20]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn kron(&self, other: &Tensor) -> Result<Tensor> {
        if self.size() == 0 || other.size() == 0 {
            return Err(Error::shape(
                "kron",
                "input arrays cannot be empty",
                vec![self.shape().to_vec(), other.shape().to_vec()],
            ));
        }
        let nd = self.ndim().max(other.ndim());
        let mut sa = vec![1i64; 2 * nd];
        let mut sb = vec![1i64; 2 * nd];
        let mut out = vec![1i64; nd];
        for (j, &d) in self.shape().iter().rev().enumerate() {
            let i = nd - 1 - j;
            sa[2 * i] = d as i64;
            out[i] *= d as i64;
        }
        for (j, &d) in other.shape().iter().rev().enumerate() {
            let i = nd - 1 - j;
            sb[2 * i + 1] = d as i64;
            out[i] *= d as i64;
        }
        self.reshape(&sa)?
            .multiply(&other.reshape(&sb)?)?
            .reshape(&out)
    }

    /// `sum(conj(self) * other)` along `axis` (`mx.vecdot`); the operands
    /// broadcast and must agree in size along `axis`.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2])?;
    /// assert_eq!(a.vecdot(&a, -1)?.to_vec::<f32>()?, vec![5.0, 25.0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn vecdot(&self, other: &Tensor, axis: i64) -> Result<Tensor> {
        if self.ndim() == 0 || other.ndim() == 0 {
            return Err(Error::shape(
                "vecdot",
                "inputs must be at least 1-D",
                vec![self.shape().to_vec(), other.shape().to_vec()],
            ));
        }
        let ax = normalize_axis("vecdot", axis, self.ndim())?;
        // MLX: a negative axis must name the same position in both inputs
        let ok_b = if axis < 0 {
            axis + other.ndim() as i64 == ax as i64
        } else {
            (axis as usize) < other.ndim()
        };
        if !ok_b {
            return Err(Error::invalid(
                "vecdot",
                format!(
                    "axis {axis} is out of bounds for shapes {:?} and {:?}",
                    self.shape(),
                    other.shape()
                ),
            ));
        }
        if self.shape()[ax] != other.shape()[ax] {
            return Err(Error::shape(
                "vecdot",
                format!("a and b must have the same size along axis {axis}"),
                vec![self.shape().to_vec(), other.shape().to_vec()],
            ));
        }
        self.conjugate()?.multiply(other)?.sum(ax as i64, false)
    }
}
