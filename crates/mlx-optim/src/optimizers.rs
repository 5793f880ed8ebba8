//! The optimizers of `mlx.optimizers`, update for update.
//!
//! Hyperparameters are Rust `f64`s used as weak scalars (they take the
//! parameter's dtype, as Python floats do in MLX); the learning rate is a
//! `float32` scalar converted to the gradient's dtype.

use crate::{Hyper, OptimizerState, ParamState, StepContext, UpdateRule};
use mlx_core::{Dtype, Error, Result};
use mlx_ops::{Tensor, ALL};

/// `state` and `state_mut` of an [`UpdateRule`] with a `state` field.
macro_rules! state_access {
    () => {
        fn state(&self) -> &OptimizerState {
            &self.state
        }
        fn state_mut(&mut self) -> &mut OptimizerState {
            &mut self.state
        }
    };
}
pub(crate) use state_access;

pub(crate) fn zeros_state(p: &Tensor, names: &[&str]) -> Result<ParamState> {
    names
        .iter()
        .map(|n| Ok((n.to_string(), p.zeros_like()?)))
        .collect()
}

pub(crate) fn get<'a>(op: &'static str, state: &'a ParamState, name: &str) -> Result<&'a Tensor> {
    state
        .get(name)
        .ok_or_else(|| Error::invalid(op, format!("parameter state has no {name:?} entry")))
}

pub(crate) fn with_lr(lr: Hyper) -> Result<OptimizerState> {
    let mut s = OptimizerState::new();
    s.set_scalar("learning_rate", lr)?;
    Ok(s)
}

/// `Err` naming `op` unless `value >= 0` (`strict`: `> 0`), as MLX's
/// constructors check `alpha`, `rho` and `eps`.
pub(crate) fn check_min(op: &'static str, name: &str, value: f64, strict: bool) -> Result<()> {
    let bad = if strict { value <= 0.0 } else { value < 0.0 };
    if !bad {
        return Ok(());
    }
    let bound = if strict { "> 0" } else { ">= 0" };
    Err(Error::invalid(
        op,
        format!("{name} must be {bound}, got {value}"),
    ))
}

fn check_betas(op: &'static str, betas: [f64; 2]) -> Result<()> {
    for (i, b) in betas.iter().enumerate() {
        if !(0.0..1.0).contains(b) {
            return Err(Error::invalid(
                op,
                format!(
                    "beta{} should be in [0, 1), {b} was provided instead",
                    i + 1
                ),
            ));
        }
    }
    Ok(())
}

/// Options of [`Sgd`] (MLX's defaults: all zero, no Nesterov).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SgdOptions {
    /// Momentum strength.
    pub momentum: f64,
    /// L2 penalty added to the gradient.
    pub weight_decay: f64,
    /// Dampening of the momentum.
    pub dampening: f64,
    /// Nesterov momentum (needs momentum > 0 and no dampening).
    pub nesterov: bool,
}

/// Stochastic gradient descent with momentum (`optim.SGD`).
///
/// ```
/// use mlx_optim::{Optimizer, Sgd, SgdOptions, Tree};
/// use mlx_ops::Tensor;
/// let p = Tree::dict([("w", Tree::leaf(Tensor::from_slice(&[1.0f32], &[1])?))]);
/// let g = Tree::dict([("w", Tree::leaf(Tensor::from_slice(&[0.5f32], &[1])?))]);
/// let mut opt = Sgd::new(0.1, SgdOptions::default())?;
/// let p = opt.apply_gradients(&g, &p)?;
/// assert_eq!(p.get("w").unwrap().tensor().unwrap().to_vec::<f32>()?, vec![0.95]);
/// let bad = SgdOptions { nesterov: true, ..Default::default() };
/// assert!(Sgd::new(0.1, bad).is_err());
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Sgd {
    /// The options.
    pub options: SgdOptions,
    state: OptimizerState,
}

