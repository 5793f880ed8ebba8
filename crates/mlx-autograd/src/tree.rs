//! Nested parameter trees (MLX's dicts and lists of arrays).

use mlx_core::{Error, Result};
use mlx_ops::Tensor;
use std::collections::BTreeMap;

/// A tree of tensors: leaves, lists and string-keyed dicts, flattened in a
/// fixed order (dict keys sorted, lists in order), as MLX's tree utilities.
///
/// ```
/// use mlx_autograd::Tree;
/// use mlx_ops::Tensor;
/// let t = Tree::dict([("b", Tree::leaf(Tensor::scalar(1.0f32))), ("a", Tree::list(vec![Tree::leaf(Tensor::scalar(2.0f32))]))]);
/// assert_eq!(t.leaves().len(), 2);
/// assert_eq!(t.flatten_keys(), vec!["a.0".to_string(), "b".to_string()]);
/// ```
#[derive(Clone, Debug)]
pub enum Tree {
    /// A tensor.
    Leaf(Tensor),
    /// An ordered list.
    List(Vec<Tree>),
    /// A dict with sorted keys.
    Dict(BTreeMap<String, Tree>),
}

impl Tree {
    /// A leaf.
    pub fn leaf(t: Tensor) -> Tree {
        Tree::Leaf(t)
    }
    /// A list.
    pub fn list(items: Vec<Tree>) -> Tree {
        Tree::List(items)
    }
    /// A dict.
    pub fn dict<K: Into<String>>(items: impl IntoIterator<Item = (K, Tree)>) -> Tree {
        Tree::Dict(items.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
    /// The tensor of a leaf.
    pub fn tensor(&self) -> Option<&Tensor> {
        match self {
            Tree::Leaf(t) => Some(t),
            _ => None,
        }
    }
    /// A dict entry.
    pub fn get(&self, key: &str) -> Option<&Tree> {
        match self {
            Tree::Dict(d) => d.get(key),
            Tree::List(l) => key.parse::<usize>().ok().and_then(|i| l.get(i)),
            Tree::Leaf(_) => None,
        }
    }
    /// The leaves in flattening order.
    pub fn leaves(&self) -> Vec<Tensor> {
        let mut out = Vec::new();
        self.walk("", &mut |_, t| out.push(t.clone()));
        out
    }
    /// The dotted paths of the leaves (`"layers.0.weight"`), in order.
    pub fn flatten_keys(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.walk("", &mut |k, _| out.push(k.to_string()));
        out
    }
    fn walk(&self, prefix: &str, f: &mut dyn FnMut(&str, &Tensor)) {
        let join = |k: &str| {
            if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            }
        };
        match self {
            Tree::Leaf(t) => f(prefix, t),
            Tree::List(l) => l
                .iter()
                .enumerate()
                .for_each(|(i, c)| c.walk(&join(&i.to_string()), f)),
            Tree::Dict(d) => d.iter().for_each(|(k, c)| c.walk(&join(k), f)),
        }
    }
    /// The same structure with new leaves, in flattening order.
    pub fn with_leaves(&self, leaves: &[Tensor]) -> Result<Tree> {
        let mut it = leaves.iter();
        let out = self.rebuild(&mut it)?;
        if it.next().is_some() {
            return Err(Error::invalid("tree", "more leaves than the tree holds"));
        }
        Ok(out)
    }
    fn rebuild<'a>(&self, it: &mut impl Iterator<Item = &'a Tensor>) -> Result<Tree> {
        Ok(match self {
            Tree::Leaf(_) => Tree::Leaf(
                it.next()
                    .ok_or_else(|| Error::invalid("tree", "fewer leaves than the tree holds"))?
                    .clone(),
            ),
            Tree::List(l) => Tree::List(l.iter().map(|c| c.rebuild(it)).collect::<Result<_>>()?),
            Tree::Dict(d) => Tree::Dict(
                d.iter()
                    .map(|(k, c)| Ok((k.clone(), c.rebuild(it)?)))
                    .collect::<Result<_>>()?,
            ),
        })
    }
    /// Applies `f` to every leaf.
    pub fn map(&self, f: &mut dyn FnMut(&Tensor) -> Result<Tensor>) -> Result<Tree> {
        let leaves: Vec<Tensor> = self.leaves().iter().map(f).collect::<Result<_>>()?;
        self.with_leaves(&leaves)
    }
}
