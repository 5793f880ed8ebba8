//! Gathers and scatters: take, take_along_axis, put_along_axis,
//! scatter_add_axis, scatter, scatter_add, slice_update, searchsorted.

use crate::{Operand, Tensor};
use mlx_core::shape::{broadcast_shapes, normalize_axis};
use mlx_core::{Dtype, Error, Primitive, Result, ScatterOp};

/// Index arrays must hold integers (bool is not an index type in MLX).
fn check_indices(op: &'static str, idx: &Tensor) -> Result<()> {
    if idx.dtype().is_integer() {
        Ok(())
    } else {
        Err(Error::dtype(
            op,
            "indices must be integral",
            vec![idx.dtype()],
        ))
    }
}

/// Broadcasts arrays of one rank together on every axis but `axis`, where
/// each keeps its own size (MLX's `broadcast_arrays(..., ignore_axes)`).
fn broadcast_except(op: &'static str, ts: &[&Tensor], axis: usize) -> Result<Vec<Tensor>> {
    let strip = |s: &[usize]| -> Vec<usize> {
        s.iter()
            .enumerate()
            .filter(|&(i, _)| i != axis)
            .map(|(_, &d)| d)
            .collect()
    };
    let mut common = strip(ts[0].shape());
    for t in &ts[1..] {
        common = broadcast_shapes(op, &common, &strip(t.shape()))?;
    }
    ts.iter()
        .map(|t| {
            let mut target = common.clone();
            target.insert(axis, t.shape()[axis]);
            t.broadcast_to(&target)
        })
        .collect()
}

/// `(array, axis)`: the array itself and its normalised axis, or the
/// flattened array and axis 0 for `None`.
fn axis_or_flat(op: &'static str, x: &Tensor, axis: Option<i64>) -> Result<(Tensor, usize)> {
    match axis {
        Some(a) => Ok((x.clone(), normalize_axis(op, a, x.ndim())?)),
        None => Ok((x.reshape(&[-1])?, 0)),
    }
}