impl Sgd {
    /// An SGD optimizer; `Err` for Nesterov without momentum or with dampening.
    pub fn new(learning_rate: impl Into<Hyper>, options: SgdOptions) -> Result<Sgd> {
        if options.nesterov && (options.momentum <= 0.0 || options.dampening != 0.0) {
            return Err(Error::invalid(
                "SGD",
                "Nesterov momentum requires a momentum and zero dampening",
            ));
        }
        Ok(Sgd {
            options,
            state: with_lr(learning_rate.into())?,
        })
    }
}

impl UpdateRule for Sgd {
    state_access!();
    fn init_single(&self, p: &Tensor) -> Result<ParamState> {
        zeros_state(p, &["v"])
    }
    fn apply_single(
        &self,
        g: &Tensor,
        p: &Tensor,
        state: &mut ParamState,
        ctx: &StepContext<'_>,
    ) -> Result<Tensor> {
        let o = &self.options;
        let mut g = g.clone();
        if o.weight_decay != 0.0 {
            g = g.add(p.multiply(o.weight_decay)?)?;
        }
        let lr = ctx.learning_rate("SGD", g.dtype())?;
        if o.momentum <= 0.0 {
            return p.subtract(lr.multiply(&g)?);
        }
        let mut v = get("SGD", state, "v")?.multiply(o.momentum)?;
        v = if o.dampening > 0.0 {
            v.add(g.multiply(1.0 - o.dampening)?)?
        } else {
            v.add(&g)?
        };
        let update = if o.nesterov {
            g.add(v.multiply(o.momentum)?)?
        } else {
            v.clone()
        };
        state.insert("v".into(), v);
        p.subtract(lr.multiply(&update)?)
    }
}

/// Options of [`RmsProp`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmsPropOptions {
    /// Smoothing constant (default 0.99).
    pub alpha: f64,
    /// Denominator term (default 1e-8).
    pub eps: f64,
}

impl Default for RmsPropOptions {
    fn default() -> Self {
        RmsPropOptions {
            alpha: 0.99,
            eps: 1e-8,
        }
    }
}

/// RMSprop (`optim.RMSprop`): `v = αv + (1-α)g²`, `w -= λ g / (√v + ε)`.
///
/// ```
/// use mlx_optim::{RmsProp, RmsPropOptions};
/// assert!(RmsProp::new(0.01, RmsPropOptions::default()).is_ok());
/// assert!(RmsProp::new(0.01, RmsPropOptions { eps: 0.0, ..Default::default() }).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct RmsProp {
    /// The options.
    pub options: RmsPropOptions,
    state: OptimizerState,
}

impl RmsProp {
    /// An RMSprop optimizer; `Err` for a negative alpha or non-positive eps.
    pub fn new(learning_rate: impl Into<Hyper>, options: RmsPropOptions) -> Result<RmsProp> {
        check_min("RMSprop", "alpha", options.alpha, false)?;
        check_min("RMSprop", "eps", options.eps, true)?;
        Ok(RmsProp {
            options,
            state: with_lr(learning_rate.into())?,
        })
    }
}

impl UpdateRule for RmsProp {
    state_access!();
    fn init_single(&self, p: &Tensor) -> Result<ParamState> {
        zeros_state(p, &["v"])
    }
    fn apply_single(
        &self,
        g: &Tensor,
        p: &Tensor,
        state: &mut ParamState,
        ctx: &StepContext<'_>,
    ) -> Result<Tensor> {
        let RmsPropOptions { alpha, eps } = self.options;
        let lr = ctx.learning_rate("RMSprop", g.dtype())?;
        let v = get("RMSprop", state, "v")?
            .multiply(alpha)?
            .add(g.square()?.multiply(1.0 - alpha)?)?;
        let out = p.subtract(lr.multiply(g)?.divide(v.sqrt()?.add(eps)?)?);
        state.insert("v".into(), v);
        out
    }
}

/// Options of [`Adagrad`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdagradOptions {
    /// Denominator term (default 1e-8).
    pub eps: f64,
}

impl Default for AdagradOptions {
    fn default() -> Self {
        AdagradOptions { eps: 1e-8 }
    }
}

