//! The derivative of every primitive: a vector-Jacobian product (reverse
//! mode) and a Jacobian-vector product (forward mode), written in ops so
//! that derivatives are ordinary lazy graphs and can be differentiated again.
//!
//! Non-differentiable primitives (comparisons, arg-reductions, integer ops,
//! random bits, sources) give no cotangent, which transforms treat as zero.
//!
//! ```
//! use mlx_ops::{derivatives::{vjp, NodeView}, Tensor};
//! let x = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
//! let y = x.exp()?;
//! let node = NodeView { primitive: &y.array().primitive(), inputs: &[x.clone()], output: &y };
//! let g = vjp(&node, &x.ones_like()?)?;
//! assert!((g[0].as_ref().unwrap().to_vec::<f32>()?[1] - 2f32.exp()).abs() < 1e-5);
//! # Ok::<(), mlx_ops::Error>(())
//! ```

use crate::{concatenate, Axes, Tensor};
use mlx_core::{BinaryOp, Dtype, Error, Primitive, ReduceOp, Result, ScanOp, ScatterOp, UnaryOp};

/// A node as the rules see it: its primitive, its inputs and its output.
pub struct NodeView<'a> {
    /// The operation.
    pub primitive: &'a Primitive,
    /// Its inputs.
    pub inputs: &'a [Tensor],
    /// Its output.
    pub output: &'a Tensor,
}

fn differentiable(t: &Tensor) -> bool {
    t.dtype().is_inexact()
}

fn unsupported(p: &Primitive, why: &str) -> Error {
    Error::invalid("vjp", format!("no derivative for {}: {why}", p.name()))
}

/// The derivative factor `dy/dx` of an elementwise unary op, or `None` when
/// the op is piecewise constant.
fn unary_derivative(op: UnaryOp, x: &Tensor, y: &Tensor) -> Result<Option<Tensor>> {
    use UnaryOp::*;
    let one = |t: &Tensor| t.ones_like();
    Ok(Some(match op {
        Abs => x.sign()?,
        Negative => one(x)?.negative()?,
        Square => x.multiply(2.0)?,
        Sqrt => y.multiply(2.0)?.reciprocal()?,
        Rsqrt => y.divide(x)?.multiply(-0.5)?,
        Reciprocal => y.square()?.negative()?,
        Exp => y.clone(),
        Expm1 => y.add(1.0)?,
        Log => x.reciprocal()?,
        Log1p => x.add(1.0)?.reciprocal()?,
        Log2 => x.multiply(std::f64::consts::LN_2)?.reciprocal()?,
        Log10 => x.multiply(std::f64::consts::LN_10)?.reciprocal()?,
        Sin => x.cos()?,
        Cos => x.sin()?.negative()?,
        Tan => x.cos()?.square()?.reciprocal()?,
        ArcSin => one(x)?.subtract(&x.square()?)?.rsqrt()?,
        ArcCos => one(x)?.subtract(&x.square()?)?.rsqrt()?.negative()?,
        ArcTan => x.square()?.add(1.0)?.reciprocal()?,
        Sinh => x.cosh()?,
        Cosh => x.sinh()?,
        Tanh => one(y)?.subtract(&y.square()?)?,
        ArcSinh => x.square()?.add(1.0)?.rsqrt()?,
        ArcCosh => x.square()?.subtract(1.0)?.rsqrt()?,
        ArcTanh => one(x)?.subtract(&x.square()?)?.reciprocal()?,
        Sigmoid => y.multiply(&one(y)?.subtract(y)?)?,
        Erf => x
            .square()?
            .negative()?
            .exp()?
            .multiply(std::f64::consts::FRAC_2_SQRT_PI)?,
        ErfInv => y
            .square()?
            .exp()?
            .multiply(std::f64::consts::PI.sqrt() / 2.0)?,
        Sign | Floor | Ceil | Round | LogicalNot | BitwiseInvert | IsNan | IsInf | IsPosInf
        | IsNegInf | IsFinite => return Ok(None),
        Conjugate | Real | Imag => {
            return Err(Error::invalid(
                "vjp",
                format!("{op:?} is linear: its rule is applied by vjp and jvp"),
            ))
        }
    }))
}

