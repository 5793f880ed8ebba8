//! Gathers and scatters along one axis, and `searchsorted`.
//!
//! Inputs are seen as `[pre, n, post]` row-major data (gathered first when
//! strided). Indices of any integer dtype are read once into `usize`
//! offsets (negative ones wrapped, out-of-range ones an error, since MLX
//! leaves them undefined). `take` copies whole `post`-element runs per
//! index; large work is split over threads.

use crate::num::Num;
use crate::strided::{contiguous, output};
use crate::{failed, internal, unsupported, KResult, PARALLEL_THRESHOLD};
use mlx_core::backend::BackendError;
use mlx_core::{ArrayData, HostBuffer, OpCall, ScatterOp};
use rayon::prelude::*;

/// The indices of `d` in row-major order as offsets into an axis of `n`.
fn offsets(d: &ArrayData, n: usize) -> Result<Vec<usize>, BackendError> {
    if !d.dtype.is_integer() {
        return Err(failed(format!("indices have dtype {}", d.dtype)));
    }
    mlx_core::dispatch_dtype!(d.dtype, I => {
        let src = contiguous::<I>(d)?;
        let mut out = vec![0usize; src.len()];
        // converts one chunk; returns the first invalid index, if any
        let chunk = |(o, s): (&mut [usize], &[I])| -> Option<i64> {
            let mut bad = None;
            for (o, &v) in o.iter_mut().zip(s) {
                let i = v.to_i64();
                let j = if i < 0 { i + n as i64 } else { i };
                if j < 0 || j >= n as i64 {
                    bad = Some(i);
                } else {
                    *o = j as usize;
                }
            }
            bad
        };
        const CHUNK: usize = 1 << 14;
        let bad = if src.len() > PARALLEL_THRESHOLD {
            out.par_chunks_mut(CHUNK)
                .zip(src.par_chunks(CHUNK))
                .map(chunk)
                .find_any(Option::is_some)
                .flatten()
        } else {
            out.chunks_mut(CHUNK)
                .zip(src.chunks(CHUNK))
                .map(chunk)
                .find(Option::is_some)
                .flatten()
        };
        match bad {
            Some(i) => Err(failed(format!(
                "index {i} is out of range for an axis of size {n}"
            ))),
            None => Ok(out),
        }
    })
}

/// `(pre, post)` of a shape around `axis`.
fn around(shape: &[usize], axis: usize) -> (usize, usize) {
    (
        shape[..axis].iter().product(),
        shape[axis + 1..].iter().product(),
    )
}

/// `Gather { axis }` (`take`).
pub fn gather(axis: usize, call: &OpCall<'_>) -> KResult {
    let x = &call.inputs[0];
    mlx_core::dispatch_dtype!(x.dtype, T => gather_typed::<T>(axis, call))
}

fn gather_typed<T: Num>(axis: usize, call: &OpCall<'_>) -> KResult {
    let x = &call.inputs[0];
    let shape = x.layout.shape();
    let n = shape[axis];
    let (pre, post) = around(shape, axis);
    let idx = offsets(&call.inputs[1], n)?;
    let m = idx.len();
    let data = contiguous::<T>(x)?;
    let data: &[T] = &data;
    let total = pre * m * post;
    let mut buf = HostBuffer::alloc(T::DTYPE, total);
    let out = buf.as_mut_slice::<T>().map_err(internal)?;
    if total == 0 {
        return Ok(output(buf, call.shape));
    }
    if post == 1 {
        // one element per index: rows of m outputs
        let row = |(p, o): (usize, &mut [T])| {
            let src = &data[p * n..(p + 1) * n];
            o.iter_mut().zip(&idx).for_each(|(o, &i)| *o = src[i]);
        };
        if total > PARALLEL_THRESHOLD && pre == 1 {
            out.par_chunks_mut(1 << 14)
                .zip(idx.par_chunks(1 << 14))
                .for_each(|(o, ix)| o.iter_mut().zip(ix).for_each(|(o, &i)| *o = data[i]));
        } else if total > PARALLEL_THRESHOLD {
            out.par_chunks_mut(m).enumerate().for_each(row);
        } else {
            out.chunks_mut(m).enumerate().for_each(row);
        }
    } else {
        let run = |(k, o): (usize, &mut [T])| {
            let (p, i) = (k / m, k % m);
            let s = (p * n + idx[i]) * post;
            o.copy_from_slice(&data[s..s + post]);
        };
        if total > PARALLEL_THRESHOLD {
            out.par_chunks_mut(post).enumerate().for_each(run);
        } else {
            out.chunks_mut(post).enumerate().for_each(run);
        }
    }
    Ok(output(buf, call.shape))
}

