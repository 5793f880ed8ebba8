//! Elementwise ops of two tensors (or a tensor and a weak scalar), with
//! broadcasting and MLX's type promotion.

use crate::{Operand, Tensor};
use mlx_core::{shape::broadcast_shapes, BinaryOp, Dtype, Error, Primitive, Result, Scalar};

/// How an op derives its compute and output dtypes from the promoted dtype.
#[derive(Clone, Copy)]
enum Rule {
    /// Compute and output in the promoted dtype.
    Same,
    /// Like `Same`, but integer and bool results become float32.
    Float,
    /// Compute in the promoted dtype, output bool.
    Compare,
    /// Compute and output bool.
    Logical,
    /// Integers and bool only.
    Bitwise,
    /// Integers and bool only; bool shifts give uint8.
    Shift,
}

/// Turns two operands into two tensors on one device, resolving weak scalars.
fn operands(op: &'static str, lhs: Operand, rhs: Operand) -> Result<(Tensor, Tensor)> {
    match (lhs, rhs) {
        (Operand::Tensor(a), Operand::Tensor(b)) => Ok((a, b)),
        (Operand::Tensor(a), Operand::Scalar(s)) => {
            let b = weak_scalar(s, &a)?;
            Ok((a, b))
        }
        (Operand::Scalar(s), Operand::Tensor(b)) => {
            let a = weak_scalar(s, &b)?;
            Ok((a, b))
        }
        (Operand::Scalar(x), Operand::Scalar(y)) => {
            let _ = op;
            Ok((
                Tensor::scalar_as(x, x.default_dtype()),
                Tensor::scalar_as(y, y.default_dtype()),
            ))
        }
    }
}

fn weak_scalar(s: Scalar, other: &Tensor) -> Result<Tensor> {
    let dtype = s.weak_dtype(other.dtype());
    if let Scalar::Int(i) = s {
        // MLX refuses a Python int that the array's integer dtype cannot hold
        // (uint64 and int64 take any i64, as there)
        let fits = match dtype {
            Dtype::Uint8 => u8::try_from(i).is_ok(),
            Dtype::Uint16 => u16::try_from(i).is_ok(),
            Dtype::Uint32 => u32::try_from(i).is_ok(),
            Dtype::Int8 => i8::try_from(i).is_ok(),
            Dtype::Int16 => i16::try_from(i).is_ok(),
            Dtype::Int32 => i32::try_from(i).is_ok(),
            _ => true,
        };
        if !fits {
            return Err(Error::dtype(
                "scalar",
                format!("converting {i} to {dtype} would result in overflow"),
                vec![dtype],
            ));
        }
    }
    Tensor::scalar_as(s, dtype).to_device(other.device())
}

fn binary(
    op: &'static str,
    prim: BinaryOp,
    rule: Rule,
    lhs: Operand,
    rhs: Operand,
) -> Result<Tensor> {
    let (a, b) = operands(op, lhs, rhs)?;
    let p = Dtype::promote(a.dtype(), b.dtype());
    let (compute, out) = match rule {
        Rule::Same => (p, p),
        Rule::Float => {
            let f = if p.is_inexact() { p } else { Dtype::Float32 };
            (f, f)
        }
        Rule::Compare => (p, Dtype::Bool),
        Rule::Logical => (Dtype::Bool, Dtype::Bool),
        Rule::Bitwise => {
            if p.is_inexact() {
                return Err(Error::dtype(
                    op,
                    "only allowed on integer or boolean types",
                    vec![a.dtype(), b.dtype()],
                ));
            }
            (p, p)
        }
        Rule::Shift => {
            if p.is_inexact() {
                return Err(Error::dtype(
                    op,
                    "only allowed on integer or boolean types",
                    vec![a.dtype(), b.dtype()],
                ));
            }
            let d = if p == Dtype::Bool { Dtype::Uint8 } else { p };
            (d, d)
        }
    };
    // complex: floor division is plain division and there is no remainder
    let prim = match (prim, p) {
        (BinaryOp::FloorDivide, Dtype::Complex64) => BinaryOp::Divide,
        (BinaryOp::Remainder, Dtype::Complex64) => {
            return Err(Error::dtype(op, "complex type not supported", vec![p]))
        }
        (prim, _) => prim,
    };
    let shape = if crate::same_shape(a.shape(), b.shape()) {
        a.shape().to_vec()
    } else {
        broadcast_shapes(op, a.shape(), b.shape())?
    };
    let a = conform(a, compute, &shape)?;
    let b = conform(b, compute, &shape)?;
    Tensor::op(op, Primitive::Binary(prim), &[&a, &b], shape, out)
}

