//! The [`Module`] trait: named parameter trees, freezing, train/eval modes
//! and weight files, with MLX's `nn.Module` semantics.

use mlx_autograd::Tree;
use mlx_core::{Error, Result};
use mlx_ops::{Dtype, Tensor};
use std::collections::BTreeMap;
use std::ops::Deref;
use std::path::Path;

/// A parameter: a tensor and whether it is frozen (left out of
/// [`Module::trainable_parameters`]). Buffers such as BatchNorm's running
/// statistics are parameters that stay frozen even after `unfreeze`.
///
/// It dereferences to its [`Tensor`].
///
/// ```
/// use mlx_nn::Param;
/// use mlx_ops::{Dtype, Tensor};
/// let p = Param::new(Tensor::ones(&[2], Dtype::Float32)?);
/// assert_eq!(p.shape(), &[2]);
/// assert!(!p.is_frozen());
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Param {
    value: Tensor,
    frozen: bool,
    buffer: bool,
}

impl Param {
    /// A trainable parameter.
    ///
    /// ```
    /// let p = mlx_nn::Param::new(mlx_ops::Tensor::scalar(1.0f32));
    /// assert_eq!(p.value().item::<f32>()?, 1.0);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn new(value: Tensor) -> Param {
        Param {
            value,
            frozen: false,
            buffer: false,
        }
    }
    /// A parameter that is always frozen (a statistic such as a running
    /// mean): it is part of [`Module::parameters`] and of weight files, but
    /// never of [`Module::trainable_parameters`].
    ///
    /// ```
    /// let p = mlx_nn::Param::buffer(mlx_ops::Tensor::scalar(0.0f32));
    /// assert!(p.is_frozen());
    /// ```
    pub fn buffer(value: Tensor) -> Param {
        Param {
            value,
            frozen: true,
            buffer: true,
        }
    }
    /// The tensor.
    ///
    /// ```
    /// let p = mlx_nn::Param::new(mlx_ops::Tensor::scalar(2i32));
    /// assert_eq!(p.value().item::<i32>()?, 2);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn value(&self) -> &Tensor {
        &self.value
    }
    /// Replaces the tensor (keeps the frozen flag).
    ///
    /// ```
    /// let mut p = mlx_nn::Param::new(mlx_ops::Tensor::scalar(2i32));
    /// p.set(mlx_ops::Tensor::scalar(3i32));
    /// assert_eq!(p.item::<i32>()?, 3);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn set(&mut self, value: Tensor) {
        self.value = value;
    }
    /// Whether the parameter is frozen.
    ///
    /// ```
    /// assert!(!mlx_nn::Param::new(mlx_ops::Tensor::scalar(1u8)).is_frozen());
    /// ```
    pub fn is_frozen(&self) -> bool {
        self.frozen
    }
    fn set_frozen(&mut self, frozen: bool) {
        self.frozen = frozen || self.buffer;
    }
}

impl Deref for Param {
    type Target = Tensor;
    fn deref(&self) -> &Tensor {
        &self.value
    }
}

