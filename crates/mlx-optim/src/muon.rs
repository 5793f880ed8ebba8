//! Muon (`optim.Muon`): momentum whose update is orthogonalised by a
//! Newton–Schulz iteration before it is applied.

use crate::optimizers::{check_min, get, state_access, with_lr, zeros_state};
use crate::{Hyper, OptimizerState, ParamState, StepContext, UpdateRule};
use mlx_core::{Error, Result};
use mlx_ops::{Tensor, ALL};

/// Options of [`Muon`] (MLX's defaults).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MuonOptions {
    /// Momentum strength (default 0.95).
    pub momentum: f64,
    /// L2 penalty added to the gradient (default 0.01).
    pub weight_decay: f64,
    /// Nesterov momentum (default true).
    pub nesterov: bool,
    /// Newton–Schulz iterations (default 5).
    pub ns_steps: usize,
}

impl Default for MuonOptions {
    fn default() -> Self {
        MuonOptions {
            momentum: 0.95,
            weight_decay: 0.01,
            nesterov: true,
            ns_steps: 5,
        }
    }
}

/// Muon, "MomentUm Orthogonalized by Newton-schulz" (`optim.Muon`), update
/// for update: `g += wd * w`, `v = μ v + (1 - μ) g`, the update is
/// `(1 - μ) g + μ v` (Nesterov) or `v`; for parameters of two or more
/// dimensions (flattened to `[rows, rest]`) it is replaced by its
/// orthogonalisation `X` from five steps of the quintic Newton–Schulz
/// iteration `X ← aX + (bA + cA²)X`, `A = XXᵀ`, `(a, b, c) = (3.4445,
/// -4.7750, 2.0315)`, from `X = G / (‖G‖_F + 1e-7)`, and the learning rate
/// is scaled by `sqrt(max(1, rows / cols))`. Vectors and scalars take the
/// plain momentum update; as MLX notes, embeddings and output layers are
/// better left to AdamW (see [`MultiOptimizer`](crate::MultiOptimizer)).
///
/// ```
/// use mlx_optim::{Muon, MuonOptions, Optimizer, Tree};
/// use mlx_ops::Tensor;
/// let w = Tensor::from_slice(&[3.0f32, 0.0, 0.0, 0.5], &[2, 2])?;
/// let p = Tree::dict([("w", Tree::leaf(w.clone()))]);
/// let opt_options = MuonOptions { weight_decay: 0.0, nesterov: false, momentum: 0.0, ns_steps: 5 };
/// let mut opt = Muon::new(0.1, opt_options)?;
/// let new = opt.apply_gradients(&p, &p)?;
/// // the orthogonalised gradient has singular values near 1 whatever the
/// // gradient's scale: both diagonal entries move by about 0.1
/// let d = w.subtract(new.leaves()[0].clone())?.to_vec::<f32>()?;
/// assert!(d.iter().step_by(3).all(|x| (0.05..0.15).contains(x)), "{d:?}");
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Muon {
    /// The options.
    pub options: MuonOptions,
    state: OptimizerState,
}

impl Muon {
    /// A Muon optimizer; `Err` for a momentum outside `[0, 1]` or a
    /// negative weight decay.
    pub fn new(learning_rate: impl Into<Hyper>, options: MuonOptions) -> Result<Muon> {
        if !(0.0..=1.0).contains(&options.momentum) {
            return Err(Error::invalid(
                "Muon",
                format!("momentum must be in [0, 1], got {}", options.momentum),
            ));
        }
        check_min("Muon", "weight_decay", options.weight_decay, false)?;
        Ok(Muon {
            options,
            state: with_lr(learning_rate.into())?,
        })
    }
}

/// The quintic Newton–Schulz orthogonalisation of a matrix (MLX's
/// `_zeropower_via_newtonschulz5`): works on the wide orientation.
fn newton_schulz5(g: &Tensor, steps: usize) -> Result<Tensor> {
    let (a, b, c) = (3.4445, -4.7750, 2.0315);
    let tall = g.shape()[0] > g.shape()[1];
    let mut x = if tall {
        g.transpose(&[1, 0])?
    } else {
        g.clone()
    };
    let norm = x.square()?.sum(ALL, true)?.sqrt()?;
    x = x.divide(norm.add(1e-7)?)?;
    for _ in 0..steps {
        let xt = x.transpose(&[1, 0])?;
        let am = x.matmul(&xt)?;
        let bm = am.multiply(b)?.addmm(&am, &am, c, 1.0)?;
        x = x.multiply(a)?.addmm(&bm, &x, 1.0, 1.0)?;
    }
    if tall {
        x = x.transpose(&[1, 0])?;
    }
    Ok(x)
}

impl UpdateRule for Muon {
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
        let v = get("Muon", state, "v")?
            .multiply(o.momentum)?
            .add(g.multiply(1.0 - o.momentum)?)?;
        state.insert("v".into(), v.clone());
        let mut update = if o.nesterov {
            g.multiply(1.0 - o.momentum)?.add(v.multiply(o.momentum)?)?
        } else {
            v
        };
        let mut lr = ctx.learning_rate("Muon", g.dtype())?;
        if update.ndim() >= 2 {
            let shape = update.shape().to_vec();
            let rows = shape[0];
            let flat = update.reshape(&[rows as i64, -1])?;
            let dims: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
            update = newton_schulz5(&flat, o.ns_steps)?.reshape(&dims)?;
            let (r, c) = (shape[shape.len() - 2], shape[shape.len() - 1]);
            let scale = (1f64).max(r as f64 / c as f64).sqrt();
            lr = lr.multiply(scale)?;
        }
        p.subtract(lr.multiply(update)?)
    }
}