/// `(d/da, d/db)` factors of an elementwise binary op (`None`: zero).
fn binary_derivatives(
    op: BinaryOp,
    a: &Tensor,
    b: &Tensor,
    y: &Tensor,
) -> Result<(Option<Tensor>, Option<Tensor>)> {
    use BinaryOp::*;
    Ok(match op {
        Add => (Some(a.ones_like()?), Some(b.ones_like()?)),
        Subtract => (Some(a.ones_like()?), Some(b.ones_like()?.negative()?)),
        Multiply => (Some(b.clone()), Some(a.clone())),
        Divide => (Some(b.reciprocal()?), Some(y.divide(b)?.negative()?)),
        Power => (
            Some(b.multiply(&a.power(&b.subtract(1.0)?)?)?),
            Some(y.multiply(&a.log()?)?),
        ),
        Maximum => {
            let m = a.greater_equal(b)?;
            (
                Some(m.astype(a.dtype())?),
                Some(m.logical_not()?.astype(b.dtype())?),
            )
        }
        Minimum => {
            let m = a.less_equal(b)?;
            (
                Some(m.astype(a.dtype())?),
                Some(m.logical_not()?.astype(b.dtype())?),
            )
        }
        ArcTan2 => {
            let d = a.square()?.add(&b.square()?)?;
            (Some(b.divide(&d)?), Some(a.negative()?.divide(&d)?))
        }
        LogAddExp => (
            Some(a.subtract(b)?.sigmoid()?),
            Some(b.subtract(a)?.sigmoid()?),
        ),
        Remainder => (Some(a.ones_like()?), Some(a.floor_divide(b)?.negative()?)),
        FloorDivide | Equal | NotEqual | Less | LessEqual | Greater | GreaterEqual | LogicalAnd
        | LogicalOr | BitwiseAnd | BitwiseOr | BitwiseXor | LeftShift | RightShift => (None, None),
    })
}

/// The complex conjugate of a derivative factor (the identity for real
/// dtypes).
fn conj(f: Option<Tensor>) -> Result<Option<Tensor>> {
    f.map(|f| f.conjugate()).transpose()
}

fn times(g: &Tensor, f: Option<Tensor>) -> Result<Option<Tensor>> {
    f.map(|f| g.multiply(&f)).transpose()
}

/// Sums `g` (shaped like a broadcast result) back to `shape`.
fn unbroadcast(g: &Tensor, shape: &[usize]) -> Result<Tensor> {
    if g.shape() == shape {
        return Ok(g.clone());
    }
    let extra = g.ndim() - shape.len();
    let mut axes: Vec<i64> = (0..extra as i64).collect();
    for (i, &d) in shape.iter().enumerate() {
        if d == 1 && g.shape()[extra + i] != 1 {
            axes.push((extra + i) as i64);
        }
    }
    let s = g.sum(axes, true)?;
    s.reshape(&shape.iter().map(|&d| d as i64).collect::<Vec<_>>())
}

/// The `groups` of a convolution primitive (1 for any other).
fn spec_groups(p: &Primitive) -> usize {
    match p {
        Primitive::Convolution { groups, .. } => *groups,
        _ => 1,
    }
}