/// A child of a module, borrowed: a parameter, a sub-module, or a list of
/// children (`Sequential`'s `layers`).
pub enum Node<'a> {
    /// A parameter.
    Param(&'a Param),
    /// A sub-module (a dict in MLX's tree).
    Module(&'a dyn Module),
    /// A list.
    List(Vec<Node<'a>>),
}

/// A child of a module, mutably borrowed (see [`Node`]).
pub enum NodeMut<'a> {
    /// A parameter.
    Param(&'a mut Param),
    /// A sub-module.
    Module(&'a mut dyn Module),
    /// A list.
    List(Vec<NodeMut<'a>>),
}

/// MLX's `nn.Module`: a named tree of parameters and sub-modules.
///
/// Implementors list their children ([`children`](Module::children) and
/// [`children_mut`](Module::children_mut), with MLX's attribute names) and
/// their own training flag; everything else is provided: the parameter
/// trees, [`update`](Module::update), freezing, modes and weight files whose
/// flat keys (`"layers.0.weight"`) are MLX's `tree_flatten(model.parameters())`.
///
/// ```
/// use mlx_nn::{Linear, Module, ReLU, Sequential};
/// let mut mlp = Sequential::new()
///     .push(Linear::new(4, 8, true)?)
///     .push(ReLU::new())
///     .push(Linear::new(8, 2, true)?);
/// assert_eq!(mlp.parameters().flatten_keys(),
///     ["layers.0.bias", "layers.0.weight", "layers.2.bias", "layers.2.weight"]);
/// mlp.freeze(Some(&["bias"]));
/// assert_eq!(mlp.trainable_parameters().flatten_keys(), ["layers.0.weight", "layers.2.weight"]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub trait Module {
    /// The module's children (parameters, sub-modules, lists), by name.
    fn children(&self) -> Vec<(&'static str, Node<'_>)>;
    /// The module's children, mutably.
    fn children_mut(&mut self) -> Vec<(&'static str, NodeMut<'_>)>;
    /// This module's own training flag (MLX's `training`, true when built).
    fn training(&self) -> bool;
    /// Sets this module's own training flag only; [`train`](Module::train)
    /// sets it on the whole tree.
    fn set_training(&mut self, mode: bool);

    /// All parameters as a tree of dicts and lists (`model.parameters()`).
    fn parameters(&self) -> Tree {
        module_tree(self.children(), false)
    }
    /// The parameters that are not frozen (`model.trainable_parameters()`).
    fn trainable_parameters(&self) -> Tree {
        module_tree(self.children(), true)
    }
    /// Replaces the parameters found in a (possibly partial) tree; as MLX's
    /// `update(parameters, strict=True)`, a name the module does not have,
    /// or a non-leaf where a parameter is, is an error.
    fn update(&mut self, params: &Tree) -> Result<()> {
        self.update_with(params, true)
    }
    /// [`update`](Module::update) with MLX's `strict` flag: when false,
    /// unknown names and mismatched kinds are skipped.
    fn update_with(&mut self, params: &Tree, strict: bool) -> Result<()> {
        update_module(self.children_mut(), params, strict)
    }
    /// Freezes the parameters named in `keys` (all parameters when `None`)
    /// of this module and every sub-module (`freeze(keys=...)`).
    fn freeze(&mut self, keys: Option<&[&str]>) {
        set_frozen(self.children_mut(), keys, true)
    }
    /// Unfreezes as [`freeze`](Module::freeze) freezes; buffers such as
    /// running statistics stay frozen.
    fn unfreeze(&mut self, keys: Option<&[&str]>) {
        set_frozen(self.children_mut(), keys, false)
    }
    /// Sets the training flag of this module and all sub-modules
    /// (`train(mode)`; `train(false)` is MLX's `eval()`).
    fn train(&mut self, mode: bool) {
        self.set_training(mode);
        for (_, c) in self.children_mut() {
            train_node(c, mode);
        }
    }
    /// Casts every floating-point parameter to `dtype` (MLX's `set_dtype`
    /// with its default predicate); integer parameters are kept.
    ///
    /// ```
    /// use mlx_nn::{Linear, Module};
    /// let mut l = Linear::new(2, 2, true)?;
    /// l.set_dtype(mlx_ops::Dtype::Bfloat16)?;
    /// assert_eq!(l.weight.dtype(), mlx_ops::Dtype::Bfloat16);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    fn set_dtype(&mut self, dtype: Dtype) -> Result<()> {
        let cast = self.parameters().map(&mut |t| {
            if t.dtype().is_floating() {
                t.astype(dtype)
            } else {
                Ok(t.clone())
            }
        })?;
        self.update(&cast)
    }
    /// The parameters flattened to MLX's dotted keys
    /// (`dict(tree_flatten(model.parameters()))`).
    fn flat_parameters(&self) -> BTreeMap<String, Tensor> {
        let p = self.parameters();
        p.flatten_keys().into_iter().zip(p.leaves()).collect()
    }
    /// Writes the parameters to a safetensors file with MLX's flat keys
    /// (`model.save_weights("w.safetensors")`).
    fn save_weights(&self, path: &Path) -> Result<()> {
        let flat = self.flat_parameters();
        let refs: Vec<&Tensor> = flat.values().collect();
        mlx_ops::eval(&refs)?;
        mlx_io::save_safetensors(path, &flat, None)?;
        Ok(())
    }
    /// Loads a safetensors (or `.npz`) file of flat keys as MLX's
    /// `load_weights(file, strict)`: when strict, the keys must be exactly the
    /// model's and the shapes equal.
    fn load_weights(&mut self, path: &Path, strict: bool) -> Result<()> {
        let arrays = match mlx_io::load(path, None)? {
            mlx_io::Loaded::Arrays(a) => a,
            mlx_io::Loaded::Array(_) => {
                return Err(Error::invalid(
                    "load_weights",
                    format!(
                        "{} holds one unnamed array, not named weights",
                        path.display()
                    ),
                ))
            }
        };
        self.load_flat_weights(&arrays, strict)
    }
    /// [`load_weights`](Module::load_weights) from flat key/tensor pairs.
    fn load_flat_weights(
        &mut self,
        weights: &BTreeMap<String, Tensor>,
        strict: bool,
    ) -> Result<()> {
        if strict {
            let current = self.flat_parameters();
            let extra: Vec<&str> = weights
                .keys()
                .filter(|k| !current.contains_key(*k))
                .map(|k| k.as_str())
                .collect();
            if !extra.is_empty() {
                return Err(Error::invalid(
                    "load_weights",
                    format!(
                        "Received {} parameters not in model: {}",
                        extra.len(),
                        extra.join(", ")
                    ),
                ));
            }
            let missing: Vec<&str> = current
                .keys()
                .filter(|k| !weights.contains_key(*k))
                .map(|k| k.as_str())
                .collect();
            if !missing.is_empty() {
                return Err(Error::invalid(
                    "load_weights",
                    format!(
                        "Missing {} parameters: {}",
                        missing.len(),
                        missing.join(", ")
                    ),
                ));
            }
            for (k, v) in &current {
                let new = &weights[k];
                if new.shape() != v.shape() {
                    return Err(Error::shape(
                        "load_weights",
                        format!(
                            "Expected shape {:?} but received shape {:?} for parameter {k}",
                            v.shape(),
                            new.shape()
                        ),
                        vec![v.shape().to_vec(), new.shape().to_vec()],
                    ));
                }
            }
        }
        if weights.is_empty() {
            return Ok(());
        }
        self.update_with(&unflatten(weights)?, false)
    }
}

/// Rebuilds a nested tree from dotted keys (`tree_unflatten`): a level whose
/// keys are all integers becomes a list.
///
/// ```
/// use mlx_ops::Tensor;
/// use std::collections::BTreeMap;
/// let flat: BTreeMap<String, Tensor> = [("layers.1.w".to_string(), Tensor::scalar(1.0f32)),
///     ("layers.0.w".to_string(), Tensor::scalar(0.0f32))].into_iter().collect();
/// let t = mlx_nn::unflatten(&flat)?;
/// assert_eq!(t.flatten_keys(), ["layers.0.w", "layers.1.w"]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn unflatten(flat: &BTreeMap<String, Tensor>) -> Result<Tree> {
    let items: Vec<(Vec<&str>, &Tensor)> = flat
        .iter()
        .map(|(k, v)| (k.split('.').collect(), v))
        .collect();
    build(&items)
}

fn build(items: &[(Vec<&str>, &Tensor)]) -> Result<Tree> {
    if items.len() == 1 && items[0].0.is_empty() {
        return Ok(Tree::Leaf(items[0].1.clone()));
    }
    let mut groups: BTreeMap<&str, Vec<(Vec<&str>, &Tensor)>> = BTreeMap::new();
    for (path, t) in items {
        let Some((head, rest)) = path.split_first() else {
            return Err(Error::invalid(
                "tree_unflatten",
                "a key is both a leaf and a prefix of another key",
            ));
        };
        groups.entry(head).or_default().push((rest.to_vec(), *t));
    }
    let all_int = groups.keys().all(|k| k.parse::<usize>().is_ok());
    if all_int {
        let mut entries: Vec<(usize, Tree)> = groups
            .into_iter()
            .map(|(k, v)| Ok((k.parse::<usize>().unwrap_or(0), build(&v)?)))
            .collect::<Result<_>>()?;
        entries.sort_by_key(|(i, _)| *i);
        let len = entries.last().map(|(i, _)| i + 1).unwrap_or(0);
        // missing list slots become empty dicts, as the parameters of a
        // parameter-less module
        let mut list: Vec<Tree> = (0..len).map(|_| Tree::Dict(BTreeMap::new())).collect();
        for (i, t) in entries {
            list[i] = t;
        }
        Ok(Tree::List(list))
    } else {
        Ok(Tree::Dict(
            groups
                .into_iter()
                .map(|(k, v)| Ok((k.to_string(), build(&v)?)))
                .collect::<Result<_>>()?,
        ))
    }
}

fn node_tree(node: &Node<'_>, trainable: bool) -> Option<Tree> {
    match node {
        Node::Param(p) => (!trainable || !p.is_frozen()).then(|| Tree::Leaf(p.value().clone())),
        Node::Module(m) => Some(if trainable {
            m.trainable_parameters()
        } else {
            m.parameters()
        }),
        Node::List(l) => Some(Tree::List(
            l.iter().filter_map(|n| node_tree(n, trainable)).collect(),
        )),
    }
}

fn module_tree(children: Vec<(&'static str, Node<'_>)>, trainable: bool) -> Tree {
    Tree::Dict(
        children
            .iter()
            .filter_map(|(k, n)| node_tree(n, trainable).map(|t| (k.to_string(), t)))
            .collect(),
    )
}

fn invalid_type(t: &Tree) -> Error {
    let kind = match t {
        Tree::Leaf(_) => "array",
        Tree::List(_) => "list",
        Tree::Dict(_) => "dict",
    };
    Error::invalid("update", format!("Received invalid type: {kind}."))
}

fn update_node(node: NodeMut<'_>, new: &Tree, strict: bool) -> Result<()> {
    match node {
        NodeMut::Param(p) => match new {
            Tree::Leaf(t) => p.set(t.clone()),
            other if strict => return Err(invalid_type(other)),
            _ => {}
        },
        NodeMut::Module(m) => match new {
            Tree::Dict(_) => m.update_with(new, strict)?,
            other if strict => return Err(invalid_type(other)),
            _ => {}
        },
        NodeMut::List(l) => {
            match new {
                Tree::List(items) => {
                    let len = l.len();
                    for (dst, src) in l.into_iter().zip(items) {
                        update_node(dst, src, strict)?;
                    }
                    if strict && items.len() > len {
                        return Err(Error::invalid(
                        "update",
                        format!("List index {len} is out of bounds for destination of length {len}."),
                    ));
                    }
                }
                other if strict => return Err(invalid_type(other)),
                _ => {}
            }
        }
    }
    Ok(())
}

fn update_module(
    children: Vec<(&'static str, NodeMut<'_>)>,
    params: &Tree,
    strict: bool,
) -> Result<()> {
    let Tree::Dict(d) = params else {
        if strict {
            return Err(invalid_type(params));
        }
        return Ok(());
    };
    let mut children: BTreeMap<&str, NodeMut<'_>> = children.into_iter().collect();
    for (k, v) in d {
        match children.remove(k.as_str()) {
            Some(node) => update_node(node, v, strict)?,
            None if strict => {
                return Err(Error::invalid(
                    "update",
                    format!("Module does not have parameter named \"{k}\"."),
                ))
            }
            None => {}
        }
    }
    Ok(())
}

fn set_frozen(children: Vec<(&'static str, NodeMut<'_>)>, keys: Option<&[&str]>, frozen: bool) {
    for (k, node) in children {
        let selected = keys.is_none_or(|ks| ks.contains(&k));
        freeze_node(node, keys, frozen, selected);
    }
}

fn freeze_node(node: NodeMut<'_>, keys: Option<&[&str]>, frozen: bool, selected: bool) {
    match node {
        NodeMut::Param(p) => {
            if selected {
                p.set_frozen(frozen)
            }
        }
        NodeMut::Module(m) => {
            if frozen {
                m.freeze(keys)
            } else {
                m.unfreeze(keys)
            }
        }
        NodeMut::List(l) => l
            .into_iter()
            .for_each(|n| freeze_node(n, keys, frozen, selected)),
    }
}

fn train_node(node: NodeMut<'_>, mode: bool) {
    match node {
        NodeMut::Param(_) => {}
        NodeMut::Module(m) => m.train(mode),
        NodeMut::List(l) => l.into_iter().for_each(|n| train_node(n, mode)),
    }
}

/// A module with one input and one output (what `Sequential` chains).
///
/// ```
/// use mlx_nn::{Forward, ReLU};
/// let x = mlx_ops::Tensor::from_slice(&[-1.0f32, 2.0], &[2])?;
/// assert_eq!(ReLU::new().forward(&x)?.to_vec::<f32>()?, vec![0.0, 2.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub trait Forward {
    /// Applies the module. It takes `&mut self` because some layers update
    /// state as they run (BatchNorm's running statistics in training mode).
    fn forward(&mut self, x: &Tensor) -> Result<Tensor>;
}

