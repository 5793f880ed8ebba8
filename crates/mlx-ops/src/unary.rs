//! Elementwise ops of one tensor and dtype conversion.

use crate::Tensor;
use mlx_core::{Dtype, DtypeKind, Error, Primitive, Result, UnaryOp};

impl Tensor {
    /// Conversion to `dtype` (`astype`), with C++ `static_cast` semantics:
    /// float to int truncates toward zero, int to int wraps, anything to
    /// bool is `!= 0`. A no-op when the dtype already matches.
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let t = Tensor::from_slice(&[1.7f32, -2.7], &[2])?.astype(Dtype::Int32)?;
    /// assert_eq!(t.to_vec::<i32>()?, vec![1, -2]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn astype(&self, dtype: Dtype) -> Result<Tensor> {
        if dtype == self.dtype() {
            return Ok(self.clone());
        }
        Tensor::op(
            "astype",
            Primitive::AsType,
            &[self],
            self.shape().to_vec(),
            dtype,
        )
    }

    pub(crate) fn unary(&self, name: &'static str, op: UnaryOp, out: Dtype) -> Result<Tensor> {
        Tensor::op(
            name,
            Primitive::Unary(op),
            &[self],
            self.shape().to_vec(),
            out,
        )
    }

    /// Float math: integer and bool inputs are converted to float32 first.
    fn unary_float(&self, name: &'static str, op: UnaryOp) -> Result<Tensor> {
        let x = if self.dtype().is_inexact() {
            self.clone()
        } else {
            self.astype(Dtype::Float32)?
        };
        let d = x.dtype();
        x.unary(name, op, d)
    }

    /// Ops that keep the dtype and reject none.
    fn unary_same(&self, name: &'static str, op: UnaryOp) -> Result<Tensor> {
        self.unary(name, op, self.dtype())
    }

    /// Absolute value; complex input gives its float32 magnitude.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[-1i8, 2], &[2])?.abs()?;
    /// assert_eq!(t.to_vec::<i8>()?, vec![1, 2]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn abs(&self) -> Result<Tensor> {
        let out = if self.dtype().is_complex() {
            Dtype::Float32
        } else {
            self.dtype()
        };
        self.unary("abs", UnaryOp::Abs, out)
    }

    /// `-x`; bool input is an error (use [`Tensor::logical_not`]).
    pub fn negative(&self) -> Result<Tensor> {
        if self.dtype() == Dtype::Bool {
            return Err(Error::dtype(
                "negative",
                "not supported for bool, use logical_not instead",
                vec![Dtype::Bool],
            ));
        }
        self.unary_same("negative", UnaryOp::Negative)
    }

    /// `-1`, `0` or `1` by sign (bool stays bool).
    pub fn sign(&self) -> Result<Tensor> {
        self.unary_same("sign", UnaryOp::Sign)
    }

    /// `x * x`.
    pub fn square(&self) -> Result<Tensor> {
        self.unary_same("square", UnaryOp::Square)
    }

    /// Floor; integers are returned unchanged.
    pub fn floor(&self) -> Result<Tensor> {
        self.rounding("floor", UnaryOp::Floor)
    }

    /// Ceiling; integers are returned unchanged.
    pub fn ceil(&self) -> Result<Tensor> {
        self.rounding("ceil", UnaryOp::Ceil)
    }

    /// Rounds half to even at `decimals` places (`mx.round`).
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[0.5f32, 1.5, 2.5, 1.234], &[4])?;
    /// assert_eq!(t.round(0)?.to_vec::<f32>()?, vec![0.0, 2.0, 2.0, 1.0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn round(&self, decimals: i32) -> Result<Tensor> {
        if decimals == 0 || !self.dtype().is_inexact() {
            return self.rounding("round", UnaryOp::Round);
        }
        let scale = 10f64.powi(decimals);
        self.multiply(scale)?
            .rounding("round", UnaryOp::Round)?
            .divide(scale)
    }

    fn rounding(&self, name: &'static str, op: UnaryOp) -> Result<Tensor> {
        match self.dtype().kind() {
            DtypeKind::Complex => Err(Error::dtype(
                name,
                "not supported for complex",
                vec![self.dtype()],
            )),
            DtypeKind::Float => self.unary_same(name, op),
            _ => Ok(self.clone()),
        }
    }

    /// Truncation toward zero.
    pub fn trunc(&self) -> Result<Tensor> {
        if !self.dtype().is_floating() {
            return self.rounding("trunc", UnaryOp::Floor);
        }
        let neg = self.less(0.0)?;
        neg.where_(&self.ceil()?, &self.floor()?)
    }

    /// Logical not; any dtype, nonzero is true.
    pub fn logical_not(&self) -> Result<Tensor> {
        self.astype(Dtype::Bool)?
            .unary("logical_not", UnaryOp::LogicalNot, Dtype::Bool)
    }

    /// Bitwise not of integers and bools.
    pub fn bitwise_invert(&self) -> Result<Tensor> {
        if self.dtype().is_inexact() {
            return Err(Error::dtype(
                "bitwise_invert",
                "only allowed on integer or boolean types",
                vec![self.dtype()],
            ));
        }
        self.unary_same("bitwise_invert", UnaryOp::BitwiseInvert)
    }

    fn float_test(&self, name: &'static str, op: UnaryOp) -> Result<Tensor> {
        if self.dtype().is_inexact() {
            self.unary(name, op, Dtype::Bool)
        } else {
            Tensor::full(self.shape(), false, None)
        }
    }

    /// True where NaN.
    pub fn isnan(&self) -> Result<Tensor> {
        self.float_test("isnan", UnaryOp::IsNan)
    }
    /// True where ±inf.
    pub fn isinf(&self) -> Result<Tensor> {
        self.float_test("isinf", UnaryOp::IsInf)
    }
    /// True where +inf.
    pub fn isposinf(&self) -> Result<Tensor> {
        self.float_test("isposinf", UnaryOp::IsPosInf)
    }
    /// True where -inf.
    pub fn isneginf(&self) -> Result<Tensor> {
        self.float_test("isneginf", UnaryOp::IsNegInf)
    }
    /// True where finite (always for integers).
    pub fn isfinite(&self) -> Result<Tensor> {
        if self.dtype().is_inexact() {
            self.unary("isfinite", UnaryOp::IsFinite, Dtype::Bool)
        } else {
            Tensor::full(self.shape(), true, None)
        }
    }

    /// Complex conjugate (identity for real dtypes).
    pub fn conjugate(&self) -> Result<Tensor> {
        if self.dtype().is_complex() {
            self.unary_same("conjugate", UnaryOp::Conjugate)
        } else {
            Ok(self.clone())
        }
    }

    /// Real part (identity for real dtypes).
    pub fn real(&self) -> Result<Tensor> {
        if self.dtype().is_complex() {
            self.unary("real", UnaryOp::Real, Dtype::Float32)
        } else {
            Ok(self.clone())
        }
    }

    /// Imaginary part (zeros for real dtypes).
    pub fn imag(&self) -> Result<Tensor> {
        if self.dtype().is_complex() {
            self.unary("imag", UnaryOp::Imag, Dtype::Float32)
        } else {
            self.zeros_like()
        }
    }

    /// The same values with gradients blocked (`mx.stop_gradient`): a view.
    pub fn stop_gradient(&self) -> Result<Tensor> {
        Tensor::op(
            "stop_gradient",
            Primitive::StopGradient,
            &[self],
            self.shape().to_vec(),
            self.dtype(),
        )
    }

    /// The same values, evaluated only after `deps` (MLX's `depends`): a
    /// view that orders work, e.g. recomputation in [`checkpoint`]-style
    /// transforms after the cotangent it needs.
    ///
    /// [`checkpoint`]: https://ml-explore.github.io/mlx/build/html/python/_autosummary/mlx.core.checkpoint.html
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let x = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
    /// let d = x.depends(&[&x.exp()?])?;
    /// assert_eq!(d.to_vec::<f32>()?, vec![1.0, 2.0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn depends(&self, deps: &[&Tensor]) -> Result<Tensor> {
        if deps.is_empty() {
            return Ok(self.clone());
        }
        let mut inputs = vec![self];
        inputs.extend_from_slice(deps);
        Tensor::op(
            "depends",
            Primitive::Depends,
            &inputs,
            self.shape().to_vec(),
            self.dtype(),
        )
    }

    /// A new graph node viewing the same values (transforms trace through
    /// such fresh nodes so that captured tensors stay constants).
    #[doc(hidden)]
    pub fn fresh(&self) -> Result<Tensor> {
        Tensor::op(
            "identity",
            Primitive::Reshape,
            &[self],
            self.shape().to_vec(),
            self.dtype(),
        )
    }

    /// Radians to degrees.
    pub fn degrees(&self) -> Result<Tensor> {
        self.unary_float_input()?
            .multiply(180.0 / std::f64::consts::PI)
    }

    /// Degrees to radians.
    pub fn radians(&self) -> Result<Tensor> {
        self.unary_float_input()?
            .multiply(std::f64::consts::PI / 180.0)
    }

    fn unary_float_input(&self) -> Result<Tensor> {
        if self.dtype().is_inexact() {
            Ok(self.clone())
        } else {
            self.astype(Dtype::Float32)
        }
    }
}

