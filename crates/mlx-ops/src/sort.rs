//! Sorting: sort, argsort, partition, argpartition, topk, median.

use crate::reduce::at_least_float;
use crate::{concatenate, Axes, Operand, Tensor};
use mlx_core::shape::normalize_axis;
use mlx_core::{Dtype, Error, Primitive, Result};

impl Tensor {
    /// `(array, axis)` along `axis`, or over the flattened array for `None`.
    fn along(&self, name: &'static str, axis: Option<i64>) -> Result<(Tensor, usize)> {
        match axis {
            Some(a) => Ok((self.clone(), normalize_axis(name, a, self.ndim())?)),
            None => Ok((self.reshape(&[-1])?, 0)),
        }
    }

    /// A sorted copy along `axis`, or of the flattened array with `None`
    /// (`mx.sort`). NaN sorts last; equal elements keep their order.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[3.0f32, f32::NAN, 1.0, 2.0], &[2, 2])?;
    /// let s = t.sort(Some(-1))?.to_vec::<f32>()?;
    /// assert_eq!(s[0], 3.0);
    /// assert!(s[1].is_nan());
    /// assert_eq!(&s[2..], &[1.0, 2.0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn sort(&self, axis: Option<i64>) -> Result<Tensor> {
        let (x, axis) = self.along("sort", axis)?;
        Tensor::op(
            "sort",
            Primitive::Sort { axis },
            &[&x],
            x.shape().to_vec(),
            x.dtype(),
        )
    }

    /// The `uint32` indices that sort along `axis` (`mx.argsort`), stably
    /// and with NaN last.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[3i32, 1, 2, 1], &[4])?;
    /// assert_eq!(t.argsort(None)?.to_vec::<u32>()?, vec![1, 3, 2, 0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn argsort(&self, axis: Option<i64>) -> Result<Tensor> {
        let (x, axis) = self.along("argsort", axis)?;
        Tensor::op(
            "argsort",
            Primitive::ArgSort { axis },
            &[&x],
            x.shape().to_vec(),
            Dtype::Uint32,
        )
    }

    fn kth(name: &'static str, x: &Tensor, kth: i64, axis: usize) -> Result<usize> {
        let n = x.shape()[axis] as i64;
        let k = if kth < 0 { kth + n } else { kth };
        if k < 0 || k >= n {
            return Err(Error::shape(
                name,
                format!("invalid kth {kth} along axis {axis}"),
                vec![x.shape().to_vec()],
            ));
        }
        Ok(k as usize)
    }

    /// A copy partitioned along `axis` (`mx.partition`): the element at
    /// `kth` is where a sort would put it, smaller ones before it, larger
    /// ones after, in the order MLX's CPU backend leaves them.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[5i32, 1, 4, 2, 3], &[5])?;
    /// let p = t.partition(2, None)?.to_vec::<i32>()?;
    /// assert_eq!(p[2], 3);
    /// assert!(p[..2].iter().all(|&v| v < 3) && p[3..].iter().all(|&v| v > 3));
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn partition(&self, kth: i64, axis: Option<i64>) -> Result<Tensor> {
        let (x, axis) = self.along("partition", axis)?;
        let kth = Self::kth("partition", &x, kth, axis)?;
        Tensor::op(
            "partition",
            Primitive::Partition { axis, kth },
            &[&x],
            x.shape().to_vec(),
            x.dtype(),
        )
    }

    /// The `uint32` indices that partition along `axis`
    /// (`mx.argpartition`); see [`Tensor::partition`].
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[5i32, 1, 4], &[3])?;
    /// assert_eq!(t.argpartition(0, None)?.to_vec::<u32>()?, vec![1, 2, 0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn argpartition(&self, kth: i64, axis: Option<i64>) -> Result<Tensor> {
        let (x, axis) = self.along("argpartition", axis)?;
        let kth = Self::kth("argpartition", &x, kth, axis)?;
        Tensor::op(
            "argpartition",
            Primitive::ArgPartition { axis, kth },
            &[&x],
            x.shape().to_vec(),
            Dtype::Uint32,
        )
    }

    /// The `k` largest elements along `axis` (`mx.topk`), in MLX's
    /// (unsorted) order: the last `k` of a partition at `-k`.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[5i32, 1, 4, 2, 3, 9, 0], &[7])?;
    /// let mut v = t.topk(3, None)?.to_vec::<i32>()?;
    /// v.sort();
    /// assert_eq!(v, vec![4, 5, 9]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn topk(&self, k: i64, axis: Option<i64>) -> Result<Tensor> {
        let (x, axis) = self.along("topk", axis)?;
        let n = x.shape()[axis] as i64;
        if k < 0 || k > n {
            return Err(Error::shape(
                "topk",
                format!("invalid k={k} along axis {axis}"),
                vec![x.shape().to_vec()],
            ));
        }
        if k == n {
            return Ok(x);
        }
        x.partition(-k, Some(axis as i64))?
            .slice_axis(axis as i64, n - k, n, 1)
    }

    /// The median over `axes` (`mx.median`): the middle of a sort, or the
    /// mean of the two middle elements; integer inputs give float32, and
    /// a NaN anywhere in a reduced group gives NaN.
    ///
    /// ```
    /// use mlx_ops::{Tensor, ALL};
    /// let t = Tensor::from_slice(&[3i32, 1, 4, 2], &[4])?;
    /// assert_eq!(t.median(ALL, false)?.item::<f32>()?, 2.5);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn median(&self, axes: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
        let nd = self.ndim();
        let axes = match axes.into() {
            Axes::All => (0..nd).collect::<Vec<_>>(),
            Axes::List(l) if l.is_empty() && nd > 0 => {
                // MLX flattens an empty group of axes and fails there
                return Err(Error::invalid("median", "received an empty list of axes"));
            }
            Axes::List(l) => {
                let mut v = l
                    .iter()
                    .map(|&a| normalize_axis("median", a, nd))
                    .collect::<Result<Vec<_>>>()?;
                v.sort_unstable();
                let len = v.len();
                v.dedup();
                if v.len() != len {
                    return Err(Error::invalid("median", "received duplicate axes"));
                }
                v
            }
        };
        let dtype = at_least_float(self.dtype());
        let mut perm: Vec<i64> = (0..nd)
            .filter(|a| !axes.contains(a))
            .map(|a| a as i64)
            .collect();
        let mut dims: Vec<i64> = perm
            .iter()
            .map(|&a| self.shape()[a as usize] as i64)
            .collect();
        dims.push(axes.iter().map(|&a| self.shape()[a]).product::<usize>() as i64);
        perm.extend(axes.iter().map(|&a| a as i64));
        let flat = self.transpose(&perm)?.reshape(&dims)?;
        let n = *flat.shape().last().unwrap_or(&1) as i64;
        if n == 0 {
            return Err(Error::shape(
                "median",
                "cannot take the median along an empty axis",
                vec![self.shape().to_vec()],
            ));
        }
        let sorted = flat.sort(Some(-1))?;
        let mp = n / 2;
        let mut m = sorted.slice_axis(-1, mp, mp + 1, 1)?.astype(dtype)?;
        if n % 2 == 0 {
            m = m
                .add(&sorted.slice_axis(-1, mp - 1, mp, 1)?.astype(dtype)?)?
                .multiply(0.5)?;
        }
        if self.dtype().is_inexact() {
            let nan = Tensor::scalar_as(f64::NAN, dtype).to_device(self.device())?;
            m = flat.isnan()?.any(-1, true)?.where_(&nan, &m)?;
        }
        let m = m.squeeze(-1)?;
        if keepdims {
            m.expand_dims(Axes::List(axes.iter().map(|&a| a as i64).collect()))
        } else {
            Ok(m)
        }
    }
}