/// A boxable, cloneable [`Module`] + [`Forward`] (the element type of
/// `Sequential`); every such `Clone + Send + Sync` type is one.
///
/// ```
/// use mlx_nn::{Layer, Linear, ReLU};
/// let layers: Vec<Box<dyn Layer>> = vec![Box::new(Linear::new(2, 2, true)?), Box::new(ReLU::new())];
/// let copy = layers.clone();
/// assert_eq!(copy.len(), 2);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub trait Layer: Module + Forward + Send + Sync {
    /// A boxed clone.
    fn clone_box(&self) -> Box<dyn Layer>;
}

impl<T: Module + Forward + Clone + Send + Sync + 'static> Layer for T {
    fn clone_box(&self) -> Box<dyn Layer> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn Layer> {
    fn clone(&self) -> Self {
        self.as_ref().clone_box()
    }
}

impl Module for Box<dyn Layer> {
    fn children(&self) -> Vec<(&'static str, Node<'_>)> {
        self.as_ref().children()
    }
    fn children_mut(&mut self) -> Vec<(&'static str, NodeMut<'_>)> {
        self.as_mut().children_mut()
    }
    fn training(&self) -> bool {
        self.as_ref().training()
    }
    fn set_training(&mut self, mode: bool) {
        self.as_mut().set_training(mode)
    }
    fn freeze(&mut self, keys: Option<&[&str]>) {
        self.as_mut().freeze(keys)
    }
    fn unfreeze(&mut self, keys: Option<&[&str]>) {
        self.as_mut().unfreeze(keys)
    }
    fn train(&mut self, mode: bool) {
        self.as_mut().train(mode)
    }
}

