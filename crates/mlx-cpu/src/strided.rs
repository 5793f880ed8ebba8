//! Reading strided inputs: contiguous fast paths and the general walk.

use crate::{internal, KResult};
use mlx_core::{
    dispatch_dtype, layout_iter::for_each_offset, ArrayData, Buffer, HostBuffer, Native, OpCall,
};
use std::borrow::Cow;

/// The host slice behind an input (the backend checked it is host memory).
pub fn host_slice<T: Native>(d: &ArrayData) -> Result<&[T], mlx_core::backend::BackendError> {
    d.buffer
        .as_host()
        .ok_or_else(|| crate::failed("input is not in host memory"))?
        .as_slice::<T>()
        .map_err(internal)
}

/// The elements of `d` in row-major order: borrowed when already
/// row-contiguous, gathered otherwise.
pub fn contiguous<T: Native>(
    d: &ArrayData,
) -> Result<Cow<'_, [T]>, mlx_core::backend::BackendError> {
    let src = host_slice::<T>(d)?;
    let l = &d.layout;
    if l.is_row_contiguous() {
        let o = l.offset();
        return Ok(Cow::Borrowed(&src[o..o + l.numel()]));
    }
    let mut out = Vec::with_capacity(l.numel());
    for_each_offset(l, |o| out.push(src[o]));
    Ok(Cow::Owned(out))
}

/// Writes a freshly filled buffer as the contiguous output of a call.
pub fn output(buf: HostBuffer, shape: &[usize]) -> ArrayData {
    ArrayData::contiguous(Buffer::new(buf), shape)
}

/// The `Copy` primitive: a row-contiguous copy of a strided input.
pub fn copy(call: &OpCall<'_>) -> KResult {
    let d = &call.inputs[0];
    dispatch_dtype!(d.dtype, T => {
        let src = contiguous::<T>(d)?;
        let mut buf = HostBuffer::alloc(d.dtype, src.len());
        buf.as_mut_slice::<T>().map_err(internal)?.copy_from_slice(&src);
        Ok(output(buf, call.shape))
    })
}

/// Copies the logical elements `start..start + dst.len()` of a strided
/// layout, in row-major order.
pub fn gather_range<T: Copy>(src: &[T], l: &mlx_core::Layout, start: usize, dst: &mut [T]) {
    let shape = l.shape();
    let strides = l.strides();
    let nd = shape.len();
    if dst.is_empty() {
        // nothing to copy (and an empty shape has a zero extent to divide by)
        return;
    }
    if nd == 0 {
        dst.fill(src[l.offset()]);
        return;
    }
    let mut idx = vec![0usize; nd];
    let mut rem = start;
    let mut off = l.offset() as isize;
    for d in (0..nd).rev() {
        idx[d] = rem % shape[d];
        rem /= shape[d];
        off += idx[d] as isize * strides[d];
    }
    let (inner, inner_stride) = (shape[nd - 1], strides[nd - 1]);
    let mut k = 0;
    while k < dst.len() {
        // run along the innermost axis
        let run = (inner - idx[nd - 1]).min(dst.len() - k);
        let mut o = off;
        for v in &mut dst[k..k + run] {
            *v = src[o as usize];
            o += inner_stride;
        }
        k += run;
        off += inner_stride * run as isize;
        idx[nd - 1] += run;
        let mut d = nd - 1;
        while idx[d] == shape[d] && d > 0 {
            off -= strides[d] * shape[d] as isize;
            idx[d] = 0;
            d -= 1;
            idx[d] += 1;
            off += strides[d];
        }
    }
}