/// Reverse mode: the cotangents of a node's inputs given its output's.
pub fn vjp(node: &NodeView<'_>, g: &Tensor) -> Result<Vec<Option<Tensor>>> {
    let p = node.primitive;
    let x = node.inputs;
    let y = node.output;
    let keep = |i: usize, t: Result<Tensor>| -> Result<Option<Tensor>> {
        if differentiable(&x[i]) {
            t.map(Some)
        } else {
            Ok(None)
        }
    };
    Ok(match p {
        // the complex parts, with MLX's rules: `real` gives the cotangent
        // back as the real part, `imag` as the imaginary part (times i)
        Primitive::Unary(UnaryOp::Conjugate) => vec![keep(0, g.conjugate())?],
        Primitive::Unary(UnaryOp::Real) => vec![keep(0, g.astype(x[0].dtype()))?],
        Primitive::Unary(UnaryOp::Imag) => vec![keep(
            0,
            g.astype(x[0].dtype())?
                .multiply(num_complex::Complex32::new(0.0, 1.0)),
        )?],
        // complex inputs: the cotangent times the conjugate derivative, as
        // MLX (real losses: `dL/dre + i dL/dim`)
        // (but abs, not holomorphic: its factor sign(z) is that gradient)
        Primitive::Unary(UnaryOp::Abs) => {
            vec![times(g, unary_derivative(UnaryOp::Abs, &x[0], y)?)?]
        }
        Primitive::Unary(op) => vec![times(g, conj(unary_derivative(*op, &x[0], y)?)?)?],
        Primitive::Binary(op) => {
            let (da, db) = binary_derivatives(*op, &x[0], &x[1], y)?;
            vec![times(g, conj(da)?)?, times(g, conj(db)?)?]
        }
        Primitive::Select => vec![
            None,
            keep(1, x[0].where_(g, &g.zeros_like()?))?,
            keep(2, x[0].where_(&g.zeros_like()?, g))?,
        ],
        Primitive::AsType => vec![keep(0, g.astype(x[0].dtype()))?],
        Primitive::StopGradient
        | Primitive::Constant
        | Primitive::Arange { .. }
        | Primitive::Eye { .. }
        | Primitive::Tri { .. }
        | Primitive::RandomBits { .. }
        | Primitive::ArgReduce { .. }
        | Primitive::ArgSort { .. }
        | Primitive::ArgPartition { .. }
        | Primitive::SearchSorted { .. } => {
            vec![None; x.len()]
        }
        Primitive::Scan {
            op,
            axis,
            reverse,
            inclusive,
        } => vec![keep(
            0,
            scan_vjp(*op, *axis, *reverse, *inclusive, &x[0], y, g),
        )?],
        Primitive::Gather { axis } => vec![keep(0, take_vjp(&x[0], &x[1], *axis, g))?, None],
        Primitive::GatherAxis { axis } => vec![
            keep(
                0,
                x[0].zeros_like()?
                    .scatter_add_axis(&x[1], g, Some(*axis as i64)),
            )?,
            None,
        ],
        Primitive::ScatterAxis { op, axis } => {
            let ax = Some(*axis as i64);
            vec![
                keep(
                    0,
                    match op {
                        ScatterOp::Assign => g.put_along_axis(&x[1], 0, ax),
                        ScatterOp::Add => Ok(g.clone()),
                    },
                )?,
                None,
                keep(2, g.take_along_axis(&x[1], ax))?,
            ]
        }
        Primitive::Sort { axis } => {
            let ax = Some(*axis as i64);
            let idx = x[0].argsort(ax)?;
            vec![keep(0, x[0].zeros_like()?.put_along_axis(&idx, g, ax))?]
        }
        Primitive::Partition { axis, kth } => {
            let ax = Some(*axis as i64);
            let idx = x[0].argpartition(*kth as i64, ax)?;
            vec![keep(0, x[0].zeros_like()?.put_along_axis(&idx, g, ax))?]
        }
        Primitive::Reduce { op, axes } => {
            let shape = x[0].shape();
            vec![match op {
                ReduceOp::Sum => keep(0, g.broadcast_to(shape))?,
                ReduceOp::Prod => keep(
                    0,
                    g.multiply(&y.conjugate()?)?
                        .broadcast_to(shape)?
                        .divide(&x[0].conjugate()?),
                )?,
                ReduceOp::Max | ReduceOp::Min => {
                    let mask = x[0].equal(y)?.astype(x[0].dtype())?;
                    let count = mask.sum(to_axes(axes), true)?;
                    keep(0, mask.multiply(&g.divide(&count)?))?
                }
                ReduceOp::All | ReduceOp::Any => None,
            }]
        }
        Primitive::Softmax { .. } => {
            let gy = g.multiply(y)?;
            vec![keep(0, gy.subtract(&y.multiply(&gy.sum(-1, true)?)?))?]
        }
        Primitive::Fft {
            axes,
            inverse,
            real,
        } => vec![keep(0, crate::fft::vjp(&x[0], g, axes, *inverse, *real))?],
        Primitive::Convolution { .. } => {
            let spec =
                crate::conv::ConvSpec::of(p).ok_or_else(|| unsupported(p, "not a convolution"))?;
            let (gx, gw) = spec.vjp(&x[0], &x[1], g)?;
            vec![keep(0, Ok(gx))?, keep(1, Ok(gw))?]
        }
        Primitive::Quantize {
            group_size,
            bits,
            part,
        } => vec![match crate::quantized::quantize_vjp(
            &x[0],
            *part,
            g,
            *group_size as usize,
            *bits as usize,
        )? {
            Some(d) => keep(0, Ok(d))?,
            None => None,
        }],
        Primitive::Dequantize { group_size, bits } => {
            let (gs, gb) =
                crate::quantized::dequantize_vjp(x, g, *group_size as usize, *bits as usize)?;
            vec![None, keep(1, Ok(gs))?, keep(2, Ok(gb))?]
        }
        Primitive::Inverse { .. }
        | Primitive::Cholesky { .. }
        | Primitive::Qr { .. }
        | Primitive::Svd { .. }
        | Primitive::Eigh { .. }
        | Primitive::Lu { .. }
        | Primitive::SolveTriangular { .. } => {
            return Err(unsupported(p, "MLX 0.32.4 defines no VJP for it"))
        }
        Primitive::QuantizedMatmul {
            group_size,
            bits,
            transpose,
        } => {
            let (gx, gs, gb) = crate::quantized::quantized_matmul_vjp(
                x,
                g,
                *transpose,
                *group_size as usize,
                *bits as usize,
            )?;
            vec![keep(0, Ok(gx))?, None, keep(2, Ok(gs))?, keep(3, Ok(gb))?]
        }
        Primitive::GatherMm => {
            let (ga, gb) = crate::quantized::gather_mm_vjp(x, g)?;
            vec![keep(0, Ok(ga))?, keep(1, Ok(gb))?, None, None]
        }
        Primitive::GatherQmm {
            group_size,
            bits,
            transpose,
        } => {
            let (gx, gs, gb) = crate::quantized::gather_qmm_vjp(
                x,
                g,
                *transpose,
                *group_size as usize,
                *bits as usize,
            )?;
            vec![
                keep(0, Ok(gx))?,
                None,
                keep(2, Ok(gs))?,
                keep(3, Ok(gb))?,
                None,
                None,
            ]
        }
        Primitive::Matmul => vec![
            keep(0, g.matmul(&x[1].swapaxes(-1, -2)?.conjugate()?))?,
            keep(1, x[0].swapaxes(-1, -2)?.conjugate()?.matmul(g))?,
        ],
        Primitive::Reshape | Primitive::Copy => {
            vec![keep(0, g.reshape(&dims(x[0].shape())))?]
        }
        Primitive::Broadcast => vec![keep(0, unbroadcast(g, x[0].shape()))?],
        Primitive::Transpose { perm } => {
            let mut inv = vec![0i64; perm.len()];
            for (i, &p) in perm.iter().enumerate() {
                inv[p] = i as i64;
            }
            vec![keep(0, g.transpose(&inv))?]
        }
        Primitive::Slice { start, step } => vec![keep(0, slice_vjp(g, x[0].shape(), start, step))?],
        Primitive::Pad { low, .. } => {
            let starts: Vec<i64> = low.iter().map(|&l| l as i64).collect();
            let stops: Vec<i64> = low
                .iter()
                .zip(x[0].shape())
                .map(|(&l, &d)| (l + d) as i64)
                .collect();
            vec![keep(0, g.slice(&starts, &stops, &vec![1; low.len()]))?]
        }
        Primitive::Concatenate { axis } => {
            let mut idx = Vec::new();
            let mut acc = 0i64;
            for t in &x[..x.len() - 1] {
                acc += t.shape()[*axis] as i64;
                idx.push(acc);
            }
            let parts = g.split_at(&idx, *axis as i64)?;
            parts
                .into_iter()
                .enumerate()
                .map(|(i, p)| keep(i, Ok(p)))
                .collect::<Result<_>>()?
        }
        Primitive::Transfer => vec![keep(0, g.to_device(x[0].device()))?],
        Primitive::AsStrided { strides, offset } => {
            vec![keep(0, as_strided_vjp(&x[0], g, strides, *offset))?]
        }
        // without a user rule (or through its rule's own graph), a custom
        // node is the identity of the function output it views
        Primitive::Custom(c) => (0..x.len())
            .map(|i| {
                if i == c.index {
                    keep(i, Ok(g.clone()))
                } else {
                    Ok(None)
                }
            })
            .collect::<Result<_>>()?,
        Primitive::Depends => {
            let mut v = vec![None; x.len()];
            v[0] = keep(0, Ok(g.clone()))?;
            v
        }
        Primitive::Fused(_) => {
            return Err(unsupported(
                p,
                "fused nodes exist only inside an evaluation",
            ))
        }
        Primitive::View => return Err(unsupported(p, "a dtype view has no derivative")),
        Primitive::RmsNorm { eps } => {
            let (gx, gw) = crate::fast::rms_norm_vjp(&x[0], &x[1], *eps, g)?;
            vec![keep(0, Ok(gx))?, keep(1, Ok(gw))?]
        }
    })
}