/// Adagrad (`optim.Adagrad`): `v += g²`, `w -= λ g / (√v + ε)`.
///
/// ```
/// use mlx_optim::{Adagrad, AdagradOptions};
/// assert!(Adagrad::new(0.1, AdagradOptions { eps: -1.0 }).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct Adagrad {
    /// The options.
    pub options: AdagradOptions,
    state: OptimizerState,
}

impl Adagrad {
    /// An Adagrad optimizer; `Err` for a non-positive eps.
    pub fn new(learning_rate: impl Into<Hyper>, options: AdagradOptions) -> Result<Adagrad> {
        check_min("Adagrad", "eps", options.eps, true)?;
        Ok(Adagrad {
            options,
            state: with_lr(learning_rate.into())?,
        })
    }
}

impl UpdateRule for Adagrad {
    state_access!();
    fn init_single(&self, p: &Tensor) -> Result<ParamState> {
        zeros_state(p, &["v"])
    }
    fn apply_single(
        &self,
        g: &Tensor,
        p: &Tensor,
        state: &mut ParamState,
        ctx: &StepContext<'_>,
    ) -> Result<Tensor> {
        let lr = ctx.learning_rate("Adagrad", g.dtype())?;
        let v = get("Adagrad", state, "v")?.add(g.square()?)?;
        let out = p.subtract(lr.multiply(g)?.divide(v.sqrt()?.add(self.options.eps)?)?);
        state.insert("v".into(), v);
        out
    }
}

/// Options of [`AdaDelta`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdaDeltaOptions {
    /// Running-average coefficient (default 0.9).
    pub rho: f64,
    /// Stability term (default 1e-6).
    pub eps: f64,
}

impl Default for AdaDeltaOptions {
    fn default() -> Self {
        AdaDeltaOptions {
            rho: 0.9,
            eps: 1e-6,
        }
    }
}

/// AdaDelta with a learning rate (`optim.AdaDelta`).
///
/// ```
/// use mlx_optim::{AdaDelta, AdaDeltaOptions};
/// assert!(AdaDelta::new(1.0, AdaDeltaOptions { rho: -0.5, ..Default::default() }).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct AdaDelta {
    /// The options.
    pub options: AdaDeltaOptions,
    state: OptimizerState,
}

impl AdaDelta {
    /// An AdaDelta optimizer; `Err` for a negative rho or non-positive eps.
    pub fn new(learning_rate: impl Into<Hyper>, options: AdaDeltaOptions) -> Result<AdaDelta> {
        check_min("AdaDelta", "rho", options.rho, false)?;
        check_min("AdaDelta", "eps", options.eps, true)?;
        Ok(AdaDelta {
            options,
            state: with_lr(learning_rate.into())?,
        })
    }
}

impl UpdateRule for AdaDelta {
    state_access!();
    fn init_single(&self, p: &Tensor) -> Result<ParamState> {
        zeros_state(p, &["u", "v"])
    }
    fn apply_single(
        &self,
        g: &Tensor,
        p: &Tensor,
        state: &mut ParamState,
        ctx: &StepContext<'_>,
    ) -> Result<Tensor> {
        let AdaDeltaOptions { rho, eps } = self.options;
        let lr = ctx.learning_rate("AdaDelta", g.dtype())?;
        let v = get("AdaDelta", state, "v")?
            .multiply(rho)?
            .add(g.square()?.multiply(1.0 - rho)?)?;
        let u = get("AdaDelta", state, "u")?;
        let d = u
            .add(eps)?
            .sqrt()?
            .divide(v.add(eps)?.sqrt()?)?
            .multiply(g)?;
        let u = u.multiply(rho)?.add(d.square()?.multiply(1.0 - rho)?)?;
        state.insert("v".into(), v);
        state.insert("u".into(), u);
        p.subtract(lr.multiply(&d)?)
    }
}

/// Options of [`Adam`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamOptions {
    /// Running-average coefficients (default `[0.9, 0.999]`).
    pub betas: [f64; 2],
    /// Denominator term (default 1e-8).
    pub eps: f64,
    /// Bias correction of the moments (default off, as in MLX).
    pub bias_correction: bool,
}

