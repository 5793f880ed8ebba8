//! Learning-rate schedules (`mlx.optimizers.schedulers`): functions of the
//! optimizer's `uint64` step count returning a `float32` value.

use mlx_core::{Dtype, Error, Result};
use mlx_ops::Tensor;
use std::fmt;
use std::sync::Arc;

/// A schedule: a function from the step (a `uint64` scalar tensor) to a
/// value (a `float32` scalar tensor). Cheap to clone.
///
/// ```
/// use mlx_ops::Tensor;
/// let s = mlx_optim::Schedule::new(|step: &Tensor| step.astype(mlx_core::Dtype::Float32));
/// assert_eq!(s.at(3)?.item::<f32>()?, 3.0);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Schedule(Arc<ScheduleFn>);

/// The function behind a [`Schedule`].
type ScheduleFn = dyn Fn(&Tensor) -> Result<Tensor> + Send + Sync;

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Schedule")
    }
}

impl Schedule {
    /// Wraps a function of the step tensor.
    pub fn new(f: impl Fn(&Tensor) -> Result<Tensor> + Send + Sync + 'static) -> Schedule {
        Schedule(Arc::new(f))
    }
    /// The value at a step tensor.
    pub fn eval(&self, step: &Tensor) -> Result<Tensor> {
        (self.0)(step)
    }
    /// The value at step `step`.
    ///
    /// ```
    /// let s = mlx_optim::exponential_decay(0.1, 0.9);
    /// assert!((s.at(2)?.item::<f32>()? - 0.081).abs() < 1e-7);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn at(&self, step: u64) -> Result<Tensor> {
        self.eval(&Tensor::scalar(step))
    }
}

/// `init * decay_rate ** step` (`optim.exponential_decay`).
///
/// ```
/// let s = mlx_optim::exponential_decay(0.1, 0.5);
/// assert_eq!(s.at(3)?.item::<f32>()?, 0.0125);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn exponential_decay(init: f64, decay_rate: f64) -> Schedule {
    Schedule::new(move |step| {
        let rate = Tensor::scalar(decay_rate as f32).power(step)?;
        rate.multiply(init)
    })
}

/// `init * decay_rate ** (step // step_size)` (`optim.step_decay`);
/// `step_size` must be at least 1.
///
/// ```
/// let s = mlx_optim::step_decay(0.1, 0.5, 2)?;
/// assert_eq!(s.at(3)?.item::<f32>()?, 0.05);
/// assert!(mlx_optim::step_decay(0.1, 0.5, 0).is_err());
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn step_decay(init: f64, decay_rate: f64, step_size: u64) -> Result<Schedule> {
    if step_size < 1 {
        return Err(Error::invalid(
            "step_decay",
            format!("step_size must be greater than 0, but got {step_size}"),
        ));
    }
    Ok(Schedule::new(move |step| {
        let k = step.floor_divide(Tensor::scalar(step_size).astype(step.dtype())?)?;
        Tensor::scalar(decay_rate as f32).power(&k)?.multiply(init)
    }))
}

/// Cosine decay from `init` to `end` over `decay_steps` steps, then `end`
/// (`optim.cosine_decay`); `decay_steps` must be at least 1.
///
/// ```
/// let s = mlx_optim::cosine_decay(1.0, 2, 0.0)?;
/// assert!((s.at(1)?.item::<f32>()? - 0.5).abs() < 1e-6);
/// assert_eq!(s.at(5)?.item::<f32>()?, 0.0);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn cosine_decay(init: f64, decay_steps: u64, end: f64) -> Result<Schedule> {
    if decay_steps < 1 {
        return Err(Error::invalid(
            "cosine_decay",
            format!("decay_steps must be greater than 0, but got {decay_steps}"),
        ));
    }
    Ok(Schedule::new(move |step| {
        let s = step.minimum(Tensor::scalar(decay_steps).astype(step.dtype())?)?;
        let angle = s.multiply(std::f64::consts::PI / decay_steps as f64)?;
        let decay = angle.cos()?.add(1.0)?.multiply(0.5)?;
        decay.multiply(init - end)?.add(end)
    }))
}

/// Linear ramp from `init` to `end` over `steps` steps, then `end`
/// (`optim.linear_schedule`); `steps` must be at least 1.
///
/// ```
/// let warmup = mlx_optim::linear_schedule(0.0, 1.0, 4)?;
/// assert_eq!(warmup.at(1)?.item::<f32>()?, 0.25);
/// assert_eq!(warmup.at(9)?.item::<f32>()?, 1.0);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn linear_schedule(init: f64, end: f64, steps: u64) -> Result<Schedule> {
    if steps < 1 {
        return Err(Error::invalid(
            "linear_schedule",
            format!("steps must be greater than 0, but got {steps}"),
        ));
    }
    Ok(Schedule::new(move |step| {
        let s = step.minimum(Tensor::scalar(steps).astype(step.dtype())?)?;
        s.multiply((end - init) / steps as f64)?.add(init)
    }))
}

/// Chains schedules (`optim.join_schedules`): schedule `i + 1` takes over at
/// `boundaries[i]` and sees the steps since that boundary. Needs one more
/// schedule than boundaries.
///
/// ```
/// use mlx_optim::{cosine_decay, join_schedules, linear_schedule};
/// let s = join_schedules(vec![linear_schedule(0.0, 0.1, 10)?, cosine_decay(0.1, 200, 0.0)?], &[10])?;
/// assert!((s.at(5)?.item::<f32>()? - 0.05).abs() < 1e-7);
/// assert!((s.at(10)?.item::<f32>()? - 0.1).abs() < 1e-7);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn join_schedules(schedules: Vec<Schedule>, boundaries: &[u64]) -> Result<Schedule> {
    if schedules.is_empty() {
        return Err(Error::invalid(
            "join_schedules",
            "must provide at least 1 schedule to join",
        ));
    }
    if schedules.len() != boundaries.len() + 1 {
        return Err(Error::invalid(
            "join_schedules",
            format!(
                "received {} boundaries but expected {}",
                boundaries.len(),
                schedules.len() - 1
            ),
        ));
    }
    let boundaries = boundaries.to_vec();
    Ok(Schedule::new(move |step| {
        let mut out = schedules[0].eval(step)?;
        for (&b, s) in boundaries.iter().zip(&schedules[1..]) {
            let b = Tensor::scalar(b).astype(step.dtype())?;
            // Before the boundary the shifted step may wrap; its value is
            // discarded there, as in MLX.
            let later = s.eval(&step.subtract(&b)?)?;
            out = step.less(&b)?.where_(&out, &later)?;
        }
        out.astype(Dtype::Float32)
    }))
}
