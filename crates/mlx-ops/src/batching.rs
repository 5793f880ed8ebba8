//! The batching rule of every primitive (for `vmap`), keyed like the
//! derivative rules in [`crate::derivatives`]: given a node traced on one
//! example and its inputs with a batch axis added (or not), build the node
//! of the whole batch and say where its batch axis is.
//!
//! Most rules move the batch axis to the front (a transpose view), give
//! unbatched inputs a broadcast batch axis where the primitive needs all
//! inputs alike (elementwise ops, matmul, concatenation) and shift the
//! primitive's axis parameters by one. A primitive without a rule returns
//! [`Error::NoRule`] naming it.
//!
//! ```
//! use mlx_ops::{batching::batch, derivatives::NodeView, Tensor};
//! let x = Tensor::from_slice(&[1.0f32, 2.0], &[2])?; // one example
//! let y = x.sum(0, true)?;                            // Reduce over axis 0
//! let xs = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2])?; // two examples
//! let node = NodeView { primitive: &y.array().primitive(), inputs: &[x], output: &y };
//! let (ys, axis) = batch(&node, &[(xs, Some(0))], 2)?;
//! assert_eq!((ys.shape(), axis), (&[2usize, 1][..], 0));
//! assert_eq!(ys.to_vec::<f32>()?, vec![3.0, 7.0]);
//! # Ok::<(), mlx_ops::Error>(())
//! ```

use crate::{derivatives::NodeView, Tensor};
use mlx_core::{Error, Primitive, Result};

/// A batched input: the tensor and its batch axis, `None` when the input
/// is the same for every example.
pub type Batched = (Tensor, Option<usize>);

/// `t` with the batch axis first; unbatched inputs get a broadcast one.
fn front(b: &Batched, size: usize) -> Result<Tensor> {
    match b {
        (t, Some(0)) => Ok(t.clone()),
        (t, Some(ax)) => t.moveaxis(*ax as i64, 0),
        (t, None) => {
            let mut shape = vec![size];
            shape.extend_from_slice(t.shape());
            t.expand_dims(0)?.broadcast_to(&shape)
        }
    }
}

fn with_batch(size: usize, shape: &[usize]) -> Vec<usize> {
    let mut s = Vec::with_capacity(shape.len() + 1);
    s.push(size);
    s.extend_from_slice(shape);
    s
}

/// The error of a primitive without a batching rule.
pub fn no_rule(p: &Primitive) -> Error {
    Error::NoRule {
        transform: "vmap",
        primitive: p.name(),
    }
}

