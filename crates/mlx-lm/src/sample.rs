//! Sampling continuations from a model.

use crate::TransformerLm;
use mlx::random::{self, Samples};
use mlx::{Error, Result, Tensor};

/// Extends `prompt` by `max_new` tokens: greedy when `temperature` is 0,
/// otherwise drawn from `softmax(logits / temperature)` with keys split
/// from `key` (the global random state when `None`).
///
/// ```
/// use mlx_lm::{sample::generate, LmConfig, TransformerLm};
/// let cfg = LmConfig { vocab_size: 12, dims: 8, layers: 1, heads: 2, hidden_dims: 16, ..LmConfig::default() };
/// let m = TransformerLm::new(&cfg)?;
/// let out = generate(&m, &[1, 2], 5, 0.0, None)?;
/// assert_eq!(out.len(), 7);
/// assert!(out.iter().all(|&t| (0..12).contains(&t)));
/// # Ok::<(), mlx::Error>(())
/// ```
pub fn generate(
    model: &TransformerLm,
    prompt: &[i32],
    max_new: usize,
    temperature: f64,
    key: Option<&Tensor>,
) -> Result<Vec<i32>> {
    if prompt.is_empty() {
        return Err(Error::invalid("generate", "the prompt is empty"));
    }
    if temperature < 0.0 || !temperature.is_finite() {
        return Err(Error::invalid(
            "generate",
            format!("temperature must be finite and >= 0, got {temperature}"),
        ));
    }
    let mut tokens = prompt.to_vec();
    let mut key = key.cloned();
    for _ in 0..max_new {
        let x = Tensor::from_slice(&tokens, &[1, tokens.len()])?;
        let t = tokens.len() as i64;
        let last = model
            .apply(&x)?
            .slice_axis(1, t - 1, t, 1)?
            .reshape(&[-1])?;
        let next = if temperature == 0.0 {
            last.argmax(None, false)?
        } else {
            let sub = match &key {
                Some(k) => {
                    let ks = random::split(k, 2)?;
                    key = Some(ks.slice_axis(0, 0, 1, 1)?.reshape(&[2])?);
                    Some(ks.slice_axis(0, 1, 2, 1)?.reshape(&[2])?)
                }
                None => None,
            };
            random::categorical(
                &last.multiply(1.0 / temperature)?,
                -1,
                Samples::One,
                sub.as_ref(),
            )?
        };
        tokens.push(next.astype(mlx::Dtype::Int32)?.item::<i32>()?);
    }
    Ok(tokens)
}