impl Tensor {
    /// Replaces NaN with `nan`, +inf with `posinf` and -inf with `neginf`
    /// (`mx.nan_to_num`); the infinities default to the dtype's largest
    /// finite magnitude. Integer and bool inputs are returned unchanged;
    /// float64 and complex64 are not supported (as in MLX).
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[f32::NAN, f32::INFINITY, -1.0], &[3])?;
    /// assert_eq!(t.nan_to_num(0.0, None, None)?.to_vec::<f32>()?, vec![0.0, f32::MAX, -1.0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn nan_to_num(&self, nan: f64, posinf: Option<f64>, neginf: Option<f64>) -> Result<Tensor> {
        let dtype = self.dtype();
        if !dtype.is_inexact() {
            return Ok(self.clone());
        }
        let max = match dtype {
            Dtype::Float32 => f32::MAX as f64,
            Dtype::Float16 => half::f16::MAX.to_f64(),
            Dtype::Bfloat16 => half::bf16::MAX.to_f64(),
            d => {
                return Err(Error::dtype(
                    "nan_to_num",
                    format!("does not yet support {d}"),
                    vec![d],
                ))
            }
        };
        // MLX passes the replacements as float32 values
        let val = |v: f64| -> Result<Tensor> {
            Tensor::scalar_as(v as f32 as f64, dtype).to_device(self.device())
        };
        let out = self.isnan()?.where_(&val(nan)?, self)?;
        let out = self
            .isposinf()?
            .where_(&val(posinf.unwrap_or(max))?, &out)?;
        self.isneginf()?.where_(&val(neginf.unwrap_or(-max))?, &out)
    }
}

