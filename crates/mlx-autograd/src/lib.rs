//! # mlx-autograd
//!
//! Function transforms with MLX's semantics: [`vjp`], [`jvp`], [`grad`],
//! [`value_and_grad`] (with `argnums`) and their [`Tree`] forms for nested
//! parameters, [`vmap`] (vectorization, composing with the others: per-example
//! gradients are `vmap(grad(f))`), [`custom_function`] (user derivative
//! rules), [`checkpoint`] (recompute activations in the backward pass) and
//! [`compile`] (trace cache, common-subexpression elimination and
//! elementwise fusion). Transforms trace the function on fresh nodes, so tensors the
//! function captures stay constants, and return lazy tensors: a gradient is
//! just more graph, which can itself be differentiated (grad of grad).
//!
//! ```
//! use mlx_autograd::grad;
//! use mlx_ops::{Tensor, ALL};
//! // d/dx sum(x^3) = 3x^2, and its derivative 6x
//! let f = |x: &[Tensor]| x[0].power(3.0)?.sum(ALL, false);
//! let df = grad(f, &[0]);
//! let x = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
//! assert_eq!(df(&[x.clone()])?[0].to_vec::<f32>()?, vec![3.0, 12.0]);
//! let d2f = grad(move |x: &[Tensor]| df(x)?[0].sum(ALL, false), &[0]);
//! assert_eq!(d2f(&[x])?[0].to_vec::<f32>()?, vec![6.0, 12.0]);
//! # Ok::<(), mlx_ops::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod compile;
mod custom;
mod trace;
mod tree;
mod vmap;

pub use compile::{compile, Compiled, TapeStats};
pub use custom::{checkpoint, custom_function, CustomFunction};
pub use tree::Tree;
pub use vmap::vmap;

use mlx_core::{Error, Result};
use mlx_ops::Tensor;

/// Reverse mode: runs `f` on `primals` and pulls `cotangents` (one per
/// output, same shapes) back to the primals. Returns `(outputs, grads)`.
///
/// ```
/// use mlx_autograd::vjp;
/// use mlx_ops::Tensor;
/// let x = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
/// let (out, g) = vjp(|x| Ok(vec![x[0].square()?]), &[x], &[Tensor::from_slice(&[1.0f32, 10.0], &[2])?])?;
/// assert_eq!(out[0].to_vec::<f32>()?, vec![1.0, 4.0]);
/// assert_eq!(g[0].to_vec::<f32>()?, vec![2.0, 40.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn vjp<F>(f: F, primals: &[Tensor], cotangents: &[Tensor]) -> Result<(Vec<Tensor>, Vec<Tensor>)>
where
    F: FnOnce(&[Tensor]) -> Result<Vec<Tensor>>,
{
    let inputs: Vec<Tensor> = primals.iter().map(|p| p.fresh()).collect::<Result<_>>()?;
    let outputs = f(&inputs)?;
    if outputs.len() != cotangents.len() {
        return Err(Error::invalid(
            "vjp",
            format!(
                "{} outputs but {} cotangents",
                outputs.len(),
                cotangents.len()
            ),
        ));
    }
    for (o, c) in outputs.iter().zip(cotangents) {
        if o.shape() != c.shape() {
            return Err(Error::shape(
                "vjp",
                "cotangent shape does not match the output",
                vec![o.shape().to_vec(), c.shape().to_vec()],
            ));
        }
    }
    let grads = trace::backward(&inputs, &outputs, cotangents)?;
    Ok((outputs, grads))
}

/// Forward mode: runs `f` on `primals` and pushes `tangents` (one per
/// primal, same shapes) forward. Returns `(outputs, output tangents)`.
///
/// ```
/// use mlx_autograd::jvp;
/// use mlx_ops::Tensor;
/// let x = Tensor::from_slice(&[3.0f32], &[1])?;
/// let (_, t) = jvp(|x| Ok(vec![x[0].square()?]), &[x], &[Tensor::from_slice(&[1.0f32], &[1])?])?;
/// assert_eq!(t[0].to_vec::<f32>()?, vec![6.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn jvp<F>(f: F, primals: &[Tensor], tangents: &[Tensor]) -> Result<(Vec<Tensor>, Vec<Tensor>)>
where
    F: FnOnce(&[Tensor]) -> Result<Vec<Tensor>>,
{
    if primals.len() != tangents.len() {
        return Err(Error::invalid(
            "jvp",
            format!("{} primals but {} tangents", primals.len(), tangents.len()),
        ));
    }
    for (p, t) in primals.iter().zip(tangents) {
        if p.shape() != t.shape() {
            return Err(Error::shape(
                "jvp",
                "tangent shape does not match the primal",
                vec![p.shape().to_vec(), t.shape().to_vec()],
            ));
        }
    }
    let inputs: Vec<Tensor> = primals.iter().map(|p| p.fresh()).collect::<Result<_>>()?;
    let outputs = f(&inputs)?;
    let tans = trace::forward(&inputs, tangents, &outputs)?;
    Ok((outputs, tans))
}

