//! Element types, MLX's type-promotion lattice and the native element traits.
//!
//! Every dtype is stored natively: a `float16` buffer holds `half::f16` values,
//! a `bool` buffer holds one byte per element ([`Bool8`]), a `complex64` buffer
//! holds `Complex<f32>` pairs. Nothing is widened to `f32` behind the user's back.

use bytemuck::{Pod, Zeroable};
use half::{bf16, f16};
use num_complex::Complex32;
use std::fmt;

/// The element type of a tensor, with MLX's names and the same fourteen members.
///
/// ```
/// use mlx_core::Dtype;
/// assert_eq!(Dtype::Float16.size_of(), 2);
/// assert_eq!(Dtype::promote(Dtype::Int32, Dtype::Float16), Dtype::Float16);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dtype {
    /// `bool`, one byte per element (0 or 1).
    Bool,
    /// `uint8`.
    Uint8,
    /// `uint16`.
    Uint16,
    /// `uint32`.
    Uint32,
    /// `uint64`.
    Uint64,
    /// `int8`.
    Int8,
    /// `int16`.
    Int16,
    /// `int32`.
    Int32,
    /// `int64`.
    Int64,
    /// `float16` (IEEE half).
    Float16,
    /// `bfloat16`.
    Bfloat16,
    /// `float32`.
    Float32,
    /// `float64`.
    Float64,
    /// `complex64`: two `f32`s.
    Complex64,
}

/// The broad family a dtype belongs to (MLX's `generic` categories).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DtypeKind {
    /// `bool`.
    Bool,
    /// Unsigned integers.
    Unsigned,
    /// Signed integers.
    Signed,
    /// Real floating point.
    Float,
    /// Complex floating point.
    Complex,
}

impl Dtype {
    /// All fourteen dtypes, in MLX's declaration order of kinds.
    pub const ALL: [Dtype; 14] = [
        Dtype::Bool,
        Dtype::Uint8,
        Dtype::Uint16,
        Dtype::Uint32,
        Dtype::Uint64,
        Dtype::Int8,
        Dtype::Int16,
        Dtype::Int32,
        Dtype::Int64,
        Dtype::Float16,
        Dtype::Bfloat16,
        Dtype::Float32,
        Dtype::Float64,
        Dtype::Complex64,
    ];

    /// Bytes per element.
    pub const fn size_of(self) -> usize {
        match self {
            Dtype::Bool | Dtype::Uint8 | Dtype::Int8 => 1,
            Dtype::Uint16 | Dtype::Int16 | Dtype::Float16 | Dtype::Bfloat16 => 2,
            Dtype::Uint32 | Dtype::Int32 | Dtype::Float32 => 4,
            Dtype::Uint64 | Dtype::Int64 | Dtype::Float64 | Dtype::Complex64 => 8,
        }
    }

    /// The dtype's family.
    pub const fn kind(self) -> DtypeKind {
        match self {
            Dtype::Bool => DtypeKind::Bool,
            Dtype::Uint8 | Dtype::Uint16 | Dtype::Uint32 | Dtype::Uint64 => DtypeKind::Unsigned,
            Dtype::Int8 | Dtype::Int16 | Dtype::Int32 | Dtype::Int64 => DtypeKind::Signed,
            Dtype::Float16 | Dtype::Bfloat16 | Dtype::Float32 | Dtype::Float64 => DtypeKind::Float,
            Dtype::Complex64 => DtypeKind::Complex,
        }
    }

    /// True for real or complex floating point (MLX's `inexact`).
    pub const fn is_inexact(self) -> bool {
        matches!(self.kind(), DtypeKind::Float | DtypeKind::Complex)
    }

    /// True for real floating point (MLX's `floating`).
    pub const fn is_floating(self) -> bool {
        matches!(self.kind(), DtypeKind::Float)
    }

    /// True for signed or unsigned integers (not bool).
    pub const fn is_integer(self) -> bool {
        matches!(self.kind(), DtypeKind::Signed | DtypeKind::Unsigned)
    }

    /// True for complex dtypes.
    pub const fn is_complex(self) -> bool {
        matches!(self, Dtype::Complex64)
    }