impl Default for AdamOptions {
    fn default() -> Self {
        AdamOptions {
            betas: [0.9, 0.999],
            eps: 1e-8,
            bias_correction: false,
        }
    }
}

fn adam_check(op: &'static str, o: &AdamOptions) -> Result<()> {
    check_betas(op, o.betas)?;
    if o.eps.is_nan() || o.eps < 0.0 {
        return Err(Error::invalid(
            op,
            format!("epsilon should be >=0, {} was provided instead", o.eps),
        ));
    }
    Ok(())
}

fn adam_update(
    o: &AdamOptions,
    g: &Tensor,
    p: &Tensor,
    state: &mut ParamState,
    ctx: &StepContext<'_>,
) -> Result<Tensor> {
    let [b1, b2] = o.betas;
    let lr = ctx.learning_rate("Adam", g.dtype())?;
    let m = get("Adam", state, "m")?
        .multiply(b1)?
        .add(g.multiply(1.0 - b1)?)?;
    let v = get("Adam", state, "v")?
        .multiply(b2)?
        .add(g.square()?.multiply(1.0 - b2)?)?;
    state.insert("m".into(), m.clone());
    state.insert("v".into(), v.clone());
    if o.bias_correction {
        let pow = |b: f64| Tensor::scalar(b as f32).power(ctx.step);
        let c1 = lr.divide((1.0f64 - &pow(b1)?)?)?.astype(g.dtype())?;
        let c2 = (1.0f64 - &pow(b2)?)?.rsqrt()?.astype(g.dtype())?;
        let den = v.sqrt()?.multiply(&c2)?.add(o.eps)?;
        p.subtract(c1.multiply(&m)?.divide(&den)?)
    } else {
        p.subtract(lr.multiply(&m)?.divide(v.sqrt()?.add(o.eps)?)?)
    }
}

/// Adam (`optim.Adam`), without bias correction unless asked, as MLX.
///
/// ```
/// use mlx_optim::{Adam, AdamOptions};
/// let bad = AdamOptions { betas: [0.9, 1.0], ..Default::default() };
/// assert!(Adam::new(1e-3, bad).unwrap_err().to_string().contains("beta2"));
/// ```
#[derive(Clone, Debug)]
pub struct Adam {
    /// The options.
    pub options: AdamOptions,
    state: OptimizerState,
}

impl Adam {
    /// An Adam optimizer; `Err` for betas outside `[0, 1)` or a negative eps.
    pub fn new(learning_rate: impl Into<Hyper>, options: AdamOptions) -> Result<Adam> {
        adam_check("Adam", &options)?;
        Ok(Adam {
            options,
            state: with_lr(learning_rate.into())?,
        })
    }
}

impl UpdateRule for Adam {
    state_access!();
    fn init_single(&self, p: &Tensor) -> Result<ParamState> {
        zeros_state(p, &["m", "v"])
    }
    fn apply_single(
        &self,
        g: &Tensor,
        p: &Tensor,
        state: &mut ParamState,
        ctx: &StepContext<'_>,
    ) -> Result<Tensor> {
        adam_update(&self.options, g, p, state, ctx)
    }
}

/// Options of [`AdamW`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamWOptions {
    /// Adam's options.
    pub adam: AdamOptions,
    /// Decoupled weight decay (default 0.01).
    pub weight_decay: f64,
}

impl Default for AdamWOptions {
    fn default() -> Self {
        AdamWOptions {
            adam: AdamOptions::default(),
            weight_decay: 0.01,
        }
    }
}

/// AdamW (`optim.AdamW`): Adam on `w * (1 - λ·wd)`.
///
/// ```
/// use mlx_optim::{AdamW, AdamWOptions};
/// assert_eq!(AdamW::new(1e-3, AdamWOptions::default())?.options.weight_decay, 0.01);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct AdamW {
    /// The options.
    pub options: AdamWOptions,
    state: OptimizerState,
}

impl AdamW {
    /// An AdamW optimizer; `Err` for betas outside `[0, 1)` or a negative eps.
    pub fn new(learning_rate: impl Into<Hyper>, options: AdamWOptions) -> Result<AdamW> {
        adam_check("AdamW", &options.adam)?;
        Ok(AdamW {
            options,
            state: with_lr(learning_rate.into())?,
        })
    }
}

