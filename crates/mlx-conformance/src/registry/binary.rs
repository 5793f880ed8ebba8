//! Elementwise binary and ternary ops, comparisons, `clip`, `isclose`.

use super::{binary, lhs_tensor, one, Args, OpFn, Out, Result, Tensor, R};

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
    ("add", |a| binary(a, |x, y| x.add(y))),
    ("subtract", |a| binary(a, |x, y| x.subtract(y))),
    ("multiply", |a| binary(a, |x, y| x.multiply(y))),
    ("divide", |a| binary(a, |x, y| x.divide(y))),
    ("floor_divide", |a| binary(a, |x, y| x.floor_divide(y))),
    ("remainder", |a| binary(a, |x, y| x.remainder(y))),
    ("divmod", |a| {
        let (x, y) = (a.operand(0, "a")?, a.operand(1, "b")?);
        let (q, r) = lhs_tensor(x, &y).divmod(y)?;
        Ok(Out::Many(vec![q, r]))
    }),
    ("power", |a| binary(a, |x, y| x.power(y))),
    ("maximum", |a| binary(a, |x, y| x.maximum(y))),
    ("minimum", |a| binary(a, |x, y| x.minimum(y))),
    ("arctan2", |a| binary(a, |x, y| x.arctan2(y))),
    ("logaddexp", |a| binary(a, |x, y| x.logaddexp(y))),
    ("equal", |a| binary(a, |x, y| x.equal(y))),
    ("not_equal", |a| binary(a, |x, y| x.not_equal(y))),
    ("less", |a| binary(a, |x, y| x.less(y))),
    ("less_equal", |a| binary(a, |x, y| x.less_equal(y))),
    ("greater", |a| binary(a, |x, y| x.greater(y))),
    ("greater_equal", |a| binary(a, |x, y| x.greater_equal(y))),
    ("logical_and", |a| binary(a, |x, y| x.logical_and(y))),
    ("logical_or", |a| binary(a, |x, y| x.logical_or(y))),
    ("logical_xor", |a| binary(a, |x, y| x.logical_xor(y))),
    ("bitwise_and", |a| binary(a, |x, y| x.bitwise_and(y))),
    ("bitwise_or", |a| binary(a, |x, y| x.bitwise_or(y))),
    ("bitwise_xor", |a| binary(a, |x, y| x.bitwise_xor(y))),
    ("left_shift", |a| binary(a, |x, y| x.left_shift(y))),
    ("right_shift", |a| binary(a, |x, y| x.right_shift(y))),
    ("where", |a| {
        let c = a.tensor(0, "condition")?;
        let x = a.operand(1, "x")?;
        let y = a.operand(2, "y")?;
        one(c.where_(x, y))
    }),
    ("clip", |a| {
        let x = a.tensor(0, "a")?;
        let lo = a.operand_opt(1, "a_min")?;
        let hi = a.operand_opt(2, "a_max")?;
        one(x.clip(lo, hi))
    }),
    ("isclose", |a| close(a, Tensor::isclose)),
    ("allclose", |a| close(a, Tensor::allclose)),
    ("array_equal", |a| {
        let x = a.tensor(0, "a")?;
        let y = a.tensor(1, "b")?;
        let equal_nan = a.bool_or(2, "equal_nan", false)?;
        one(x.array_equal(&y, equal_nan))
    }),
];

/// `isclose`/`allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False)`.
fn close(a: &mut Args, f: fn(&Tensor, &Tensor, f64, f64, bool) -> R) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    let y = a.tensor(1, "b")?;
    let rtol = a.float_or(2, "rtol", 1e-5)?;
    let atol = a.float_or(3, "atol", 1e-8)?;
    let equal_nan = a.bool_or(4, "equal_nan", false)?;
    one(f(&x, &y, rtol, atol, equal_nan))
}
