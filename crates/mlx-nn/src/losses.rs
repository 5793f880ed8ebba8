//! Loss functions (`mlx.nn.losses`) with MLX's formulas, defaults and
//! shape checks.

use mlx_core::{Error, Result};
use mlx_ops::{Tensor, ALL};

/// How a loss reduces its per-element values (MLX's `reduction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    /// No reduction (`"none"`).
    None,
    /// The mean of all values (`"mean"`).
    Mean,
    /// The sum of all values (`"sum"`).
    Sum,
}

impl Reduction {
    /// Parses `"none"`, `"mean"` or `"sum"`.
    ///
    /// ```
    /// use mlx_nn::losses::Reduction;
    /// assert_eq!(Reduction::parse("sum")?, Reduction::Sum);
    /// assert!(Reduction::parse("max").is_err());
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn parse(name: &str) -> Result<Reduction> {
        match name {
            "none" => Ok(Reduction::None),
            "mean" => Ok(Reduction::Mean),
            "sum" => Ok(Reduction::Sum),
            _ => Err(Error::invalid(
                "loss",
                "Invalid reduction. Must be one of ('none', 'mean', 'sum').",
            )),
        }
    }
    /// Applies the reduction.
    ///
    /// ```
    /// use mlx_nn::losses::Reduction;
    /// let l = mlx_ops::Tensor::from_slice(&[1.0f32, 3.0], &[2])?;
    /// assert_eq!(Reduction::Mean.apply(&l)?.item::<f32>()?, 2.0);
    /// # Ok::<(), mlx_core::Error>(())
    /// ```
    pub fn apply(self, loss: &Tensor) -> Result<Tensor> {
        match self {
            Reduction::None => Ok(loss.clone()),
            Reduction::Mean => loss.mean(ALL, false),
            Reduction::Sum => loss.sum(ALL, false),
        }
    }
}

fn same_shape(op: &'static str, what: &str, a: &Tensor, b: &Tensor) -> Result<()> {
    if a.shape() == b.shape() {
        Ok(())
    } else {
        Err(Error::shape(
            op,
            format!(
                "{what} shapes {:?} and {:?} do not match.",
                a.shape(),
                b.shape()
            ),
            vec![a.shape().to_vec(), b.shape().to_vec()],
        ))
    }
}

fn apply_weights(op: &'static str, loss: Tensor, weights: Option<&Tensor>) -> Result<Tensor> {
    match weights {
        Some(w) => {
            if w.shape() != loss.shape() {
                return Err(Error::shape(
                    op,
                    format!(
                        "Weights with shape {:?} is not the same as output loss with shape {:?}.",
                        w.shape(),
                        loss.shape()
                    ),
                    vec![w.shape().to_vec(), loss.shape().to_vec()],
                ));
            }
            loss.multiply(w)
        }
        None => Ok(loss),
    }
}

fn norm_axis(op: &'static str, axis: i64, ndim: usize) -> Result<usize> {
    let a = if axis < 0 { axis + ndim as i64 } else { axis };
    if a < 0 || a >= ndim as i64 {
        return Err(Error::invalid(
            op,
            format!("axis {axis} is out of bounds for an array of dimension {ndim}"),
        ));
    }
    Ok(a as usize)
}

