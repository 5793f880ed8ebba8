//! Operands of binary ops (tensors or weak scalars) and axis selections.

use crate::Tensor;
use mlx_core::Scalar;

/// The right-hand side of a binary op: a tensor, or a Rust scalar that is
/// *weak* (it adopts the tensor's dtype where its kind allows, as Python
/// scalars do in MLX).
///
/// ```
/// use mlx_ops::{Dtype, Tensor};
/// let h = Tensor::ones(&[2], Dtype::Float16)?;
/// assert_eq!(h.multiply(2.0)?.dtype(), Dtype::Float16);
/// assert_eq!(h.multiply(&Tensor::scalar(2.0f32))?.dtype(), Dtype::Float32);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
#[derive(Clone, Debug)]
pub enum Operand {
    /// A tensor.
    Tensor(Tensor),
    /// A weak scalar.
    Scalar(Scalar),
}

impl From<&Tensor> for Operand {
    fn from(t: &Tensor) -> Self {
        Operand::Tensor(t.clone())
    }
}
impl From<Tensor> for Operand {
    fn from(t: Tensor) -> Self {
        Operand::Tensor(t)
    }
}
impl From<Scalar> for Operand {
    fn from(s: Scalar) -> Self {
        Operand::Scalar(s)
    }
}
macro_rules! operand_from_scalar {
    ($($t:ty),*) => {$(
        impl From<$t> for Operand { fn from(x: $t) -> Self { Operand::Scalar(Scalar::from(x)) } }
    )*};
}
operand_from_scalar!(
    bool,
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    isize,
    f32,
    f64,
    num_complex::Complex32
);

/// Which axes a reduction covers: all of them, or a list (negative axes
/// count from the end).
///
/// ```
/// use mlx_ops::{Axes, ALL};
/// assert_eq!(Axes::from(-1), Axes::List(vec![-1]));
/// assert_eq!(Axes::from([0, 2]), Axes::List(vec![0, 2]));
/// assert_eq!(ALL, Axes::All);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Axes {
    /// Every axis.
    All,
    /// These axes.
    List(Vec<i64>),
}

/// Shorthand for [`Axes::All`].
pub const ALL: Axes = Axes::All;

impl From<i64> for Axes {
    fn from(a: i64) -> Self {
        Axes::List(vec![a])
    }
}
impl From<i32> for Axes {
    fn from(a: i32) -> Self {
        Axes::List(vec![a as i64])
    }
}
impl From<&[i64]> for Axes {
    fn from(a: &[i64]) -> Self {
        Axes::List(a.to_vec())
    }
}
impl From<Vec<i64>> for Axes {
    fn from(a: Vec<i64>) -> Self {
        Axes::List(a)
    }
}
impl<const N: usize> From<[i64; N]> for Axes {
    fn from(a: [i64; N]) -> Self {
        Axes::List(a.to_vec())
    }
}
impl<const N: usize> From<[i32; N]> for Axes {
    fn from(a: [i32; N]) -> Self {
        Axes::List(a.iter().map(|&x| x as i64).collect())
    }
}

impl Axes {
    /// The normalised, sorted axes for an array of `ndim` dimensions.
    pub fn resolve(&self, op: &'static str, ndim: usize) -> mlx_core::Result<Vec<usize>> {
        match self {
            Axes::All => Ok((0..ndim).collect()),
            Axes::List(l) => mlx_core::shape::normalize_axes(op, l, ndim),
        }
    }
}
