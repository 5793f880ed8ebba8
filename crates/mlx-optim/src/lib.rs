//! # mlx-optim
//!
//! Optimizers over parameter [`Tree`]s with MLX's update rules
//! (`mlx.optimizers`): [`Sgd`], [`RmsProp`], [`Adagrad`], [`AdaDelta`],
//! [`Adam`], [`AdamW`], [`Adamax`], [`Lion`], [`Adafactor`] and [`Muon`];
//! [`MultiOptimizer`] (different optimizers for different parameters);
//! [`clip_grad_norm`]; learning-rate [schedules](Schedule); and optimizer
//! state saved to and loaded from safetensors with MLX's flattened key names
//! (`step`, `learning_rate`, `layers.0.weight.m`, ...).
//!
//! Updates are lazy like every op: evaluate the new parameters together with
//! [`Optimizer::state_tensors`] after each step, as `mx.eval(model, opt.state)`.
//!
//! ```
//! use mlx_autograd::{value_and_grad_tree, Tree};
//! use mlx_ops::{eval, Tensor, ALL};
//! use mlx_optim::{Adam, AdamOptions, Optimizer};
//! let mut params = Tree::dict([("w", Tree::leaf(Tensor::from_slice(&[3.0f32, -2.0], &[2])?))]);
//! let loss = value_and_grad_tree(|p: &Tree| p.get("w").unwrap().tensor().unwrap().square()?.sum(ALL, false));
//! let mut opt = Adam::new(0.1, AdamOptions::default())?;
//! for _ in 0..100 {
//!     let (_, grads) = loss(&params)?;
//!     params = opt.apply_gradients(&grads, &params)?;
//!     let mut live = params.leaves();
//!     live.extend(opt.state_tensors());
//!     eval(&live.iter().collect::<Vec<_>>())?;
//! }
//! let w = params.get("w").unwrap().tensor().unwrap().to_vec::<f32>()?;
//! assert!(w.iter().all(|x| x.abs() < 0.5));
//! # Ok::<(), mlx_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod clip;
mod multi;
mod muon;
mod optimizers;
mod schedules;

pub use clip::clip_grad_norm;
pub use multi::{MultiOptimizer, ParamFilter};
pub use muon::{Muon, MuonOptions};
pub use optimizers::{
    AdaDelta, AdaDeltaOptions, Adafactor, AdafactorOptions, Adagrad, AdagradOptions, Adam,
    AdamOptions, AdamW, AdamWOptions, Adamax, AdamaxOptions, Lion, LionOptions, RmsProp,
    RmsPropOptions, Sgd, SgdOptions,
};
pub use schedules::{
    cosine_decay, exponential_decay, join_schedules, linear_schedule, step_decay, Schedule,
};

pub use mlx_autograd::Tree;
use mlx_core::{Error, Result};
use mlx_ops::Tensor;
use std::collections::BTreeMap;
use std::path::Path;

/// The state of one parameter (`{"m": ..., "v": ...}` for Adam).
pub type ParamState = BTreeMap<String, Tensor>;

/// A hyperparameter that may follow a schedule (`learning_rate` is a float
/// or a callable in MLX).
///
/// ```
/// use mlx_optim::{exponential_decay, Hyper};
/// let fixed: Hyper = 0.1.into();
/// let decayed: Hyper = exponential_decay(0.1, 0.9).into();
/// assert!(matches!(fixed, Hyper::Value(_)) && matches!(decayed, Hyper::Schedule(_)));
/// ```
#[derive(Clone, Debug)]
pub enum Hyper {
    /// A constant (stored as a `float32` scalar, as `mx.array(value)`).
    Value(f64),
    /// A function of the step.
    Schedule(Schedule),
}

impl From<f64> for Hyper {
    fn from(v: f64) -> Hyper {
        Hyper::Value(v)
    }
}
impl From<f32> for Hyper {
    fn from(v: f32) -> Hyper {
        Hyper::Value(v as f64)
    }
}
impl From<Schedule> for Hyper {
    fn from(s: Schedule) -> Hyper {
        Hyper::Schedule(s)
    }
}