/// `t` converted to `dtype` and broadcast to `shape`, without touching the
/// graph when it already is both (the common case of the per-op path).
fn conform(t: Tensor, dtype: Dtype, shape: &[usize]) -> Result<Tensor> {
    let t = if t.dtype() == dtype {
        t
    } else {
        t.astype(dtype)?
    };
    if crate::same_shape(t.shape(), shape) {
        Ok(t)
    } else {
        t.broadcast_to(shape)
    }
}

macro_rules! binary_methods {
    ($($name:ident => $op:ident, $rule:ident : $doc:literal;)*) => {
        impl Tensor {$(
            #[doc = $doc]
            #[doc = ""]
            #[doc = "Broadcasts; `rhs` is a tensor or a weak Rust scalar."]
            pub fn $name(&self, rhs: impl Into<Operand>) -> Result<Tensor> {
                binary(stringify!($name), BinaryOp::$op, Rule::$rule, self.into(), rhs.into())
            }
        )*}
    };
}

binary_methods! {
    add => Add, Same: "Elementwise sum.";
    subtract => Subtract, Same: "Elementwise difference.";
    multiply => Multiply, Same: "Elementwise product.";
    divide => Divide, Float: "True division (integer inputs give float32).";
    floor_divide => FloorDivide, Same: "Floor division (`//`).";
    remainder => Remainder, Same: "Remainder with the sign of the divisor (`%`).";
    power => Power, Same: "`self ** rhs`.";
    maximum => Maximum, Same: "Elementwise maximum (NaN propagates).";
    minimum => Minimum, Same: "Elementwise minimum (NaN propagates).";
    arctan2 => ArcTan2, Float: "Four-quadrant arctangent of `self / rhs`.";
    logaddexp => LogAddExp, Float: "`log(exp(self) + exp(rhs))`, computed stably.";
    equal => Equal, Compare: "`self == rhs` (bool).";
    not_equal => NotEqual, Compare: "`self != rhs` (bool).";
    less => Less, Compare: "`self < rhs` (bool).";
    less_equal => LessEqual, Compare: "`self <= rhs` (bool).";
    greater => Greater, Compare: "`self > rhs` (bool).";
    greater_equal => GreaterEqual, Compare: "`self >= rhs` (bool).";
    logical_and => LogicalAnd, Logical: "Logical and (inputs converted to bool).";
    logical_or => LogicalOr, Logical: "Logical or (inputs converted to bool).";
    bitwise_and => BitwiseAnd, Bitwise: "Bitwise and of integers or bools.";
    bitwise_or => BitwiseOr, Bitwise: "Bitwise or of integers or bools.";
    bitwise_xor => BitwiseXor, Bitwise: "Bitwise xor of integers or bools.";
    left_shift => LeftShift, Shift: "Left shift of integers.";
    right_shift => RightShift, Shift: "Right shift of integers.";
}

impl Tensor {
    /// `(floor_divide, remainder)` (`mx.divmod`).
    pub fn divmod(&self, rhs: impl Into<Operand>) -> Result<(Tensor, Tensor)> {
        let rhs = rhs.into();
        let (a, b) = operands("divmod", self.into(), rhs)?;
        if Dtype::promote(a.dtype(), b.dtype()) == Dtype::Complex64 {
            return Err(Error::dtype(
                "divmod",
                "complex type not supported",
                vec![a.dtype(), b.dtype()],
            ));
        }
        Ok((a.floor_divide(&b)?, a.remainder(&b)?))
    }