/// Forward mode: the output's tangent given the inputs' (`None`: zero).
pub fn jvp(node: &NodeView<'_>, t: &[Option<Tensor>]) -> Result<Option<Tensor>> {
    let p = node.primitive;
    let x = node.inputs;
    let y = node.output;
    let sum = |a: Option<Tensor>, b: Option<Tensor>| -> Result<Option<Tensor>> {
        Ok(match (a, b) {
            (Some(a), Some(b)) => Some(a.add(&b)?),
            (a, b) => a.or(b),
        })
    };
    // linear ops: apply the op itself to the tangent
    let linear = |f: &dyn Fn(&Tensor) -> Result<Tensor>| -> Result<Option<Tensor>> {
        t[0].as_ref().map(f).transpose()
    };
    match p {
        Primitive::Unary(UnaryOp::Conjugate) => linear(&|v| v.conjugate()),
        Primitive::Unary(UnaryOp::Real) => linear(&|v| v.astype(x[0].dtype())?.real()),
        Primitive::Unary(UnaryOp::Imag) => linear(&|v| v.astype(x[0].dtype())?.imag()),
        Primitive::Unary(op) => match &t[0] {
            Some(t0) => times(t0, unary_derivative(*op, &x[0], y)?),
            None => Ok(None),
        },
        Primitive::Binary(op) => {
            let (da, db) = binary_derivatives(*op, &x[0], &x[1], y)?;
            let a = match &t[0] {
                Some(t0) => times(t0, da)?,
                None => None,
            };
            let b = match &t[1] {
                Some(t1) => times(t1, db)?,
                None => None,
            };
            sum(a, b)
        }
        Primitive::Select => {
            let z = |o: &Option<Tensor>| -> Result<Tensor> {
                match o {
                    Some(v) => Ok(v.clone()),
                    None => y.zeros_like(),
                }
            };
            if t[1].is_none() && t[2].is_none() {
                return Ok(None);
            }
            Ok(Some(x[0].where_(&z(&t[1])?, &z(&t[2])?)?))
        }
        Primitive::AsType => {
            if !y.dtype().is_inexact() {
                return Ok(None);
            }
            linear(&|v| v.astype(y.dtype()))
        }
        Primitive::StopGradient
        | Primitive::Constant
        | Primitive::Arange { .. }
        | Primitive::Eye { .. }
        | Primitive::Tri { .. }
        | Primitive::RandomBits { .. }
        | Primitive::ArgReduce { .. }
        | Primitive::ArgSort { .. }
        | Primitive::ArgPartition { .. }
        | Primitive::SearchSorted { .. } => Ok(None),
        Primitive::Scan {
            op,
            axis,
            reverse,
            inclusive,
        } => linear(&|v| scan_jvp(*op, *axis, *reverse, *inclusive, &x[0], y, v)),
        Primitive::Gather { axis } => linear(&|v| v.take(&x[1], Some(*axis as i64))),
        Primitive::GatherAxis { axis } => linear(&|v| v.take_along_axis(&x[1], Some(*axis as i64))),
        Primitive::ScatterAxis { op, axis } => {
            if t[0].is_none() && t[2].is_none() {
                return Ok(None);
            }
            let tx = match &t[0] {
                Some(v) => v.clone(),
                None => x[0].zeros_like()?,
            };
            let tu = match &t[2] {
                Some(v) => v.clone(),
                None => x[2].zeros_like()?,
            };
            let ax = Some(*axis as i64);
            Ok(Some(match op {
                ScatterOp::Assign => tx.put_along_axis(&x[1], &tu, ax)?,
                ScatterOp::Add => tx.scatter_add_axis(&x[1], &tu, ax)?,
            }))
        }
        Primitive::Sort { axis } => {
            let ax = Some(*axis as i64);
            linear(&|v| v.take_along_axis(&x[0].argsort(ax)?, ax))
        }
        Primitive::Partition { axis, kth } => {
            let ax = Some(*axis as i64);
            linear(&|v| v.take_along_axis(&x[0].argpartition(*kth as i64, ax)?, ax))
        }
        Primitive::Reduce { op, axes } => match op {
            ReduceOp::Sum => linear(&|v| v.sum(to_axes(axes), true)),
            ReduceOp::Prod => linear(&|v| v.divide(&x[0])?.sum(to_axes(axes), true)?.multiply(y)),
            ReduceOp::Max | ReduceOp::Min => linear(&|v| {
                let mask = x[0].equal(y)?.astype(x[0].dtype())?;
                let count = mask.sum(to_axes(axes), true)?;
                v.multiply(&mask)?.sum(to_axes(axes), true)?.divide(&count)
            }),
            ReduceOp::All | ReduceOp::Any => Ok(None),
        },
        Primitive::Softmax { .. } => {
            linear(&|v| y.multiply(&v.subtract(&v.multiply(y)?.sum(-1, true)?)?))
        }
        Primitive::Convolution { .. } => {
            // bilinear: the same convolution of each tangent with the other primal
            let spec =
                crate::conv::ConvSpec::of(p).ok_or_else(|| unsupported(p, "not a convolution"))?;
            let dt = y.dtype();
            let a = match &t[0] {
                Some(tx) => Some(spec.apply(&tx.astype(dt)?, &x[1], spec_groups(p))?),
                None => None,
            };
            let b = match &t[1] {
                Some(tw) => Some(spec.apply(&x[0], &tw.astype(dt)?, spec_groups(p))?),
                None => None,
            };
            sum(a, b)
        }
        Primitive::Quantize {
            group_size,
            bits,
            part,
        } => match &t[0] {
            Some(t0) => crate::quantized::quantize_jvp(
                &x[0],
                *part,
                t0,
                *group_size as usize,
                *bits as usize,
            ),
            None => Ok(None),
        },
        Primitive::Dequantize { group_size, bits } => crate::quantized::dequantize_jvp(
            x,
            t[1].as_ref(),
            t[2].as_ref(),
            *group_size as usize,
            *bits as usize,
        ),
        Primitive::Inverse { .. }
        | Primitive::Cholesky { .. }
        | Primitive::Qr { .. }
        | Primitive::Svd { .. }
        | Primitive::Eigh { .. }
        | Primitive::Lu { .. }
        | Primitive::SolveTriangular { .. } => {
            Err(unsupported(p, "MLX 0.32.4 defines no JVP for it"))
        }
        Primitive::QuantizedMatmul {
            group_size,
            bits,
            transpose,
        } => {
            if t[2].is_some() || t[3].is_some() {
                return Err(unsupported(p, "no JVP with respect to scales or biases"));
            }
            t[0].as_ref()
                .map(|tx| {
                    crate::quantized::quantized_matmul(
                        tx,
                        &x[1],
                        &x[2],
                        &x[3],
                        *transpose,
                        *group_size as usize,
                        *bits as usize,
                    )
                })
                .transpose()
        }
        Primitive::GatherMm => {
            let a = match &t[0] {
                Some(ta) => Some(crate::quantized::gather_mm(
                    ta,
                    &x[1],
                    Some(&x[2]),
                    Some(&x[3]),
                    false,
                )?),
                None => None,
            };
            let b = match &t[1] {
                Some(tb) => Some(crate::quantized::gather_mm(
                    &x[0],
                    tb,
                    Some(&x[2]),
                    Some(&x[3]),
                    false,
                )?),
                None => None,
            };
            sum(a, b)
        }
        Primitive::GatherQmm {
            group_size,
            bits,
            transpose,
        } => {
            if t[2].is_some() || t[3].is_some() {
                return Err(unsupported(p, "no JVP with respect to scales or biases"));
            }
            t[0].as_ref()
                .map(|tx| {
                    crate::quantized::gather_qmm(
                        tx,
                        &x[1],
                        &x[2],
                        &x[3],
                        Some(&x[4]),
                        Some(&x[5]),
                        *transpose,
                        *group_size as usize,
                        *bits as usize,
                        false,
                    )
                })
                .transpose()
        }
        Primitive::Matmul => {
            let a = match &t[0] {
                Some(ta) => Some(ta.matmul(&x[1])?),
                None => None,
            };
            let b = match &t[1] {
                Some(tb) => Some(x[0].matmul(tb)?),
                None => None,
            };
            sum(a, b)
        }
        Primitive::Reshape | Primitive::Copy => linear(&|v| v.reshape(&dims(y.shape()))),
        Primitive::Broadcast => linear(&|v| v.broadcast_to(y.shape())),
        Primitive::Transpose { perm } => {
            let perm: Vec<i64> = perm.iter().map(|&p| p as i64).collect();
            linear(&|v| v.transpose(&perm))
        }
        Primitive::Slice { start, step } => linear(&|v| {
            let stops: Vec<i64> = start
                .iter()
                .zip(step)
                .zip(y.shape())
                .map(|((&s, &st), &n)| {
                    if n == 0 {
                        s
                    } else {
                        s + st * (n as i64 - 1) + st.signum()
                    }
                })
                .map(|e| if e < 0 { i64::MIN } else { e })
                .collect();
            v.slice(start, &stops, step)
        }),
        Primitive::Pad { low, value } => {
            let _ = value;
            let widths: Vec<(usize, usize)> = low
                .iter()
                .zip(x[0].shape())
                .zip(y.shape())
                .map(|((&l, &d), &o)| (l, o - d - l))
                .collect();
            linear(&|v| v.pad(&widths, 0))
        }
        Primitive::Concatenate { axis } => {
            if t.iter().all(|v| v.is_none()) {
                return Ok(None);
            }
            let parts: Vec<Tensor> = t
                .iter()
                .zip(x)
                .map(|(v, xi)| match v {
                    Some(v) => Ok(v.clone()),
                    None => xi.zeros_like(),
                })
                .collect::<Result<_>>()?;
            let refs: Vec<&Tensor> = parts.iter().collect();
            Ok(Some(concatenate(&refs, *axis as i64)?))
        }
        Primitive::Transfer => linear(&|v| v.to_device(y.device())),
        Primitive::AsStrided { strides, offset } => {
            let st: Vec<i64> = strides.iter().map(|&v| v as i64).collect();
            linear(&|v| v.as_strided(Some(y.shape()), Some(&st), *offset))
        }
        Primitive::Custom(c) => Ok(t[c.index].clone()),
        Primitive::Depends => Ok(t[0].clone()),
        Primitive::Fused(_) => Err(unsupported(
            p,
            "fused nodes exist only inside an evaluation",
        )),
        Primitive::View => Err(unsupported(p, "a dtype view has no derivative")),
        Primitive::Fft {
            axes,
            inverse,
            real,
        } => linear(&|v| crate::fft::jvp(v, y, axes, *inverse, *real)),
        Primitive::RmsNorm { eps } => {
            crate::fast::rms_norm_jvp(&x[0], &x[1], *eps, t[0].as_ref(), t[1].as_ref())
        }
    }
}

