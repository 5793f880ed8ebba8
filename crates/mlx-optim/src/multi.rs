//! [`MultiOptimizer`]: different optimizers for different parameters
//! (`optim.MultiOptimizer`).

use crate::{Hyper, Optimizer, Tree};
use mlx_core::{Error, Result};
use mlx_ops::Tensor;
use std::collections::{BTreeMap, HashMap};

/// A predicate on a parameter's dotted path and value (MLX's filters take
/// `(path, array)`).
pub type ParamFilter = Box<dyn Fn(&str, &Tensor) -> bool + Send + Sync>;

/// Several optimizers, each owning the parameters its filter accepts
/// (`optim.MultiOptimizer`): parameter `k` goes to the first optimizer whose
/// filter returns true, and to the last optimizer, which has no filter, if
/// none does. The state flattens as MLX's `{"states": [...]}`:
/// `states.0.step`, `states.1.w.m`, ...
///
/// ```
/// use mlx_optim::{AdamW, AdamWOptions, MultiOptimizer, Muon, MuonOptions, Optimizer, Tree};
/// use mlx_ops::Tensor;
/// // Muon for matrices, AdamW for the rest (the usual recipe)
/// let mut opt = MultiOptimizer::new(
///     vec![
///         Box::new(Muon::new(0.02, MuonOptions::default())?),
///         Box::new(AdamW::new(0.01, AdamWOptions::default())?),
///     ],
///     vec![Box::new(|_path: &str, w: &Tensor| w.ndim() >= 2)],
/// )?;
/// let p = Tree::dict([
///     ("w", Tree::leaf(Tensor::ones(&[2, 3], mlx_core::Dtype::Float32)?)),
///     ("b", Tree::leaf(Tensor::ones(&[3], mlx_core::Dtype::Float32)?)),
/// ]);
/// let p = opt.apply_gradients(&p, &p)?;
/// let keys: Vec<String> = opt.flat_state().into_keys().collect();
/// assert!(keys.contains(&"states.0.w.v".to_string()) && keys.contains(&"states.1.b.m".to_string()));
/// assert_eq!(p.flatten_keys(), ["b", "w"]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub struct MultiOptimizer {
    optimizers: Vec<Box<dyn Optimizer + Send>>,
    filters: Vec<ParamFilter>,
}

impl std::fmt::Debug for MultiOptimizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultiOptimizer")
            .field("optimizers", &self.optimizers.len())
            .finish()
    }
}

impl MultiOptimizer {
    /// Combines `optimizers`; `filters` holds one predicate fewer than
    /// there are optimizers (the last one takes everything else), else
    /// `Err`, as MLX's constructor.
    pub fn new(
        optimizers: Vec<Box<dyn Optimizer + Send>>,
        filters: Vec<ParamFilter>,
    ) -> Result<MultiOptimizer> {
        if optimizers.is_empty() || filters.len() + 1 != optimizers.len() {
            return Err(Error::invalid(
                "MultiOptimizer",
                format!(
                    "Given {} filters but {} needed.",
                    filters.len(),
                    optimizers.len().max(1) - 1
                ),
            ));
        }
        Ok(MultiOptimizer {
            optimizers,
            filters,
        })
    }

    /// The optimizers, in order.
    pub fn optimizers(&self) -> &[Box<dyn Optimizer + Send>] {
        &self.optimizers
    }

    /// The leaves of `tree` split by owner: one flat dict (dotted path ->
    /// leaf) per optimizer (MLX's `_split_dictionary`).
    fn split(&self, tree: &Tree) -> Vec<Tree> {
        let mut parts: Vec<BTreeMap<String, Tree>> = vec![BTreeMap::new(); self.optimizers.len()];
        for (k, t) in tree.flatten_keys().into_iter().zip(tree.leaves()) {
            let owner = self
                .filters
                .iter()
                .position(|f| f(&k, &t))
                .unwrap_or(self.optimizers.len() - 1);
            parts[owner].insert(k, Tree::leaf(t));
        }
        parts.into_iter().map(Tree::Dict).collect()
    }
}

impl Optimizer for MultiOptimizer {
    fn init(&mut self, parameters: &Tree) -> Result<()> {
        let parts = self.split(parameters);
        for (o, p) in self.optimizers.iter_mut().zip(&parts) {
            o.init(p)?;
        }
        Ok(())
    }

    fn apply_gradients(&mut self, gradients: &Tree, parameters: &Tree) -> Result<Tree> {
        let parts = self.split(gradients);
        let mut updated: HashMap<String, Tensor> = HashMap::new();
        for (o, g) in self.optimizers.iter_mut().zip(&parts) {
            let new = o.apply_gradients(g, parameters)?;
            updated.extend(new.flatten_keys().into_iter().zip(new.leaves()));
        }
        let leaves = gradients
            .flatten_keys()
            .iter()
            .map(|k| {
                updated.remove(k).ok_or_else(|| {
                    Error::invalid("MultiOptimizer", format!("no optimizer updated {k:?}"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        gradients.with_leaves(&leaves)
    }

    /// The first optimizer's step count.
    fn step(&self) -> Tensor {
        self.optimizers[0].step()
    }
    /// The first optimizer's learning rate (as MLX).
    fn learning_rate(&self) -> Option<Tensor> {
        self.optimizers[0].learning_rate()
    }
    /// Sets every optimizer's learning rate (as MLX).
    fn set_learning_rate(&mut self, lr: Hyper) -> Result<()> {
        for o in &mut self.optimizers {
            o.set_learning_rate(lr.clone())?;
        }
        Ok(())
    }
    fn flat_state(&self) -> BTreeMap<String, Tensor> {
        let mut out = BTreeMap::new();
        for (i, o) in self.optimizers.iter().enumerate() {
            for (k, v) in o.flat_state() {
                out.insert(format!("states.{i}.{k}"), v);
            }
        }
        out
    }
    /// `Err` unless every key is `states.<i>.<key>` with `i` one of the
    /// optimizers.
    fn load_flat_state(&mut self, flat: &BTreeMap<String, Tensor>) -> Result<()> {
        let mut parts: Vec<BTreeMap<String, Tensor>> = vec![BTreeMap::new(); self.optimizers.len()];
        for (k, v) in flat {
            let bad = || {
                Error::invalid(
                    "MultiOptimizer",
                    format!(
                        "state key {k:?} is not states.<i>.<key> for one of {} optimizers",
                        self.optimizers.len()
                    ),
                )
            };
            let rest = k.strip_prefix("states.").ok_or_else(bad)?;
            let (i, key) = rest.split_once('.').ok_or_else(bad)?;
            let i: usize = i.parse().map_err(|_| bad())?;
            parts
                .get_mut(i)
                .ok_or_else(bad)?
                .insert(key.to_string(), v.clone());
        }
        for (o, p) in self.optimizers.iter_mut().zip(&parts) {
            o.load_flat_state(p)?;
        }
        Ok(())
    }
}
