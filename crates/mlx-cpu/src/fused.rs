//! Fused elementwise programs: the output is produced chunk by chunk (a
//! chunk's temporaries stay in cache), each instruction running the ordinary
//! elementwise kernel on the chunk, so memory is read and written once.

use crate::strided::{gather_range, host_slice};
use crate::{failed, internal, CpuBackend, KResult, PARALLEL_THRESHOLD};
use mlx_core::backend::{Backend, BackendError};
use mlx_core::fusion::{FusedExpr, FusedOp};
use mlx_core::{dispatch_dtype, ArrayData, Buffer, HostBuffer, Layout, Native, OpCall};
use rayon::prelude::*;
use smallvec::SmallVec;

/// Elements per chunk: small enough that a program's registers stay in L2.
const CHUNK: usize = 8192;

/// Runs a fused program (see [`FusedExpr`]).
pub fn fused(expr: &FusedExpr, call: &OpCall<'_>) -> KResult {
    let n: usize = call.shape.iter().product();
    let mut out = HostBuffer::alloc(call.dtype, n);
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
