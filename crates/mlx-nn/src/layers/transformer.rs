//! `MultiHeadAttention` and the transformer encoder/decoder stacks.

use crate::{Dropout, Forward, LayerNorm, Linear};
use mlx_core::{Error, Result};
use mlx_ops::fast::{self, AttentionMask};
use mlx_ops::{Dtype, Tensor};

/// An activation function for the transformer MLPs (`nn.relu` by default).
pub type Activation = fn(&Tensor) -> Result<Tensor>;

/// `nn.MultiHeadAttention(dims, num_heads, query_input_dims=None,
/// key_input_dims=None, value_input_dims=None, value_dims=None,
/// value_output_dims=None, bias=False)`, on `[B, L, D]` inputs.
///
/// ```
/// use mlx_nn::{Module, MultiHeadAttention};
/// use mlx_ops::{fast::AttentionMask, Dtype, Tensor};
/// let mha = MultiHeadAttention::new(8, 2, false)?;
/// assert_eq!(mha.parameters().flatten_keys(),
///     ["key_proj.weight", "out_proj.weight", "query_proj.weight", "value_proj.weight"]);
/// let x = Tensor::ones(&[1, 3, 8], Dtype::Float32)?;
/// assert_eq!(mha.forward3(&x, &x, &x, AttentionMask::Causal)?.shape(), &[1, 3, 8]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct MultiHeadAttention {
    /// The query projection.
    pub query_proj: Linear,
    /// The key projection.
    pub key_proj: Linear,
    /// The value projection.
    pub value_proj: Linear,
    /// The output projection.
    pub out_proj: Linear,
    num_heads: usize,
    training: bool,
}

impl MultiHeadAttention {
    /// Attention with every input and output of width `dims`.
    pub fn new(dims: usize, num_heads: usize, bias: bool) -> Result<MultiHeadAttention> {
        MultiHeadAttention::with_dims(dims, num_heads, None, None, None, None, None, bias)
    }
    /// Attention with MLX's optional widths (each defaults as in MLX:
    /// queries and keys `dims`, values the keys', value and output widths
    /// `dims`).
    #[allow(clippy::too_many_arguments)]
    pub fn with_dims(
        dims: usize,
        num_heads: usize,
        query_input_dims: Option<usize>,
        key_input_dims: Option<usize>,
        value_input_dims: Option<usize>,
        value_dims: Option<usize>,
        value_output_dims: Option<usize>,
        bias: bool,
    ) -> Result<MultiHeadAttention> {
        if num_heads == 0 || !dims.is_multiple_of(num_heads) {
            return Err(Error::invalid(
                "MultiHeadAttention",
                format!("The input feature dimensions should be divisible by the number of heads ({dims} % {num_heads}) != 0"),
            ));
        }
        let q_in = query_input_dims.unwrap_or(dims);
        let k_in = key_input_dims.unwrap_or(dims);
        let v_in = value_input_dims.unwrap_or(k_in);
        let v_dims = value_dims.unwrap_or(dims);
        let v_out = value_output_dims.unwrap_or(dims);
        Ok(MultiHeadAttention {
            query_proj: Linear::new(q_in, dims, bias)?,
            key_proj: Linear::new(k_in, dims, bias)?,
            value_proj: Linear::new(v_in, v_dims, bias)?,
            out_proj: Linear::new(v_dims, v_out, bias)?,
            num_heads,
            training: true,
        })
    }
    /// Attends `queries` `[B, L_q, *]` to `keys`/`values` `[B, L_k, *]`.
    pub fn forward3(
        &self,
        queries: &Tensor,
        keys: &Tensor,
        values: &Tensor,
        mask: AttentionMask<'_>,
    ) -> Result<Tensor> {
        for t in [queries, keys, values] {
            if t.ndim() != 3 {
                return Err(Error::shape(
                    "MultiHeadAttention",
                    "inputs must be [B, L, D]",
                    vec![
                        queries.shape().to_vec(),
                        keys.shape().to_vec(),
                        values.shape().to_vec(),
                    ],
                ));
            }
        }
        let h = self.num_heads as i64;
        let heads =
            |t: Tensor| -> Result<Tensor> { t.unflatten(-1, &[h, -1])?.transpose(&[0, 2, 1, 3]) };
        let q = heads(self.query_proj.apply(queries)?)?;
        let k = heads(self.key_proj.apply(keys)?)?;
        let v = heads(self.value_proj.apply(values)?)?;
        let scale = (1.0 / q.shape()[3] as f64).sqrt();
        let o = fast::scaled_dot_product_attention(&q, &k, &v, scale, mask, None)?;
        let o = o.transpose(&[0, 2, 1, 3])?.flatten(-2, -1)?;
        self.out_proj.apply(&o)
    }
    /// The additive causal mask `[n, n]`: 0 on and below the diagonal, the
    /// dtype's lowest value above it (`create_additive_causal_mask`).
    ///
    /// ```
    /// use mlx_nn::MultiHeadAttention;
    /// let m = MultiHeadAttention::create_additive_causal_mask(2, mlx_ops::Dtype::Float32)?;
    /// assert_eq!(m.to_vec::<f32>()?, vec![0.0, f32::MIN, 0.0, 0.0]);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn create_additive_causal_mask(n: usize, dtype: Dtype) -> Result<Tensor> {
        let i = Tensor::arange(0.0, n as f64, 1.0, Some(Dtype::Int32))?;
        let m = i.expand_dims(1)?.less(&i.expand_dims(0)?)?;
        let lowest = match dtype {
            Dtype::Float16 => f64::from(half::f16::MIN),
            Dtype::Bfloat16 => f64::from(half::bf16::MIN),
            Dtype::Float64 => f64::MIN,
            _ => f32::MIN as f64,
        };
        m.astype(dtype)?.multiply(Tensor::scalar_as(lowest, dtype))
    }
}
crate::impl_module!(MultiHeadAttention {
    "query_proj" => module query_proj,
    "key_proj" => module key_proj,
    "value_proj" => module value_proj,
    "out_proj" => module out_proj,
});

