//! Reductions over axes and arg-reductions.
//!
//! The input is seen as `[pre, red, post]` (the reduced axes in the middle):
//! directly when it is row-contiguous and the axes are adjacent, otherwise
//! after permuting the reduced axes last and gathering. Rows (`post == 1`)
//! reduce with 16 independent accumulators so the loop vectorises; columns
//! (`post > 1`) accumulate whole rows at once. Large work is split over
//! threads by rows, by columns, or by partial reductions of one long row.

use crate::num::{cast, Num};
use crate::strided::{contiguous, output};
use crate::{internal, unsupported, KResult, PARALLEL_THRESHOLD};
use half::{bf16, f16};
use mlx_core::{ArgReduceOp, ArrayData, Bool8, Dtype, HostBuffer, Layout, OpCall, ReduceOp};
use num_complex::Complex32;
use rayon::prelude::*;
use std::borrow::Cow;

/// Row-major data seen as `[pre, red, post]`.
type Blocks<'a, T> = (Cow<'a, [T]>, usize, usize, usize);

/// The input as `[pre, red, post]` row-major data.
fn blocks<'a, T: mlx_core::Native>(
    x: &'a ArrayData,
    axes: &[usize],
) -> Result<Blocks<'a, T>, mlx_core::backend::BackendError> {
    let shape = x.layout.shape();
    let adjacent = axes.windows(2).all(|w| w[1] == w[0] + 1);
    if adjacent && x.layout.is_row_contiguous() && !axes.is_empty() {
        let (a0, a1) = (axes[0], axes[axes.len() - 1]);
        let pre = shape[..a0].iter().product();
        let red = shape[a0..=a1].iter().product();
        let post = shape[a1 + 1..].iter().product();
        return Ok((contiguous::<T>(x)?, pre, red, post));
    }
    let mut perm: Vec<usize> = (0..shape.len()).filter(|a| !axes.contains(a)).collect();
    perm.extend_from_slice(axes);
    let moved = ArrayData {
        layout: x.layout.transpose(&perm),
        ..x.clone()
    };
    let data = contiguous::<T>(&moved)?.into_owned();
    let pre = perm[..shape.len() - axes.len()]
        .iter()
        .map(|&a| shape[a])
        .product();
    let red = axes.iter().map(|&a| shape[a]).product();
    Ok((Cow::Owned(data), pre, red, 1))
}

/// How a reduction starts and combines.
#[derive(Clone, Copy)]
enum Fold {
    Sum,
    Prod,
    Max,
    Min,
    All,
    Any,
}

#[inline(always)]
fn combine<A: Num>(f: Fold, a: A, b: A) -> A {
    match f {
        Fold::Sum => a.add(b),
        Fold::Prod => a.mul(b),
        Fold::Max => {
            if a.is_nan() || b.lt(a) {
                a
            } else {
                b
            }
        }
        Fold::Min => {
            if a.is_nan() || a.lt(b) {
                a
            } else {
                b
            }
        }
        Fold::All => A::from_bool(a.nonzero() && b.nonzero()),
        Fold::Any => A::from_bool(a.nonzero() || b.nonzero()),
    }
}

#[inline(always)]
fn identity<T: Num, A: Num>(f: Fold, first: T) -> A {
    match f {
        Fold::Sum => A::zero(),
        Fold::Prod | Fold::All => A::one(),
        Fold::Any => A::zero(),
        Fold::Max | Fold::Min => cast::<T, A>(first),
    }
}

/// Reduces one contiguous run.
#[inline(always)]
fn fold_row<T: Num, A: Num>(f: Fold, row: &[T]) -> A {
    let Some(&first) = row.first() else {
        return identity::<T, A>(f, T::zero());
    };
    let init: A = identity(f, first);
    let mut lanes = [init; 16];
    let mut chunks = row.chunks_exact(16);
    for c in &mut chunks {
        for i in 0..16 {
            lanes[i] = combine(f, lanes[i], cast::<T, A>(c[i]));
        }
    }
    let mut acc = init;
    for &v in chunks.remainder() {
        acc = combine(f, acc, cast::<T, A>(v));
    }
    lanes.iter().fold(acc, |a, &b| combine(f, a, b))
}

