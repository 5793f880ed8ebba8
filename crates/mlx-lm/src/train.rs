//! The next-token objective and one optimizer step.

use crate::TransformerLm;
use mlx::nn::losses::{cross_entropy, Reduction};
use mlx::nn::{value_and_grad, Module};
use mlx::optim::Optimizer;
use mlx::{eval, Error, Result, Tensor};

/// Mean cross-entropy of predicting `batch[:, 1:]` from `batch[:, :-1]`.
///
/// ```
/// use mlx_lm::{data::Progressions, train, LmConfig, TransformerLm};
/// let cfg = LmConfig { vocab_size: 16, dims: 16, layers: 1, heads: 2, hidden_dims: 32, ..LmConfig::default() };
/// let m = TransformerLm::new(&cfg)?;
/// let l = train::loss(&m, &Progressions::new(16, 8, 4, 0).batch(0)?)?.item::<f32>()?;
/// assert!((l - 16f32.ln()).abs() < 1.0); // about chance at initialisation
/// # Ok::<(), mlx::Error>(())
/// ```
pub fn loss(model: &TransformerLm, batch: &Tensor) -> Result<Tensor> {
    if batch.ndim() != 2 || batch.shape()[1] < 2 {
        return Err(Error::shape(
            "lm loss",
            "a batch is [batch, length] with length >= 2",
            vec![batch.shape().to_vec()],
        ));
    }
    let t = batch.shape()[1] as i64;
    let inputs = batch.slice_axis(1, 0, t - 1, 1)?;
    let targets = batch.slice_axis(1, 1, t, 1)?;
    let logits = model.apply(&inputs)?;
    cross_entropy(&logits, &targets, None, -1, 0.0, Reduction::Mean)
}

/// One training step: the loss and its gradients, the optimizer's update,
/// and an evaluation of the new parameters and optimizer state (so the
/// graph is cut at every step). Returns the loss before the update.
pub fn step(model: &mut TransformerLm, opt: &mut dyn Optimizer, batch: &Tensor) -> Result<f32> {
    let (l, grads) = value_and_grad(model, |m: &mut TransformerLm| loss(m, batch))?;
    let new = opt.apply_gradients(&grads, &model.trainable_parameters())?;
    model.update(&new)?;
    let mut live = new.leaves();
    live.extend(opt.state_tensors());
    live.push(l.clone());
    eval(&live.iter().collect::<Vec<_>>())?;
    l.item::<f32>()
}

/// The demo's optimizer: AdamW (weight decay 0.01) whose learning rate
/// rises linearly from 0 to `lr` over `warmup` steps, then follows a cosine
/// decay to 0 over `decay` steps (MLX's `join_schedules([linear_schedule(0,
/// lr, warmup), cosine_decay(lr, decay)], [warmup])`).
///
/// ```
/// let opt = mlx_lm::train::warmup_cosine_adamw(3e-3, 10, 90)?;
/// assert_eq!(opt.options.weight_decay, 0.01);
/// # Ok::<(), mlx::Error>(())
/// ```
pub fn warmup_cosine_adamw(lr: f64, warmup: u64, decay: u64) -> Result<mlx::optim::AdamW> {
    use mlx::optim::{cosine_decay, join_schedules, linear_schedule, AdamW, AdamWOptions, Hyper};
    let schedule = join_schedules(
        vec![
            linear_schedule(0.0, lr, warmup)?,
            cosine_decay(lr, decay, 0.0)?,
        ],
        &[warmup],
    )?;
    AdamW::new(Hyper::Schedule(schedule), AdamWOptions::default())
}