/// `nn.TransformerEncoderLayer(dims, num_heads, mlp_dims=None, dropout=0.0,
/// activation=relu, norm_first=True)`.
///
/// ```
/// use mlx_nn::{Module, TransformerEncoderLayer};
/// use mlx_ops::{fast::AttentionMask, Dtype, Tensor};
/// let mut l = TransformerEncoderLayer::new(8, 2, None, 0.0, mlx_nn::relu, true)?;
/// assert_eq!(l.parameters().flatten_keys().len(), 12);
/// let x = Tensor::ones(&[2, 3, 8], Dtype::Float32)?;
/// assert_eq!(l.forward_mask(&x, AttentionMask::None)?.shape(), &[2, 3, 8]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct TransformerEncoderLayer {
    /// Self-attention.
    pub attention: MultiHeadAttention,
    /// The norm before (or after) attention.
    pub ln1: LayerNorm,
    /// The norm before (or after) the MLP.
    pub ln2: LayerNorm,
    /// The MLP's first layer.
    pub linear1: Linear,
    /// The MLP's second layer.
    pub linear2: Linear,
    /// Dropout after attention.
    pub dropout1: Dropout,
    /// Dropout in the MLP.
    pub dropout2: Dropout,
    activation: Activation,
    norm_first: bool,
    training: bool,
}