impl UpdateRule for AdamW {
    state_access!();
    fn init_single(&self, p: &Tensor) -> Result<ParamState> {
        zeros_state(p, &["m", "v"])
    }
    fn apply_single(
        &self,
        g: &Tensor,
        p: &Tensor,
        state: &mut ParamState,
        ctx: &StepContext<'_>,
    ) -> Result<Tensor> {
        let lr = ctx.learning_rate("AdamW", g.dtype())?;
        let decay = (1.0f64 - &lr.multiply(self.options.weight_decay)?)?;
        let p = p.multiply(&decay)?;
        adam_update(&self.options.adam, g, &p, state, ctx)
    }
}

/// Options of [`Adamax`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamaxOptions {
    /// Running-average coefficients (default `[0.9, 0.999]`).
    pub betas: [f64; 2],
    /// Denominator term (default 1e-8).
    pub eps: f64,
}

impl Default for AdamaxOptions {
    fn default() -> Self {
        AdamaxOptions {
            betas: [0.9, 0.999],
            eps: 1e-8,
        }
    }
}

/// Adamax (`optim.Adamax`): `v = max(β₂v, |g|)`, `w -= λ m / (v + ε)`.
///
/// ```
/// use mlx_optim::{Adamax, AdamaxOptions};
/// assert!(Adamax::new(1e-3, AdamaxOptions { betas: [-0.1, 0.9], ..Default::default() }).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct Adamax {
    /// The options.
    pub options: AdamaxOptions,
    state: OptimizerState,
}

impl Adamax {
    /// An Adamax optimizer; `Err` for betas outside `[0, 1)` or a negative eps.
    pub fn new(learning_rate: impl Into<Hyper>, options: AdamaxOptions) -> Result<Adamax> {
        adam_check(
            "Adamax",
            &AdamOptions {
                betas: options.betas,
                eps: options.eps,
                bias_correction: false,
            },
        )?;
        Ok(Adamax {
            options,
            state: with_lr(learning_rate.into())?,
        })
    }
}

impl UpdateRule for Adamax {
    state_access!();
    fn init_single(&self, p: &Tensor) -> Result<ParamState> {
        zeros_state(p, &["m", "v"])
    }
    fn apply_single(
        &self,
        g: &Tensor,
        p: &Tensor,
        state: &mut ParamState,
        ctx: &StepContext<'_>,
    ) -> Result<Tensor> {
        let [b1, b2] = self.options.betas;
        let lr = ctx.learning_rate("Adamax", g.dtype())?;
        let m = get("Adamax", state, "m")?
            .multiply(b1)?
            .add(g.multiply(1.0 - b1)?)?;
        let v = get("Adamax", state, "v")?.multiply(b2)?.maximum(g.abs()?)?;
        let out = p.subtract(lr.multiply(&m)?.divide(v.add(self.options.eps)?)?);
        state.insert("m".into(), m);
        state.insert("v".into(), v);
        out
    }
}

/// Options of [`Lion`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LionOptions {
    /// Update and momentum coefficients (default `[0.9, 0.99]`).
    pub betas: [f64; 2],
    /// Decoupled weight decay (default 0).
    pub weight_decay: f64,
}

impl Default for LionOptions {
    fn default() -> Self {
        LionOptions {
            betas: [0.9, 0.99],
            weight_decay: 0.0,
        }
    }
}

/// Lion (`optim.Lion`): `w -= λ sign(β₁m + (1-β₁)g)`, `m = β₂m + (1-β₂)g`.
///
/// ```
/// use mlx_optim::{Lion, LionOptions, Optimizer, Tree};
/// use mlx_ops::Tensor;
/// let p = Tree::dict([("w", Tree::leaf(Tensor::from_slice(&[1.0f32, 1.0], &[2])?))]);
/// let g = Tree::dict([("w", Tree::leaf(Tensor::from_slice(&[3.0f32, -0.1], &[2])?))]);
/// let mut opt = Lion::new(0.5, LionOptions::default())?;
/// let p = opt.apply_gradients(&g, &p)?;
/// assert_eq!(p.leaves()[0].to_vec::<f32>()?, vec![0.5, 1.5]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Lion {
    /// The options.
    pub options: LionOptions,
    state: OptimizerState,
}