/// A user-supplied reverse-mode rule: `(primals, cotangents, outputs)` to
/// one cotangent per primal.
pub type CustomVjpFn = dyn Fn(&[Tensor], &[Tensor], &[Tensor]) -> Result<Vec<Tensor>> + Send + Sync;
/// A user-supplied forward-mode rule: `(primals, tangents)` to one tangent
/// per output.
pub type CustomJvpFn = dyn Fn(&[Tensor], &[Tensor]) -> Result<Vec<Tensor>> + Send + Sync;

/// The derivative rules carried by [`Primitive::Custom`] nodes
/// (`custom_function`); `None` differentiates the function itself.
#[derive(Clone, Default)]
pub struct CustomRules {
    /// Reverse-mode rule.
    pub vjp: Option<std::sync::Arc<CustomVjpFn>>,
    /// Forward-mode rule.
    pub jvp: Option<std::sync::Arc<CustomJvpFn>>,
}

/// The rules of a custom node, if it carries [`CustomRules`].
pub fn custom_rules(call: &mlx_core::CustomCall) -> Option<&CustomRules> {
    call.rules.downcast_ref::<CustomRules>()
}

/// The output nodes of one call of a custom function: node `i` views
/// `outputs[i]` and carries `rules`; all nodes take the outputs and the
/// primals as inputs, so the transforms find both.
pub fn custom_call(
    name: &'static str,
    id: u64,
    rules: std::sync::Arc<CustomRules>,
    outputs: &[Tensor],
    primals: &[Tensor],
) -> Result<Vec<Tensor>> {
    let inputs: Vec<&Tensor> = outputs.iter().chain(primals).collect();
    (0..outputs.len())
        .map(|index| {
            Tensor::op(
                "custom_function",
                Primitive::Custom(mlx_core::CustomCall {
                    name,
                    id,
                    index,
                    num_outputs: outputs.len(),
                    rules: rules.clone(),
                }),
                &inputs,
                outputs[index].shape().to_vec(),
                outputs[index].dtype(),
            )
        })
        .collect()
}