/// Cross entropy of `logits` against class indices (`targets` with the
/// class axis dropped) or probabilities (`targets` shaped as `logits`),
/// with optional label smoothing in `[0, 1)` and per-element `weights`
/// (MLX's defaults: `axis=-1`, `label_smoothing=0`, `reduction="none"`).
///
/// ```
/// use mlx_nn::losses::{cross_entropy, Reduction};
/// use mlx_ops::Tensor;
/// let logits = Tensor::from_slice(&[0.0f32, 0.0, 5.0, -5.0], &[2, 2])?;
/// let idx = Tensor::from_slice(&[0i32, 0], &[2])?;
/// let l = cross_entropy(&logits, &idx, None, -1, 0.0, Reduction::None)?.to_vec::<f32>()?;
/// assert!((l[0] - 2f32.ln()).abs() < 1e-6 && l[1] < 1e-4);
/// let probs = Tensor::from_slice(&[0.5f32, 0.5, 1.0, 0.0], &[2, 2])?;
/// assert_eq!(cross_entropy(&logits, &probs, None, -1, 0.0, Reduction::Mean)?.shape(), &[] as &[usize]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn cross_entropy(
    logits: &Tensor,
    targets: &Tensor,
    weights: Option<&Tensor>,
    axis: i64,
    label_smoothing: f64,
    reduction: Reduction,
) -> Result<Tensor> {
    const OP: &str = "cross_entropy";
    if !(0.0..1.0).contains(&label_smoothing) {
        return Err(Error::invalid(
            OP,
            format!("Label smoothing must be in [0, 1), got {label_smoothing}."),
        ));
    }
    let ax = norm_axis(OP, axis, logits.ndim())? as i64;
    let as_probs = targets.ndim() == logits.ndim();
    let expected: Vec<usize> = if as_probs {
        logits.shape().to_vec()
    } else {
        let mut s = logits.shape().to_vec();
        s.remove(ax as usize);
        s
    };
    if targets.shape() != expected.as_slice() {
        return Err(Error::shape(
            OP,
            format!(
                "Targets shape {:?} does not match logits shape {:?}.",
                targets.shape(),
                logits.shape()
            ),
            vec![targets.shape().to_vec(), logits.shape().to_vec()],
        ));
    }
    let logits = logits.subtract(&logits.max(ax, true)?.stop_gradient()?)?;
    let score = if as_probs {
        logits.multiply(targets)?.sum(ax, false)?
    } else {
        logits
            .take_along_axis(&targets.expand_dims(ax)?, Some(ax))?
            .squeeze(ax)?
    };
    let lse = logits.logsumexp(ax, false)?;
    let loss = if label_smoothing > 0.0 {
        let adjusted = score.multiply(1.0 - label_smoothing)?;
        let smoothed = logits
            .mean(ax, false)?
            .negative()?
            .multiply(label_smoothing)?;
        lse.subtract(&adjusted)?.add(&smoothed)?
    } else {
        lse.subtract(&score)?
    };
    reduction.apply(&apply_weights(OP, loss, weights)?)
}

/// Binary cross entropy of logits (`with_logits`, `log(1 + e^x) - x t`) or
/// probabilities (logs clipped at -100), with optional `weights`
/// (MLX's defaults: `with_logits=True`, `reduction="mean"`).
///
/// ```
/// use mlx_nn::losses::{binary_cross_entropy, Reduction};
/// use mlx_ops::Tensor;
/// let p = Tensor::from_slice(&[0.5f32, 1.0], &[2])?;
/// let t = Tensor::from_slice(&[1.0f32, 1.0], &[2])?;
/// let l = binary_cross_entropy(&p, &t, None, false, Reduction::None)?.to_vec::<f32>()?;
/// assert!((l[0] - 2f32.ln()).abs() < 1e-6 && l[1] == 0.0);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn binary_cross_entropy(
    inputs: &Tensor,
    targets: &Tensor,
    weights: Option<&Tensor>,
    with_logits: bool,
    reduction: Reduction,
) -> Result<Tensor> {
    const OP: &str = "binary_cross_entropy";
    same_shape(OP, "Inputs and targets", inputs, targets)?;
    let loss = if with_logits {
        inputs
            .logaddexp(0.0)?
            .subtract(&inputs.multiply(targets)?)?
    } else {
        let a = inputs.log()?.maximum(-100)?;
        let b = inputs.negative()?.add(1)?.log()?.maximum(-100)?;
        let pos = targets.multiply(&a)?;
        let neg = targets.negative()?.add(1)?.multiply(&b)?;
        pos.add(&neg)?.negative()?
    };
    reduction.apply(&apply_weights(OP, loss, weights)?)
}