impl TransformerEncoderLayer {
    /// A layer; `mlp_dims` defaults to `4 * dims`.
    pub fn new(
        dims: usize,
        num_heads: usize,
        mlp_dims: Option<usize>,
        dropout: f64,
        activation: Activation,
        norm_first: bool,
    ) -> Result<Self> {
        let mlp = mlp_dims.unwrap_or(4 * dims);
        Ok(TransformerEncoderLayer {
            attention: MultiHeadAttention::new(dims, num_heads, false)?,
            ln1: LayerNorm::new(dims, 1e-5, true, true)?,
            ln2: LayerNorm::new(dims, 1e-5, true, true)?,
            linear1: Linear::new(dims, mlp, true)?,
            linear2: Linear::new(mlp, dims, true)?,
            dropout1: Dropout::new(dropout)?,
            dropout2: Dropout::new(dropout)?,
            activation,
            norm_first,
            training: true,
        })
    }
    /// Applies the layer with an attention mask.
    pub fn forward_mask(&mut self, x: &Tensor, mask: AttentionMask<'_>) -> Result<Tensor> {
        if self.norm_first {
            let y = self.ln1.forward(x)?;
            let y = self.attention.forward3(&y, &y, &y, mask)?;
            let y = self.dropout1.forward(&y)?;
            let x = x.add(&y)?;
            let y = self.ln2.forward(&x)?;
            let y = (self.activation)(&self.linear1.forward(&y)?)?;
            let y = self.linear2.forward(&self.dropout2.forward(&y)?)?;
            x.add(&y)
        } else {
            let y = self.attention.forward3(x, x, x, mask)?;
            let y = self.dropout1.forward(&y)?;
            let x = self.ln1.forward(&x.add(&y)?)?;
            let y = (self.activation)(&self.linear1.forward(&x)?)?;
            let y = self.linear2.forward(&self.dropout2.forward(&y)?)?;
            self.ln2.forward(&x.add(&y)?)
        }
    }
}
crate::impl_module!(TransformerEncoderLayer {
    "attention" => module attention,
    "ln1" => module ln1,
    "ln2" => module ln2,
    "linear1" => module linear1,
    "linear2" => module linear2,
    "dropout1" => module dropout1,
    "dropout2" => module dropout2,
});

/// `nn.TransformerEncoder(num_layers, dims, num_heads, mlp_dims=None,
/// dropout=0.0, activation=relu, norm_first=True)`: `layers` then a final
/// `ln`.
///
/// ```
/// use mlx_nn::{Module, TransformerEncoder};
/// use mlx_ops::{fast::AttentionMask, Dtype, Tensor};
/// let mut e = TransformerEncoder::new(2, 8, 2, Some(16), 0.0, mlx_nn::relu, true)?;
/// assert!(e.parameters().flatten_keys().contains(&"layers.1.attention.out_proj.weight".to_string()));
/// let x = Tensor::ones(&[1, 3, 8], Dtype::Float32)?;
/// assert_eq!(e.forward_mask(&x, AttentionMask::None)?.shape(), &[1, 3, 8]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct TransformerEncoder {
    /// The layers.
    pub layers: Vec<TransformerEncoderLayer>,
    /// The final norm.
    pub ln: LayerNorm,
    training: bool,
}

impl TransformerEncoder {
    /// `num_layers` layers of width `dims`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        num_layers: usize,
        dims: usize,
        num_heads: usize,
        mlp_dims: Option<usize>,
        dropout: f64,
        activation: Activation,
        norm_first: bool,
    ) -> Result<Self> {
        Ok(TransformerEncoder {
            layers: (0..num_layers)
                .map(|_| {
                    TransformerEncoderLayer::new(
                        dims, num_heads, mlp_dims, dropout, activation, norm_first,
                    )
                })
                .collect::<Result<_>>()?,
            ln: LayerNorm::new(dims, 1e-5, true, true)?,
            training: true,
        })
    }
    /// Applies the stack with an attention mask.
    pub fn forward_mask(&mut self, x: &Tensor, mask: AttentionMask<'_>) -> Result<Tensor> {
        let mut x = x.clone();
        for l in &mut self.layers {
            x = l.forward_mask(&x, mask)?;
        }
        self.ln.forward(&x)
    }
}
crate::impl_module!(TransformerEncoder { "layers" => modules layers, "ln" => module ln });

/// `nn.TransformerDecoderLayer(dims, num_heads, mlp_dims=None, dropout=0.0,
/// activation=relu, norm_first=True)`.
///
/// ```
/// use mlx_nn::{Module, TransformerDecoderLayer};
/// use mlx_ops::{fast::AttentionMask, Dtype, Tensor};
/// let mut l = TransformerDecoderLayer::new(8, 2, None, 0.0, mlx_nn::relu, true)?;
/// let x = Tensor::ones(&[1, 3, 8], Dtype::Float32)?;
/// let mem = Tensor::ones(&[1, 5, 8], Dtype::Float32)?;
/// assert_eq!(l.forward_mask(&x, &mem, AttentionMask::Causal, AttentionMask::None)?.shape(), &[1, 3, 8]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct TransformerDecoderLayer {
    /// Self-attention.
    pub self_attention: MultiHeadAttention,
    /// Attention to the encoder's memory.
    pub cross_attention: MultiHeadAttention,
    /// Norm of the self-attention block.
    pub ln1: LayerNorm,
    /// Norm of the cross-attention block.
    pub ln2: LayerNorm,
    /// Norm of the MLP block.
    pub ln3: LayerNorm,
    /// The MLP's first layer.
    pub linear1: Linear,
    /// The MLP's second layer.
    pub linear2: Linear,
    /// Dropout after self-attention.
    pub dropout1: Dropout,
    /// Dropout after cross-attention.
    pub dropout2: Dropout,
    /// Dropout in the MLP.
    pub dropout3: Dropout,
    activation: Activation,
    norm_first: bool,
    training: bool,
}