/// What every optimizer holds: the `uint64` step count, the scalar
/// hyperparameters (`learning_rate`), their schedules, and the per-parameter
/// states keyed by the parameter's dotted path.
///
/// ```
/// let s = mlx_optim::OptimizerState::new();
/// assert_eq!(s.step().item::<u64>()?, 0);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct OptimizerState {
    step: Tensor,
    scalars: BTreeMap<String, Tensor>,
    schedules: BTreeMap<String, Schedule>,
    params: BTreeMap<String, ParamState>,
    initialized: bool,
}

impl Default for OptimizerState {
    fn default() -> Self {
        OptimizerState::new()
    }
}

impl OptimizerState {
    /// Step 0, no hyperparameter, no parameter state.
    pub fn new() -> OptimizerState {
        OptimizerState {
            step: Tensor::scalar(0u64),
            scalars: BTreeMap::new(),
            schedules: BTreeMap::new(),
            params: BTreeMap::new(),
            initialized: false,
        }
    }
    /// The number of updates applied (a `uint64` scalar).
    pub fn step(&self) -> &Tensor {
        &self.step
    }
    /// A scalar hyperparameter's current value (`"learning_rate"`).
    pub fn scalar(&self, name: &str) -> Option<&Tensor> {
        self.scalars.get(name)
    }
    /// Sets a hyperparameter: a constant becomes a `float32` scalar, a
    /// schedule is evaluated at the current step and re-evaluated before
    /// each update (MLX's `_maybe_schedule`).
    ///
    /// ```
    /// let mut s = mlx_optim::OptimizerState::new();
    /// s.set_scalar("learning_rate", mlx_optim::exponential_decay(0.5, 0.5))?;
    /// assert_eq!(s.scalar("learning_rate").unwrap().item::<f32>()?, 0.5);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn set_scalar(&mut self, name: &str, value: impl Into<Hyper>) -> Result<()> {
        let t = match value.into() {
            Hyper::Value(v) => {
                self.schedules.remove(name);
                Tensor::scalar(v as f32)
            }
            Hyper::Schedule(s) => {
                let t = s.eval(&self.step)?;
                self.schedules.insert(name.to_string(), s);
                t
            }
        };
        self.scalars.insert(name.to_string(), t);
        Ok(())
    }
    /// The state of the parameter at a dotted path.
    pub fn param(&self, path: &str) -> Option<&ParamState> {
        self.params.get(path)
    }
    /// The state flattened with MLX's key names: `step`, each
    /// hyperparameter, and `<parameter path>.<state name>`.
    ///
    /// ```
    /// use mlx_optim::{Optimizer, Sgd, SgdOptions, Tree};
    /// use mlx_ops::Tensor;
    /// let p = Tree::dict([("w", Tree::leaf(Tensor::from_slice(&[1.0f32], &[1])?))]);
    /// let mut opt = Sgd::new(0.1, SgdOptions { momentum: 0.9, ..Default::default() })?;
    /// opt.init(&p)?;
    /// let keys: Vec<String> = opt.flat_state().into_keys().collect();
    /// assert_eq!(keys, ["learning_rate", "step", "w.v"]);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn flatten(&self) -> BTreeMap<String, Tensor> {
        let mut out = BTreeMap::new();
        out.insert("step".to_string(), self.step.clone());
        for (k, v) in &self.scalars {
            out.insert(k.clone(), v.clone());
        }
        for (path, state) in &self.params {
            for (k, v) in state {
                out.insert(format!("{path}.{k}"), v.clone());
            }
        }
        out
    }
    /// Every tensor of the state, to evaluate together with the parameters.
    pub fn tensors(&self) -> Vec<Tensor> {
        self.flatten().into_values().collect()
    }
    /// Replaces the state with a flattened one (as produced by
    /// [`flatten`](Self::flatten)); schedules are kept. Parameters without
    /// state get a fresh one at the next update (MLX's `optimizer.state = ...`).
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let mut flat = std::collections::BTreeMap::new();
    /// flat.insert("step".to_string(), Tensor::scalar(3u64));
    /// flat.insert("w.m".to_string(), Tensor::zeros(&[2], mlx_core::Dtype::Float32)?);
    /// let mut s = mlx_optim::OptimizerState::new();
    /// s.load_flat(&flat)?;
    /// assert_eq!(s.step().item::<u64>()?, 3);
    /// assert_eq!(s.param("w").unwrap()["m"].shape(), &[2]);
    /// assert!(s.load_flat(&Default::default()).is_err());
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn load_flat(&mut self, flat: &BTreeMap<String, Tensor>) -> Result<()> {
        let step = flat
            .get("step")
            .ok_or_else(|| Error::invalid("load_state", "no \"step\" entry"))?;
        let mut scalars = BTreeMap::new();
        let mut params: BTreeMap<String, ParamState> = BTreeMap::new();
        for (k, v) in flat {
            if k == "step" {
                continue;
            }
            match k.rsplit_once('.') {
                Some((path, name)) => {
                    params
                        .entry(path.to_string())
                        .or_default()
                        .insert(name.to_string(), v.clone());
                }
                None => {
                    scalars.insert(k.clone(), v.clone());
                }
            }
        }
        self.step = step.astype(mlx_core::Dtype::Uint64)?;
        self.scalars = scalars;
        self.params = params;
        self.initialized = false;
        Ok(())
    }
}

