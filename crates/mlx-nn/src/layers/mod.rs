//! The layers.

mod containers;
mod conv;
mod dropout;
mod linear;
mod norm;
mod pooling;
mod positional;
mod transformer;
mod upsample;

pub use containers::Sequential;
pub use conv::{
    Conv, Conv1d, Conv2d, Conv3d, ConvTranspose, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d,
    SpatialDims,
};
pub use dropout::{Dropout, Dropout2d, Dropout3d};
pub use linear::{Bilinear, Embedding, Identity, Linear};
pub use norm::{BatchNorm, GroupNorm, InstanceNorm, LayerNorm, RMSNorm};
pub use pooling::{AvgPool1d, AvgPool2d, AvgPool3d, MaxPool1d, MaxPool2d, MaxPool3d, Size2, Size3};
pub use positional::{ALiBi, RoPE, SinusoidalPositionalEncoding};
pub use transformer::{
    Activation, MultiHeadAttention, Transformer, TransformerDecoder, TransformerDecoderLayer,
    TransformerEncoder, TransformerEncoderLayer,
};
pub use upsample::{upsample_cubic, upsample_linear, upsample_nearest, Upsample, UpsampleMode};
