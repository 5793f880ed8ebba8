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
