//! Strided layouts: how a view addresses the elements of a buffer.
//!
//! Reshape of contiguous data, transpose, broadcast, slicing and
//! expand/squeeze only ever produce a new [`Layout`] over the same buffer.

use crate::shape::numel;
use smallvec::SmallVec;

/// Dimensions stored inline up to rank 4, so cloning the layout of a typical
/// array allocates nothing (layouts are cloned on every dispatch).
type Dims<T> = SmallVec<[T; 4]>;

fn row_major(shape: &[usize]) -> Dims<isize> {
    let mut strides: Dims<isize> = smallvec::smallvec![0; shape.len()];
    let mut acc = 1isize;
    for i in (0..shape.len()).rev() {
        strides[i] = acc;
        acc *= shape[i].max(1) as isize;
    }
    strides
}

/// Shape, per-dimension strides (in elements, possibly 0 or negative) and an
/// offset (in elements) into a buffer.
///
/// ```
/// use mlx_core::Layout;
/// let l = Layout::contiguous(&[2, 3]);
/// let t = l.transpose(&[1, 0]);
/// assert_eq!(t.shape(), &[3, 2]);
/// assert_eq!(t.strides(), &[1, 3]);
/// assert!(!t.is_row_contiguous());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    shape: Dims<usize>,
    strides: Dims<isize>,
    offset: usize,
}

impl Layout {
    /// A row-major contiguous layout at offset 0.
    pub fn contiguous(shape: &[usize]) -> Layout {
        Layout {
            shape: Dims::from_slice(shape),
            strides: row_major(shape),
            offset: 0,
        }
    }

    /// A layout from raw parts. The caller guarantees every addressed element
    /// lies inside the buffer it will be used with.
    pub fn from_parts(shape: Vec<usize>, strides: Vec<isize>, offset: usize) -> Layout {
        debug_assert_eq!(shape.len(), strides.len());
        Layout {
            shape: Dims::from_vec(shape),
            strides: Dims::from_vec(strides),
            offset,
        }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The strides, in elements.
    pub fn strides(&self) -> &[isize] {
        &self.strides
    }

    /// The offset of element `[0, 0, ...]`, in elements.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        numel(&self.shape)
    }

    /// True when the elements are laid out densely in row-major order
    /// (dimensions of size 1 may have any stride).
    pub fn is_row_contiguous(&self) -> bool {
        let mut expected = 1isize;
        for (&d, &s) in self.shape.iter().zip(&self.strides).rev() {
            if d == 0 {
                return true;
            }
            if d != 1 && s != expected {
                return false;
            }
            expected *= d as isize;
        }
        true
    }

    /// The range `[lo, hi)` of element indices this layout may touch
    /// (empty for an empty array).
    pub fn span(&self) -> (usize, usize) {
        if self.numel() == 0 {
            return (self.offset, self.offset);
        }
        let (mut lo, mut hi) = (self.offset as isize, self.offset as isize);
        for (&d, &s) in self.shape.iter().zip(&self.strides) {
            let ext = (d as isize - 1) * s;
            if ext < 0 {
                lo += ext;
            } else {
                hi += ext;
            }
        }
        (lo as usize, hi as usize + 1)
    }

    /// Permutes the dimensions (a view).
    pub fn transpose(&self, perm: &[usize]) -> Layout {
        Layout {
            shape: perm.iter().map(|&p| self.shape[p]).collect(),
            strides: perm.iter().map(|&p| self.strides[p]).collect(),
            offset: self.offset,
        }
    }

    /// Broadcasts to `shape` (a view: broadcast dimensions get stride 0).
    /// The caller has checked that the shapes broadcast.
    pub fn broadcast_to(&self, shape: &[usize]) -> Layout {
        let extra = shape.len() - self.shape.len();
        let mut strides: Dims<isize> = smallvec::smallvec![0; shape.len()];
        for i in 0..self.shape.len() {
            strides[extra + i] = if self.shape[i] == shape[extra + i] {
                self.strides[i]
            } else {
                0
            };
        }
        Layout {
            shape: Dims::from_slice(shape),
            strides,
            offset: self.offset,
        }
    }

    /// Strided slice: `start[i] + k * step[i]` for `k` in `0..shape[i]`
    /// (a view). `out_shape` is the slice's length per dimension.
    pub fn slice(&self, start: &[i64], step: &[i64], out_shape: &[usize]) -> Layout {
        let mut offset = self.offset as isize;
        let mut strides = Dims::with_capacity(self.ndim());
        for i in 0..self.ndim() {
            if out_shape[i] > 0 {
                offset += start[i] as isize * self.strides[i];
            }
            strides.push(self.strides[i] * step[i] as isize);
        }
        Layout {
            shape: Dims::from_slice(out_shape),
            strides,
            offset: offset.max(0) as usize,
        }
    }

    /// Reshapes without copying when the data is row-contiguous; `None` when
    /// a copy is needed first.
    pub fn reshape(&self, shape: &[usize]) -> Option<Layout> {
        if self.is_row_contiguous() {
            Some(Layout {
                shape: Dims::from_slice(shape),
                strides: row_major(shape),
                offset: self.offset,
            })
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_gives_zero_strides() {
        let l = Layout::contiguous(&[3, 1]).broadcast_to(&[2, 3, 4]);
        assert_eq!(l.strides(), &[0, 1, 0]);
        assert!(!l.is_row_contiguous());
    }

    #[test]
    fn slice_and_span() {
        let l = Layout::contiguous(&[4, 5]);
        let s = l.slice(&[1, 4], &[2, -1], &[2, 3]);
        assert_eq!(s.offset(), 9);
        assert_eq!(s.strides(), &[10, -1]);
        assert_eq!(s.span(), (7, 20));
    }

    #[test]
    fn reshape_of_transposed_needs_copy() {
        let l = Layout::contiguous(&[2, 3]);
        assert!(l.reshape(&[3, 2]).is_some());
        assert!(l.transpose(&[1, 0]).reshape(&[6]).is_none());
    }
}