fn to_axes(axes: &[usize]) -> Axes {
    Axes::List(axes.iter().map(|&a| a as i64).collect())
}

fn dims(shape: &[usize]) -> Vec<i64> {
    shape.iter().map(|&d| d as i64).collect()
}

/// The cotangent of a strided slice: `g` placed back into zeros of the
/// input's shape.
pub(crate) fn slice_vjp(
    g: &Tensor,
    in_shape: &[usize],
    start: &[i64],
    step: &[i64],
) -> Result<Tensor> {
    let mut g = g.clone();
    // negative steps: flip to a positive walk from the last selected index
    let mut first: Vec<i64> = start.to_vec();
    for ax in 0..step.len() {
        let n = g.shape()[ax] as i64;
        if step[ax] < 0 && n > 0 {
            g = g.slice_axis(ax as i64, i64::MAX, i64::MIN, -1)?;
            first[ax] = start[ax] + step[ax] * (n - 1);
        }
    }
    for (ax, &s) in step.iter().enumerate() {
        let s = s.unsigned_abs() as usize;
        if s > 1 && g.shape()[ax] > 0 {
            // interleave zeros: [n] -> [n, s] -> [n * s] -> drop the tail
            let n = g.shape()[ax];
            let mut widths = vec![(0, 0); ax + 2];
            widths[ax + 1] = (0, s - 1);
            g = g.expand_dims((ax + 1) as i64)?.pad(&widths, 0)?;
            let mut shape: Vec<i64> = dims(g.shape());
            shape.remove(ax + 1);
            shape[ax] = (n * s) as i64;
            g = g
                .reshape(&shape)?
                .slice_axis(ax as i64, 0, ((n - 1) * s + 1) as i64, 1)?;
        }
    }
    let widths: Vec<(usize, usize)> = (0..in_shape.len())
        .map(|ax| {
            let lo = if g.shape()[ax] == 0 {
                0
            } else {
                first[ax].max(0) as usize
            };
            (lo, in_shape[ax] - lo - g.shape()[ax])
        })
        .collect();
    g.pad(&widths, 0)
}