/// The results of [`Tensor::unique`], each of a fixed size.
#[derive(Clone, Debug)]
pub struct Unique {
    /// The sorted unique elements (`size` of them; padded with the fill
    /// value, or truncated to the smallest ones).
    pub values: Tensor,
    /// `uint32`: the flat index of each unique element's first occurrence
    /// (padding repeats the first one's).
    pub index: Tensor,
    /// `uint32`, the input's shape: the position of each element in
    /// `values` (clamped to `size - 1` when truncated).
    pub inverse: Tensor,
    /// `int32`: how often each unique element occurs (0 past the end).
    pub counts: Tensor,
}

impl Tensor {
    /// The sorted unique elements of the flattened array in an output of
    /// fixed `size` (`mx.unique`): padded with `fill_value` (default: the
    /// smallest element) or truncated to the smallest `size`. NaNs are all
    /// distinct; `-0.0` equals `0.0`. Every result is lazy, so asking only
    /// for `values` computes only it.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let a = Tensor::from_slice(&[2i32, 1, 2, 3, 1], &[5])?;
    /// let u = a.unique(4, Some(0.into()))?;
    /// assert_eq!(u.values.to_vec::<i32>()?, vec![1, 2, 3, 0]);
    /// assert_eq!(u.index.to_vec::<u32>()?, vec![1, 0, 3, 1]);
    /// assert_eq!(u.inverse.to_vec::<u32>()?, vec![1, 0, 1, 2, 0]);
    /// assert_eq!(u.counts.to_vec::<i32>()?, vec![2, 2, 1, 0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn unique(&self, size: usize, fill_value: Option<Operand>) -> Result<Unique> {
        let flat = self.reshape(&[-1])?;
        let n = flat.size();
        let dev = self.device();
        let perm = flat.argsort(Some(0))?;
        let sorted = flat.take_along_axis(&perm, Some(0))?;
        let first = if n == 0 {
            Tensor::zeros(&[0], Dtype::Bool)?.to_device(dev)?
        } else {
            let head = Tensor::ones(&[1], Dtype::Bool)?.to_device(dev)?;
            let step = sorted
                .slice_axis(0, 1, n as i64, 1)?
                .not_equal(&sorted.slice_axis(0, 0, n as i64 - 1, 1)?)?;
            concatenate(&[&head, &step], 0)?
        };
        let rank = first
            .astype(Dtype::Int32)?
            .cumsum(Some(0), false, true)?
            .subtract(1)?;
        let cap = i32::try_from(size)
            .map_err(|_| Error::invalid("unique", format!("size {size} is too large")))?;
        // slot `size` collects what does not fit
        let kept = rank.less(cap)?;
        let slot = first.logical_and(&kept)?.where_(&rank, cap)?;
        let fill = match fill_value {
            Some(Operand::Tensor(t)) => t.astype(self.dtype())?,
            Some(Operand::Scalar(s)) => Tensor::scalar_as(s, self.dtype()).to_device(dev)?,
            None if n > 0 => sorted.slice_axis(0, 0, 1, 1)?.squeeze(0)?,
            None => Tensor::zeros(&[], self.dtype())?.to_device(dev)?,
        };
        let room = [size + 1];
        let values = fill
            .broadcast_to(&room)?
            .put_along_axis(&slot, &sorted, Some(0))?
            .slice_axis(0, 0, size as i64, 1)?;
        let first_index = if n > 0 {
            perm.slice_axis(0, 0, 1, 1)?.squeeze(0)?
        } else {
            Tensor::zeros(&[], Dtype::Uint32)?.to_device(dev)?
        };
        let index = first_index
            .broadcast_to(&room)?
            .put_along_axis(&slot, &perm, Some(0))?
            .slice_axis(0, 0, size as i64, 1)?;
        let at = rank.minimum((cap - 1).max(0))?.astype(Dtype::Uint32)?;
        let dims: Vec<i64> = self.shape().iter().map(|&d| d as i64).collect();
        let inverse = Tensor::zeros(&[n], Dtype::Uint32)?
            .to_device(dev)?
            .put_along_axis(&perm, &at, Some(0))?
            .reshape(&dims)?;
        let counts = Tensor::zeros(&room, Dtype::Int32)?
            .to_device(dev)?
            .scatter_add_axis(&kept.where_(&rank, cap)?, 1, Some(0))?
            .slice_axis(0, 0, size as i64, 1)?;
        Ok(Unique {
            values,
            index,
            inverse,
            counts,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::{Dtype, Tensor, ALL};

    #[test]
    fn unique_pads_truncates_and_keeps_nans_apart() {
        let a =
            Tensor::from_slice(&[3.0f32, 1.0, 2.0, 1.0, f32::NAN, 3.0, f32::NAN], &[7]).unwrap();
        let u = a.unique(6, None).unwrap();
        let v = u.values.to_vec::<f32>().unwrap();
        assert_eq!(v[..3], [1.0, 2.0, 3.0]);
        assert!(v[3].is_nan() && v[4].is_nan());
        assert_eq!(v[5], 1.0);
        assert_eq!(u.index.to_vec::<u32>().unwrap(), vec![1, 2, 0, 4, 6, 1]);
        assert_eq!(u.counts.to_vec::<i32>().unwrap(), vec![2, 1, 2, 1, 1, 0]);
        let t = a.unique(3, None).unwrap();
        assert_eq!(t.counts.to_vec::<i32>().unwrap(), vec![2, 1, 2]);
        assert_eq!(
            t.inverse.to_vec::<u32>().unwrap(),
            vec![2, 0, 1, 0, 2, 2, 2]
        );
        let e = Tensor::zeros(&[0], Dtype::Int32)
            .unwrap()
            .unique(2, None)
            .unwrap();
        assert_eq!(e.values.shape(), &[2]);
    }

    #[test]
    fn sort_and_argsort_are_stable_with_nan_last() {
        let t = Tensor::from_slice(&[3.0f32, 1.0, 2.0, 1.0, f32::NAN, -0.0, 0.0], &[7]).unwrap();
        let s = t.sort(None).unwrap().to_vec::<f32>().unwrap();
        assert!(s[0] == 0.0 && s[0].is_sign_negative() && !s[1].is_sign_negative());
        assert!(s[6].is_nan());
        assert_eq!(
            t.argsort(None).unwrap().to_vec::<u32>().unwrap(),
            vec![5, 6, 1, 3, 2, 0, 4]
        );
    }

    #[test]
    fn sorting_an_outer_axis_and_every_dtype() {
        let x = Tensor::from_slice(&[4i32, 1, 2, 3, 0, 5], &[3, 2]).unwrap();
        for d in Dtype::ALL {
            if d == Dtype::Bool {
                continue;
            }
            let s = x.astype(d).unwrap().sort(Some(0)).unwrap();
            assert_eq!(
                s.astype(Dtype::Int32).unwrap().to_vec::<i32>().unwrap(),
                vec![0, 1, 2, 3, 4, 5],
                "{d}"
            );
        }
        assert_eq!(
            x.argsort(Some(0)).unwrap().to_vec::<u32>().unwrap(),
            vec![2, 0, 1, 1, 0, 2]
        );
        let big = Tensor::arange(0.0, 70000.0, 1.0, Some(Dtype::Float32))
            .unwrap()
            .negative()
            .unwrap()
            .reshape(&[2, 35000])
            .unwrap();
        let s = big.sort(Some(1)).unwrap().to_vec::<f32>().unwrap();
        assert_eq!(s[0], -34999.0);
        assert_eq!(s[35000], -69999.0);
    }

    #[test]
    fn partition_kth_and_topk_are_checked() {
        let x = Tensor::from_slice(&[5i32, 1, 4, 2, 3, 9, 0], &[7]).unwrap();
        assert!(x.partition(7, None).is_err());
        assert!(x.partition(-8, None).is_err());
        assert!(x.topk(8, None).is_err());
        assert!(x.topk(-1, None).is_err());
        assert_eq!(x.topk(0, None).unwrap().shape(), &[0]);
        assert!(x.topk(7, None).unwrap().same_node(&x));
        // MLX 0.32.4 on the CPU
        assert_eq!(
            x.partition(2, None).unwrap().to_vec::<i32>().unwrap(),
            vec![1, 0, 2, 3, 4, 9, 5]
        );
        assert_eq!(
            x.argpartition(2, None).unwrap().to_vec::<u32>().unwrap(),
            vec![1, 6, 3, 4, 2, 5, 0]
        );
        assert_eq!(
            x.topk(3, None).unwrap().to_vec::<i32>().unwrap(),
            vec![4, 5, 9]
        );
    }

    #[test]
    fn median_follows_mlx() {
        let x = Tensor::from_slice(&[1.0f32, 5.0, 2.0, f32::NAN, 3.0, 4.0], &[2, 3]).unwrap();
        let m = x.median(1, false).unwrap().to_vec::<f32>().unwrap();
        assert_eq!(m[0], 2.0);
        assert!(m[1].is_nan());
        assert_eq!(x.median([0, 1], true).unwrap().shape(), &[1, 1]);
        assert!(x.median([0, 0], false).is_err());
        let e = Tensor::zeros(&[0, 2], Dtype::Float32).unwrap();
        assert!(e.median(0, false).is_err());
        let i = Tensor::from_slice(&[1i32, 2], &[2]).unwrap();
        assert_eq!(i.median(ALL, false).unwrap().item::<f32>().unwrap(), 1.5);
    }
}