/// Everything an update step reads besides the parameter: the step count
/// after this update (1 on the first) and the hyperparameters.
#[derive(Debug)]
pub struct StepContext<'a> {
    /// The step count including this update (`uint64`).
    pub step: &'a Tensor,
    /// Scalar hyperparameters by name.
    pub scalars: &'a BTreeMap<String, Tensor>,
}

impl StepContext<'_> {
    /// The learning rate converted to `dtype` (`learning_rate.astype(g.dtype)`).
    pub fn learning_rate(&self, op: &'static str, dtype: mlx_core::Dtype) -> Result<Tensor> {
        self.scalars
            .get("learning_rate")
            .ok_or_else(|| Error::invalid(op, "no learning_rate in the optimizer state"))?
            .astype(dtype)
    }
}

/// A per-parameter update rule with MLX's `Optimizer` semantics: state is
/// created lazily per parameter by [`init_single`](Self::init_single),
/// schedules are evaluated at the current step, the step is incremented, and
/// [`apply_single`](Self::apply_single) runs on each gradient leaf. Every
/// `UpdateRule` is an [`Optimizer`].
///
/// A new optimizer implements the four required methods:
///
/// ```
/// use mlx_optim::{Optimizer, OptimizerState, ParamState, StepContext, Tree, UpdateRule};
/// use mlx_ops::Tensor;
/// /// Sign descent: `w -= lr * sign(g)`.
/// struct SignSgd(OptimizerState);
/// impl UpdateRule for SignSgd {
///     fn state(&self) -> &OptimizerState { &self.0 }
///     fn state_mut(&mut self) -> &mut OptimizerState { &mut self.0 }
///     fn init_single(&self, _: &Tensor) -> mlx_core::Result<ParamState> { Ok(ParamState::new()) }
///     fn apply_single(&self, g: &Tensor, p: &Tensor, _: &mut ParamState, ctx: &StepContext<'_>)
///         -> mlx_core::Result<Tensor> {
///         p.subtract(ctx.learning_rate("SignSgd", g.dtype())?.multiply(g.sign()?)?)
///     }
/// }
/// let mut st = OptimizerState::new();
/// st.set_scalar("learning_rate", 0.25)?;
/// let mut opt = SignSgd(st);
/// let p = Tree::dict([("w", Tree::leaf(Tensor::from_slice(&[1.0f32, 1.0], &[2])?))]);
/// let g = Tree::dict([("w", Tree::leaf(Tensor::from_slice(&[-3.0f32, 0.5], &[2])?))]);
/// let p = opt.apply_gradients(&g, &p)?;
/// assert_eq!(p.leaves()[0].to_vec::<f32>()?, vec![1.25, 0.75]);
/// assert_eq!(opt.step().item::<u64>()?, 1);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub trait UpdateRule {
    /// Shared state (step, hyperparameters, per-parameter state).
    fn state(&self) -> &OptimizerState;
    /// Shared state, mutably.
    fn state_mut(&mut self) -> &mut OptimizerState;
    /// The initial state of one parameter.
    fn init_single(&self, parameter: &Tensor) -> Result<ParamState>;
    /// The updated parameter; updates `state` in place.
    fn apply_single(
        &self,
        gradient: &Tensor,
        parameter: &Tensor,
        state: &mut ParamState,
        ctx: &StepContext<'_>,
    ) -> Result<Tensor>;
}