/// The cotangent of `as_strided` over the flat input `x`: each output
/// position's cotangent added at the element it reads (MLX's rule: a
/// scatter-add, so overlapping windows accumulate).
fn as_strided_vjp(x: &Tensor, g: &Tensor, strides: &[isize], offset: usize) -> Result<Tensor> {
    // the flat index each output element reads
    let st: Vec<i64> = strides.iter().map(|&v| v as i64).collect();
    let idx = Tensor::arange(0.0, x.size() as f64, 1.0, Some(Dtype::Int64))?
        .to_device(x.device())?
        .as_strided(Some(g.shape()), Some(&st), offset)?
        .reshape(&[-1])?;
    x.zeros_like()?
        .reshape(&[-1])?
        .scatter_add_axis(&idx, &g.reshape(&[-1])?, Some(0))?
        .reshape(&dims(x.shape()))
}

/// The cotangent of `take(x, idx, axis)`: `g` scatter-added back along the
/// axis (the array seen as `[pre, n, post]`).
fn take_vjp(x: &Tensor, idx: &Tensor, axis: usize, g: &Tensor) -> Result<Tensor> {
    let shape = x.shape();
    let pre: usize = shape[..axis].iter().product();
    let post: usize = shape[axis + 1..].iter().product();
    let (n, m) = (shape[axis], idx.size());
    let gi = g.reshape(&[pre as i64, m as i64, post as i64])?;
    let ii = idx
        .reshape(&[1, m as i64, 1])?
        .broadcast_to(&[pre, m, post])?;
    Tensor::zeros(&[pre, n, post], x.dtype())?
        .to_device(x.device())?
        .scatter_add_axis(&ii, &gi, Some(1))?
        .reshape(&dims(shape))
}

/// For each position of the inclusive running max/min of `x` along
/// `axis`, the index of the element holding it (ties: the latest in scan
/// order, as MLX routes the cotangent).
fn scan_owner(op: ScanOp, x: &Tensor, axis: usize, reverse: bool) -> Result<Tensor> {
    let n = x.shape()[axis];
    let running = match op {
        ScanOp::Max => x.cummax(Some(axis as i64), reverse, true)?,
        _ => x.cummin(Some(axis as i64), reverse, true)?,
    };
    let mut shape = vec![1i64; x.ndim()];
    shape[axis] = n as i64;
    let ar = Tensor::arange(0.0, n as f64, 1.0, Some(Dtype::Int32))?
        .to_device(x.device())?
        .reshape(&shape)?;
    let mask = x.equal(&running)?;
    if reverse {
        mask.where_(&ar, n as i32 - 1)?
            .cummin(Some(axis as i64), true, true)
    } else {
        mask.where_(&ar, 0)?.cummax(Some(axis as i64), false, true)
    }
}