impl Lion {
    /// A Lion optimizer; `Err` for betas outside `[0, 1)`.
    pub fn new(learning_rate: impl Into<Hyper>, options: LionOptions) -> Result<Lion> {
        check_betas("Lion", options.betas)?;
        Ok(Lion {
            options,
            state: with_lr(learning_rate.into())?,
        })
    }
}

impl UpdateRule for Lion {
    state_access!();
    fn init_single(&self, p: &Tensor) -> Result<ParamState> {
        zeros_state(p, &["m"])
    }
    fn apply_single(
        &self,
        g: &Tensor,
        p: &Tensor,
        state: &mut ParamState,
        ctx: &StepContext<'_>,
    ) -> Result<Tensor> {
        let [b1, b2] = self.options.betas;
        let lr = ctx.learning_rate("Lion", g.dtype())?;
        let m = get("Lion", state, "m")?.clone();
        let c = m.multiply(b1)?.add(g.multiply(1.0 - b1)?)?;
        state.insert("m".into(), m.multiply(b2)?.add(g.multiply(1.0 - b2)?)?);
        let mut p = p.clone();
        if self.options.weight_decay > 0.0 {
            p = (1.0f64 - &lr.multiply(self.options.weight_decay)?)?.multiply(&p)?;
        }
        p.subtract(lr.multiply(c.sign()?)?)
    }
}

/// Options of [`Adafactor`] (MLX's defaults).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdafactorOptions {
    /// `(ε₁, ε₂)`: added to the squared gradient, and the floor of the
    /// parameter scale (default `(1e-30, 1e-3)`).
    pub eps: (f64, f64),
    /// Clips the unscaled update's RMS (default 1).
    pub clip_threshold: f64,
    /// Exponent of the second-moment decay (default -0.8).
    pub decay_rate: f64,
    /// First-moment coefficient, if any (default none).
    pub beta_1: Option<f64>,
    /// Weight decay (default 0).
    pub weight_decay: f64,
    /// Scale the step by the parameter's RMS (default true).
    pub scale_parameter: bool,
    /// Ignore the learning rate and use a relative step (default true).
    pub relative_step: bool,
    /// Relative step grows with the step count (default false).
    pub warmup_init: bool,
}

impl Default for AdafactorOptions {
    fn default() -> Self {
        AdafactorOptions {
            eps: (1e-30, 1e-3),
            clip_threshold: 1.0,
            decay_rate: -0.8,
            beta_1: None,
            weight_decay: 0.0,
            scale_parameter: true,
            relative_step: true,
            warmup_init: false,
        }
    }
}

/// Adafactor (`optim.Adafactor`): factored second moments for parameters of
/// two or more dimensions.
///
/// ```
/// use mlx_optim::{Adafactor, AdafactorOptions, Optimizer, Tree, UpdateRule};
/// use mlx_ops::Tensor;
/// let p = Tree::dict([("w", Tree::leaf(Tensor::ones(&[2, 3], mlx_core::Dtype::Float32)?))]);
/// let mut opt = Adafactor::new(None, AdafactorOptions::default())?;
/// opt.init(&p)?;
/// assert_eq!(opt.state().param("w").unwrap()["exp_avg_sq_row"].shape(), &[2]);
/// assert!(opt.learning_rate().is_none());
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Adafactor {
    /// The options.
    pub options: AdafactorOptions,
    state: OptimizerState,
}

impl Adafactor {
    /// An Adafactor optimizer; the learning rate is only needed (and only
    /// read) when `relative_step` is false.
    pub fn new(learning_rate: Option<Hyper>, options: AdafactorOptions) -> Result<Adafactor> {
        let state = match learning_rate {
            Some(lr) => with_lr(lr)?,
            None if !options.relative_step => {
                return Err(Error::invalid(
                    "Adafactor",
                    "a learning_rate is needed when relative_step is false",
                ))
            }
            None => OptimizerState::new(),
        };
        Ok(Adafactor { options, state })
    }
}