impl Forward for Box<dyn Layer> {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        self.as_mut().forward(x)
    }
}

/// The loss and the gradients of the trainable parameters, as MLX's
/// `nn.value_and_grad(model, fn)(model, ...)`: `f` runs on a copy of the
/// model whose trainable parameters are the traced ones; frozen parameters
/// stay constants. Apply the gradients with an optimizer and
/// [`Module::update`].
///
/// ```
/// use mlx_nn::{losses, Forward, Linear, Module};
/// use mlx_ops::Tensor;
/// let model = Linear::new(2, 1, true)?;
/// let x = Tensor::from_slice(&[1.0f32, 2.0], &[1, 2])?;
/// let y = Tensor::from_slice(&[3.0f32], &[1, 1])?;
/// let (loss, grads) = mlx_nn::value_and_grad(&model, |m: &mut Linear| {
///     losses::mse_loss(&m.forward(&x)?, &y, losses::Reduction::Mean)
/// })?;
/// assert_eq!(loss.shape(), &[] as &[usize]);
/// assert_eq!(grads.flatten_keys(), ["bias", "weight"]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn value_and_grad<M, F>(model: &M, f: F) -> Result<(Tensor, Tree)>
where
    M: Module + Clone,
    F: Fn(&mut M) -> Result<Tensor>,
{
    let params = model.trainable_parameters();
    let vg = mlx_autograd::value_and_grad_tree(|p: &Tree| {
        let mut m = model.clone();
        m.update(p)?;
        f(&mut m)
    });
    vg(&params)
}