/// An optimizer over parameter trees (MLX's `Optimizer` interface):
/// [`apply_gradients`](Self::apply_gradients) returns the updated
/// parameters, and the state flattens to MLX's key names. Every
/// [`UpdateRule`] is one; [`MultiOptimizer`] combines several.
///
/// ```
/// use mlx_optim::{Optimizer, Sgd, SgdOptions, Tree};
/// use mlx_ops::Tensor;
/// let mut opt: Box<dyn Optimizer> = Box::new(Sgd::new(0.5, SgdOptions::default())?);
/// let p = Tree::dict([("w", Tree::leaf(Tensor::from_slice(&[1.0f32], &[1])?))]);
/// let p = opt.apply_gradients(&p, &p)?;
/// assert_eq!(p.leaves()[0].to_vec::<f32>()?, vec![0.5]);
/// assert_eq!(opt.flat_state().keys().collect::<Vec<_>>(), ["learning_rate", "step", "w.v"]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub trait Optimizer {
    /// Creates the state of every parameter of `parameters` that has none
    /// (MLX's `init`).
    fn init(&mut self, parameters: &Tree) -> Result<()>;
    /// The updated parameters, with the structure of `gradients`;
    /// `parameters` may hold more leaves than `gradients` (MLX's
    /// `apply_gradients`).
    fn apply_gradients(&mut self, gradients: &Tree, parameters: &Tree) -> Result<Tree>;
    /// The number of updates applied.
    fn step(&self) -> Tensor;
    /// The current learning rate, if the optimizer has one.
    fn learning_rate(&self) -> Option<Tensor>;
    /// Sets the learning rate to a constant or a schedule.
    fn set_learning_rate(&mut self, lr: Hyper) -> Result<()>;
    /// The state flattened with MLX's key names (what
    /// `dict(tree_flatten(opt.state))` holds).
    fn flat_state(&self) -> BTreeMap<String, Tensor>;
    /// Replaces the state with a flattened one (as produced by
    /// [`flat_state`](Self::flat_state)); schedules are kept.
    fn load_flat_state(&mut self, flat: &BTreeMap<String, Tensor>) -> Result<()>;

    /// Every state tensor, to evaluate after an update.
    fn state_tensors(&self) -> Vec<Tensor> {
        self.flat_state().into_values().collect()
    }
    /// Saves the state to a safetensors file with MLX's flattened key names
    /// (what `mx.save_safetensors(f, dict(tree_flatten(opt.state)))` writes).
    fn save_state(&self, path: &Path) -> Result<()> {
        mlx_io::save_safetensors(path, &self.flat_state(), None)?;
        Ok(())
    }
    /// Loads a state saved by [`save_state`](Self::save_state) (or by MLX
    /// as above).
    ///
    /// ```
    /// use mlx_optim::{Adam, AdamOptions, Optimizer, Tree};
    /// use mlx_ops::Tensor;
    /// let dir = tempfile::tempdir().unwrap();
    /// let p = Tree::dict([("w", Tree::leaf(Tensor::from_slice(&[1.0f32], &[1])?))]);
    /// let mut a = Adam::new(0.1, AdamOptions::default())?;
    /// let p2 = a.apply_gradients(&p, &p)?;
    /// a.save_state(&dir.path().join("opt.safetensors"))?;
    /// let mut b = Adam::new(0.1, AdamOptions::default())?;
    /// b.load_state(&dir.path().join("opt.safetensors"))?;
    /// assert_eq!(b.step().item::<u64>()?, 1);
    /// let (x, y) = (a.apply_gradients(&p, &p2)?, b.apply_gradients(&p, &p2)?);
    /// assert_eq!(x.leaves()[0].to_vec::<f32>()?, y.leaves()[0].to_vec::<f32>()?);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    fn load_state(&mut self, path: &Path) -> Result<()> {
        let (flat, _) = mlx_io::load_safetensors(path)?;
        self.load_flat_state(&flat)
    }
}

