//! Functions with user-defined derivatives (`mx.custom_function`) and
//! gradient checkpointing (`mx.checkpoint`).

use mlx_core::Result;
use mlx_ops::derivatives::{custom_call, CustomRules};
use mlx_ops::Tensor;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A function whose derivatives come from user rules (see
/// [`custom_function`]).
pub struct CustomFunction<F> {
    f: F,
    name: &'static str,
    id: u64,
    rules: CustomRules,
}

/// Wraps `f` so that its derivatives can be given by hand (MLX's
/// `mx.custom_function`): [`CustomFunction::vjp`] sets the reverse-mode
/// rule used by `vjp`, `grad` and `value_and_grad` instead of
/// differentiating `f`, and [`CustomFunction::jvp`] the forward-mode rule
/// used by `jvp`. A rule left out differentiates `f` itself.
///
/// The vjp rule gets `(primals, cotangents, outputs)` and returns one
/// cotangent per primal; the jvp rule gets `(primals, tangents)` and returns
/// one tangent per output. Rules are written in ops, so their results can
/// be differentiated again (grad of grad through a custom function uses
/// the derivative of the rule). Under `vmap` the rules, written for one
/// example, are dropped and `f` is differentiated.
///
/// ```
/// use mlx_autograd::{custom_function, grad};
/// use mlx_ops::{Tensor, ALL};
/// // identity forward, gradient scaled by 10 backward
/// let f = custom_function(|x: &[Tensor]| Ok(vec![x[0].clone()]))
///     .vjp(|_primals, cotangents, _outputs| Ok(vec![cotangents[0].multiply(10.0)?]));
/// let g = grad(move |x: &[Tensor]| f.call(x)?[0].sum(ALL, false), &[0]);
/// let x = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
/// assert_eq!(g(&[x])?[0].to_vec::<f32>()?, vec![10.0, 10.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn custom_function<F>(f: F) -> CustomFunction<F>
where
    F: Fn(&[Tensor]) -> Result<Vec<Tensor>>,
{
    CustomFunction {
        f,
        name: "custom_function",
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        rules: CustomRules::default(),
    }
}

impl<F> CustomFunction<F>
where
    F: Fn(&[Tensor]) -> Result<Vec<Tensor>>,
{
    /// Sets the reverse-mode rule: `(primals, cotangents, outputs)` to one
    /// cotangent per primal.
    pub fn vjp<R>(mut self, rule: R) -> Self
    where
        R: Fn(&[Tensor], &[Tensor], &[Tensor]) -> Result<Vec<Tensor>> + Send + Sync + 'static,
    {
        self.rules.vjp = Some(Arc::new(rule));
        self.id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        self
    }

    /// Sets the forward-mode rule: `(primals, tangents)` to one tangent per
    /// output.
    ///
    /// ```
    /// use mlx_autograd::{custom_function, jvp};
    /// use mlx_ops::Tensor;
    /// let f = custom_function(|x: &[Tensor]| Ok(vec![x[0].sin()?]))
    ///     .jvp(|_primals, tangents| Ok(vec![tangents[0].multiply(2.0)?]));
    /// let x = Tensor::from_slice(&[0.5f32], &[1])?;
    /// let (_, t) = jvp(|x| f.call(x), &[x.clone()], &[x.ones_like()?])?;
    /// assert_eq!(t[0].to_vec::<f32>()?, vec![2.0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn jvp<R>(mut self, rule: R) -> Self
    where
        R: Fn(&[Tensor], &[Tensor]) -> Result<Vec<Tensor>> + Send + Sync + 'static,
    {
        self.rules.jvp = Some(Arc::new(rule));
        self.id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        self
    }

    /// Names the function in graph dumps and messages.
    pub fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    /// Calls the function: `f`'s outputs, carrying the rules.
    pub fn call(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        let outputs = (self.f)(inputs)?;
        if self.rules.vjp.is_none() && self.rules.jvp.is_none() {
            return Ok(outputs);
        }
        custom_call(
            self.name,
            self.id,
            Arc::new(self.rules.clone()),
            &outputs,
            inputs,
        )
    }
}

/// Gradient checkpointing (MLX's `mx.checkpoint`): the returned function
/// computes `f`, but reverse mode does not keep `f`'s intermediate values;
/// the backward pass recomputes them from `f`'s inputs once the cotangent
/// of `f`'s outputs is ready. This trades compute for memory in deep
/// models. Derivatives are taken with respect to `f`'s inputs, so pass the
/// parameters a block uses as inputs rather than capturing them.
///
/// ```
/// use mlx_autograd::{checkpoint, grad};
/// use mlx_ops::{Tensor, ALL};
/// let block = checkpoint(|a: &[Tensor]| Ok(vec![a[0].multiply(&a[1])?.tanh()?]));
/// let loss = move |a: &[Tensor]| block(a)?[0].sum(ALL, false);
/// let x = Tensor::from_slice(&[0.5f32, -1.0], &[2])?;
/// let w = Tensor::from_slice(&[2.0f32, 0.5], &[2])?;
/// let g = grad(loss, &[1])(&[x, w])?;
/// let t = (2.0f32 * 0.5).tanh();
/// assert!((g[0].to_vec::<f32>()?[0] - 0.5 * (1.0 - t * t)).abs() < 1e-6);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn checkpoint<F>(f: F) -> impl Fn(&[Tensor]) -> Result<Vec<Tensor>>
where
    F: Fn(&[Tensor]) -> Result<Vec<Tensor>> + Send + Sync + 'static,
{
    let f = Arc::new(f);
    let rule_f = f.clone();
    let cf = custom_function(move |x: &[Tensor]| f(x))
        .named("checkpoint")
        .vjp(move |primals, cotangents, _outputs| {
            // recompute only after the cotangents exist, so that the
            // recomputed activations live no longer than this block's backward
            let deps: Vec<&Tensor> = cotangents.iter().collect();
            let again: Vec<Tensor> = primals
                .iter()
                .map(|p| p.depends(&deps))
                .collect::<Result<_>>()?;
            let (_, grads) = crate::vjp(|x| rule_f(x), &again, cotangents)?;
            Ok(grads)
        });
    move |inputs: &[Tensor]| cf.call(inputs)
}
