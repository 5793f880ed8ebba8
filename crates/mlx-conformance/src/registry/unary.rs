//! Elementwise unary ops.

use super::{one, unary, OpFn, Tensor};

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
    ("abs", |a| unary(a, Tensor::abs)),
    ("negative", |a| unary(a, Tensor::negative)),
    ("sign", |a| unary(a, Tensor::sign)),
    ("square", |a| unary(a, Tensor::square)),
    ("sqrt", |a| unary(a, Tensor::sqrt)),
    ("rsqrt", |a| unary(a, Tensor::rsqrt)),
    ("reciprocal", |a| unary(a, Tensor::reciprocal)),
    ("exp", |a| unary(a, Tensor::exp)),
    ("expm1", |a| unary(a, Tensor::expm1)),
    ("log", |a| unary(a, Tensor::log)),
    ("log1p", |a| unary(a, Tensor::log1p)),
    ("log2", |a| unary(a, Tensor::log2)),
    ("log10", |a| unary(a, Tensor::log10)),
    ("sin", |a| unary(a, Tensor::sin)),
    ("cos", |a| unary(a, Tensor::cos)),
    ("tan", |a| unary(a, Tensor::tan)),
    ("arcsin", |a| unary(a, Tensor::arcsin)),
    ("arccos", |a| unary(a, Tensor::arccos)),
    ("arctan", |a| unary(a, Tensor::arctan)),
    ("sinh", |a| unary(a, Tensor::sinh)),
    ("cosh", |a| unary(a, Tensor::cosh)),
    ("tanh", |a| unary(a, Tensor::tanh)),
    ("arcsinh", |a| unary(a, Tensor::arcsinh)),
    ("arccosh", |a| unary(a, Tensor::arccosh)),
    ("arctanh", |a| unary(a, Tensor::arctanh)),
    ("sigmoid", |a| unary(a, Tensor::sigmoid)),
    ("erf", |a| unary(a, Tensor::erf)),
    ("erfinv", |a| unary(a, Tensor::erfinv)),
    ("floor", |a| unary(a, Tensor::floor)),
    ("ceil", |a| unary(a, Tensor::ceil)),
    ("round", |a| {
        let x = a.tensor(0, "a")?;
        let d = a.int_or(1, "decimals", 0)?;
        let d = i32::try_from(d).map_err(|_| a.error("decimals", "out of range"))?;
        one(x.round(d))
    }),
    ("trunc", |a| unary(a, Tensor::trunc)),
    ("degrees", |a| unary(a, Tensor::degrees)),
    ("radians", |a| unary(a, Tensor::radians)),
    ("conjugate", |a| unary(a, Tensor::conjugate)),
    ("real", |a| unary(a, Tensor::real)),
    ("imag", |a| unary(a, Tensor::imag)),
    ("isnan", |a| unary(a, Tensor::isnan)),
    ("isinf", |a| unary(a, Tensor::isinf)),
    ("isposinf", |a| unary(a, Tensor::isposinf)),
    ("isneginf", |a| unary(a, Tensor::isneginf)),
    ("isfinite", |a| unary(a, Tensor::isfinite)),
    ("logical_not", |a| unary(a, Tensor::logical_not)),
    ("bitwise_invert", |a| unary(a, Tensor::bitwise_invert)),
    ("stop_gradient", |a| unary(a, Tensor::stop_gradient)),
    ("nan_to_num", |a| {
        let x = a.tensor(0, "a")?;
        let nan = a.float_or(1, "nan", 0.0)?;
        let posinf = a
            .opt(2, "posinf")?
            .map(|v| a.to_scalar("posinf", v))
            .transpose()?;
        let neginf = a
            .opt(3, "neginf")?
            .map(|v| a.to_scalar("neginf", v))
            .transpose()?;
        one(x.nan_to_num(nan, posinf.map(|s| s.as_f64()), neginf.map(|s| s.as_f64())))
    }),
];