/// `value_and_grad(f, argnums)`: a function returning `f`'s value (a
/// one-element tensor) and its gradients with respect to the arguments
/// listed in `argnums`.
///
/// ```
/// use mlx_autograd::value_and_grad;
/// use mlx_ops::{Tensor, ALL};
/// let loss = |a: &[Tensor]| a[0].multiply(&a[1])?.sum(ALL, false);
/// let vg = value_and_grad(loss, &[1]);
/// let (v, g) = vg(&[Tensor::from_slice(&[2.0f32], &[1])?, Tensor::from_slice(&[5.0f32], &[1])?])?;
/// assert_eq!(v.item::<f32>()?, 10.0);
/// assert_eq!(g[0].to_vec::<f32>()?, vec![2.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn value_and_grad<F>(
    f: F,
    argnums: &[usize],
) -> impl Fn(&[Tensor]) -> Result<(Tensor, Vec<Tensor>)>
where
    F: Fn(&[Tensor]) -> Result<Tensor>,
{
    let argnums = argnums.to_vec();
    move |args: &[Tensor]| {
        if let Some(&bad) = argnums.iter().find(|&&i| i >= args.len()) {
            return Err(Error::invalid(
                "value_and_grad",
                format!("argnum {bad} out of range for {} arguments", args.len()),
            ));
        }
        let mut full = args.to_vec();
        let mut inputs = Vec::with_capacity(argnums.len());
        for &i in &argnums {
            full[i] = args[i].fresh()?;
            inputs.push(full[i].clone());
        }
        let v = f(&full)?;
        if v.size() != 1 {
            return Err(Error::shape(
                "value_and_grad",
                "the function must return a one-element tensor",
                vec![v.shape().to_vec()],
            ));
        }
        let grads = trace::backward(&inputs, std::slice::from_ref(&v), &[v.ones_like()?])?;
        Ok((v, grads))
    }
}

/// `grad(f, argnums)`: the gradients of `value_and_grad`.
pub fn grad<F>(f: F, argnums: &[usize]) -> impl Fn(&[Tensor]) -> Result<Vec<Tensor>>
where
    F: Fn(&[Tensor]) -> Result<Tensor>,
{
    let vg = value_and_grad(f, argnums);
    move |args: &[Tensor]| vg(args).map(|(_, g)| g)
}

/// `value_and_grad` over a parameter tree: `f(params)` returns a scalar
/// loss; the gradient is a tree of the same structure.
///
/// ```
/// use mlx_autograd::{value_and_grad_tree, Tree};
/// use mlx_ops::{Tensor, ALL};
/// let params = Tree::dict([("w", Tree::leaf(Tensor::from_slice(&[3.0f32], &[1])?))]);
/// let vg = value_and_grad_tree(|p: &Tree| p.get("w").unwrap().tensor().unwrap().square()?.sum(ALL, false));
/// let (loss, g) = vg(&params)?;
/// assert_eq!(loss.item::<f32>()?, 9.0);
/// assert_eq!(g.get("w").unwrap().tensor().unwrap().to_vec::<f32>()?, vec![6.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn value_and_grad_tree<F>(f: F) -> impl Fn(&Tree) -> Result<(Tensor, Tree)>
where
    F: Fn(&Tree) -> Result<Tensor>,
{
    move |params: &Tree| {
        let leaves = params.leaves();
        let vg = value_and_grad(
            |flat: &[Tensor]| f(&params.with_leaves(flat)?),
            &(0..leaves.len()).collect::<Vec<_>>(),
        );
        let (v, g) = vg(&leaves)?;
        Ok((v, params.with_leaves(&g)?))
    }
}