    /// Logical xor (inputs converted to bool).
    pub fn logical_xor(&self, rhs: impl Into<Operand>) -> Result<Tensor> {
        let (a, b) = operands("logical_xor", self.into(), rhs.into())?;
        a.astype(Dtype::Bool)?.not_equal(&b.astype(Dtype::Bool)?)
    }

    /// Picks `x` where `self` is true and `y` elsewhere (`mx.where`);
    /// all three broadcast, `x` and `y` promote.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let c = Tensor::from_slice(&[true, false], &[2])?;
    /// let r = c.where_(&Tensor::scalar(1.0f32), 0.0)?;
    /// assert_eq!(r.to_vec::<f32>()?, vec![1.0, 0.0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn where_(&self, x: impl Into<Operand>, y: impl Into<Operand>) -> Result<Tensor> {
        let (x, y) = operands("where", x.into(), y.into())?;
        let dtype = Dtype::promote(x.dtype(), y.dtype());
        let shape = broadcast_shapes("where", self.shape(), x.shape())?;
        let shape = broadcast_shapes("where", &shape, y.shape())?;
        let c = self.astype(Dtype::Bool)?.broadcast_to(&shape)?;
        let x = x.astype(dtype)?.broadcast_to(&shape)?;
        let y = y.astype(dtype)?.broadcast_to(&shape)?;
        Tensor::op("where", Primitive::Select, &[&c, &x, &y], shape, dtype)
    }

    /// Clamps into `[min, max]`; either bound may be `None` (`mx.clip`).
    pub fn clip(&self, min: Option<Operand>, max: Option<Operand>) -> Result<Tensor> {
        if min.is_none() && max.is_none() {
            return Err(Error::invalid("clip", "min and max cannot both be None"));
        }
        let mut out = self.clone();
        if let Some(lo) = min {
            out = out.maximum(lo)?;
        }
        if let Some(hi) = max {
            out = out.minimum(hi)?;
        }
        Ok(out)
    }

    /// `|a - b| <= atol + rtol * |b|`, elementwise (`mx.isclose`).
    pub fn isclose(&self, other: &Tensor, rtol: f64, atol: f64, equal_nan: bool) -> Result<Tensor> {
        let diff = self.subtract(other)?.abs()?;
        let tol = other.abs()?.multiply(rtol)?.add(atol)?;
        // an infinite difference is never within tolerance (MLX: isclose(0, inf)
        // is false even though the tolerance is infinite too)
        let mut close = diff.less_equal(&tol)?.logical_and(&diff.isfinite()?)?;
        // infinities of the same sign are close
        close = close.logical_or(&self.equal(other)?)?;
        if equal_nan {
            close = close.logical_or(&self.isnan()?.logical_and(&other.isnan()?)?)?;
        }
        Ok(close)
    }

    /// True when every element is close (`mx.allclose`), as a 0-d bool.
    pub fn allclose(
        &self,
        other: &Tensor,
        rtol: f64,
        atol: f64,
        equal_nan: bool,
    ) -> Result<Tensor> {
        self.isclose(other, rtol, atol, equal_nan)?
            .all(crate::ALL, false)
    }

    /// True when shapes and values are equal (`mx.array_equal`), as a 0-d bool.
    pub fn array_equal(&self, other: &Tensor, equal_nan: bool) -> Result<Tensor> {
        if self.shape() != other.shape() {
            return Tensor::full(&[], false, None);
        }
        let mut eq = self.equal(other)?;
        if equal_nan {
            eq = eq.logical_or(&self.isnan()?.logical_and(&other.isnan()?)?)?;
        }
        eq.all(crate::ALL, false)
    }
}