    /// MLX's name for the dtype, as printed by Python (`float32`, `bfloat16`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Dtype::Bool => "bool",
            Dtype::Uint8 => "uint8",
            Dtype::Uint16 => "uint16",
            Dtype::Uint32 => "uint32",
            Dtype::Uint64 => "uint64",
            Dtype::Int8 => "int8",
            Dtype::Int16 => "int16",
            Dtype::Int32 => "int32",
            Dtype::Int64 => "int64",
            Dtype::Float16 => "float16",
            Dtype::Bfloat16 => "bfloat16",
            Dtype::Float32 => "float32",
            Dtype::Float64 => "float64",
            Dtype::Complex64 => "complex64",
        }
    }

    /// Parses an MLX dtype name.
    ///
    /// ```
    /// use mlx_core::Dtype;
    /// assert_eq!(Dtype::from_name("bfloat16"), Some(Dtype::Bfloat16));
    /// ```
    pub fn from_name(name: &str) -> Option<Dtype> {
        Dtype::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The result type of a binary operation between two arrays, identical to
    /// `mx.result_type` / MLX's `promote_types` for every pair.
    ///
    /// ```
    /// use mlx_core::Dtype;
    /// assert_eq!(Dtype::promote(Dtype::Uint8, Dtype::Int8), Dtype::Int16);
    /// assert_eq!(Dtype::promote(Dtype::Float16, Dtype::Bfloat16), Dtype::Float32);
    /// assert_eq!(Dtype::promote(Dtype::Uint64, Dtype::Int64), Dtype::Float32);
    /// ```
    pub fn promote(a: Dtype, b: Dtype) -> Dtype {
        use Dtype::*;
        if a == b {
            return a;
        }
        match (a.kind(), b.kind()) {
            (DtypeKind::Complex, _) | (_, DtypeKind::Complex) => Complex64,
            (DtypeKind::Bool, _) => b,
            (_, DtypeKind::Bool) => a,
            (DtypeKind::Float, DtypeKind::Float) => match (a, b) {
                (Float64, _) | (_, Float64) => Float64,
                (Float32, _) | (_, Float32) => Float32,
                // float16 with bfloat16
                _ => Float32,
            },
            (DtypeKind::Float, _) => a,
            (_, DtypeKind::Float) => b,
            (DtypeKind::Unsigned, DtypeKind::Unsigned) | (DtypeKind::Signed, DtypeKind::Signed) => {
                if a.size_of() >= b.size_of() {
                    a
                } else {
                    b
                }
            }
            (DtypeKind::Unsigned, DtypeKind::Signed) => mixed_int(a, b),
            (DtypeKind::Signed, DtypeKind::Unsigned) => mixed_int(b, a),
        }
    }
}

/// Unsigned `u` with signed `s`: the smallest signed type holding both, or
/// `float32` when `u` is `uint64` (MLX has no wider signed integer).
fn mixed_int(u: Dtype, s: Dtype) -> Dtype {
    let need = u.size_of() * 2;
    if u == Dtype::Uint64 {
        return Dtype::Float32;
    }
    match need.max(s.size_of()) {
        2 => Dtype::Int16,
        4 => Dtype::Int32,
        _ => Dtype::Int64,
    }
}

impl fmt::Debug for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The storage type of MLX's `bool`: one byte, 0 or 1, with boolean arithmetic
/// (`+` is or, `*` is and), as MLX's `bool_` behaves.
#[repr(transparent)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Pod, Zeroable)]
pub struct Bool8(pub u8);

impl Bool8 {
    /// `true`.
    pub const TRUE: Bool8 = Bool8(1);
    /// `false`.
    pub const FALSE: Bool8 = Bool8(0);
    /// The boolean value.
    pub const fn get(self) -> bool {
        self.0 != 0
    }
}

impl From<bool> for Bool8 {
    fn from(b: bool) -> Self {
        Bool8(b as u8)
    }
}

/// A type stored natively in buffers of one dtype (plain old data).
///
/// Implemented for `Bool8`, the eight integer types, `f16`, `bf16`, `f32`,
/// `f64` and `Complex32`: exactly one native type per [`Dtype`].
pub trait Native: Pod + Send + Sync + Default + PartialEq + fmt::Debug + 'static {
    /// The dtype this type stores.
    const DTYPE: Dtype;
}

