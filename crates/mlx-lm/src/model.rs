//! The model: a Llama-style decoder-only transformer.

use mlx::fast::{scaled_dot_product_attention, AttentionMask};
use mlx::nn::{impl_module, silu, Embedding, Forward, Linear, Module, RMSNorm, RoPE};
use mlx::{Error, Result, Tensor};

/// The shape of a [`TransformerLm`].
///
/// ```
/// let c = mlx_lm::LmConfig::default();
/// assert_eq!(c.dims % c.heads, 0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LmConfig {
    /// Number of tokens.
    pub vocab_size: usize,
    /// Width of the residual stream.
    pub dims: usize,
    /// Number of transformer blocks.
    pub layers: usize,
    /// Attention heads (`dims` must divide by it).
    pub heads: usize,
    /// Width of the SwiGLU MLP's hidden layer.
    pub hidden_dims: usize,
    /// RoPE's base frequency.
    pub rope_base: f64,
    /// RMSNorm's epsilon.
    pub norm_eps: f64,
}

impl Default for LmConfig {
    fn default() -> Self {
        LmConfig {
            vocab_size: 32,
            dims: 64,
            layers: 2,
            heads: 4,
            hidden_dims: 128,
            rope_base: 10000.0,
            norm_eps: 1e-5,
        }
    }
}

/// Causal multi-head self-attention with rotary position embeddings on the
/// queries and keys (parameters `wq`, `wk`, `wv`, `wo`, no biases).
#[derive(Clone, Debug)]
pub struct Attention {
    /// Query projection.
    pub wq: Linear,
    /// Key projection.
    pub wk: Linear,
    /// Value projection.
    pub wv: Linear,
    /// Output projection.
    pub wo: Linear,
    rope: RoPE,
    heads: usize,
    training: bool,
}
impl_module!(Attention { "wq" => module wq, "wk" => module wk, "wv" => module wv, "wo" => module wo });

impl Attention {
    fn new(c: &LmConfig) -> Result<Attention> {
        let head_dim = c.dims / c.heads;
        Ok(Attention {
            wq: Linear::new(c.dims, c.dims, false)?,
            wk: Linear::new(c.dims, c.dims, false)?,
            wv: Linear::new(c.dims, c.dims, false)?,
            wo: Linear::new(c.dims, c.dims, false)?,
            rope: RoPE::new(head_dim, false, c.rope_base, 1.0),
            heads: c.heads,
            training: true,
        })
    }

    /// `[B, T, D]` to `[B, T, D]`, position `t` attending to `0..=t`.
    fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let (b, t, d) = (
            x.shape()[0] as i64,
            x.shape()[1] as i64,
            x.shape()[2] as i64,
        );
        let h = self.heads as i64;
        let split = |y: Tensor| y.reshape(&[b, t, h, d / h])?.transpose(&[0, 2, 1, 3]);
        let q = self.rope.forward_offset(&split(self.wq.apply(x)?)?, 0)?;
        let k = self.rope.forward_offset(&split(self.wk.apply(x)?)?, 0)?;
        let v = split(self.wv.apply(x)?)?;
        let scale = 1.0 / ((d / h) as f64).sqrt();
        let o = scaled_dot_product_attention(&q, &k, &v, scale, AttentionMask::Causal, None)?;
        self.wo
            .apply(&o.transpose(&[0, 2, 1, 3])?.reshape(&[b, t, d])?)
    }
}

/// The SwiGLU MLP: `down(silu(gate(x)) * up(x))`.
#[derive(Clone, Debug)]
pub struct Mlp {
    /// Gate projection.
    pub gate: Linear,
    /// Up projection.
    pub up: Linear,
    /// Down projection.
    pub down: Linear,
    training: bool,
}
impl_module!(Mlp { "gate" => module gate, "up" => module up, "down" => module down });

impl Mlp {
    fn new(c: &LmConfig) -> Result<Mlp> {
        Ok(Mlp {
            gate: Linear::new(c.dims, c.hidden_dims, false)?,
            up: Linear::new(c.dims, c.hidden_dims, false)?,
            down: Linear::new(c.hidden_dims, c.dims, false)?,
            training: true,
        })
    }
    fn apply(&self, x: &Tensor) -> Result<Tensor> {
        self.down
            .apply(&silu(&self.gate.apply(x)?)?.multiply(&self.up.apply(x)?)?)
    }
}

