//! Walking the element offsets of a strided layout.

use crate::Layout;

/// Calls `f` with the buffer offset of every element of `layout`, in
/// row-major order of the logical index.
///
/// ```
/// use mlx_core::{layout_iter::for_each_offset, Layout};
/// let t = Layout::contiguous(&[2, 3]).transpose(&[1, 0]);
/// let mut v = vec![];
/// for_each_offset(&t, |o| v.push(o));
/// assert_eq!(v, vec![0, 3, 1, 4, 2, 5]);
/// ```
pub fn for_each_offset(layout: &Layout, mut f: impl FnMut(usize)) {
    let shape = layout.shape();
    let strides = layout.strides();
    if layout.numel() == 0 {
        return;
    }
    let nd = shape.len();
    if nd == 0 {
        f(layout.offset());
        return;
    }
    let mut idx = vec![0usize; nd];
    let mut off = layout.offset() as isize;
    let inner = shape[nd - 1];
    let inner_stride = strides[nd - 1];
    loop {
        let mut o = off;
        for _ in 0..inner {
            f(o as usize);
            o += inner_stride;
        }
        // advance the outer index
        let mut d = nd - 1;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            idx[d] += 1;
            off += strides[d];
            if idx[d] < shape[d] {
                break;
            }
            off -= strides[d] * shape[d] as isize;
            idx[d] = 0;
        }
    }
}