/// A Rust value that can be put into and read out of a tensor: every
/// [`Native`] type, plus `bool`.
///
/// ```
/// use mlx_core::{Dtype, Element};
/// assert_eq!(<bool as Element>::DTYPE, Dtype::Bool);
/// assert_eq!(<half::bf16 as Element>::DTYPE, Dtype::Bfloat16);
/// ```
pub trait Element: Copy + Send + Sync + fmt::Debug + 'static {
    /// Its dtype.
    const DTYPE: Dtype;
    /// The native storage type.
    type Native: Native;
    /// Converts into storage.
    fn to_native(self) -> Self::Native;
    /// Converts from storage.
    fn from_native(n: Self::Native) -> Self;
}

macro_rules! native_types {
    ($($t:ty => $d:ident),* $(,)?) => {$(
        impl Native for $t { const DTYPE: Dtype = Dtype::$d; }
        impl Element for $t {
            const DTYPE: Dtype = Dtype::$d;
            type Native = $t;
            #[inline] fn to_native(self) -> $t { self }
            #[inline] fn from_native(n: $t) -> $t { n }
        }
    )*};
}
native_types!(
    Bool8 => Bool, u8 => Uint8, u16 => Uint16, u32 => Uint32, u64 => Uint64,
    i8 => Int8, i16 => Int16, i32 => Int32, i64 => Int64,
    f16 => Float16, bf16 => Bfloat16, f32 => Float32, f64 => Float64, Complex32 => Complex64,
);

impl Element for bool {
    const DTYPE: Dtype = Dtype::Bool;
    type Native = Bool8;
    #[inline]
    fn to_native(self) -> Bool8 {
        Bool8(self as u8)
    }
    #[inline]
    fn from_native(n: Bool8) -> bool {
        n.0 != 0
    }
}

/// Runs `$body` with `$t` bound to the native type of `$dtype`: the one place
/// where a runtime dtype becomes a compile-time type.
///
/// ```
/// use mlx_core::{dispatch_dtype, Dtype, Native};
/// fn size(d: Dtype) -> usize { dispatch_dtype!(d, T => std::mem::size_of::<T>()) }
/// assert_eq!(size(Dtype::Bfloat16), 2);
/// ```
#[macro_export]
macro_rules! dispatch_dtype {
    ($dtype:expr, $t:ident => $body:expr) => {{
        use $crate::Dtype as __D;
        match $dtype {
            __D::Bool => {
                type $t = $crate::Bool8;
                $body
            }
            __D::Uint8 => {
                type $t = u8;
                $body
            }
            __D::Uint16 => {
                type $t = u16;
                $body
            }
            __D::Uint32 => {
                type $t = u32;
                $body
            }
            __D::Uint64 => {
                type $t = u64;
                $body
            }
            __D::Int8 => {
                type $t = i8;
                $body
            }
            __D::Int16 => {
                type $t = i16;
                $body
            }
            __D::Int32 => {
                type $t = i32;
                $body
            }
            __D::Int64 => {
                type $t = i64;
                $body
            }
            __D::Float16 => {
                type $t = $crate::half::f16;
                $body
            }
            __D::Bfloat16 => {
                type $t = $crate::half::bf16;
                $body
            }
            __D::Float32 => {
                type $t = f32;
                $body
            }
            __D::Float64 => {
                type $t = f64;
                $body
            }
            __D::Complex64 => {
                type $t = $crate::num_complex::Complex32;
                $body
            }
        }
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_is_symmetric_and_idempotent() {
        for a in Dtype::ALL {
            assert_eq!(Dtype::promote(a, a), a);
            for b in Dtype::ALL {
                assert_eq!(Dtype::promote(a, b), Dtype::promote(b, a), "{a} {b}");
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for d in Dtype::ALL {
            assert_eq!(Dtype::from_name(d.name()), Some(d));
            assert_eq!(dispatch_dtype!(d, T => <T as Native>::DTYPE), d);
            assert_eq!(
                dispatch_dtype!(d, T => std::mem::size_of::<T>()),
                d.size_of()
            );
        }
    }
}