/// `|predictions - targets|` (default reduction `"mean"`).
///
/// ```
/// use mlx_nn::losses::{l1_loss, Reduction};
/// use mlx_ops::Tensor;
/// let p = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
/// let t = Tensor::from_slice(&[2.0f32, 0.0], &[2])?;
/// assert_eq!(l1_loss(&p, &t, Reduction::Mean)?.item::<f32>()?, 1.5);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn l1_loss(predictions: &Tensor, targets: &Tensor, reduction: Reduction) -> Result<Tensor> {
    same_shape("l1_loss", "Predictions and targets", predictions, targets)?;
    reduction.apply(&predictions.subtract(targets)?.abs()?)
}

/// `(predictions - targets)^2` (default reduction `"mean"`).
///
/// ```
/// use mlx_nn::losses::{mse_loss, Reduction};
/// use mlx_ops::Tensor;
/// let p = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
/// let t = Tensor::from_slice(&[2.0f32, 0.0], &[2])?;
/// assert_eq!(mse_loss(&p, &t, Reduction::Mean)?.item::<f32>()?, 2.5);
/// assert!(mse_loss(&p, &Tensor::scalar(1.0f32), Reduction::Mean).is_err());
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn mse_loss(predictions: &Tensor, targets: &Tensor, reduction: Reduction) -> Result<Tensor> {
    same_shape("mse_loss", "Predictions and targets", predictions, targets)?;
    reduction.apply(&predictions.subtract(targets)?.square()?)
}

/// Negative log likelihood: `-inputs[target]` along `axis` (inputs are
/// log-probabilities; default reduction `"none"`).
///
/// ```
/// use mlx_nn::losses::{nll_loss, Reduction};
/// use mlx_ops::Tensor;
/// let lp = Tensor::from_slice(&[-1.0f32, -2.0], &[1, 2])?;
/// let t = Tensor::from_slice(&[1i32], &[1])?;
/// assert_eq!(nll_loss(&lp, &t, -1, Reduction::None)?.to_vec::<f32>()?, vec![2.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn nll_loss(
    inputs: &Tensor,
    targets: &Tensor,
    axis: i64,
    reduction: Reduction,
) -> Result<Tensor> {
    let loss = inputs
        .take_along_axis(&targets.expand_dims(axis)?, Some(axis))?
        .squeeze(axis)?
        .negative()?;
    reduction.apply(&loss)
}

/// Gaussian negative log likelihood `0.5 (log(var) + (t - x)^2 / var)`
/// with `var` clamped below at `eps`, plus `0.5 log(2 pi)` when `full`
/// (MLX's defaults: `full=False`, `eps=1e-6`, `reduction="mean"`).
///
/// ```
/// use mlx_nn::losses::{gaussian_nll_loss, Reduction};
/// use mlx_ops::Tensor;
/// let x = Tensor::from_slice(&[0.0f32], &[1])?;
/// let v = Tensor::from_slice(&[1.0f32], &[1])?;
/// assert_eq!(gaussian_nll_loss(&x, &x, &v, false, 1e-6, Reduction::Mean)?.item::<f32>()?, 0.0);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn gaussian_nll_loss(
    inputs: &Tensor,
    targets: &Tensor,
    vars: &Tensor,
    full: bool,
    eps: f64,
    reduction: Reduction,
) -> Result<Tensor> {
    const OP: &str = "gaussian_nll_loss";
    same_shape(OP, "Inputs and targets", inputs, targets)?;
    same_shape(OP, "Inputs and vars", inputs, vars)?;
    let vars = vars.maximum(eps)?;
    let mut loss = vars
        .log()?
        .add(&targets.subtract(inputs)?.square()?.divide(&vars)?)?
        .multiply(0.5)?;
    if full {
        loss = loss.add(0.5 * (2.0 * std::f64::consts::PI).ln())?;
    }
    reduction.apply(&loss)
}

/// Kullback-Leibler divergence `sum(exp(t) (t - x))` along `axis`, both in
/// log space (default reduction `"none"`).
///
/// ```
/// use mlx_nn::losses::{kl_div_loss, Reduction};
/// use mlx_ops::Tensor;
/// let x = Tensor::from_slice(&[-0.5f32, -1.0], &[1, 2])?;
/// assert_eq!(kl_div_loss(&x, &x, -1, Reduction::None)?.to_vec::<f32>()?, vec![0.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn kl_div_loss(
    inputs: &Tensor,
    targets: &Tensor,
    axis: i64,
    reduction: Reduction,
) -> Result<Tensor> {
    let loss = targets
        .exp()?
        .multiply(&targets.subtract(inputs)?)?
        .sum(axis, false)?;
    reduction.apply(&loss)
}

