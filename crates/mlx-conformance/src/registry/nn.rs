//! Neural-network ops: `softmax`, `log_softmax` and `mx.fast`.

use super::{one, Arg, Args, OpFn, Result, Value};
use mlx_ops::fast::{self, AttentionMask};

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
    ("softmax", |a| {
        let x = a.tensor(0, "a")?;
        let axes = a.axes(1, "axis")?;
        let precise = a.bool_or(2, "precise", false)?;
        one(x.softmax(axes, precise))
    }),
    ("log_softmax", |a| {
        let x = a.tensor(0, "a")?;
        let axes = a.axes(1, "axis")?;
        one(x.log_softmax(axes))
    }),
    ("fast.rms_norm", |a| {
        let x = a.tensor(0, "x")?;
        let w = a.tensor_opt(1, "weight")?;
        let eps = required_float(a, 2, "eps")?;
        one(fast::rms_norm(&x, w.as_ref(), eps))
    }),
    ("fast.layer_norm", |a| {
        let x = a.tensor(0, "x")?;
        let w = a.tensor_opt(1, "weight")?;
        let b = a.tensor_opt(2, "bias")?;
        let eps = required_float(a, 3, "eps")?;
        one(fast::layer_norm(&x, w.as_ref(), b.as_ref(), eps))
    }),
    ("fast.rope", |a| {
        let x = a.tensor(0, "a")?;
        let dims = a.size(1, "dims")?;
        let traditional = a.bool_or(usize::MAX, "traditional", false)?;
        let base = a.scalar_opt(usize::MAX, "base")?.map(|s| s.as_f64());
        let scale = a.float_or(usize::MAX, "scale", 1.0)?;
        let offset = match a.req(usize::MAX, "offset")? {
            Arg::Tensor(t) => t,
            v => mlx_ops::Tensor::scalar(a.to_int("offset", &v)? as i32),
        };
        let freqs = a.tensor_opt(usize::MAX, "freqs")?;
        one(fast::rope(
            &x,
            dims,
            traditional,
            base,
            scale,
            &offset,
            freqs.as_ref(),
        ))
    }),
    ("fast.scaled_dot_product_attention", |a| {
        let q = a.tensor(0, "q")?;
        let k = a.tensor(1, "k")?;
        let v = a.tensor(2, "v")?;
        let scale = required_float(a, usize::MAX, "scale")?;
        let mask = a.opt(usize::MAX, "mask")?;
        let sinks = a.tensor_opt(usize::MAX, "sinks")?;
        let mask = match &mask {
            None => AttentionMask::None,
            Some(Arg::Value(Value::String(s))) if s == "causal" => AttentionMask::Causal,
            Some(Arg::Tensor(t)) => AttentionMask::Array(t),
            Some(m) => {
                return Err(a.error(
                    "mask",
                    format!("expected \"causal\" or an array, got {}", m.describe()),
                ))
            }
        };
        one(fast::scaled_dot_product_attention(
            &q,
            &k,
            &v,
            scale,
            mask,
            sinks.as_ref(),
        ))
    }),
];

/// A required float parameter.
fn required_float(a: &mut Args, i: usize, name: &str) -> Result<f64> {
    let v = a.float_or(i, name, f64::NAN)?;
    if v.is_nan() {
        return Err(a.error(name, "missing required argument"));
    }
    Ok(v)
}