impl Tensor {
    /// Elements at `indices` along `axis` (`mx.take`); `None` takes from
    /// the flattened array. The result's shape is
    /// `shape[..axis] ++ indices.shape ++ shape[axis + 1..]`; negative
    /// indices count from the end, and an index out of range is an error
    /// when the result is evaluated.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
    /// let i = Tensor::from_slice(&[2i32, -3], &[2])?;
    /// assert_eq!(x.take(&i, Some(1))?.to_vec::<f32>()?, vec![3.0, 1.0, 6.0, 4.0]);
    /// assert_eq!(x.take(&i, None)?.to_vec::<f32>()?, vec![3.0, 4.0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn take(&self, indices: &Tensor, axis: Option<i64>) -> Result<Tensor> {
        check_indices("take", indices)?;
        let (x, axis) = axis_or_flat("take", self, axis)?;
        if x.shape()[axis] == 0 && indices.size() != 0 {
            return Err(Error::shape(
                "take",
                "cannot do a non-empty take from an empty axis",
                vec![x.shape().to_vec(), indices.shape().to_vec()],
            ));
        }
        let mut shape = x.shape()[..axis].to_vec();
        shape.extend_from_slice(indices.shape());
        shape.extend_from_slice(&x.shape()[axis + 1..]);
        Tensor::op(
            "take",
            Primitive::Gather { axis },
            &[&x, indices],
            shape,
            x.dtype(),
        )
    }

    /// Elements at `indices` along `axis`, where `indices` has the array's
    /// rank and broadcasts with it on the other axes
    /// (`mx.take_along_axis`); `None` uses the flattened array and 1-D
    /// indices.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let x = Tensor::from_slice(&[10i32, 20, 30, 40], &[2, 2])?;
    /// let i = Tensor::from_slice(&[1i32, 0], &[2, 1])?;
    /// assert_eq!(x.take_along_axis(&i, Some(1))?.to_vec::<i32>()?, vec![20, 30]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn take_along_axis(&self, indices: &Tensor, axis: Option<i64>) -> Result<Tensor> {
        check_indices("take_along_axis", indices)?;
        let (x, axis) = axis_or_flat("take_along_axis", self, axis)?;
        if indices.ndim() != x.ndim() {
            return Err(Error::shape(
                "take_along_axis",
                format!(
                    "indices of dimension {} do not match an array of dimension {}",
                    indices.ndim(),
                    x.ndim()
                ),
                vec![x.shape().to_vec(), indices.shape().to_vec()],
            ));
        }
        let b = broadcast_except("take_along_axis", &[&x, indices], axis)?;
        Tensor::op(
            "take_along_axis",
            Primitive::GatherAxis { axis },
            &[&b[0], &b[1]],
            b[1].shape().to_vec(),
            x.dtype(),
        )
    }

    /// A copy with `values` written at `indices` along `axis`
    /// (`mx.put_along_axis`): the scatter of [`Tensor::take_along_axis`].
    /// With duplicate indices the last update wins. `None` writes into the
    /// flattened array and keeps the shape.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let x = Tensor::zeros(&[2, 3], mlx_ops::Dtype::Int32)?;
    /// let i = Tensor::from_slice(&[2i32, 0], &[2, 1])?;
    /// let y = x.put_along_axis(&i, 7, Some(1))?;
    /// assert_eq!(y.to_vec::<i32>()?, vec![0, 0, 7, 7, 0, 0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn put_along_axis(
        &self,
        indices: &Tensor,
        values: impl Into<Operand>,
        axis: Option<i64>,
    ) -> Result<Tensor> {
        self.scatter_axis(
            "put_along_axis",
            ScatterOp::Assign,
            indices,
            values.into(),
            axis,
        )
    }

    /// Like [`Tensor::put_along_axis`], but adds `values` (duplicates
    /// accumulate): MLX's `scatter_add_axis`.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let x = Tensor::zeros(&[3], mlx_ops::Dtype::Float32)?;
    /// let i = Tensor::from_slice(&[1i32, 1, 2], &[3])?;
    /// let v = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3])?;
    /// assert_eq!(x.scatter_add_axis(&i, &v, Some(0))?.to_vec::<f32>()?, vec![0.0, 3.0, 3.0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn scatter_add_axis(
        &self,
        indices: &Tensor,
        values: impl Into<Operand>,
        axis: Option<i64>,
    ) -> Result<Tensor> {
        self.scatter_axis(
            "scatter_add_axis",
            ScatterOp::Add,
            indices,
            values.into(),
            axis,
        )
    }

    fn scatter_axis(
        &self,
        name: &'static str,
        op: ScatterOp,
        indices: &Tensor,
        values: Operand,
        axis: Option<i64>,
    ) -> Result<Tensor> {
        check_indices(name, indices)?;
        if axis.is_none() {
            let flat = self.reshape(&[-1])?;
            let out = flat.scatter_axis(name, op, indices, values, Some(0))?;
            let dims: Vec<i64> = self.shape().iter().map(|&d| d as i64).collect();
            return out.reshape(&dims);
        }
        let (x, axis) = axis_or_flat(name, self, axis)?;
        if indices.ndim() != x.ndim() {
            return Err(Error::shape(
                name,
                format!(
                    "indices of dimension {} do not match an array of dimension {}",
                    indices.ndim(),
                    x.ndim()
                ),
                vec![x.shape().to_vec(), indices.shape().to_vec()],
            ));
        }
        if x.size() == 0 {
            return Ok(x);
        }
        let mut upd = match values {
            Operand::Tensor(t) => t.astype(x.dtype())?,
            Operand::Scalar(s) => Tensor::scalar_as(s, x.dtype()).to_device(x.device())?,
        };
        // leading singletons of the update beyond the indices' rank go
        while upd.ndim() > indices.ndim() && upd.shape()[0] == 1 {
            upd = upd.squeeze(0)?;
        }
        let both = crate::broadcast_arrays(&[indices, &upd])?;
        let b = broadcast_except(name, &[&x, &both[0], &both[1]], axis)?;
        Tensor::op(
            name,
            Primitive::ScatterAxis { op, axis },
            &[&b[0], &b[1], &b[2]],
            b[0].shape().to_vec(),
            x.dtype(),
        )
    }

    /// Writes `updates` at the positions given by one index array per axis
    /// of `axes` (MLX's C++ `scatter`): the index arrays broadcast to a
    /// shape `I`, and `updates` has shape `I ++ window` where the window is
    /// the array's shape with size 1 on `axes`. Duplicates: the last wins.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let x = Tensor::zeros(&[3, 2], mlx_ops::Dtype::Float32)?;
    /// let rows = Tensor::from_slice(&[2i32, 0], &[2])?;
    /// let u = Tensor::ones(&[2, 1, 2], mlx_ops::Dtype::Float32)?;
    /// let y = x.scatter(&[&rows], &u, &[0])?;
    /// assert_eq!(y.to_vec::<f32>()?, vec![1.0, 1.0, 0.0, 0.0, 1.0, 1.0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn scatter(&self, indices: &[&Tensor], updates: &Tensor, axes: &[i64]) -> Result<Tensor> {
        self.scatter_nd("scatter", ScatterOp::Assign, indices, updates, axes)
    }

    /// Like [`Tensor::scatter`], but adds the updates (duplicates
    /// accumulate): MLX's C++ `scatter_add`.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let x = Tensor::zeros(&[3], mlx_ops::Dtype::Int32)?;
    /// let i = Tensor::from_slice(&[1i32, 1], &[2])?;
    /// let u = Tensor::ones(&[2, 1], mlx_ops::Dtype::Int32)?;
    /// assert_eq!(x.scatter_add(&[&i], &u, &[0])?.to_vec::<i32>()?, vec![0, 2, 0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn scatter_add(
        &self,
        indices: &[&Tensor],
        updates: &Tensor,
        axes: &[i64],
    ) -> Result<Tensor> {
        self.scatter_nd("scatter_add", ScatterOp::Add, indices, updates, axes)
    }

    /// The scatter of several index arrays, as one scatter along axis 0 of
    /// the array seen as `[indexed positions, rest]`.
    fn scatter_nd(
        &self,
        name: &'static str,
        op: ScatterOp,
        indices: &[&Tensor],
        updates: &Tensor,
        axes: &[i64],
    ) -> Result<Tensor> {
        let nd = self.ndim();
        if indices.len() != axes.len() {
            return Err(Error::invalid(
                name,
                format!("{} index arrays for {} axes", indices.len(), axes.len()),
            ));
        }
        if indices.len() > nd {
            return Err(Error::invalid(
                name,
                format!(
                    "{} index arrays for an array of {nd} dimensions",
                    indices.len()
                ),
            ));
        }
        for i in indices {
            check_indices(name, i)?;
        }
        let axes_n = axes
            .iter()
            .map(|&a| normalize_axis(name, a, nd))
            .collect::<Result<Vec<usize>>>()?;
        let mut sorted = axes_n.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.len() != axes_n.len() {
            return Err(Error::invalid(name, format!("repeated axes {axes:?}")));
        }
        let idx = crate::broadcast_arrays(indices)?;
        let ishape: Vec<usize> = idx.first().map(|t| t.shape().to_vec()).unwrap_or_default();
        let mut window = self.shape().to_vec();
        for &a in &axes_n {
            window[a] = 1;
        }
        let mut want = ishape.clone();
        want.extend_from_slice(&window);
        if updates.shape() != want.as_slice() {
            return Err(Error::shape(
                name,
                format!(
                    "updates must have shape {want:?} (index shape {ishape:?} then the array's shape with size 1 on the indexed axes)"
                ),
                vec![self.shape().to_vec(), updates.shape().to_vec()],
            ));
        }
        if self.size() == 0 {
            return Ok(self.clone());
        }
        // the indexed axes first, then the rest
        let rest: Vec<usize> = (0..nd).filter(|a| !axes_n.contains(a)).collect();
        let perm: Vec<i64> = axes_n.iter().chain(&rest).map(|&a| a as i64).collect();
        let n_idx: usize = axes_n.iter().map(|&a| self.shape()[a]).product();
        let n_rest: usize = rest.iter().map(|&a| self.shape()[a]).product();
        let m: usize = ishape.iter().product();
        let x = self
            .transpose(&perm)?
            .reshape(&[n_idx as i64, n_rest as i64])?;
        // flat row index: negative indices wrap per axis
        let mut flat = Tensor::zeros(&ishape, Dtype::Int64)?;
        for (t, &a) in idx.iter().zip(&axes_n) {
            let n = self.shape()[a] as i64;
            let t = t.astype(Dtype::Int64)?;
            let wrapped = t.less(0)?.where_(&t.add(n)?, &t)?;
            flat = flat.multiply(n)?.add(&wrapped)?;
        }
        let flat = flat.reshape(&[m as i64, 1])?.broadcast_to(&[m, n_rest])?;
        let uperm: Vec<i64> = (0..ishape.len())
            .chain(perm.iter().map(|&p| p as usize + ishape.len()))
            .map(|a| a as i64)
            .collect();
        let upd = updates
            .astype(self.dtype())?
            .transpose(&uperm)?
            .reshape(&[m as i64, n_rest as i64])?;
        let out = Tensor::op(
            name,
            Primitive::ScatterAxis { op, axis: 0 },
            &[&x, &flat, &upd],
            vec![n_idx, n_rest],
            self.dtype(),
        )?;
        let tshape: Vec<i64> = perm
            .iter()
            .map(|&a| self.shape()[a as usize] as i64)
            .collect();
        let mut inv = vec![0i64; nd];
        for (i, &p) in perm.iter().enumerate() {
            inv[p as usize] = i as i64;
        }
        out.reshape(&tshape)?.transpose(&inv)
    }

    /// A copy with `update` written over the strided slice
    /// `start..stop` by `step` per axis (MLX's `slice_update`; Python
    /// semantics for negative and open bounds as [`Tensor::slice`]).
    /// `update` broadcasts to the slice's shape and is cast to the array's
    /// dtype.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let x = Tensor::zeros(&[2, 4], mlx_ops::Dtype::Int32)?;
    /// let u = Tensor::from_slice(&[1i32, 2], &[2])?;
    /// let y = x.slice_update(&u, &[1, 0], &[2, 4], &[1, 2])?;
    /// assert_eq!(y.to_vec::<i32>()?, vec![0, 0, 0, 0, 1, 0, 2, 0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn slice_update(
        &self,
        update: &Tensor,
        start: &[i64],
        stop: &[i64],
        step: &[i64],
    ) -> Result<Tensor> {
        let s = self.slice(start, stop, step)?;
        let upd = update
            .astype(self.dtype())?
            .broadcast_to(s.shape())
            .map_err(|_| {
                Error::shape(
                    "slice_update",
                    "update does not broadcast to the slice's shape",
                    vec![update.shape().to_vec(), s.shape().to_vec()],
                )
            })?;
        let (first, steps) = match s.array().primitive() {
            Primitive::Slice { start, step } if !s.same_node(self) => (start, step),
            // the whole array
            _ => return Ok(upd),
        };
        let mask = crate::derivatives::slice_vjp(
            &Tensor::ones(s.shape(), Dtype::Bool)?,
            self.shape(),
            &first,
            &steps,
        )?;
        let placed = crate::derivatives::slice_vjp(&upd, self.shape(), &first, &steps)?;
        mask.where_(&placed, self)
    }

    /// Insertion points of `values` into this sorted 1-D array, keeping
    /// it sorted (`mx.searchsorted`, `uint32`): before equal elements, or
    /// after them with `right`. NaN sorts last.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let a = Tensor::from_slice(&[1i32, 2, 2, 3], &[4])?;
    /// let v = Tensor::from_slice(&[2i32, 0, 5], &[3])?;
    /// assert_eq!(a.searchsorted(&v, false)?.to_vec::<u32>()?, vec![1, 0, 4]);
    /// assert_eq!(a.searchsorted(&v, true)?.to_vec::<u32>()?, vec![3, 0, 4]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn searchsorted(&self, values: &Tensor, right: bool) -> Result<Tensor> {
        if self.ndim() != 1 {
            return Err(Error::shape(
                "searchsorted",
                format!(
                    "the sorted sequence must be 1-D but has {} dimensions",
                    self.ndim()
                ),
                vec![self.shape().to_vec()],
            ));
        }
        if self.size() > u32::MAX as usize {
            return Err(Error::shape(
                "searchsorted",
                "the sorted sequence is too long for uint32 indices",
                vec![self.shape().to_vec()],
            ));
        }
        let dtype = Dtype::promote(self.dtype(), values.dtype());
        let a = self.astype(dtype)?;
        let v = values.astype(dtype)?;
        Tensor::op(
            "searchsorted",
            Primitive::SearchSorted { right },
            &[&a, &v],
            v.shape().to_vec(),
            Dtype::Uint32,
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::{Dtype, Tensor};

    fn t(v: &[f32], shape: &[usize]) -> Tensor {
        Tensor::from_slice(v, shape).unwrap()
    }

    #[test]
    fn take_checks_dtypes_axes_and_empty_axes() {
        let x = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
        let f = t(&[0.0], &[1]);
        assert!(x.take(&f, None).is_err());
        let b = Tensor::from_slice(&[true], &[1]).unwrap();
        assert!(x.take(&b, None).is_err());
        let i = Tensor::from_slice(&[1i64], &[1]).unwrap();
        assert!(x.take(&i, Some(2)).is_err());
        let e = Tensor::zeros(&[0, 2], Dtype::Float32).unwrap();
        assert!(e.take(&i, Some(0)).is_err());
        let none = Tensor::zeros(&[0], Dtype::Int32).unwrap();
        assert_eq!(e.take(&none, Some(0)).unwrap().shape(), &[0, 2]);
    }

    #[test]
    fn take_out_of_range_fails_at_evaluation() {
        let x = t(&[1.0, 2.0], &[2]);
        let i = Tensor::from_slice(&[2i32], &[1]).unwrap();
        assert!(x.take(&i, Some(0)).unwrap().eval().is_err());
        let i = Tensor::from_slice(&[-3i32], &[1]).unwrap();
        assert!(x.take(&i, Some(0)).unwrap().eval().is_err());
    }

    #[test]
    fn take_of_every_dtype_and_strided_inputs() {
        let x = Tensor::arange(0.0, 12.0, 1.0, Some(Dtype::Float32))
            .unwrap()
            .reshape(&[3, 4])
            .unwrap();
        let i = Tensor::from_slice(&[3u8, 0], &[2]).unwrap();
        for d in Dtype::ALL {
            if d == Dtype::Bool {
                continue;
            }
            let y = x.astype(d).unwrap().take(&i, Some(1)).unwrap();
            assert_eq!(y.dtype(), d);
            assert_eq!(
                y.astype(Dtype::Float32).unwrap().to_vec::<f32>().unwrap(),
                vec![3.0, 0.0, 7.0, 4.0, 11.0, 8.0]
            );
        }
        let xt = x.transpose(&[1, 0]).unwrap();
        let j = Tensor::from_slice(&[-1i64, 0, 1, 0], &[2, 2]).unwrap();
        let y = xt.take(&j, Some(0)).unwrap();
        assert_eq!(y.shape(), &[2, 2, 3]);
        assert_eq!(
            y.to_vec::<f32>().unwrap(),
            vec![3.0, 7.0, 11.0, 0.0, 4.0, 8.0, 1.0, 5.0, 9.0, 0.0, 4.0, 8.0]
        );
    }

    #[test]
    fn take_along_and_put_along_broadcast_like_mlx() {
        let x = Tensor::arange(0.0, 12.0, 1.0, Some(Dtype::Int32))
            .unwrap()
            .reshape(&[3, 4])
            .unwrap();
        let i = Tensor::from_slice(&[0i32, 1, -1], &[3, 1]).unwrap();
        assert_eq!(
            x.take_along_axis(&i, Some(1))
                .unwrap()
                .to_vec::<i32>()
                .unwrap(),
            vec![0, 5, 11]
        );
        let y = x.put_along_axis(&i, 100, Some(1)).unwrap();
        assert_eq!(
            y.to_vec::<i32>().unwrap(),
            vec![100, 1, 2, 3, 4, 100, 6, 7, 8, 9, 10, 100]
        );
        // duplicates: last wins for put, accumulate for add
        let d = Tensor::from_slice(&[0i32, 0], &[1, 2]).unwrap();
        let v = Tensor::from_slice(&[7i32, 8], &[1, 2]).unwrap();
        let p = x.put_along_axis(&d, &v, Some(1)).unwrap();
        assert_eq!(p.to_vec::<i32>().unwrap()[..5], [8, 1, 2, 3, 8]);
        let a = x.scatter_add_axis(&d, &v, Some(1)).unwrap();
        assert_eq!(a.to_vec::<i32>().unwrap()[..5], [15, 1, 2, 3, 19]);
        let flat = Tensor::from_slice(&[1i32, 0], &[2]).unwrap();
        let f = x
            .put_along_axis(&flat, v.reshape(&[2]).unwrap(), None)
            .unwrap();
        assert_eq!(f.shape(), &[3, 4]);
        assert_eq!(f.to_vec::<i32>().unwrap()[..3], [8, 7, 2]);
        assert!(x.take_along_axis(&flat, Some(0)).is_err());
    }

    #[test]
    fn scatter_over_two_axes_matches_the_loop() {
        let x = Tensor::zeros(&[3, 2, 4], Dtype::Float32).unwrap();
        let r = Tensor::from_slice(&[2i32, -3], &[2]).unwrap();
        let c = Tensor::from_slice(&[3i32, 1], &[2]).unwrap();
        let u = t(&[1.0, 2.0, 3.0, 4.0], &[2, 1, 2, 1]);
        let y = x.scatter_add(&[&r, &c], &u, &[0, 2]).unwrap();
        let v = y.to_vec::<f32>().unwrap();
        // (2, :, 3) gets [1, 2]; (0, :, 1) gets [3, 4]
        assert_eq!(v[2 * 8 + 3], 1.0);
        assert_eq!(v[2 * 8 + 4 + 3], 2.0);
        assert_eq!(v[1], 3.0);
        assert_eq!(v[4 + 1], 4.0);
        assert_eq!(v.iter().sum::<f32>(), 10.0);
        assert!(x.scatter(&[&r], &u, &[0]).is_err());
        assert!(x.scatter(&[&r, &c], &u, &[0, 0]).is_err());
    }

    #[test]
    fn slice_update_writes_strided_slices() {
        let x = Tensor::zeros(&[5], Dtype::Float32).unwrap();
        let y = x
            .slice_update(&t(&[1.0, 2.0], &[2]), &[4], &[i64::MIN], &[-3])
            .unwrap();
        assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 2.0, 0.0, 0.0, 1.0]);
        let w = x
            .slice_update(&Tensor::scalar(3.0f32), &[], &[], &[])
            .unwrap();
        assert_eq!(w.to_vec::<f32>().unwrap(), vec![3.0; 5]);
        assert!(x
            .slice_update(&t(&[1.0, 2.0, 3.0], &[3]), &[0], &[2], &[1])
            .is_err());
    }

    #[test]
    fn searchsorted_rejects_non_vectors() {
        let a = Tensor::zeros(&[2, 2], Dtype::Float32).unwrap();
        assert!(a.searchsorted(&a, false).is_err());
        let s = t(&[1.0, 2.0, f32::NAN], &[3]);
        let v = t(&[f32::NAN, 2.5], &[2]);
        assert_eq!(
            s.searchsorted(&v, false).unwrap().to_vec::<u32>().unwrap(),
            vec![2, 2]
        );
    }
}