fn reduce_typed<T: Num, A: Num, O: Num>(
    f: Fold,
    x: &ArrayData,
    axes: &[usize],
    call: &OpCall<'_>,
) -> KResult {
    let (data, pre, red, post) = blocks::<T>(x, axes)?;
    let data: &[T] = &data;
    let mut buf = HostBuffer::alloc(O::DTYPE, pre * post);
    let out = buf.as_mut_slice::<O>().map_err(internal)?;
    let big = pre * red * post > PARALLEL_THRESHOLD;
    if post == 1 {
        let row =
            |p: usize| -> O { cast::<A, O>(fold_row::<T, A>(f, &data[p * red..(p + 1) * red])) };
        if big && pre >= 2 * rayon::current_num_threads() {
            out.par_iter_mut()
                .enumerate()
                .for_each(|(p, o)| *o = row(p));
        } else if big {
            // few long rows: partial reductions of each row in parallel
            for (p, o) in out.iter_mut().enumerate() {
                let r = &data[p * red..(p + 1) * red];
                let parts: Vec<A> = r
                    .par_chunks(1 << 16)
                    .map(|c| fold_row::<T, A>(f, c))
                    .collect();
                let first = parts
                    .first()
                    .copied()
                    .unwrap_or(identity::<T, A>(f, T::zero()));
                *o = cast::<A, O>(
                    parts[1.min(parts.len())..]
                        .iter()
                        .fold(first, |a, &b| combine(f, a, b)),
                );
            }
        } else {
            out.iter_mut().enumerate().for_each(|(p, o)| *o = row(p));
        }
    } else {
        // columns: acc[q] folds data[p, r, q] over r
        let col_block = |p: usize, q0: usize, o: &mut [O]| {
            let w = o.len();
            let mut acc: Vec<A> = (0..w)
                .map(|j| identity(f, data[p * red * post + q0 + j]))
                .collect();
            let start = if matches!(f, Fold::Max | Fold::Min) {
                1
            } else {
                0
            };
            for r in start..red {
                let row = &data[(p * red + r) * post + q0..(p * red + r) * post + q0 + w];
                acc.iter_mut()
                    .zip(row)
                    .for_each(|(a, &v)| *a = combine(f, *a, cast::<T, A>(v)));
            }
            o.iter_mut()
                .zip(acc)
                .for_each(|(o, a)| *o = cast::<A, O>(a));
        };
        if red == 0 {
            out.fill(cast::<A, O>(identity::<T, A>(f, T::zero())));
        } else if big && pre >= 2 * rayon::current_num_threads() {
            out.par_chunks_mut(post)
                .enumerate()
                .for_each(|(p, o)| col_block(p, 0, o));
        } else if big {
            for (p, op) in out.chunks_mut(post).enumerate() {
                op.par_chunks_mut(1024)
                    .enumerate()
                    .for_each(|(c, o)| col_block(p, c * 1024, o));
            }
        } else {
            out.chunks_mut(post)
                .enumerate()
                .for_each(|(p, o)| col_block(p, 0, o));
        }
    }
    Ok(output(buf, call.shape))
}

/// `Reduce { op, axes }`.
pub fn reduce(op: ReduceOp, axes: &[usize], call: &OpCall<'_>) -> KResult {
    let x = &call.inputs[0];
    if matches!(op, ReduceOp::All | ReduceOp::Any) {
        let f = if op == ReduceOp::All {
            Fold::All
        } else {
            Fold::Any
        };
        return mlx_core::dispatch_dtype!(x.dtype, T => reduce_typed::<T, Bool8, Bool8>(f, x, axes, call));
    }
    if x.dtype != call.dtype {
        return Err(unsupported(
            call.primitive,
            "input and output dtypes differ",
        ));
    }
    let f = match op {
        ReduceOp::Sum => Fold::Sum,
        ReduceOp::Prod => Fold::Prod,
        ReduceOp::Max => Fold::Max,
        _ => Fold::Min,
    };
    macro_rules! go {
        ($t:ty, $a:ty) => {
            reduce_typed::<$t, $a, $t>(f, x, axes, call)
        };
    }
    match x.dtype {
        Dtype::Bool => go!(Bool8, Bool8),
        Dtype::Uint8 => go!(u8, u8),
        Dtype::Uint16 => go!(u16, u16),
        Dtype::Uint32 => go!(u32, u32),
        Dtype::Uint64 => go!(u64, u64),
        Dtype::Int8 => go!(i8, i8),
        Dtype::Int16 => go!(i16, i16),
        Dtype::Int32 => go!(i32, i32),
        Dtype::Int64 => go!(i64, i64),
        Dtype::Float16 => go!(f16, f32),
        Dtype::Bfloat16 => go!(bf16, f32),
        Dtype::Float32 => go!(f32, f32),
        Dtype::Float64 => go!(f64, f64),
        Dtype::Complex64 => go!(Complex32, Complex32),
    }
}

/// `ArgReduce { op, axis }`: first index of the max/min (NaN wins).
pub fn arg_reduce(op: ArgReduceOp, axis: usize, call: &OpCall<'_>) -> KResult {
    let x = &call.inputs[0];
    mlx_core::dispatch_dtype!(x.dtype, T => arg_typed::<T>(op, x, axis, call))
}

fn arg_typed<T: Num>(op: ArgReduceOp, x: &ArrayData, axis: usize, call: &OpCall<'_>) -> KResult {
    let (data, pre, red, post) = blocks::<T>(x, &[axis])?;
    let data: &[T] = &data;
    let better = |cand: T, best: T| -> bool {
        if best.is_nan() {
            return false;
        }
        if cand.is_nan() {
            return true;
        }
        match op {
            ArgReduceOp::ArgMax => best.lt(cand),
            ArgReduceOp::ArgMin => cand.lt(best),
        }
    };
    let mut buf = HostBuffer::alloc(Dtype::Uint32, pre * post);
    let out = buf.as_mut_slice::<u32>().map_err(internal)?;
    let one = |i: usize| -> u32 {
        let (p, q) = (i / post, i % post);
        let base = p * red * post + q;
        let mut best = data[base];
        let mut bi = 0u32;
        for r in 1..red {
            let v = data[base + r * post];
            if better(v, best) {
                best = v;
                bi = r as u32;
            }
        }
        bi
    };
    if pre * red * post > PARALLEL_THRESHOLD {
        out.par_iter_mut()
            .enumerate()
            .for_each(|(i, o)| *o = one(i));
    } else {
        out.iter_mut().enumerate().for_each(|(i, o)| *o = one(i));
    }
    let _ = Layout::contiguous(call.shape);
    Ok(output(buf, call.shape))
}
