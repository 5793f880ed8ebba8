//! The task: modular arithmetic progressions. Sequence `i` starts at a
//! random token `s` and steps by a random `d` in `1..max_step`:
//! `s, s + d, s + 2d, ... (mod vocab)`. After two tokens the rest is
//! determined, so a model that learns the rule drives the loss of every
//! later position to zero; the first two positions stay at chance
//! (about `ln(vocab)` and `ln(max_step - 1)`), which bounds the mean loss
//! from below.

use mlx::{random, Dtype, Result, Tensor};

/// A stream of batches of progressions, reproducible from a seed.
///
/// ```
/// let task = mlx_lm::data::Progressions::new(16, 6, 2, 7);
/// let b = task.batch(0)?;
/// assert_eq!(b.shape(), &[2, 7]);
/// let v = b.to_vec::<i32>()?;
/// let d = (v[1] - v[0]).rem_euclid(16);
/// assert_eq!((v[2] - v[1]).rem_euclid(16), d);
/// assert_eq!(task.batch(0)?.to_vec::<i32>()?, v);
/// # Ok::<(), mlx::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Progressions {
    /// Vocabulary size (the modulus).
    pub vocab: usize,
    /// Positions the model predicts (each batch row holds `seq_len + 1` tokens).
    pub seq_len: usize,
    /// Rows per batch.
    pub batch_size: usize,
    /// The seed of the stream.
    pub seed: u64,
    /// Steps are drawn from `1..max_step`.
    pub max_step: usize,
}

impl Progressions {
    /// A stream with steps in `1..8` (capped below the vocabulary).
    pub fn new(vocab: usize, seq_len: usize, batch_size: usize, seed: u64) -> Progressions {
        Progressions {
            vocab,
            seq_len,
            batch_size,
            seed,
            max_step: 8.min(vocab.max(2)),
        }
    }

    /// Batch number `index`: `[batch_size, seq_len + 1]` int32 tokens.
    pub fn batch(&self, index: u64) -> Result<Tensor> {
        let key = random::key(self.seed.wrapping_mul(1_000_003).wrapping_add(index));
        let keys = random::split(&key, 2)?;
        let k = |i: i64| keys.slice_axis(0, i, i + 1, 1)?.reshape(&[2]);
        let b = self.batch_size;
        let start = random::randint(
            0,
            self.vocab as i64,
            &[b, 1],
            Some(Dtype::Int32),
            Some(&k(0)?),
        )?;
        let step = random::randint(
            1,
            self.max_step as i64,
            &[b, 1],
            Some(Dtype::Int32),
            Some(&k(1)?),
        )?;
        let pos = Tensor::arange(0.0, (self.seq_len + 1) as f64, 1.0, Some(Dtype::Int32))?;
        let tokens = start
            .add(&step.multiply(&pos)?)?
            .remainder(self.vocab as i64)?;
        tokens.eval()?;
        Ok(tokens)
    }
}
