//! Fused elementwise programs: the output is produced chunk by chunk (a
//! chunk's temporaries stay in cache), each instruction running the ordinary
//! elementwise kernel on the chunk, so memory is read and written once.
//!
//! Programs of one float dtype whose instructions are plain functions (the
//! float unary table and the arithmetic table of `elementwise`) take a
//! faster road: a register machine over blocks of [`BLOCK`] elements held
//! in L1, reading inputs in place and writing the last instruction straight
//! into the output, with no allocation per chunk.

use crate::elementwise::{arith_fns, float_unary_fns};
use crate::num::FloatMath;
use crate::simd::{copy_streaming, prefetch, store_fence, vectorized, STREAMING_BYTES};
use crate::strided::{gather_range, host_slice};
use crate::{failed, internal, CpuBackend, KResult, PARALLEL_THRESHOLD};
use half::{bf16, f16};
use mlx_core::backend::{Backend, BackendError};
use mlx_core::fusion::{FusedExpr, FusedOp};
use mlx_core::{
    dispatch_dtype, ArrayData, BinaryOp, Buffer, Dtype, HostBuffer, Layout, Native, OpCall,
    Primitive, UnaryOp,
};
use rayon::prelude::*;
use smallvec::SmallVec;

/// Elements per chunk: small enough that a program's registers stay in L2.
const CHUNK: usize = 8192;

/// Runs a fused program (see [`FusedExpr`]).
pub fn fused(expr: &FusedExpr, call: &OpCall<'_>) -> KResult {
    let n: usize = call.shape.iter().product();
    let mut out = HostBuffer::alloc(call.dtype, n);
    let direct = match call.dtype {
        Dtype::Float32 => blocks::<f32>(expr, call, &mut out)?,
        Dtype::Float64 => blocks::<f64>(expr, call, &mut out)?,
        Dtype::Float16 => blocks::<f16>(expr, call, &mut out)?,
        Dtype::Bfloat16 => blocks::<bf16>(expr, call, &mut out)?,
        _ => false,
    };
    if direct {
        return Ok(crate::strided::output(out, call.shape));
    }
    dispatch_dtype!(call.dtype, T => {
        let dst = out.as_mut_slice::<T>().map_err(internal)?;
        let run = |(c, d): (usize, &mut [T])| run_chunk::<T>(expr, call, c * CHUNK, d);
        if n > PARALLEL_THRESHOLD {
            dst.par_chunks_mut(CHUNK).enumerate().try_for_each(run)?;
        } else {
            dst.chunks_mut(CHUNK).enumerate().try_for_each(run)?;
        }
    });
    Ok(crate::strided::output(out, call.shape))
}

fn run_chunk<T: Native>(
    expr: &FusedExpr,
    call: &OpCall<'_>,
    start: usize,
    dst: &mut [T],
) -> Result<(), BackendError> {
    let len = dst.len();
    let mut regs: Vec<ArrayData> = Vec::with_capacity(expr.ops.len());
    for op in &expr.ops {
        let r = match op {
            FusedOp::Input(i) => {
                let d = call
                    .inputs
                    .get(*i as usize)
                    .ok_or_else(|| failed("fused program reads a missing input"))?;
                chunk_view(d, start, len)?
            }
            FusedOp::Apply { prim, args, dtype } => {
                let ins: SmallVec<[ArrayData; 3]> =
                    args.iter().map(|&a| regs[a as usize].clone()).collect();
                CpuBackend.eval(&OpCall {
                    primitive: prim,
                    inputs: &ins,
                    shape: &[len],
                    dtype: *dtype,
                })?
            }
        };
        regs.push(r);
    }
    let last = regs.last().ok_or_else(|| failed("empty fused program"))?;
    let src = host_slice::<T>(last)?;
    let o = last.layout.offset();
    if last.layout.strides() == [1] {
        dst.copy_from_slice(&src[o..o + len]);
    } else {
        // a program whose output is an input or a broadcast scalar
        let s = last.layout.strides()[0];
        for (k, v) in dst.iter_mut().enumerate() {
            *v = src[(o as isize + k as isize * s) as usize];
        }
    }
    Ok(())
}

