//! Shape arithmetic: broadcasting, axis normalisation, row-major strides.

use crate::{Error, Result};

/// Number of elements of a shape (1 for a 0-d shape).
///
/// ```
/// assert_eq!(mlx_core::shape::numel(&[2, 3, 4]), 24);
/// assert_eq!(mlx_core::shape::numel(&[]), 1);
/// ```
pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// NumPy/MLX broadcasting of two shapes.
///
/// ```
/// use mlx_core::shape::broadcast_shapes;
/// assert_eq!(broadcast_shapes("add", &[3, 1], &[4]).unwrap(), vec![3, 4]);
/// assert!(broadcast_shapes("add", &[3], &[4]).is_err());
/// ```
pub fn broadcast_shapes(op: &'static str, a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i < n - a.len() {
            1
        } else {
            a[i - (n - a.len())]
        };
        let db = if i < n - b.len() {
            1
        } else {
            b[i - (n - b.len())]
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(Error::Broadcast {
                op,
                lhs: a.to_vec(),
                rhs: b.to_vec(),
            });
        };
    }
    Ok(out)
}

/// Normalises a possibly negative axis into `[0, ndim)`.
///
/// ```
/// use mlx_core::shape::normalize_axis;
/// assert_eq!(normalize_axis("sum", -1, 3).unwrap(), 2);
/// assert!(normalize_axis("sum", 3, 3).is_err());
/// ```
pub fn normalize_axis(op: &'static str, axis: i64, ndim: usize) -> Result<usize> {
    let n = ndim as i64;
    if axis < -n || axis >= n {
        return Err(Error::Axis { op, axis, ndim });
    }
    Ok(if axis < 0 { axis + n } else { axis } as usize)
}

/// Normalises a list of axes, rejecting duplicates; the result is sorted.
///
/// ```
/// use mlx_core::shape::normalize_axes;
/// assert_eq!(normalize_axes("sum", &[-1, 0], 3).unwrap(), vec![0, 2]);
/// assert!(normalize_axes("sum", &[1, -2], 3).is_err());
/// ```
pub fn normalize_axes(op: &'static str, axes: &[i64], ndim: usize) -> Result<Vec<usize>> {
    let mut out = Vec::with_capacity(axes.len());
    for &a in axes {
        let ax = normalize_axis(op, a, ndim)?;
        if out.contains(&ax) {
            return Err(Error::invalid(
                op,
                format!("axis {a} appears more than once"),
            ));
        }
        out.push(ax);
    }
    out.sort_unstable();
    Ok(out)
}

/// Row-major (C order) strides, in elements.
///
/// ```
/// assert_eq!(mlx_core::shape::row_major_strides(&[2, 3, 4]), vec![12, 4, 1]);
/// ```
pub fn row_major_strides(shape: &[usize]) -> Vec<isize> {
    let mut strides = vec![0isize; shape.len()];
    let mut acc = 1isize;
    for i in (0..shape.len()).rev() {
        strides[i] = acc;
        acc *= shape[i].max(1) as isize;
    }
    strides
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shape_strategy() -> impl Strategy<Value = Vec<usize>> {
        proptest::collection::vec(0usize..5, 0..5)
    }

    proptest! {
        #[test]
        fn broadcast_is_commutative(a in shape_strategy(), b in shape_strategy()) {
            let ab = broadcast_shapes("t", &a, &b);
            let ba = broadcast_shapes("t", &b, &a);
            prop_assert_eq!(ab.is_ok(), ba.is_ok());
            if let (Ok(x), Ok(y)) = (ab, ba) { prop_assert_eq!(x, y); }
        }

        #[test]
        fn broadcast_with_ones_is_identity(a in shape_strategy()) {
            let ones = vec![1; a.len()];
            prop_assert_eq!(broadcast_shapes("t", &a, &ones).unwrap(), a.clone());
            prop_assert_eq!(broadcast_shapes("t", &a, &[]).unwrap(), a);
        }

        #[test]
        fn broadcast_result_dims_match_rule(a in shape_strategy(), b in shape_strategy()) {
            if let Ok(out) = broadcast_shapes("t", &a, &b) {
                prop_assert_eq!(out.len(), a.len().max(b.len()));
                for (i, &d) in out.iter().rev().enumerate() {
                    let da = a.iter().rev().nth(i).copied().unwrap_or(1);
                    let db = b.iter().rev().nth(i).copied().unwrap_or(1);
                    prop_assert!(d == da || da == 1);
                    prop_assert!(d == db || db == 1);
                }
            }
        }
    }
}