/// Implements [`Module`] for a struct from a list of its children:
/// `"name" => kind field`, where kind is `param` (a [`Param`]), `opt_param`
/// (an `Option<Param>`), `module` (a sub-module), `opt_module`, or
/// `modules` (a `Vec` of modules, a list in the tree). The struct needs a
/// `training: bool` field. Generic structs start with
/// `generic [<impl generics>]`: `impl_module!(generic [const N: usize] Conv<N> { ... })`.
///
/// ```
/// use mlx_nn::{impl_module, Linear, Module, Param};
/// #[derive(Clone)]
/// struct Scaled { scale: Param, proj: Linear, training: bool }
/// impl_module!(Scaled { "scale" => param scale, "proj" => module proj });
/// let s = Scaled { scale: Param::new(mlx_ops::Tensor::scalar(2.0f32)), proj: Linear::new(3, 3, false)?, training: true };
/// assert_eq!(s.parameters().flatten_keys(), ["proj.weight", "scale"]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[macro_export]
macro_rules! impl_module {
    (generic [$($gen:tt)*] $ty:ty { $($key:literal => $kind:ident $field:ident),* $(,)? }) => {
        impl<$($gen)*> $crate::Module for $ty {
            #[allow(unused_mut, clippy::vec_init_then_push)]
            fn children(&self) -> Vec<(&'static str, $crate::Node<'_>)> {
                let mut out = Vec::new();
                $( $crate::impl_module!(@get out, $key, $kind, self.$field); )*
                out
            }
            #[allow(unused_mut, clippy::vec_init_then_push)]
            fn children_mut(&mut self) -> Vec<(&'static str, $crate::NodeMut<'_>)> {
                let mut out = Vec::new();
                $( $crate::impl_module!(@get_mut out, $key, $kind, self.$field); )*
                out
            }
            fn training(&self) -> bool {
                self.training
            }
            fn set_training(&mut self, mode: bool) {
                self.training = mode;
            }
        }
    };
    ($ty:ty { $($key:literal => $kind:ident $field:ident),* $(,)? }) => {
        $crate::impl_module!(generic [] $ty { $($key => $kind $field),* });
    };
    (@get $out:ident, $key:literal, param, $e:expr) => {
        $out.push(($key, $crate::Node::Param(&$e)));
    };
    (@get $out:ident, $key:literal, opt_param, $e:expr) => {
        if let Some(p) = &$e {
            $out.push(($key, $crate::Node::Param(p)));
        }
    };
    (@get $out:ident, $key:literal, module, $e:expr) => {
        $out.push(($key, $crate::Node::Module(&$e)));
    };
    (@get $out:ident, $key:literal, opt_module, $e:expr) => {
        if let Some(m) = &$e {
            $out.push(($key, $crate::Node::Module(m)));
        }
    };
    (@get $out:ident, $key:literal, modules, $e:expr) => {
        $out.push(($key, $crate::Node::List($e.iter().map(|m| $crate::Node::Module(m)).collect())));
    };
    (@get_mut $out:ident, $key:literal, param, $e:expr) => {
        $out.push(($key, $crate::NodeMut::Param(&mut $e)));
    };
    (@get_mut $out:ident, $key:literal, opt_param, $e:expr) => {
        if let Some(p) = &mut $e {
            $out.push(($key, $crate::NodeMut::Param(p)));
        }
    };
    (@get_mut $out:ident, $key:literal, module, $e:expr) => {
        $out.push(($key, $crate::NodeMut::Module(&mut $e)));
    };
    (@get_mut $out:ident, $key:literal, opt_module, $e:expr) => {
        if let Some(m) = &mut $e {
            $out.push(($key, $crate::NodeMut::Module(m)));
        }
    };
    (@get_mut $out:ident, $key:literal, modules, $e:expr) => {
        $out.push(($key, $crate::NodeMut::List($e.iter_mut().map(|m| $crate::NodeMut::Module(m)).collect())));
    };
}
