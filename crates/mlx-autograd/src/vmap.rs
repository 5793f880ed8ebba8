//! `vmap`: trace the function on one example and rewrite the traced graph
//! with the batching rule of each primitive (`mlx_ops::batching`).

use crate::trace::collect;
use mlx_core::shape::normalize_axis;
use mlx_core::{Error, Result};
use mlx_ops::batching::{batch, Batched};
use mlx_ops::derivatives::NodeView;
use mlx_ops::Tensor;
use std::collections::HashMap;

/// Vectorizes `f` over a batch axis (MLX's `mx.vmap`, JAX's `jax.vmap`).
///
/// `in_axes[i]` is the batch axis of input `i` (negative counts from the
/// end), or `None` for an input shared by every example; a single entry
/// applies to every input, as MLX's integer `in_axes`. `out_axes[j]` is
/// where output `j` gets the batch axis (a single entry applies to every
/// output); outputs that do not depend on a batched input are broadcast
/// along it, as in MLX. `None` returns an output unbatched, which is an
/// error when it depends on a batched input.
///
/// `f` runs once, on one example's worth of symbolic inputs; every node it
/// builds is then rewritten into a batched node by its primitive's rule, so
/// `vmap` nests and composes with `grad`, `vjp`, `jvp` and `compile`.
/// A primitive without a batching rule gives [`Error::NoRule`].
///
/// ```
/// use mlx_autograd::{grad, vmap};
/// use mlx_ops::{Tensor, ALL};
/// // a matrix-vector product, one vector per row of `xs`
/// let m = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2])?;
/// let mv = vmap(|a: &[Tensor]| Ok(vec![a[0].matmul(&a[1])?]), &[None, Some(0)], &[Some(0)]);
/// let xs = Tensor::from_slice(&[1.0f32, 0.0, 0.0, 1.0, 1.0, 1.0], &[3, 2])?;
/// let ys = mv(&[m, xs.clone()])?;
/// assert_eq!(ys[0].to_vec::<f32>()?, vec![1.0, 3.0, 2.0, 4.0, 3.0, 7.0]);
/// // per-example gradients of sum(x^2)
/// let g = grad(|a: &[Tensor]| a[0].square()?.sum(ALL, false), &[0]);
/// let per_example = vmap(move |a: &[Tensor]| g(a), &[Some(0)], &[Some(0)]);
/// assert_eq!(per_example(&[xs])?[0].to_vec::<f32>()?, vec![2.0, 0.0, 0.0, 2.0, 2.0, 2.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn vmap<F>(
    f: F,
    in_axes: &[Option<i64>],
    out_axes: &[Option<i64>],
) -> impl Fn(&[Tensor]) -> Result<Vec<Tensor>>
where
    F: Fn(&[Tensor]) -> Result<Vec<Tensor>>,
{
    let in_axes = in_axes.to_vec();
    let out_axes = out_axes.to_vec();
    move |args: &[Tensor]| vmap_call(&f, &in_axes, &out_axes, args)
}

fn per_entry<T: Clone>(what: &str, axes: &[T], n: usize) -> Result<Vec<T>> {
    match axes.len() {
        len if len == n => Ok(axes.to_vec()),
        1 => Ok(vec![axes[0].clone(); n]),
        len => Err(Error::invalid(
            "vmap",
            format!("{len} {what} axes given for {n} {what}s"),
        )),
    }
}

fn vmap_call<F>(
    f: &F,
    in_axes: &[Option<i64>],
    out_axes: &[Option<i64>],
    args: &[Tensor],
) -> Result<Vec<Tensor>>
where
    F: Fn(&[Tensor]) -> Result<Vec<Tensor>>,
{
    let in_axes = per_entry("input", in_axes, args.len())?;
    let mut size: Option<usize> = None;
    let mut inner = Vec::with_capacity(args.len());
    let mut leaves = Vec::new();
    let mut batched: HashMap<u32, Batched> = HashMap::new();
    for (x, ax) in args.iter().zip(&in_axes) {
        let Some(ax) = ax else {
            inner.push(x.clone());
            continue;
        };
        let a = normalize_axis("vmap", *ax, x.ndim()).map_err(|_| {
            Error::shape(
                "vmap",
                format!("invalid vectorization axis {ax}"),
                vec![x.shape().to_vec()],
            )
        })?;
        let n = x.shape()[a];
        match size {
            Some(s) if s != n => {
                return Err(Error::invalid(
                    "vmap",
                    format!("inconsistent axis sizes: {s} and {n}"),
                ))
            }
            _ => size = Some(n),
        }
        if n == 0 {
            return Err(Error::shape(
                "vmap",
                "cannot vectorize over an axis of size 0",
                vec![x.shape().to_vec()],
            ));
        }
        // one example's worth of symbolic input (never evaluated)
        let p = x
            .slice_axis(a as i64, 0, 1, 1)?
            .squeeze(a as i64)?
            .fresh()?;
        batched.insert(p.array().id(), (x.clone(), Some(a)));
        leaves.push(p.clone());
        inner.push(p);
    }
    let size = size.ok_or_else(|| {
        Error::invalid("vmap", "at least one input must have a vectorization axis")
    })?;
    let outputs = f(&inner)?;
    let out_axes = per_entry("output", out_axes, outputs.len())?;
    let (order, nodes) = collect(&leaves, &outputs)?;
    for id in &order {
        let node = &nodes[id];
        if batched.contains_key(id) || !node.active {
            continue;
        }
        let ins: Vec<Batched> = node
            .inputs
            .iter()
            .map(|t| match batched.get(&t.array().id()) {
                Some(b) => b.clone(),
                None => (t.clone(), None),
            })
            .collect();
        let view = NodeView {
            primitive: &node.prim,
            inputs: &node.inputs,
            output: &node.tensor,
        };
        let (t, ax) = batch(&view, &ins, size)?;
        batched.insert(*id, (t, Some(ax)));
    }
    outputs
        .iter()
        .zip(&out_axes)
        .map(|(o, out_ax)| {
            let b = batched.get(&o.array().id());
            let Some(out_ax) = out_ax else {
                return match b {
                    None => Ok(o.clone()),
                    Some(_) => Err(Error::invalid(
                        "vmap",
                        "an output with out_axes None depends on a vectorized input",
                    )),
                };
            };
            let a = normalize_axis("vmap", *out_ax, o.ndim() + 1).map_err(|_| {
                Error::shape(
                    "vmap",
                    format!("invalid output vectorization axis {out_ax}"),
                    vec![o.shape().to_vec()],
                )
            })?;
            match b {
                Some((t, Some(ax))) => t.moveaxis(*ax as i64, a as i64),
                _ => {
                    let mut shape = o.shape().to_vec();
                    shape.insert(a, size);
                    o.expand_dims(a as i64)?.broadcast_to(&shape)
                }
            }
        })
        .collect()
}