impl TransformerDecoderLayer {
    /// A layer; `mlp_dims` defaults to `4 * dims`.
    pub fn new(
        dims: usize,
        num_heads: usize,
        mlp_dims: Option<usize>,
        dropout: f64,
        activation: Activation,
        norm_first: bool,
    ) -> Result<Self> {
        let mlp = mlp_dims.unwrap_or(4 * dims);
        Ok(TransformerDecoderLayer {
            self_attention: MultiHeadAttention::new(dims, num_heads, false)?,
            cross_attention: MultiHeadAttention::new(dims, num_heads, false)?,
            ln1: LayerNorm::new(dims, 1e-5, true, true)?,
            ln2: LayerNorm::new(dims, 1e-5, true, true)?,
            ln3: LayerNorm::new(dims, 1e-5, true, true)?,
            linear1: Linear::new(dims, mlp, true)?,
            linear2: Linear::new(mlp, dims, true)?,
            dropout1: Dropout::new(dropout)?,
            dropout2: Dropout::new(dropout)?,
            dropout3: Dropout::new(dropout)?,
            activation,
            norm_first,
            training: true,
        })
    }
    /// Applies the layer to `x` attending to `memory`.
    pub fn forward_mask(
        &mut self,
        x: &Tensor,
        memory: &Tensor,
        x_mask: AttentionMask<'_>,
        memory_mask: AttentionMask<'_>,
    ) -> Result<Tensor> {
        if self.norm_first {
            let y = self.ln1.forward(x)?;
            let y = self.self_attention.forward3(&y, &y, &y, x_mask)?;
            let x = x.add(&self.dropout1.forward(&y)?)?;
            let y = self.ln2.forward(&x)?;
            let y = self
                .cross_attention
                .forward3(&y, memory, memory, memory_mask)?;
            let x = x.add(&self.dropout2.forward(&y)?)?;
            let y = self.ln3.forward(&x)?;
            let y = (self.activation)(&self.linear1.forward(&y)?)?;
            let y = self.linear2.forward(&self.dropout3.forward(&y)?)?;
            x.add(&y)
        } else {
            let y = self.self_attention.forward3(x, x, x, x_mask)?;
            let x = self.ln1.forward(&x.add(&self.dropout1.forward(&y)?)?)?;
            let y = self
                .cross_attention
                .forward3(&x, memory, memory, memory_mask)?;
            let x = self.ln2.forward(&x.add(&self.dropout2.forward(&y)?)?)?;
            let y = (self.activation)(&self.linear1.forward(&x)?)?;
            let y = self.linear2.forward(&self.dropout3.forward(&y)?)?;
            self.ln3.forward(&x.add(&y)?)
        }
    }
}
crate::impl_module!(TransformerDecoderLayer {
    "self_attention" => module self_attention,
    "cross_attention" => module cross_attention,
    "ln1" => module ln1,
    "ln2" => module ln2,
    "ln3" => module ln3,
    "linear1" => module linear1,
    "linear2" => module linear2,
    "dropout1" => module dropout1,
    "dropout2" => module dropout2,
    "dropout3" => module dropout3,
});