/// Smooth L1: `0.5 d^2 / beta` where `d = |p - t| < beta`, else
/// `d - 0.5 beta` (defaults `beta=1`, `reduction="mean"`).
///
/// ```
/// use mlx_nn::losses::{smooth_l1_loss, Reduction};
/// use mlx_ops::Tensor;
/// let p = Tensor::from_slice(&[0.5f32, 3.0], &[2])?;
/// let t = Tensor::zeros(&[2], mlx_ops::Dtype::Float32)?;
/// assert_eq!(smooth_l1_loss(&p, &t, 1.0, Reduction::None)?.to_vec::<f32>()?, vec![0.125, 2.5]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn smooth_l1_loss(
    predictions: &Tensor,
    targets: &Tensor,
    beta: f64,
    reduction: Reduction,
) -> Result<Tensor> {
    same_shape(
        "smooth_l1_loss",
        "Predictions and targets",
        predictions,
        targets,
    )?;
    let diff = predictions.subtract(targets)?.abs()?;
    let quad = diff.square()?.multiply(0.5)?.divide(beta)?;
    let lin = diff.abs()?.subtract(0.5 * beta)?;
    reduction.apply(&diff.less(beta)?.where_(&quad, &lin)?)
}

/// Triplet margin loss `max(‖a - p‖_p - ‖a - n‖_p + margin, 0)` with the
/// distances `(sum |.|^p + eps)^(1/p)` along `axis` (defaults `axis=-1`,
/// `p=2`, `margin=1`, `eps=1e-6`, `reduction="none"`).
///
/// ```
/// use mlx_nn::losses::{triplet_loss, Reduction};
/// use mlx_ops::Tensor;
/// let a = Tensor::from_slice(&[0.0f32, 0.0], &[1, 2])?;
/// let n = Tensor::from_slice(&[3.0f32, 4.0], &[1, 2])?;
/// assert_eq!(triplet_loss(&a, &a, &n, -1, 2, 1.0, 0.0, Reduction::None)?.to_vec::<f32>()?, vec![0.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn triplet_loss(
    anchors: &Tensor,
    positives: &Tensor,
    negatives: &Tensor,
    axis: i64,
    p: i32,
    margin: f64,
    eps: f64,
    reduction: Reduction,
) -> Result<Tensor> {
    let dist = |other: &Tensor| -> Result<Tensor> {
        anchors
            .subtract(other)?
            .abs()?
            .power(p)?
            .sum(axis, false)?
            .add(eps)?
            .power(1.0 / p as f64)
    };
    let loss = dist(positives)?
        .subtract(&dist(negatives)?)?
        .add(margin)?
        .maximum(0)?;
    reduction.apply(&loss)
}

/// Hinge loss `max(1 - x t, 0)` (default reduction `"none"`).
///
/// ```
/// use mlx_nn::losses::{hinge_loss, Reduction};
/// use mlx_ops::Tensor;
/// let x = Tensor::from_slice(&[0.5f32, 2.0], &[2])?;
/// let t = Tensor::from_slice(&[1.0f32, 1.0], &[2])?;
/// assert_eq!(hinge_loss(&x, &t, Reduction::None)?.to_vec::<f32>()?, vec![0.5, 0.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn hinge_loss(inputs: &Tensor, targets: &Tensor, reduction: Reduction) -> Result<Tensor> {
    let loss = inputs.multiply(targets)?.negative()?.add(1)?.maximum(0)?;
    reduction.apply(&loss)
}