/// The positions of an exclusive scan's output that come from the
/// inclusive scan (all but the first in scan order), and the inclusive
/// positions feeding them: `(out_range, in_range)` along the axis.
fn exclusive_ranges(n: usize, reverse: bool) -> ((i64, i64), (i64, i64)) {
    let n = n as i64;
    if n == 0 {
        return ((0, 0), (0, 0));
    }
    if reverse {
        ((0, n - 1), (1, n))
    } else {
        ((1, n), (0, n - 1))
    }
}

/// The smallest finite value of a float dtype, as a weak-scalar-sized f64.
fn finfo_min(d: Dtype) -> f64 {
    match d {
        Dtype::Float16 => -65504.0,
        Dtype::Bfloat16 => -3.3895313892515355e38,
        Dtype::Float32 => f32::MIN as f64,
        _ => f64::MIN,
    }
}

fn scan_vjp(
    op: ScanOp,
    axis: usize,
    reverse: bool,
    inclusive: bool,
    x: &Tensor,
    y: &Tensor,
    g: &Tensor,
) -> Result<Tensor> {
    let ax = Some(axis as i64);
    match op {
        ScanOp::Sum => g.cumsum(ax, !reverse, inclusive),
        ScanOp::Prod => {
            // MLX's rule: exact through the first zero of each line
            let other = x.cumprod(ax, reverse, !inclusive)?;
            let (excl, incl) = if inclusive {
                (other, y.clone())
            } else {
                (y.clone(), other)
            };
            let eq_zero = incl.equal(0)?;
            let first_zero = eq_zero.logical_and(&excl.not_equal(0)?)?;
            let partial = |a: &Tensor| a.multiply(g)?.cumsum(ax, !reverse, inclusive);
            let with_one = first_zero
                .where_(&x.ones_like()?, x)?
                .cumprod(ax, reverse, inclusive)?;
            let grad_with_one = partial(&with_one)?;
            let grad = partial(y)?.divide(x)?;
            first_zero.where_(&grad_with_one, &eq_zero.where_(&x.zeros_like()?, &grad)?)
        }
        ScanOp::LogAddExp => {
            // MLX's rule: positive and negative parts of g in log space
            let lo = finfo_min(g.dtype());
            let log_abs = g.abs()?.log()?;
            let pos = g.greater(0)?.where_(&log_abs, lo)?;
            let neg = g.less(0)?.where_(&log_abs, lo)?;
            let part = |l: &Tensor| {
                l.subtract(y)?
                    .logcumsumexp(ax, !reverse, inclusive)?
                    .add(x)?
                    .exp()
            };
            part(&pos)?.subtract(&part(&neg)?)
        }
        ScanOp::Max | ScanOp::Min => {
            let owner = scan_owner(op, x, axis, reverse)?;
            let zeros = x.zeros_like()?;
            if inclusive {
                return zeros.scatter_add_axis(&owner, g, ax);
            }
            let ((o0, o1), (i0, i1)) = exclusive_ranges(x.shape()[axis], reverse);
            let a = axis as i64;
            zeros.scatter_add_axis(
                &owner.slice_axis(a, i0, i1, 1)?,
                &g.slice_axis(a, o0, o1, 1)?,
                ax,
            )
        }
    }
}

fn scan_jvp(
    op: ScanOp,
    axis: usize,
    reverse: bool,
    inclusive: bool,
    x: &Tensor,
    y: &Tensor,
    t: &Tensor,
) -> Result<Tensor> {
    let ax = Some(axis as i64);
    match op {
        ScanOp::Sum => t.cumsum(ax, reverse, inclusive),
        ScanOp::Prod => t.divide(x)?.cumsum(ax, reverse, inclusive)?.multiply(y),
        ScanOp::LogAddExp => {
            let m = x.max(axis as i64, true)?.stop_gradient()?;
            let m = m.isinf()?.where_(&m.zeros_like()?, &m)?;
            t.multiply(&x.subtract(&m)?.exp()?)?
                .cumsum(ax, reverse, inclusive)?
                .multiply(&m.subtract(y)?.exp()?)
        }
        ScanOp::Max | ScanOp::Min => {
            let owner = scan_owner(op, x, axis, reverse)?;
            if inclusive {
                return t.take_along_axis(&owner, ax);
            }
            let n = x.shape()[axis];
            let ((o0, _), (i0, i1)) = exclusive_ranges(n, reverse);
            let a = axis as i64;
            let moved = t.take_along_axis(&owner.slice_axis(a, i0, i1, 1)?, ax)?;
            let mut widths = vec![(0, 0); x.ndim()];
            if n > 0 {
                widths[axis] = if o0 == 0 { (0, 1) } else { (1, 0) };
            }
            moved.pad(&widths, 0)
        }
    }
}