fn rms(x: &Tensor) -> Result<Tensor> {
    x.square()?.mean(ALL, false)?.sqrt()
}

impl UpdateRule for Adafactor {
    state_access!();
    fn init_single(&self, p: &Tensor) -> Result<ParamState> {
        let mut s = ParamState::new();
        let shape = p.shape();
        if shape.len() >= 2 {
            let n = shape.len();
            let col: Vec<usize> = shape[..n - 2]
                .iter()
                .chain(&shape[n - 1..])
                .copied()
                .collect();
            s.insert(
                "exp_avg_sq_row".into(),
                Tensor::zeros(&shape[..n - 1], p.dtype())?,
            );
            s.insert("exp_avg_sq_col".into(), Tensor::zeros(&col, p.dtype())?);
        } else {
            s.insert("exp_avg_sq".into(), p.zeros_like()?);
        }
        if self.options.beta_1.is_some() {
            s.insert("exp_avg".into(), p.zeros_like()?);
        }
        Ok(s)
    }
    fn apply_single(
        &self,
        g: &Tensor,
        p: &Tensor,
        state: &mut ParamState,
        ctx: &StepContext<'_>,
    ) -> Result<Tensor> {
        const OP: &str = "Adafactor";
        let o = &self.options;
        let step = ctx.step;
        let p_rms = rms(p)?;
        let rel = if o.relative_step {
            let min_step = if o.warmup_init {
                step.multiply(1e-6)?
            } else {
                Tensor::scalar(1e-2f32)
            };
            min_step.minimum(step.rsqrt()?)?
        } else {
            ctx.learning_rate(OP, p_rms.dtype())?
        };
        let rel = rel.astype(p_rms.dtype())?;
        let lr = if o.scale_parameter {
            p_rms.maximum(o.eps.1)?.multiply(&rel)?
        } else {
            rel
        };
        let beta_2 = (1.0f64
            - &step
                .astype(Dtype::Float32)?
                .power(o.decay_rate)?
                .astype(p_rms.dtype())?)?;
        let one_minus = (1.0f64 - &beta_2)?;
        let sq = g.square()?.add(o.eps.0)?;
        let mut update = if g.ndim() >= 2 {
            let row = get(OP, state, "exp_avg_sq_row")?
                .multiply(&beta_2)?
                .add(one_minus.multiply(sq.mean(-1, false)?)?)?;
            let col = get(OP, state, "exp_avg_sq_col")?
                .multiply(&beta_2)?
                .add(one_minus.multiply(sq.mean(-2, false)?)?)?;
            let r = row.divide(row.mean(-1, true)?)?.rsqrt()?;
            let c = col.rsqrt()?;
            let u = r.expand_dims(-1)?.multiply(c.expand_dims(-2)?)?;
            state.insert("exp_avg_sq_row".into(), row);
            state.insert("exp_avg_sq_col".into(), col);
            u.multiply(g)?
        } else {
            let v = get(OP, state, "exp_avg_sq")?
                .multiply(&beta_2)?
                .add(one_minus.multiply(&sq)?)?;
            let u = v.rsqrt()?.multiply(g)?;
            state.insert("exp_avg_sq".into(), v);
            u
        };
        let clip = rms(&update)?.divide(o.clip_threshold)?.maximum(1.0)?;
        update = lr.multiply(update.divide(&clip)?)?;
        if let Some(b1) = o.beta_1 {
            let avg = get(OP, state, "exp_avg")?
                .multiply(b1)?
                .add(update.multiply(1.0 - b1)?)?;
            state.insert("exp_avg".into(), avg.clone());
            update = avg;
        }
        let mut p = p.clone();
        if o.weight_decay != 0.0 {
            p = p.add(p.multiply(lr.multiply(-o.weight_decay)?)?)?;
        }
        p.subtract(&update)
    }
}