/// The batched node of `node` given its batched inputs (one per input, in
/// order) and the batch size. Returns the result and its batch axis.
pub fn batch(node: &NodeView<'_>, inputs: &[Batched], size: usize) -> Result<(Tensor, usize)> {
    let p = node.primitive;
    let y = node.output;
    if inputs.len() != node.inputs.len() {
        return Err(Error::invalid(
            "vmap",
            format!(
                "{} has {} inputs but {} batched inputs were given",
                p.name(),
                node.inputs.len(),
                inputs.len()
            ),
        ));
    }
    let out_shape = with_batch(size, y.shape());
    // the same primitive over inputs that all carry the batch axis first
    let all_front = |prim: Primitive| -> Result<(Tensor, usize)> {
        let xs: Vec<Tensor> = inputs
            .iter()
            .map(|b| front(b, size))
            .collect::<Result<_>>()?;
        let refs: Vec<&Tensor> = xs.iter().collect();
        Ok((
            Tensor::op("vmap", prim, &refs, out_shape.clone(), y.dtype())?,
            0,
        ))
    };
    match p {
        // elementwise ops of one input keep the batch axis where it is
        Primitive::Unary(_) | Primitive::AsType | Primitive::Copy => {
            let (x, ax) = &inputs[0];
            match ax {
                Some(ax) => Ok((
                    Tensor::op("vmap", p.clone(), &[x], x.shape().to_vec(), y.dtype())?,
                    *ax,
                )),
                None => all_front(p.clone()),
            }
        }
        Primitive::StopGradient => match &inputs[0] {
            (x, Some(ax)) => Ok((x.stop_gradient()?, *ax)),
            b => Ok((front(b, size)?.stop_gradient()?, 0)),
        },
        Primitive::Transfer => match &inputs[0] {
            (x, Some(ax)) => Ok((x.to_device(y.device())?, *ax)),
            b => Ok((front(b, size)?.to_device(y.device())?, 0)),
        },
        // inputs of one shape: align every batch axis in front
        Primitive::Binary(_) | Primitive::Select | Primitive::Matmul => all_front(p.clone()),
        Primitive::Softmax { .. } => all_front(p.clone()),
        // linear algebra acts on the last two axes of every input
        Primitive::Inverse { .. }
        | Primitive::Cholesky { .. }
        | Primitive::Qr { .. }
        | Primitive::Svd { .. }
        | Primitive::Eigh { .. }
        | Primitive::Lu { .. }
        | Primitive::SolveTriangular { .. } => all_front(p.clone()),
        Primitive::Reduce { op, axes } => all_front(Primitive::Reduce {
            op: *op,
            axes: axes.iter().map(|a| a + 1).collect(),
        }),
        Primitive::ArgReduce { op, axis } => all_front(Primitive::ArgReduce {
            op: *op,
            axis: axis + 1,
        }),
        Primitive::Concatenate { axis } => all_front(Primitive::Concatenate { axis: axis + 1 }),
        Primitive::Scan {
            op,
            axis,
            reverse,
            inclusive,
        } => all_front(Primitive::Scan {
            op: *op,
            axis: axis + 1,
            reverse: *reverse,
            inclusive: *inclusive,
        }),
        Primitive::Sort { axis } => all_front(Primitive::Sort { axis: axis + 1 }),
        Primitive::ArgSort { axis } => all_front(Primitive::ArgSort { axis: axis + 1 }),
        Primitive::Partition { axis, kth } => all_front(Primitive::Partition {
            axis: axis + 1,
            kth: *kth,
        }),
        Primitive::ArgPartition { axis, kth } => all_front(Primitive::ArgPartition {
            axis: axis + 1,
            kth: *kth,
        }),
        Primitive::GatherAxis { axis } => all_front(Primitive::GatherAxis { axis: axis + 1 }),
        Primitive::ScatterAxis { op, axis } => all_front(Primitive::ScatterAxis {
            op: *op,
            axis: axis + 1,
        }),
        Primitive::Gather { axis } => {
            // per example: x[p, idx[i], q]; as take_along_axis of the batch
            // seen as [B, P, n, Q] with indices [B, 1, M, 1]
            let x = front(&inputs[0], size)?;
            let idx = front(&inputs[1], size)?;
            let xs = node.inputs[0].shape();
            let p: usize = xs[..*axis].iter().product();
            let q: usize = xs[axis + 1..].iter().product();
            let m = node.inputs[1].size();
            let xr = x.reshape(&[size as i64, p as i64, xs[*axis] as i64, q as i64])?;
            let ir = idx
                .reshape(&[size as i64, 1, m as i64, 1])?
                .broadcast_to(&[size, p, m, q])?;
            let dims: Vec<i64> = out_shape.iter().map(|&d| d as i64).collect();
            Ok((xr.take_along_axis(&ir, Some(2))?.reshape(&dims)?, 0))
        }
        Primitive::SearchSorted { right } => match (&inputs[0], &inputs[1]) {
            ((a, None), (v, Some(ax))) => Ok((
                Tensor::op("vmap", p.clone(), &[a, v], v.shape().to_vec(), y.dtype())?,
                *ax,
            )),
            ((a, None), (v, None)) => Ok((a.searchsorted(v, *right)?, 0)),
            _ => Err(no_rule(p)),
        },
        Primitive::Pad { low, value } => all_front(Primitive::Pad {
            low: std::iter::once(0).chain(low.iter().copied()).collect(),
            value: *value,
        }),
        Primitive::Slice { start, step } => all_front(Primitive::Slice {
            start: std::iter::once(0).chain(start.iter().copied()).collect(),
            step: std::iter::once(1).chain(step.iter().copied()).collect(),
        }),
        Primitive::Transpose { perm } => all_front(Primitive::Transpose {
            perm: std::iter::once(0)
                .chain(perm.iter().map(|&q| q + 1))
                .collect(),
        }),
        Primitive::AsStrided { strides, offset } => {
            // each example's contiguous data follows the previous one's
            let n = node.inputs[0].size() as isize;
            all_front(Primitive::AsStrided {
                strides: std::iter::once(n).chain(strides.iter().copied()).collect(),
                offset: *offset,
            })
        }
        // one key per example: the kernel fills each key's share in order
        Primitive::RandomBits { .. } => all_front(p.clone()),
        Primitive::Reshape => {
            let x = front(&inputs[0], size)?;
            let dims: Vec<i64> = out_shape.iter().map(|&d| d as i64).collect();
            Ok((x.reshape(&dims)?, 0))
        }
        Primitive::Broadcast => {
            let x = front(&inputs[0], size)?;
            let extra = y.ndim() - node.inputs[0].ndim();
            let mut dims = vec![size as i64];
            dims.extend(std::iter::repeat_n(1, extra));
            dims.extend(node.inputs[0].shape().iter().map(|&d| d as i64));
            Ok((x.reshape(&dims)?.broadcast_to(&out_shape)?, 0))
        }
        // a custom node's value is the function output it views; under vmap
        // its rules (written for one example) are dropped
        Primitive::Custom(c) => match &inputs[c.index] {
            (x, Some(ax)) => Ok((x.clone(), *ax)),
            b => Ok((front(b, size)?, 0)),
        },
        Primitive::Depends => {
            let (x, ax) = match &inputs[0] {
                (x, Some(ax)) => (x.clone(), *ax),
                b => (front(b, size)?, 0),
            };
            let deps: Vec<&Tensor> = inputs[1..].iter().map(|(t, _)| t).collect();
            Ok((x.depends(&deps)?, ax))
        }
        Primitive::Constant
        | Primitive::Arange { .. }
        | Primitive::Eye { .. }
        | Primitive::Tri { .. }
        | Primitive::Quantize { .. }
        | Primitive::Dequantize { .. }
        | Primitive::QuantizedMatmul { .. }
        | Primitive::GatherMm
        | Primitive::GatherQmm { .. }
        | Primitive::Fused(_) => Err(no_rule(p)),
        Primitive::Convolution { groups, .. } => {
            let spec = crate::conv::ConvSpec::of(p).ok_or_else(|| no_rule(p))?;
            match (&inputs[0], &inputs[1]) {
                // batch folded into N
                ((_, Some(_)), (w, None)) => {
                    let xf = front(&inputs[0], size)?;
                    let n = xf.shape()[1] as i64;
                    let out = spec.apply(&xf.flatten(0, 1)?, w, *groups)?;
                    Ok((out.unflatten(0, &[size as i64, n])?, 0))
                }
                // batch folded into the output channels
                ((x, None), (_, Some(_))) if *groups == 1 => {
                    let wf = front(&inputs[1], size)?;
                    let c_out = wf.shape()[1] as i64;
                    let out = spec.apply(x, &wf.flatten(0, 1)?, 1)?;
                    let out = out.unflatten(-1, &[size as i64, c_out])?;
                    let ax = out.ndim() - 2;
                    Ok((out, ax))
                }
                // both batched: one group per example
                ((_, Some(_)), (_, Some(_))) if *groups == 1 => {
                    let xf = front(&inputs[0], size)?.moveaxis(0, -2)?;
                    let xf = xf.flatten(-2, -1)?;
                    let wf = front(&inputs[1], size)?;
                    let c_out = wf.shape()[1] as i64;
                    let out = spec.apply(&xf, &wf.flatten(0, 1)?, size)?;
                    let out = out.unflatten(-1, &[size as i64, c_out])?;
                    let ax = out.ndim() - 2;
                    Ok((out, ax))
                }
                _ => Err(no_rule(p)),
            }
        }
        // the last axis scales; a batch axis in front is untouched
        Primitive::View => all_front(p.clone()),
        // independent transforms per example: the batch axis goes in front
        Primitive::Fft {
            axes,
            inverse,
            real,
        } => all_front(Primitive::Fft {
            axes: axes.iter().map(|&a| a + 1).collect(),
            inverse: *inverse,
            real: *real,
        }),
        // rows normalise independently: one weight for all examples keeps
        // the fused node; per-example weights use the reference formula
        Primitive::RmsNorm { eps } => {
            let x = front(&inputs[0], size)?;
            match &inputs[1] {
                (w, None) => Ok((
                    Tensor::op("vmap", p.clone(), &[&x, w], out_shape, y.dtype())?,
                    0,
                )),
                b => {
                    let mut dims = vec![size as i64];
                    dims.extend(std::iter::repeat_n(1, x.ndim() - 2));
                    dims.push(-1);
                    let w = front(b, size)?.reshape(&dims)?;
                    Ok((crate::fast::rms_norm_composite(&x, &w, *eps)?, 0))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack;
    use mlx_core::Dtype;

    /// Builds `prim` over one example, batches it, and compares with the
    /// per-example nodes stacked.
    fn check(prim: Primitive, example_shape: &[usize], out_shape: &[usize], ax: usize) {
        let n: usize = example_shape.iter().product();
        let size = 3;
        let mut bshape = example_shape.to_vec();
        bshape.insert(ax, size);
        let xs = Tensor::arange(0.0, (n * size) as f64, 1.0, Some(Dtype::Float32))
            .and_then(|t| t.reshape(&bshape.iter().map(|&d| d as i64).collect::<Vec<_>>()))
            .expect("batch");
        let ex = |i: usize| {
            xs.slice_axis(ax as i64, i as i64, i as i64 + 1, 1)
                .and_then(|t| t.squeeze(ax as i64))
                .expect("example")
        };
        let build = |x: &Tensor| {
            Tensor::op(
                "test",
                prim.clone(),
                &[x],
                out_shape.to_vec(),
                Dtype::Float32,
            )
            .expect("node")
        };
        let x0 = ex(0);
        let y0 = build(&x0);
        let node = NodeView {
            primitive: &prim,
            inputs: std::slice::from_ref(&x0),
            output: &y0,
        };
        let (yb, bax) = batch(&node, &[(xs.clone(), Some(ax))], size).expect("batch");
        let per: Vec<Tensor> = (0..size).map(|i| build(&ex(i))).collect();
        let refs: Vec<&Tensor> = per.iter().collect();
        let want = stack(&refs, bax as i64).expect("stack");
        assert_eq!(yb.shape(), want.shape());
        assert_eq!(yb.to_vec::<f32>().unwrap(), want.to_vec::<f32>().unwrap());
    }

    #[test]
    fn as_strided_batches_over_each_examples_contiguous_data() {
        // overlapping windows of length 2 over 4 elements
        let p = Primitive::AsStrided {
            strides: vec![1, 1],
            offset: 0,
        };
        check(p.clone(), &[4], &[3, 2], 0);
        check(p, &[2, 2], &[3, 2], 2);
        let p = Primitive::AsStrided {
            strides: vec![2],
            offset: 1,
        };
        check(p, &[2, 3], &[3], 1);
    }

    #[test]
    fn scans_and_sorts_shift_their_axis() {
        let scan = Primitive::Scan {
            op: mlx_core::ScanOp::Sum,
            axis: 1,
            reverse: true,
            inclusive: false,
        };
        check(scan, &[2, 3], &[2, 3], 1);
        check(Primitive::Sort { axis: 0 }, &[2, 3], &[2, 3], 2);
    }

    #[test]
    fn gather_batches_array_and_indices() {
        let x = Tensor::arange(0.0, 6.0, 1.0, Some(Dtype::Float32))
            .and_then(|t| t.reshape(&[2, 3]))
            .expect("x");
        let i = Tensor::from_slice(&[2i32, 0], &[2]).expect("i");
        let y = x.take(&i, Some(1)).expect("take");
        let node = NodeView {
            primitive: &y.array().primitive(),
            inputs: &[x.clone(), i.clone()],
            output: &y,
        };
        // two examples of indices, one shared array
        let ib = Tensor::from_slice(&[2i32, 0, 1, 1], &[2, 2]).expect("ib");
        let (yb, ax) = batch(&node, &[(x, None), (ib, Some(0))], 2).expect("batch");
        assert_eq!(ax, 0);
        assert_eq!(yb.shape(), &[2, 2, 2]);
        assert_eq!(
            yb.to_vec::<f32>().unwrap(),
            vec![2.0, 0.0, 5.0, 3.0, 1.0, 1.0, 4.0, 4.0]
        );
    }

    #[test]
    fn copy_keeps_the_batch_axis() {
        check(Primitive::Copy, &[2, 3], &[2, 3], 1);
    }

    #[test]
    fn sources_and_fused_nodes_have_no_rule() {
        let x = Tensor::scalar(1.0f32);
        for p in [
            Primitive::Constant,
            Primitive::Arange {
                start: 0.0,
                step: 1.0,
            },
            Primitive::Fused(Default::default()),
        ] {
            let node = NodeView {
                primitive: &p,
                inputs: &[],
                output: &x,
            };
            let e = batch(&node, &[], 2).unwrap_err();
            assert!(matches!(e, Error::NoRule { .. }), "{e}");
        }
    }
}