/// Huber loss `0.5 q^2 + delta (|e| - q)` with `q = min(|e|, delta)`
/// (defaults `delta=1`, `reduction="none"`).
///
/// ```
/// use mlx_nn::losses::{huber_loss, Reduction};
/// use mlx_ops::Tensor;
/// let x = Tensor::from_slice(&[0.5f32, 3.0], &[2])?;
/// let t = Tensor::zeros(&[2], mlx_ops::Dtype::Float32)?;
/// assert_eq!(huber_loss(&x, &t, 1.0, Reduction::None)?.to_vec::<f32>()?, vec![0.125, 2.5]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn huber_loss(
    inputs: &Tensor,
    targets: &Tensor,
    delta: f64,
    reduction: Reduction,
) -> Result<Tensor> {
    let abs = inputs.subtract(targets)?.abs()?;
    let quad = abs.minimum(delta)?;
    let lin = abs.subtract(&quad)?;
    let loss = quad.power(2)?.multiply(0.5)?.add(&lin.multiply(delta)?)?;
    reduction.apply(&loss)
}

/// `log(cosh(x - t))`, computed as `logaddexp(e, -e) - log 2`
/// (default reduction `"none"`).
///
/// ```
/// use mlx_nn::losses::{log_cosh_loss, Reduction};
/// use mlx_ops::Tensor;
/// let x = Tensor::from_slice(&[0.0f32], &[1])?;
/// assert_eq!(log_cosh_loss(&x, &x, Reduction::None)?.to_vec::<f32>()?, vec![0.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn log_cosh_loss(inputs: &Tensor, targets: &Tensor, reduction: Reduction) -> Result<Tensor> {
    let e = inputs.subtract(targets)?;
    let loss = e
        .logaddexp(&e.negative()?)?
        .subtract(std::f64::consts::LN_2)?;
    reduction.apply(&loss)
}

/// Cosine similarity `sum(x1 x2) / max(‖x1‖ ‖x2‖, eps)` along `axis`
/// (MLX's defaults: `axis=1`, `eps=1e-8`, `reduction="none"`).
///
/// ```
/// use mlx_nn::losses::{cosine_similarity_loss, Reduction};
/// use mlx_ops::Tensor;
/// let a = Tensor::from_slice(&[1.0f32, 0.0, 3.0, 4.0], &[2, 2])?;
/// let l = cosine_similarity_loss(&a, &a, 1, 1e-8, Reduction::None)?.to_vec::<f32>()?;
/// assert!(l.iter().all(|v| (v - 1.0).abs() < 1e-6));
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn cosine_similarity_loss(
    x1: &Tensor,
    x2: &Tensor,
    axis: i64,
    eps: f64,
    reduction: Reduction,
) -> Result<Tensor> {
    let n1 = x1.square()?.sum(axis, false)?.sqrt()?;
    let n2 = x2.square()?.sum(axis, false)?.sqrt()?;
    let loss = x1
        .multiply(x2)?
        .sum(axis, false)?
        .divide(&n1.multiply(&n2)?.maximum(eps)?)?;
    reduction.apply(&loss)
}

/// Margin ranking loss `max(0, -t (x1 - x2) + margin)` (defaults
/// `margin=0`, `reduction="none"`).
///
/// ```
/// use mlx_nn::losses::{margin_ranking_loss, Reduction};
/// use mlx_ops::Tensor;
/// let a = Tensor::from_slice(&[1.0f32], &[1])?;
/// let b = Tensor::from_slice(&[2.0f32], &[1])?;
/// let t = Tensor::from_slice(&[1.0f32], &[1])?;
/// assert_eq!(margin_ranking_loss(&a, &b, &t, 0.0, Reduction::None)?.to_vec::<f32>()?, vec![1.0]);
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn margin_ranking_loss(
    inputs1: &Tensor,
    inputs2: &Tensor,
    targets: &Tensor,
    margin: f64,
    reduction: Reduction,
) -> Result<Tensor> {
    const OP: &str = "margin_ranking_loss";
    same_shape(OP, "inputs1 and inputs2", inputs1, inputs2)?;
    same_shape(OP, "inputs1 and targets", inputs1, targets)?;
    let loss = targets
        .negative()?
        .multiply(&inputs1.subtract(inputs2)?)?
        .add(margin)?
        .maximum(0)?;
    reduction.apply(&loss)
}