/// The logical elements `start..start + len` of an input as a 1-D array:
/// a view for row-contiguous or scalar inputs, a gathered copy otherwise.
fn chunk_view(d: &ArrayData, start: usize, len: usize) -> Result<ArrayData, BackendError> {
    let l = &d.layout;
    if l.strides()
        .iter()
        .zip(l.shape())
        .all(|(&s, &n)| s == 0 || n == 1)
    {
        return Ok(ArrayData {
            layout: Layout::from_parts(vec![len], vec![0], l.offset()),
            ..d.clone()
        });
    }
    if l.is_row_contiguous() {
        return Ok(ArrayData {
            layout: Layout::from_parts(vec![len], vec![1], l.offset() + start),
            ..d.clone()
        });
    }
    dispatch_dtype!(d.dtype, T => {
        let src = host_slice::<T>(d)?;
        let mut buf = HostBuffer::alloc(d.dtype, len);
        gather_range(src, l, start, buf.as_mut_slice::<T>().map_err(internal)?);
        Ok(ArrayData::contiguous(Buffer::new(buf), &[len]))
    })
}

/// Elements per block of the register machine: its registers stay in L1,
/// and each instruction's pass is short enough that loads of the next
/// overlap its arithmetic (128 measured best beside 32..2048 on the
/// device CPU, 2026-12-03).
const BLOCK: usize = 128;
/// How far ahead of the block being computed large outputs prefetch their
/// inputs (4 KiB: 1.5-2x the unfused graph with it, 1.2-1.6x without).
const PREFETCH_BYTES: usize = 4096;
/// Elements per parallel task of the register machine.
const TASK: usize = 1 << 14;

/// One input of the register machine.
#[derive(Clone, Copy)]
enum Lane<'a, T> {
    /// Row-contiguous: the program's logical elements in order.
    Slice(&'a [T]),
    /// Broadcast scalar.
    Scalar(T),
}

/// True when the register machine runs `expr` in dtype `T`.
fn machine_runs<T: FloatMath>(expr: &FusedExpr, call: &OpCall<'_>) -> bool {
    expr.ops.iter().all(|op| match op {
        FusedOp::Input(i) => call.inputs.get(*i as usize).is_some_and(|d| {
            let l = &d.layout;
            d.dtype == T::DTYPE && (l.is_row_contiguous() || l.strides().iter().all(|&s| s == 0))
        }),
        FusedOp::Apply { prim, args, dtype } => {
            // every register holds T: inputs are checked above, and each
            // instruction's result dtype here
            *dtype == T::DTYPE
                && !args.is_empty()
                && match prim {
                    Primitive::Unary(u) => {
                        macro_rules! yes {
                            ($f:expr, $g:expr) => {
                                true
                            };
                        }
                        float_unary_fns!(*u, yes, false)
                    }
                    Primitive::Binary(b) => {
                        macro_rules! yes {
                            ($f:expr) => {
                                true
                            };
                        }
                        arith_fns!(*b, T, yes, false)
                    }
                    _ => false,
                }
        }
    })
}