impl<R: UpdateRule> Optimizer for R {
    fn init(&mut self, parameters: &Tree) -> Result<()> {
        let keys = parameters.flatten_keys();
        for (key, p) in keys.iter().zip(parameters.leaves()) {
            let missing = self.state().params.get(key).is_none_or(|s| s.is_empty());
            if missing {
                let s = self.init_single(&p)?;
                self.state_mut().params.insert(key.clone(), s);
            }
        }
        self.state_mut().initialized = true;
        Ok(())
    }

    fn apply_gradients(&mut self, gradients: &Tree, parameters: &Tree) -> Result<Tree> {
        let keys = gradients.flatten_keys();
        let grads = gradients.leaves();
        let params = keys
            .iter()
            .zip(&grads)
            .map(|(k, g)| {
                let p = lookup(parameters, k).ok_or_else(|| {
                    Error::invalid(
                        "apply_gradients",
                        format!("gradient {k:?} has no matching parameter"),
                    )
                })?;
                if p.shape() != g.shape() {
                    return Err(Error::shape(
                        "apply_gradients",
                        format!("gradient and parameter {k:?} differ in shape"),
                        vec![g.shape().to_vec(), p.shape().to_vec()],
                    ));
                }
                Ok(p)
            })
            .collect::<Result<Vec<_>>>()?;
        if !self.state().initialized {
            self.init(gradients)?;
        }
        let st = self.state_mut();
        let schedules: Vec<(String, Schedule)> = st
            .schedules
            .iter()
            .map(|(k, s)| (k.clone(), s.clone()))
            .collect();
        for (name, s) in schedules {
            let v = s.eval(&st.step)?;
            st.scalars.insert(name, v);
        }
        st.step = st.step.add(1)?;
        let mut states = std::mem::take(&mut st.params);
        let step = st.step.clone();
        let scalars = st.scalars.clone();
        let ctx = StepContext {
            step: &step,
            scalars: &scalars,
        };
        let updated = keys
            .iter()
            .zip(grads.iter().zip(&params))
            .map(|(k, (g, p))| {
                let s = states.entry(k.clone()).or_default();
                self.apply_single(g, p, s, &ctx)
            })
            .collect::<Result<Vec<_>>>();
        self.state_mut().params = states;
        gradients.with_leaves(&updated?)
    }

    fn step(&self) -> Tensor {
        self.state().step().clone()
    }
    fn learning_rate(&self) -> Option<Tensor> {
        self.state().scalar("learning_rate").cloned()
    }
    fn set_learning_rate(&mut self, lr: Hyper) -> Result<()> {
        self.state_mut().set_scalar("learning_rate", lr)
    }
    fn flat_state(&self) -> BTreeMap<String, Tensor> {
        self.state().flatten()
    }
    fn load_flat_state(&mut self, flat: &BTreeMap<String, Tensor>) -> Result<()> {
        self.state_mut().load_flat(flat)
    }
}

/// The leaf at a dotted path.
fn lookup(tree: &Tree, path: &str) -> Option<Tensor> {
    if path.is_empty() {
        return tree.tensor().cloned();
    }
    let mut t = tree;
    for part in path.split('.') {
        t = t.get(part)?;
    }
    t.tensor().cloned()
}