macro_rules! float_unary {
    ($($name:ident => $op:ident : $doc:literal;)*) => {
        impl Tensor {$(
            #[doc = $doc]
            #[doc = ""]
            #[doc = "Integer and bool inputs are converted to float32 first."]
            pub fn $name(&self) -> Result<Tensor> {
                self.unary_float(stringify!($name), UnaryOp::$op)
            }
        )*}
    };
}

float_unary! {
    sqrt => Sqrt: "Square root.";
    rsqrt => Rsqrt: "Reciprocal square root.";
    reciprocal => Reciprocal: "`1 / x`.";
    exp => Exp: "Exponential.";
    expm1 => Expm1: "`exp(x) - 1`, accurate near 0.";
    log => Log: "Natural logarithm.";
    log1p => Log1p: "`log(1 + x)`, accurate near 0.";
    log2 => Log2: "Base-2 logarithm.";
    log10 => Log10: "Base-10 logarithm.";
    sin => Sin: "Sine.";
    cos => Cos: "Cosine.";
    tan => Tan: "Tangent.";
    arcsin => ArcSin: "Inverse sine.";
    arccos => ArcCos: "Inverse cosine.";
    arctan => ArcTan: "Inverse tangent.";
    sinh => Sinh: "Hyperbolic sine.";
    cosh => Cosh: "Hyperbolic cosine.";
    tanh => Tanh: "Hyperbolic tangent.";
    arcsinh => ArcSinh: "Inverse hyperbolic sine.";
    arccosh => ArcCosh: "Inverse hyperbolic cosine.";
    arctanh => ArcTanh: "Inverse hyperbolic tangent.";
    sigmoid => Sigmoid: "Logistic sigmoid `1 / (1 + exp(-x))`.";
    erf => Erf: "Error function.";
    erfinv => ErfInv: "Inverse error function.";
}
