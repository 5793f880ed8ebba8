//! Data-moving shape ops: concatenate, constant pad and dtype views.

use crate::strided::{contiguous, output};
use crate::{internal, KResult};
use mlx_core::{dispatch_dtype, FromScalar, HostBuffer, OpCall, Scalar};

/// Joins the inputs along `axis`.
pub fn concatenate(axis: usize, call: &OpCall<'_>) -> KResult {
    dispatch_dtype!(call.dtype, T => {
        let pre: usize = call.shape[..axis].iter().product();
        let post: usize = call.shape[axis + 1..].iter().product();
        let total: usize = call.shape.iter().product();
        let mut buf = HostBuffer::alloc(call.dtype, total);
        let out = buf.as_mut_slice::<T>().map_err(internal)?;
        let row = call.shape[axis] * post;
        let mut col = 0;
        for inp in call.inputs {
            let data = contiguous::<T>(inp)?;
            let w = inp.layout.shape()[axis] * post;
            for p in 0..pre {
                out[p * row + col..p * row + col + w].copy_from_slice(&data[p * w..(p + 1) * w]);
            }
            col += w;
        }
        Ok(output(buf, call.shape))
    })
}

/// Pads with `value`: `low[i]` elements before each axis; the output shape
/// gives the rest.
pub fn pad(low: &[usize], value: Scalar, call: &OpCall<'_>) -> KResult {
    dispatch_dtype!(call.dtype, T => {
        let x = &call.inputs[0];
        let data = contiguous::<T>(x)?;
        let total: usize = call.shape.iter().product();
        let mut buf = HostBuffer::alloc(call.dtype, total);
        let out = buf.as_mut_slice::<T>().map_err(internal)?;
        out.fill(<T as FromScalar>::from_scalar(value));
        let in_shape = x.layout.shape();
        let nd = in_shape.len();
        if data.is_empty() || nd == 0 {
            if nd == 0 && !data.is_empty() {
                out[0] = data[0];
            }
            return Ok(output(buf, call.shape));
        }
        let ostr = mlx_core::shape::row_major_strides(call.shape);
        let inner = in_shape[nd - 1];
        let mut idx = vec![0usize; nd];
        for r in 0..data.len() / inner {
            let off: isize = (0..nd).map(|d| (idx[d] + low[d]) as isize * ostr[d]).sum();
            let off = off as usize;
            out[off..off + inner].copy_from_slice(&data[r * inner..(r + 1) * inner]);
            // next row
            let mut d = nd - 1;
            while d > 0 {
                d -= 1;
                idx[d] += 1;
                if idx[d] < in_shape[d] {
                    break;
                }
                idx[d] = 0;
            }
        }
        Ok(output(buf, call.shape))
    })
}

/// Reinterprets the input's bytes (row-major) as the output dtype.
pub fn view(call: &OpCall<'_>) -> KResult {
    let x = &call.inputs[0];
    dispatch_dtype!(x.dtype, T => {
        let data = contiguous::<T>(x)?;
        let bytes: &[u8] = bytemuck::cast_slice(&data);
        dispatch_dtype!(call.dtype, U => {
            let total: usize = call.shape.iter().product();
            if total * std::mem::size_of::<U>() != bytes.len() {
                return Err(crate::failed(format!(
                    "view: {} input bytes do not fill {total} output elements",
                    bytes.len()
                )));
            }
            let mut buf = HostBuffer::alloc(call.dtype, total);
            let out = buf.as_mut_slice::<U>().map_err(internal)?;
            bytemuck::cast_slice_mut::<U, u8>(out).copy_from_slice(bytes);
            Ok(output(buf, call.shape))
        })
    })
}