/// `nn.TransformerDecoder(num_layers, dims, num_heads, ...)`: `layers`
/// then a final `ln`.
///
/// ```
/// use mlx_nn::TransformerDecoder;
/// use mlx_ops::{fast::AttentionMask, Dtype, Tensor};
/// let mut d = TransformerDecoder::new(1, 8, 2, None, 0.0, mlx_nn::relu, true)?;
/// let x = Tensor::ones(&[1, 3, 8], Dtype::Float32)?;
/// assert_eq!(d.forward_mask(&x, &x, AttentionMask::Causal, AttentionMask::None)?.shape(), &[1, 3, 8]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct TransformerDecoder {
    /// The layers.
    pub layers: Vec<TransformerDecoderLayer>,
    /// The final norm.
    pub ln: LayerNorm,
    training: bool,
}

impl TransformerDecoder {
    /// `num_layers` layers of width `dims`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        num_layers: usize,
        dims: usize,
        num_heads: usize,
        mlp_dims: Option<usize>,
        dropout: f64,
        activation: Activation,
        norm_first: bool,
    ) -> Result<Self> {
        Ok(TransformerDecoder {
            layers: (0..num_layers)
                .map(|_| {
                    TransformerDecoderLayer::new(
                        dims, num_heads, mlp_dims, dropout, activation, norm_first,
                    )
                })
                .collect::<Result<_>>()?,
            ln: LayerNorm::new(dims, 1e-5, true, true)?,
            training: true,
        })
    }
    /// Applies the stack.
    pub fn forward_mask(
        &mut self,
        x: &Tensor,
        memory: &Tensor,
        x_mask: AttentionMask<'_>,
        memory_mask: AttentionMask<'_>,
    ) -> Result<Tensor> {
        let mut x = x.clone();
        for l in &mut self.layers {
            x = l.forward_mask(&x, memory, x_mask, memory_mask)?;
        }
        self.ln.forward(&x)
    }
}
crate::impl_module!(TransformerDecoder { "layers" => modules layers, "ln" => module ln });

/// `nn.Transformer(dims=512, num_heads=8, num_encoder_layers=6,
/// num_decoder_layers=6, mlp_dims=None, dropout=0.0, activation=relu,
/// norm_first=True)`: an `encoder` and a `decoder`.
///
/// ```
/// use mlx_nn::{Module, Transformer};
/// use mlx_ops::{fast::AttentionMask, Dtype, Tensor};
/// let mut t = Transformer::new(8, 2, 1, 1, None, 0.0, mlx_nn::relu, true)?;
/// assert!(t.parameters().flatten_keys().contains(&"decoder.layers.0.cross_attention.key_proj.weight".to_string()));
/// let src = Tensor::ones(&[1, 4, 8], Dtype::Float32)?;
/// let tgt = Tensor::ones(&[1, 3, 8], Dtype::Float32)?;
/// let y = t.forward_mask(&src, &tgt, AttentionMask::None, AttentionMask::Causal, AttentionMask::None)?;
/// assert_eq!(y.shape(), &[1, 3, 8]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Transformer {
    /// The encoder stack.
    pub encoder: TransformerEncoder,
    /// The decoder stack.
    pub decoder: TransformerDecoder,
    training: bool,
}

impl Transformer {
    /// A transformer of width `dims`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        dims: usize,
        num_heads: usize,
        num_encoder_layers: usize,
        num_decoder_layers: usize,
        mlp_dims: Option<usize>,
        dropout: f64,
        activation: Activation,
        norm_first: bool,
    ) -> Result<Self> {
        Ok(Transformer {
            encoder: TransformerEncoder::new(
                num_encoder_layers,
                dims,
                num_heads,
                mlp_dims,
                dropout,
                activation,
                norm_first,
            )?,
            decoder: TransformerDecoder::new(
                num_decoder_layers,
                dims,
                num_heads,
                mlp_dims,
                dropout,
                activation,
                norm_first,
            )?,
            training: true,
        })
    }
    /// Encodes `src` and decodes `tgt` attending to it.
    pub fn forward_mask(
        &mut self,
        src: &Tensor,
        tgt: &Tensor,
        src_mask: AttentionMask<'_>,
        tgt_mask: AttentionMask<'_>,
        memory_mask: AttentionMask<'_>,
    ) -> Result<Tensor> {
        let memory = self.encoder.forward_mask(src, src_mask)?;
        self.decoder
            .forward_mask(tgt, &memory, tgt_mask, memory_mask)
    }
}
crate::impl_module!(Transformer { "encoder" => module encoder, "decoder" => module decoder });
