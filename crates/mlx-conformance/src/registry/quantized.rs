//! Quantization (`mode="affine"`) and the expert-indexed products.

use super::{many, one, Args, OpFn};
use crate::Result;
use mlx_ops::quantized;

/// `group_size`/`bits` at positions `i`, `i + 1` (MLX's defaults 64 and 4)
/// and the mode at `i + 2` (only `"affine"`).
fn params(a: &mut Args, i: usize) -> Result<(usize, usize)> {
    let g = a.int_opt(i, "group_size")?.unwrap_or(64);
    let b = a.int_opt(i + 1, "bits")?.unwrap_or(4);
    if let Some(m) = a.str_opt(i + 2, "mode")? {
        if m != "affine" {
            return Err(a.error(
                "mode",
                format!("only affine quantization is supported, not {m}"),
            ));
        }
    }
    let g = usize::try_from(g).map_err(|_| a.error("group_size", "must be positive"))?;
    let b = usize::try_from(b).map_err(|_| a.error("bits", "must be positive"))?;
    Ok((g, b))
}

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
    ("quantize", |a| {
        let w = a.tensor(0, "w")?;
        let (g, b) = params(a, 1)?;
        many(quantized::quantize(&w, g, b).map(|(q, s, b)| vec![q, s, b]))
    }),
    ("dequantize", |a| {
        let w = a.tensor(0, "w")?;
        let s = a.tensor(1, "scales")?;
        let b = a.tensor_opt(2, "biases")?;
        let (g, bits) = params(a, 3)?;
        let dtype = a.dtype_opt(7, "dtype")?;
        let b =
            b.ok_or_else(|| a.error("biases", "biases must be provided for affine quantization"))?;
        one(quantized::dequantize(&w, &s, &b, g, bits, dtype))
    }),
    ("quantized_matmul", |a| {
        let x = a.tensor(0, "x")?;
        let w = a.tensor(1, "w")?;
        let s = a.tensor(2, "scales")?;
        let b = a.tensor_opt(3, "biases")?;
        let t = a.bool_or(4, "transpose", true)?;
        let (g, bits) = params(a, 5)?;
        let b =
            b.ok_or_else(|| a.error("biases", "biases must be provided for affine quantization"))?;
        one(quantized::quantized_matmul(&x, &w, &s, &b, t, g, bits))
    }),
    ("gather_mm", |a| {
        let x = a.tensor(0, "a")?;
        let y = a.tensor(1, "b")?;
        let li = a.tensor_opt(2, "lhs_indices")?;
        let ri = a.tensor_opt(3, "rhs_indices")?;
        let sorted = a.bool_or(4, "sorted_indices", false)?;
        one(quantized::gather_mm(
            &x,
            &y,
            li.as_ref(),
            ri.as_ref(),
            sorted,
        ))
    }),
    ("gather_qmm", |a| {
        let x = a.tensor(0, "x")?;
        let w = a.tensor(1, "w")?;
        let s = a.tensor(2, "scales")?;
        let b = a.tensor_opt(3, "biases")?;
        let li = a.tensor_opt(4, "lhs_indices")?;
        let ri = a.tensor_opt(5, "rhs_indices")?;
        let t = a.bool_or(6, "transpose", true)?;
        let (g, bits) = params(a, 7)?;
        let sorted = a.bool_or(10, "sorted_indices", false)?;
        let b =
            b.ok_or_else(|| a.error("biases", "biases must be provided for affine quantization"))?;
        one(quantized::gather_qmm(
            &x,
            &w,
            &s,
            &b,
            li.as_ref(),
            ri.as_ref(),
            t,
            g,
            bits,
            sorted,
        ))
    }),
];