/// A pre-norm block: `h = x + attention(norm(x))`, `h + mlp(norm(h))`.
#[derive(Clone, Debug)]
pub struct Block {
    /// The norm before attention.
    pub attention_norm: RMSNorm,
    /// Self-attention.
    pub attention: Attention,
    /// The norm before the MLP.
    pub mlp_norm: RMSNorm,
    /// The MLP.
    pub mlp: Mlp,
    training: bool,
}
impl_module!(Block {
    "attention_norm" => module attention_norm,
    "attention" => module attention,
    "mlp_norm" => module mlp_norm,
    "mlp" => module mlp,
});

impl Block {
    fn new(c: &LmConfig) -> Result<Block> {
        Ok(Block {
            attention_norm: RMSNorm::new(c.dims, c.norm_eps)?,
            attention: Attention::new(c)?,
            mlp_norm: RMSNorm::new(c.dims, c.norm_eps)?,
            mlp: Mlp::new(c)?,
            training: true,
        })
    }
    fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let h = x.add(&self.attention.apply(&self.attention_norm.apply(x)?)?)?;
        h.add(&self.mlp.apply(&self.mlp_norm.apply(&h)?)?)
    }
}

/// A decoder-only language model: tokens `[B, T]` (integers) to logits
/// `[B, T, vocab_size]`, each position seeing only itself and earlier ones.
/// Parameters are drawn from the global random state in MLX's order
/// (embedding, then each block, the final norm and the head).
///
/// ```
/// use mlx::nn::{Forward, Module};
/// use mlx_lm::{LmConfig, TransformerLm};
/// let cfg = LmConfig { vocab_size: 10, dims: 8, layers: 1, heads: 2, hidden_dims: 16, ..LmConfig::default() };
/// let mut m = TransformerLm::new(&cfg)?;
/// let tokens = mlx::Tensor::from_slice(&[1i32, 2, 3, 4, 5, 6], &[2, 3])?;
/// assert_eq!(m.forward(&tokens)?.shape(), &[2, 3, 10]);
/// assert!(m.parameters().flatten_keys().contains(&"layers.0.attention.wq.weight".to_string()));
/// # Ok::<(), mlx::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct TransformerLm {
    /// Token embedding `[vocab_size, dims]`.
    pub embedding: Embedding,
    /// The blocks.
    pub layers: Vec<Block>,
    /// The final norm.
    pub norm: RMSNorm,
    /// The output head `[vocab_size, dims]`.
    pub lm_head: Linear,
    config: LmConfig,
    training: bool,
}
impl_module!(TransformerLm {
    "embedding" => module embedding,
    "layers" => modules layers,
    "norm" => module norm,
    "lm_head" => module lm_head,
});

impl TransformerLm {
    /// A freshly initialised model; `Err` when `dims` does not divide by
    /// `heads`, or the head dimension is odd (RoPE rotates pairs).
    pub fn new(config: &LmConfig) -> Result<TransformerLm> {
        if config.heads == 0
            || !config.dims.is_multiple_of(config.heads)
            || !(config.dims / config.heads).is_multiple_of(2)
        {
            return Err(Error::invalid(
                "TransformerLm",
                format!(
                    "dims ({}) must split into {} heads of an even size",
                    config.dims, config.heads
                ),
            ));
        }
        let embedding = Embedding::new(config.vocab_size, config.dims)?;
        let layers = (0..config.layers)
            .map(|_| Block::new(config))
            .collect::<Result<Vec<_>>>()?;
        Ok(TransformerLm {
            embedding,
            layers,
            norm: RMSNorm::new(config.dims, config.norm_eps)?,
            lm_head: Linear::new(config.dims, config.vocab_size, false)?,
            config: config.clone(),
            training: true,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &LmConfig {
        &self.config
    }

    /// Logits for `tokens` without needing `&mut`.
    pub fn apply(&self, tokens: &Tensor) -> Result<Tensor> {
        if tokens.ndim() != 2 {
            return Err(Error::shape(
                "TransformerLm",
                "tokens must be [batch, length]",
                vec![tokens.shape().to_vec()],
            ));
        }
        let mut h = self.embedding.apply(tokens)?;
        for b in &self.layers {
            h = b.apply(&h)?;
        }
        self.lm_head.apply(&self.norm.apply(&h)?)
    }

    /// Number of parameters.
    pub fn num_parameters(&self) -> usize {
        self.parameters().leaves().iter().map(|t| t.size()).sum()
    }
}

impl Forward for TransformerLm {
    fn forward(&mut self, tokens: &Tensor) -> Result<Tensor> {
        self.apply(tokens)
    }
}
