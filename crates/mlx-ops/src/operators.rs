//! `+ - * / %` and unary `-` on tensors. Like candle, each returns
//! `Result<Tensor>`, since shapes may not broadcast.
//!
//! ```
//! use mlx_ops::Tensor;
//! let a = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
//! let b = ((&a * 3.0)? - &a)?;
//! let c = (1.0f32 - &b)?;
//! assert_eq!(c.to_vec::<f32>()?, vec![-1.0, -3.0]);
//! # Ok::<(), mlx_ops::Error>(())
//! ```

use crate::{Operand, Tensor};
use mlx_core::Result;
use std::ops::{Add, Div, Mul, Neg, Rem, Sub};

macro_rules! tensor_ops {
    ($($tr:ident :: $m:ident => $f:ident),*) => {$(
        impl<R: Into<Operand>> $tr<R> for &Tensor {
            type Output = Result<Tensor>;
            fn $m(self, rhs: R) -> Result<Tensor> { self.$f(rhs) }
        }
        impl<R: Into<Operand>> $tr<R> for Tensor {
            type Output = Result<Tensor>;
            fn $m(self, rhs: R) -> Result<Tensor> { (&self).$f(rhs) }
        }
    )*};
}
tensor_ops!(Add::add => add, Sub::sub => subtract, Mul::mul => multiply, Div::div => divide, Rem::rem => remainder);

macro_rules! scalar_lhs_ops {
    ($($s:ty),*) => {$(
        impl Add<&Tensor> for $s { type Output = Result<Tensor>; fn add(self, t: &Tensor) -> Result<Tensor> { scalar(self).add(t) } }
        impl Sub<&Tensor> for $s { type Output = Result<Tensor>; fn sub(self, t: &Tensor) -> Result<Tensor> { scalar(self).subtract(t) } }
        impl Mul<&Tensor> for $s { type Output = Result<Tensor>; fn mul(self, t: &Tensor) -> Result<Tensor> { scalar(self).multiply(t) } }
        impl Div<&Tensor> for $s { type Output = Result<Tensor>; fn div(self, t: &Tensor) -> Result<Tensor> { scalar(self).divide(t) } }
    )*};
}
scalar_lhs_ops!(f32, f64, i32, i64);

/// A scalar on the left: resolved weakly against the tensor on the right.
fn scalar(s: impl Into<Operand>) -> ScalarLhs {
    ScalarLhs(s.into())
}

struct ScalarLhs(Operand);

impl ScalarLhs {
    fn tensor(self, t: &Tensor) -> Result<Tensor> {
        match self.0 {
            Operand::Scalar(s) => {
                Tensor::scalar_as(s, s.weak_dtype(t.dtype())).to_device(t.device())
            }
            Operand::Tensor(l) => Ok(l),
        }
    }
    fn add(self, t: &Tensor) -> Result<Tensor> {
        self.tensor(t)?.add(t)
    }
    fn multiply(self, t: &Tensor) -> Result<Tensor> {
        self.tensor(t)?.multiply(t)
    }
    fn subtract(self, t: &Tensor) -> Result<Tensor> {
        self.tensor(t)?.subtract(t)
    }
    fn divide(self, t: &Tensor) -> Result<Tensor> {
        self.tensor(t)?.divide(t)
    }
}

impl Neg for &Tensor {
    type Output = Result<Tensor>;
    fn neg(self) -> Result<Tensor> {
        self.negative()
    }
}
impl Neg for Tensor {
    type Output = Result<Tensor>;
    fn neg(self) -> Result<Tensor> {
        self.negative()
    }
}
