//! `Sequential`.

use crate::{Forward, Layer};
use mlx_core::Result;
use mlx_ops::Tensor;

/// `nn.Sequential(*modules)`: applies its layers in order; its parameter
/// tree is `{"layers": [...]}` as in MLX.
///
/// ```
/// use mlx_nn::{Forward, Linear, Module, ReLU, Sequential};
/// let mut s = Sequential::new().push(Linear::new(3, 4, true)?).push(ReLU::new());
/// assert_eq!(s.parameters().flatten_keys(), ["layers.0.bias", "layers.0.weight"]);
/// let y = s.forward(&mlx_ops::Tensor::ones(&[2, 3], mlx_ops::Dtype::Float32)?)?;
/// assert_eq!(y.shape(), &[2, 4]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Sequential {
    /// The layers, in order.
    pub layers: Vec<Box<dyn Layer>>,
    training: bool,
}

impl Sequential {
    /// An empty container (the identity).
    pub fn new() -> Sequential {
        Sequential {
            layers: Vec::new(),
            training: true,
        }
    }
    /// Appends a layer.
    pub fn push(mut self, layer: impl Layer + 'static) -> Sequential {
        self.layers.push(Box::new(layer));
        self
    }
    /// A container of boxed layers.
    ///
    /// ```
    /// use mlx_nn::{Layer, ReLU, Sequential};
    /// let s = Sequential::from_layers(vec![Box::new(ReLU::new()) as Box<dyn Layer>]);
    /// assert_eq!(s.layers.len(), 1);
    /// ```
    pub fn from_layers(layers: Vec<Box<dyn Layer>>) -> Sequential {
        Sequential {
            layers,
            training: true,
        }
    }
}

impl Default for Sequential {
    fn default() -> Self {
        Sequential::new()
    }
}

impl std::fmt::Debug for Sequential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sequential({} layers)", self.layers.len())
    }
}

crate::impl_module!(Sequential { "layers" => modules layers });
impl Forward for Sequential {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        let mut y = x.clone();
        for l in &mut self.layers {
            y = l.forward(&y)?;
        }
        Ok(y)
    }
}