/// `GatherAxis { axis }` (`take_along_axis`).
pub fn gather_axis(axis: usize, call: &OpCall<'_>) -> KResult {
    let x = &call.inputs[0];
    mlx_core::dispatch_dtype!(x.dtype, T => gather_axis_typed::<T>(axis, call))
}

fn gather_axis_typed<T: Num>(axis: usize, call: &OpCall<'_>) -> KResult {
    let x = &call.inputs[0];
    let n = x.layout.shape()[axis];
    let (_, post) = around(call.shape, axis);
    let m = call.shape[axis];
    let idx = offsets(&call.inputs[1], n)?;
    let data = contiguous::<T>(x)?;
    let data: &[T] = &data;
    let total = idx.len();
    let mut buf = HostBuffer::alloc(T::DTYPE, total);
    let out = buf.as_mut_slice::<T>().map_err(internal)?;
    let one = |(k, o): (usize, &mut T)| {
        let p = k / (m * post);
        let q = k % post;
        *o = data[(p * n + idx[k]) * post + q];
    };
    if total > PARALLEL_THRESHOLD {
        out.par_iter_mut().enumerate().for_each(one);
    } else {
        out.iter_mut().enumerate().for_each(one);
    }
    Ok(output(buf, call.shape))
}

/// `ScatterAxis { op, axis }` (`put_along_axis`, `scatter_add_axis`).
pub fn scatter_axis(op: ScatterOp, axis: usize, call: &OpCall<'_>) -> KResult {
    let x = &call.inputs[0];
    if call.inputs[2].dtype != x.dtype {
        return Err(unsupported(
            call.primitive,
            "updates and array dtypes differ",
        ));
    }
    mlx_core::dispatch_dtype!(x.dtype, T => scatter_axis_typed::<T>(op, axis, call))
}

fn scatter_axis_typed<T: Num>(op: ScatterOp, axis: usize, call: &OpCall<'_>) -> KResult {
    let x = &call.inputs[0];
    let n = call.shape[axis];
    let (pre, post) = around(call.shape, axis);
    let ishape = call.inputs[1].layout.shape();
    let m = ishape[axis];
    let idx = offsets(&call.inputs[1], n)?;
    let upd = contiguous::<T>(&call.inputs[2])?;
    let upd: &[T] = &upd;
    let mut buf = HostBuffer::alloc(T::DTYPE, pre * n * post);
    let out = buf.as_mut_slice::<T>().map_err(internal)?;
    out.copy_from_slice(&contiguous::<T>(x)?);
    if out.is_empty() {
        return Ok(output(buf, call.shape));
    }
    // one block of the output per `p`; updates land in index order
    let block = |(p, o): (usize, &mut [T])| {
        for i in 0..m {
            for q in 0..post {
                let k = (p * m + i) * post + q;
                let dst = &mut o[idx[k] * post + q];
                *dst = match op {
                    ScatterOp::Assign => upd[k],
                    ScatterOp::Add => dst.add(upd[k]),
                };
            }
        }
    };
    if pre > 1 && pre * m * post > PARALLEL_THRESHOLD {
        out.par_chunks_mut(n * post).enumerate().for_each(block);
    } else {
        out.chunks_mut(n * post).enumerate().for_each(block);
    }
    Ok(output(buf, call.shape))
}

/// MLX's NaN-aware `<`: NaN sorts after everything.
#[inline(always)]
pub(crate) fn nan_less<T: Num>(a: T, b: T) -> bool {
    if a.is_nan() {
        return false;
    }
    if b.is_nan() {
        return true;
    }
    a.lt(b)
}

/// `SearchSorted { right }`.
pub fn searchsorted(right: bool, call: &OpCall<'_>) -> KResult {
    let a = &call.inputs[0];
    mlx_core::dispatch_dtype!(a.dtype, T => searchsorted_typed::<T>(right, call))
}

fn searchsorted_typed<T: Num>(right: bool, call: &OpCall<'_>) -> KResult {
    let a = contiguous::<T>(&call.inputs[0])?;
    let a: &[T] = &a;
    let v = contiguous::<T>(&call.inputs[1])?;
    let mut buf = HostBuffer::alloc(mlx_core::Dtype::Uint32, v.len());
    let out = buf.as_mut_slice::<u32>().map_err(internal)?;
    let bound = |x: T| -> u32 {
        let (mut lo, mut hi) = (0usize, a.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let below = if right {
                !nan_less(x, a[mid])
            } else {
                nan_less(a[mid], x)
            };
            if below {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo as u32
    };
    if v.len() > PARALLEL_THRESHOLD {
        out.par_iter_mut()
            .zip(v.par_iter())
            .for_each(|(o, &x)| *o = bound(x));
    } else {
        out.iter_mut()
            .zip(v.iter())
            .for_each(|(o, &x)| *o = bound(x));
    }
    Ok(output(buf, call.shape))
}
