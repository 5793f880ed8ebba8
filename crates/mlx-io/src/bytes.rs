//! Moving tensor elements to and from little-endian bytes.

use crate::error::{Ctx, Result};
use mlx_core::{host_buffer, Bool8, Dtype, ExternalBytes, HostBuffer, Native};
use mlx_ops::Tensor;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// Bytes held in memory, shareable as the storage of loaded arrays (what
/// the in-memory readers borrow from).
///
/// ```
/// use mlx_core::ExternalBytes;
/// let b = mlx_io::OwnedBytes::new(vec![1, 2, 3]);
/// assert_eq!(b.bytes(), &[1, 2, 3]);
/// ```
pub struct OwnedBytes(Vec<u8>);

impl OwnedBytes {
    /// Wraps a byte vector.
    pub fn new(bytes: Vec<u8>) -> OwnedBytes {
        OwnedBytes(bytes)
    }
}

impl fmt::Debug for OwnedBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OwnedBytes({} bytes)", self.0.len())
    }
}

impl ExternalBytes for OwnedBytes {
    fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Number of elements of a shape, `None` on overflow.
pub(crate) fn checked_numel(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
}

/// True when every stride of a row-major layout of `shape` (in bytes, for
/// elements of up to 16 bytes) fits in `isize`, even if a zero dimension
/// makes the array empty.
pub(crate) fn addressable(shape: &[usize]) -> bool {
    shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .is_some_and(|n| n <= isize::MAX as usize / 16)
}

/// The unit whose bytes a byte-order swap reverses: the element, or each
/// `f32` half of a complex number.
fn swap_unit(dtype: Dtype) -> usize {
    match dtype {
        Dtype::Complex64 => 4,
        d => d.size_of(),
    }
}

/// Reverses the byte order of every element in place.
pub(crate) fn swap_bytes(bytes: &mut [u8], dtype: Dtype) {
    let unit = swap_unit(dtype);
    if unit > 1 {
        bytes.chunks_exact_mut(unit).for_each(|c| c.reverse());
    }
}

/// A tensor of `dtype` and `shape` over `owner[start..start + nbytes]`.
///
/// Borrows the bytes without copying when they are little-endian on a
/// little-endian host, aligned for the dtype and not `bool` (whose bytes are
/// normalised to 0/1); copies otherwise. `big_endian` data is byte swapped.
/// The caller has checked that the range holds exactly the elements.
pub(crate) fn tensor_from_bytes(
    ctx: &Ctx,
    key: &str,
    dtype: Dtype,
    shape: &[usize],
    owner: &Arc<dyn ExternalBytes>,
    start: usize,
    big_endian: bool,
) -> Result<Tensor> {
    let len = checked_numel(shape).unwrap_or(0);
    let native_order = big_endian == cfg!(target_endian = "big");
    if native_order && dtype != Dtype::Bool {
        if let Ok(b) = HostBuffer::from_external(dtype, len, owner.clone(), start) {
            return mlx_core::Array::from_host(b, shape)
                .map(Tensor::from_array)
                .map_err(|e| ctx.tensor(key, e));
        }
    }
    let nbytes = len * dtype.size_of();
    let src = &owner.bytes()[start..start + nbytes];
    let mut buf = HostBuffer::alloc(dtype, len);
    mlx_core::dispatch_dtype!(dtype, T => {
        let dst = buf.as_mut_slice::<T>().map_err(|e| ctx.tensor(key, e))?;
        let dst: &mut [u8] = bytemuck::cast_slice_mut(dst);
        dst.copy_from_slice(src);
        if !native_order {
            swap_bytes(dst, dtype);
        }
    });
    if dtype == Dtype::Bool {
        for b in buf
            .as_mut_slice::<Bool8>()
            .map_err(|e| ctx.tensor(key, e))?
        {
            *b = Bool8::from(b.0 != 0);
        }
    }
    mlx_core::Array::from_host(buf, shape)
        .map(Tensor::from_array)
        .map_err(|e| ctx.tensor(key, e))
}

/// Evaluates `t` and returns its elements in row-major order as
/// little-endian bytes (borrowed when the value is already laid out so).
pub(crate) fn tensor_bytes<'a>(
    ctx: &Ctx,
    key: &str,
    t: &Tensor,
    keep: &'a mut Option<mlx_core::Buffer>,
) -> Result<Cow<'a, [u8]>> {
    let err = |e| ctx.tensor(key, e);
    let data = t.data().map_err(err)?;
    let buffer = host_buffer(&data.buffer).map_err(err)?;
    let host = buffer.as_host().ok_or_else(|| {
        err(mlx_core::Error::invalid(
            ctx.op,
            "buffer is not host memory",
        ))
    })?;
    let size = data.dtype.size_of();
    let n = data.layout.numel();
    let contiguous = data.layout.is_row_contiguous() && data.dtype == host.dtype();
    let mut out: Cow<'a, [u8]> = if contiguous {
        let off = data.layout.offset() * size;
        let buffer = keep.insert(buffer.clone());
        let host = buffer.as_host().expect("checked above to be host memory");
        Cow::Borrowed(&host.bytes()[off..off + n * size])
    } else {
        Cow::Owned(mlx_core::dispatch_dtype!(data.dtype, T => {
            gather_bytes::<T>(host.bytes(), &data.layout).map_err(err)?
        }))
    };
    if cfg!(target_endian = "big") {
        swap_bytes(out.to_mut(), data.dtype);
    }
    Ok(out)
}

fn gather_bytes<T: Native>(bytes: &[u8], layout: &mlx_core::Layout) -> mlx_core::Result<Vec<u8>> {
    let src: &[T] = bytemuck::try_cast_slice(bytes)
        .map_err(|e| mlx_core::Error::invalid("save", format!("buffer view: {e}")))?;
    let elems = mlx_core::gather(src, layout);
    Ok(bytemuck::cast_slice(&elems).to_vec())
}
