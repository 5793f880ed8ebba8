//! Rust scalars as op parameters and as MLX's "weak" operands.

use crate::Dtype;
use num_complex::Complex32;

/// A scalar value of one of four kinds. As an operand of a binary op it is
/// *weak* (MLX's rule for Python scalars): it takes the other operand's dtype
/// when that dtype can represent its kind, so `f16_tensor * 2.0` stays
/// `float16` and `int8_tensor + 1` stays `int8`.
///
/// ```
/// use mlx_core::{Dtype, Scalar};
/// assert_eq!(Scalar::from(2.0).weak_dtype(Dtype::Float16), Dtype::Float16);
/// assert_eq!(Scalar::from(2.0).weak_dtype(Dtype::Int32), Dtype::Float32);
/// assert_eq!(Scalar::from(1).weak_dtype(Dtype::Bool), Dtype::Int32);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A real number.
    Float(f64),
    /// A complex number.
    Complex(Complex32),
}

impl Scalar {
    /// The dtype the scalar takes when combined with an array of `other`
    /// (before ordinary promotion of the two).
    pub fn weak_dtype(self, other: Dtype) -> Dtype {
        match self {
            Scalar::Bool(_) => Dtype::Bool,
            Scalar::Int(_) => {
                if other == Dtype::Bool {
                    Dtype::Int32
                } else {
                    other
                }
            }
            Scalar::Float(_) => {
                if other.is_inexact() {
                    other
                } else {
                    Dtype::Float32
                }
            }
            Scalar::Complex(_) => Dtype::Complex64,
        }
    }

    /// The dtype of the scalar on its own (`mx.array(x).dtype`).
    pub fn default_dtype(self) -> Dtype {
        match self {
            Scalar::Bool(_) => Dtype::Bool,
            Scalar::Int(_) => Dtype::Int32,
            Scalar::Float(_) => Dtype::Float32,
            Scalar::Complex(_) => Dtype::Complex64,
        }
    }

    /// The value as `f64` (real part for complex, 0/1 for bool).
    pub fn as_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::Int(i) => i as f64,
            Scalar::Float(f) => f,
            Scalar::Complex(c) => c.re as f64,
        }
    }
}

macro_rules! scalar_from {
    ($($t:ty => $v:ident as $c:ty),*) => {$(
        impl From<$t> for Scalar { fn from(x: $t) -> Self { Scalar::$v(x as $c) } }
    )*};
}
scalar_from!(i8 => Int as i64, i16 => Int as i64, i32 => Int as i64, i64 => Int as i64,
    u8 => Int as i64, u16 => Int as i64, u32 => Int as i64, isize => Int as i64,
    f32 => Float as f64, f64 => Float as f64);

impl From<bool> for Scalar {
    fn from(b: bool) -> Self {
        Scalar::Bool(b)
    }
}
impl From<Complex32> for Scalar {
    fn from(c: Complex32) -> Self {
        Scalar::Complex(c)
    }
}

/// Conversion of a [`Scalar`] into a native element, with C++ `static_cast`
/// semantics (float to int truncates, int to int wraps, anything to bool is
/// `!= 0`, complex to real keeps the real part).
///
/// ```
/// use mlx_core::{FromScalar, Scalar};
/// assert_eq!(u8::from_scalar(Scalar::Int(258)), 2);
/// assert_eq!(i32::from_scalar(Scalar::Float(-2.7)), -2);
/// ```
pub trait FromScalar: crate::Native {
    /// The converted value.
    fn from_scalar(s: Scalar) -> Self;
}

macro_rules! from_scalar_prim {
    ($($t:ty),*) => {$(
        impl FromScalar for $t {
            fn from_scalar(s: Scalar) -> Self {
                match s {
                    Scalar::Bool(b) => b as u8 as $t,
                    Scalar::Int(i) => i as $t,
                    Scalar::Float(f) => f as $t,
                    Scalar::Complex(c) => c.re as $t,
                }
            }
        }
    )*};
}
from_scalar_prim!(u8, u16, u32, u64, i8, i16, i32, i64, f32, f64);

impl FromScalar for half::f16 {
    fn from_scalar(s: Scalar) -> Self {
        half::f16::from_f64(s.as_f64())
    }
}
impl FromScalar for half::bf16 {
    fn from_scalar(s: Scalar) -> Self {
        half::bf16::from_f64(s.as_f64())
    }
}
impl FromScalar for crate::Bool8 {
    fn from_scalar(s: Scalar) -> Self {
        crate::Bool8(match s {
            Scalar::Bool(b) => b as u8,
            Scalar::Int(i) => (i != 0) as u8,
            Scalar::Float(f) => (f != 0.0) as u8,
            Scalar::Complex(c) => (c.re != 0.0 || c.im != 0.0) as u8,
        })
    }
}
impl FromScalar for Complex32 {
    fn from_scalar(s: Scalar) -> Self {
        match s {
            Scalar::Complex(c) => c,
            s => Complex32::new(s.as_f64() as f32, 0.0),
        }
    }
}

impl Scalar {
    /// A one-element host buffer holding the scalar converted to `dtype`.
    ///
    /// ```
    /// use mlx_core::{Dtype, Scalar};
    /// let b = Scalar::from(1.5).to_buffer(Dtype::Float16);
    /// assert_eq!(b.as_slice::<half::f16>().unwrap()[0].to_f32(), 1.5);
    /// ```
    pub fn to_buffer(self, dtype: Dtype) -> crate::HostBuffer {
        crate::dispatch_dtype!(dtype, T => {
            crate::HostBuffer::from_slice(&[<T as FromScalar>::from_scalar(self)])
        })
    }
}