/// Runs `expr` on the register machine when it can; false when it cannot
/// (the caller then uses the chunk-wise kernel path).
fn blocks<T: FloatMath>(
    expr: &FusedExpr,
    call: &OpCall<'_>,
    out: &mut HostBuffer,
) -> Result<bool, BackendError> {
    if expr.ops.is_empty() || !machine_runs::<T>(expr, call) {
        return Ok(false);
    }
    let n = out.len();
    let mut lanes: SmallVec<[Lane<'_, T>; 4]> = SmallVec::new();
    for d in call.inputs {
        let src = host_slice::<T>(d)?;
        let o = d.layout.offset();
        lanes.push(if d.layout.strides().iter().all(|&s| s == 0) {
            Lane::Scalar(
                *src.get(o)
                    .ok_or_else(|| failed("fused input out of bounds"))?,
            )
        } else {
            Lane::Slice(
                src.get(o..o + n)
                    .ok_or_else(|| failed("fused input shorter than the output"))?,
            )
        });
    }
    let stream = n * std::mem::size_of::<T>() >= STREAMING_BYTES;
    // elements ahead of the block being computed that are prefetched
    let ahead = PREFETCH_BYTES / std::mem::size_of::<T>();
    let dst = out.as_mut_slice::<T>().map_err(internal)?;
    let task = |(ti, d): (usize, &mut [T])| {
        let mut regs = vec![[T::zero(); BLOCK]; expr.ops.len()];
        // broadcast scalars fill their register once per task
        for (k, op) in expr.ops.iter().enumerate() {
            if let FusedOp::Input(i) = op {
                if let Lane::Scalar(v) = lanes[*i as usize] {
                    regs[k].fill(v);
                }
            }
        }
        // one dispatch per task: every block's loops run in the widest
        // instruction set, with no call per instruction and block
        vectorized(
            #[inline(always)]
            || {
                if stream {
                    // the result lands in a spare register, then streams out
                    let mut tmp = [T::zero(); BLOCK];
                    for (b, db) in d.chunks_mut(BLOCK).enumerate() {
                        let t = &mut tmp[..db.len()];
                        let start = ti * TASK + b * BLOCK;
                        // the inputs' streams, a few pages ahead: the
                        // hardware prefetcher alone falls behind while the
                        // block computes
                        for l in lanes.iter() {
                            if let Lane::Slice(s) = l {
                                let a = (start + ahead).min(s.len());
                                prefetch(&s[a..(a + BLOCK).min(s.len())]);
                            }
                        }
                        run_block(expr, &lanes, start, t, &mut regs);
                        copy_streaming(t, db);
                    }
                    store_fence();
                } else {
                    for (b, db) in d.chunks_mut(BLOCK).enumerate() {
                        run_block(expr, &lanes, ti * TASK + b * BLOCK, db, &mut regs);
                    }
                }
            },
        )
    };
    if n > PARALLEL_THRESHOLD {
        dst.par_chunks_mut(TASK).enumerate().for_each(task);
    } else {
        dst.chunks_mut(TASK).enumerate().for_each(task);
    }
    Ok(true)
}

/// One block: every instruction over `dst.len()` lanes, the last one
/// written into `dst`. Inputs are read in place (plain vector loads keep the
/// hardware prefetcher streaming); only scalars live in registers.
#[inline(always)]
fn run_block<T: FloatMath>(
    expr: &FusedExpr,
    lanes: &[Lane<'_, T>],
    start: usize,
    dst: &mut [T],
    regs: &mut [[T; BLOCK]],
) {
    let len = dst.len();
    let last = expr.ops.len() - 1;
    for (k, op) in expr.ops.iter().enumerate() {
        let (done, rest) = regs.split_at_mut(k);
        let arg = |i: u32| -> &[T] {
            match expr.ops[i as usize] {
                FusedOp::Input(j) => match lanes[j as usize] {
                    Lane::Slice(s) => &s[start..start + len],
                    Lane::Scalar(_) => &done[i as usize][..len],
                },
                FusedOp::Apply { .. } => &done[i as usize][..len],
            }
        };
        let out: &mut [T] = if k == last {
            &mut *dst
        } else {
            &mut rest[0][..len]
        };
        match op {
            FusedOp::Input(i) if k == last => match lanes[*i as usize] {
                Lane::Slice(s) => out.copy_from_slice(&s[start..start + len]),
                Lane::Scalar(v) => out.fill(v),
            },
            FusedOp::Input(_) => {}
            FusedOp::Apply {
                prim: Primitive::Unary(u),
                args,
                ..
            } => unary_lanes(*u, arg(args[0]), out),
            FusedOp::Apply {
                prim: Primitive::Binary(b),
                args,
                ..
            } => binary_lanes(
                *b,
                arg(args[0]),
                arg(args.get(1).copied().unwrap_or(args[0])),
                out,
            ),
            // `machine_runs` admits no other instruction
            FusedOp::Apply { .. } => {}
        }
    }
}

#[inline(always)]
fn unary_lanes<T: FloatMath>(op: UnaryOp, x: &[T], out: &mut [T]) {
    macro_rules! m {
        ($f:expr, $g:expr) => {
            out.iter_mut().zip(x).for_each(|(o, &a)| *o = a.map($f, $g))
        };
    }
    float_unary_fns!(op, m, ())
}

#[inline(always)]
fn binary_lanes<T: FloatMath>(op: BinaryOp, x: &[T], y: &[T], out: &mut [T]) {
    macro_rules! m {
        ($f:expr) => {{
            let f = $f;
            out.iter_mut()
                .zip(x.iter().zip(y))
                .for_each(|(o, (&a, &b))| *o = f(a, b))
        }};
    }
    arith_fns!(op, T, m, ())
}
