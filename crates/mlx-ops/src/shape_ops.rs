//! Shape and layout ops. Reshape of contiguous data, transpose, broadcast,
//! slicing and expand/squeeze are views; concatenate and pad copy.

use crate::{Axes, Tensor};
use mlx_core::{
    shape::{broadcast_shapes, normalize_axis, numel},
    Dtype, Error, Primitive, Result, Scalar,
};

impl Tensor {
    /// New shape with the same elements; one entry may be `-1` (inferred).
    /// A view when the data is contiguous.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::arange(0.0, 6.0, 1.0, None)?.reshape(&[-1, 2])?;
    /// assert_eq!(t.shape(), &[3, 2]);
    /// assert!(t.reshape(&[4, -1]).is_err());
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn reshape(&self, shape: &[i64]) -> Result<Tensor> {
        let shape = infer_shape(self.shape(), shape)?;
        if shape == self.shape() {
            return Ok(self.clone());
        }
        Tensor::op("reshape", Primitive::Reshape, &[self], shape, self.dtype())
    }

    /// Flattens axes `start..=end` into one (`mx.flatten`).
    pub fn flatten(&self, start: i64, end: i64) -> Result<Tensor> {
        if self.ndim() == 0 {
            return self.reshape(&[1]);
        }
        let s = normalize_axis("flatten", start, self.ndim())?;
        let e = normalize_axis("flatten", end, self.ndim())?;
        if s > e {
            return Err(Error::invalid(
                "flatten",
                format!("start axis {start} is after end axis {end}"),
            ));
        }
        let mut shape: Vec<i64> = self.shape()[..s].iter().map(|&d| d as i64).collect();
        shape.push(numel(&self.shape()[s..=e]) as i64);
        shape.extend(self.shape()[e + 1..].iter().map(|&d| d as i64));
        self.reshape(&shape)
    }

    /// Splits `axis` into `shape` (`mx.unflatten`); one entry may be -1.
    pub fn unflatten(&self, axis: i64, shape: &[i64]) -> Result<Tensor> {
        let ax = normalize_axis("unflatten", axis, self.ndim())?;
        let inner = infer_shape(&[self.shape()[ax]], shape)?;
        let mut new: Vec<i64> = self.shape()[..ax].iter().map(|&d| d as i64).collect();
        new.extend(inner.iter().map(|&d| d as i64));
        new.extend(self.shape()[ax + 1..].iter().map(|&d| d as i64));
        self.reshape(&new)
    }

    /// Permutes the axes (a view). An empty `axes` reverses them, as
    /// `mx.transpose(a)` does.
    pub fn transpose(&self, axes: &[i64]) -> Result<Tensor> {
        let nd = self.ndim();
        let perm: Vec<usize> = if axes.is_empty() {
            (0..nd).rev().collect()
        } else {
            if axes.len() != nd {
                return Err(Error::shape(
                    "transpose",
                    format!("axes {axes:?} do not match an array of {nd} dimensions"),
                    vec![self.shape().to_vec()],
                ));
            }
            let mut p = Vec::with_capacity(nd);
            for &a in axes {
                let ax = normalize_axis("transpose", a, nd)?;
                if p.contains(&ax) {
                    return Err(Error::invalid(
                        "transpose",
                        format!("axis {a} repeated in {axes:?}"),
                    ));
                }
                p.push(ax);
            }
            p
        };
        if perm.iter().enumerate().all(|(i, &p)| i == p) {
            return Ok(self.clone());
        }
        let shape = perm.iter().map(|&p| self.shape()[p]).collect();
        Tensor::op(
            "transpose",
            Primitive::Transpose { perm },
            &[self],
            shape,
            self.dtype(),
        )
    }

    /// Alias of [`Tensor::transpose`] (`mx.permute_dims`).
    pub fn permute_dims(&self, axes: &[i64]) -> Result<Tensor> {
        self.transpose(axes)
    }

    /// Swaps two axes (a view).
    pub fn swapaxes(&self, a: i64, b: i64) -> Result<Tensor> {
        let nd = self.ndim();
        let a = normalize_axis("swapaxes", a, nd)?;
        let b = normalize_axis("swapaxes", b, nd)?;
        let mut perm: Vec<i64> = (0..nd as i64).collect();
        perm.swap(a, b);
        self.transpose(&perm)
    }

    /// Moves axis `src` to position `dst` (a view).
    pub fn moveaxis(&self, src: i64, dst: i64) -> Result<Tensor> {
        let nd = self.ndim();
        let s = normalize_axis("moveaxis", src, nd)?;
        let d = normalize_axis("moveaxis", dst, nd)?;
        let mut perm: Vec<i64> = (0..nd as i64).filter(|&i| i as usize != s).collect();
        perm.insert(d, s as i64);
        self.transpose(&perm)
    }

    /// Inserts axes of size 1 (a view); axes index the result.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::zeros(&[2, 3], mlx_ops::Dtype::Float32)?;
    /// assert_eq!(t.expand_dims([0, -1])?.shape(), &[1, 2, 3, 1]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn expand_dims(&self, axes: impl Into<Axes>) -> Result<Tensor> {
        let axes = match axes.into() {
            Axes::All => return Err(Error::invalid("expand_dims", "axes must be listed")),
            Axes::List(l) => l,
        };
        let out_nd = self.ndim() + axes.len();
        let ax = mlx_core::shape::normalize_axes("expand_dims", &axes, out_nd)?;
        let mut shape = Vec::with_capacity(out_nd);
        let mut src = self.shape().iter();
        for i in 0..out_nd {
            if ax.contains(&i) {
                shape.push(1);
            } else if let Some(&d) = src.next() {
                shape.push(d);
            }
        }
        Tensor::op(
            "expand_dims",
            Primitive::Reshape,
            &[self],
            shape,
            self.dtype(),
        )
    }

    /// Removes axes of size 1 (all of them with [`crate::ALL`]).
    pub fn squeeze(&self, axes: impl Into<Axes>) -> Result<Tensor> {
        let remove: Vec<usize> = match axes.into() {
            Axes::All => (0..self.ndim()).filter(|&i| self.shape()[i] == 1).collect(),
            a @ Axes::List(_) => {
                let ax = a.resolve("squeeze", self.ndim())?;
                for &i in &ax {
                    if self.shape()[i] != 1 {
                        return Err(Error::shape(
                            "squeeze",
                            format!("cannot squeeze axis {i} of size {}", self.shape()[i]),
                            vec![self.shape().to_vec()],
                        ));
                    }
                }
                ax
            }
        };
        let shape: Vec<usize> = (0..self.ndim())
            .filter(|i| !remove.contains(i))
            .map(|i| self.shape()[i])
            .collect();
        if shape.len() == self.ndim() {
            return Ok(self.clone());
        }
        Tensor::op("squeeze", Primitive::Reshape, &[self], shape, self.dtype())
    }

    /// Broadcasts to `shape` (a view with stride-0 axes).
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[1i32, 2], &[2, 1])?.broadcast_to(&[2, 3])?;
    /// assert_eq!(t.to_vec::<i32>()?, vec![1, 1, 1, 2, 2, 2]);
    /// assert!(t.broadcast_to(&[3, 3]).is_err());
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Tensor> {
        if crate::same_shape(shape, self.shape()) {
            return Ok(self.clone());
        }
        let b = broadcast_shapes("broadcast_to", self.shape(), shape)?;
        if b != shape {
            return Err(Error::Broadcast {
                op: "broadcast_to",
                lhs: self.shape().to_vec(),
                rhs: shape.to_vec(),
            });
        }
        Tensor::op(
            "broadcast_to",
            Primitive::Broadcast,
            &[self],
            shape.to_vec(),
            self.dtype(),
        )
    }

    /// Python-style strided slice per axis (`a[start:stop:step, ...]`):
    /// negative indices count from the end and bounds are clamped. Axes not
    /// listed are kept whole. Use `i64::MIN`/`i64::MAX` for open ends.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::arange(0.0, 10.0, 1.0, None)?;
    /// assert_eq!(t.slice(&[8], &[i64::MIN], &[-3])?.to_vec::<i32>()?, vec![8, 5, 2]);
    /// assert_eq!(t.slice(&[-3], &[i64::MAX], &[1])?.to_vec::<i32>()?, vec![7, 8, 9]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn slice(&self, start: &[i64], stop: &[i64], step: &[i64]) -> Result<Tensor> {
        let nd = self.ndim();
        if start.len() != stop.len() || start.len() != step.len() || start.len() > nd {
            return Err(Error::invalid(
                "slice",
                format!(
                    "start {start:?}, stop {stop:?} and step {step:?} must have equal lengths of at most {nd}"
                ),
            ));
        }
        let mut starts = vec![0i64; nd];
        let mut steps = vec![1i64; nd];
        let mut shape = self.shape().to_vec();
        for i in 0..start.len() {
            let (s, len) = slice_indices(self.shape()[i] as i64, start[i], stop[i], step[i])?;
            starts[i] = s;
            steps[i] = step[i];
            shape[i] = len;
        }
        if shape == self.shape() && steps.iter().all(|&s| s == 1) {
            return Ok(self.clone());
        }
        Tensor::op(
            "slice",
            Primitive::Slice {
                start: starts,
                step: steps,
            },
            &[self],
            shape,
            self.dtype(),
        )
    }

    /// Slice of one axis: `start..stop` by `step` (Python semantics).
    pub fn slice_axis(&self, axis: i64, start: i64, stop: i64, step: i64) -> Result<Tensor> {
        let ax = normalize_axis("slice", axis, self.ndim())?;
        let mut st = vec![0; ax + 1];
        let mut sp: Vec<i64> = self.shape()[..=ax].iter().map(|&d| d as i64).collect();
        let mut stp = vec![1; ax + 1];
        st[ax] = start;
        sp[ax] = stop;
        stp[ax] = step;
        self.slice(&st, &sp, &stp)
    }

    /// Splits into `sections` equal parts along `axis` (`mx.split` with an
    /// integer).
    pub fn split(&self, sections: usize, axis: i64) -> Result<Vec<Tensor>> {
        let ax = normalize_axis("split", axis, self.ndim())?;
        let n = self.shape()[ax];
        if sections == 0 || !n.is_multiple_of(sections) {
            return Err(Error::invalid(
                "split",
                format!(
                    "array of size {n} on axis {ax} cannot be split into {sections} equal sections"
                ),
            ));
        }
        let step = n / sections;
        let idx: Vec<i64> = (1..sections).map(|i| (i * step) as i64).collect();
        self.split_at(&idx, axis)
    }

    /// Splits before each of `indices` along `axis` (`mx.split` with a list).
    pub fn split_at(&self, indices: &[i64], axis: i64) -> Result<Vec<Tensor>> {
        let ax = normalize_axis("split", axis, self.ndim())?;
        let mut bounds = vec![0i64];
        bounds.extend_from_slice(indices);
        bounds.push(self.shape()[ax] as i64);
        bounds
            .windows(2)
            .map(|w| self.slice_axis(ax as i64, w[0], w[1].max(w[0]), 1))
            .collect()
    }

    /// Constant padding: `widths[i] = (before, after)` for each leading axis
    /// (`mx.pad`, mode "constant").
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[1i32, 2], &[2])?.pad(&[(1, 2)], 0)?;
    /// assert_eq!(t.to_vec::<i32>()?, vec![0, 1, 2, 0, 0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn pad(&self, widths: &[(usize, usize)], value: impl Into<Scalar>) -> Result<Tensor> {
        if widths.len() > self.ndim() {
            return Err(Error::invalid(
                "pad",
                format!(
                    "{} pad widths given for an array of {} dimensions",
                    widths.len(),
                    self.ndim()
                ),
            ));
        }
        if widths.iter().all(|&(a, b)| a == 0 && b == 0) {
            return Ok(self.clone());
        }
        let mut low = vec![0; self.ndim()];
        let mut shape = self.shape().to_vec();
        for (i, &(a, b)) in widths.iter().enumerate() {
            low[i] = a;
            shape[i] += a + b;
        }
        Tensor::op(
            "pad",
            Primitive::Pad {
                low,
                value: value.into(),
            },
            &[self],
            shape,
            self.dtype(),
        )
    }

    /// At least one dimension.
    pub fn atleast_1d(&self) -> Result<Tensor> {
        if self.ndim() >= 1 {
            Ok(self.clone())
        } else {
            self.reshape(&[1])
        }
    }

    /// At least two dimensions (new axes in front).
    pub fn atleast_2d(&self) -> Result<Tensor> {
        match self.ndim() {
            0 => self.reshape(&[1, 1]),
            1 => self.expand_dims(0),
            _ => Ok(self.clone()),
        }
    }

    /// At least three dimensions (`[n]` becomes `[1, n, 1]`, `[m, n]`
    /// becomes `[m, n, 1]`, as numpy).
    pub fn atleast_3d(&self) -> Result<Tensor> {
        match self.ndim() {
            0 => self.reshape(&[1, 1, 1]),
            1 => self.expand_dims([0, 2]),
            2 => self.expand_dims(2),
            _ => Ok(self.clone()),
        }
    }
}

impl Tensor {
    /// Splits along `axis` into its slices, each without that axis
    /// (`mx.unstack`).
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[1i32, 2, 3, 4], &[2, 2])?;
    /// let parts = t.unstack(1)?;
    /// assert_eq!(parts[1].to_vec::<i32>()?, vec![2, 4]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn unstack(&self, axis: i64) -> Result<Vec<Tensor>> {
        let ax = normalize_axis("unstack", axis, self.ndim())?;
        let n = self.shape()[ax];
        (0..n as i64)
            .map(|i| self.slice_axis(ax as i64, i, i + 1, 1)?.squeeze(ax as i64))
            .collect()
    }

    /// Repeats each element `repeats` times along `axis`, or over the
    /// flattened array with `None` (`mx.repeat`).
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[1i32, 2, 3, 4], &[2, 2])?;
    /// assert_eq!(t.repeat(2, Some(1))?.to_vec::<i32>()?, vec![1, 1, 2, 2, 3, 3, 4, 4]);
    /// assert_eq!(t.repeat(2, None)?.shape(), &[8]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn repeat(&self, repeats: usize, axis: Option<i64>) -> Result<Tensor> {
        let (x, ax) = match axis {
            Some(a) => (self.clone(), normalize_axis("repeat", a, self.ndim())?),
            None => (self.reshape(&[-1])?, 0),
        };
        let mut shape = x.shape().to_vec();
        if repeats == 0 {
            shape[ax] = 0;
            return Tensor::zeros(&shape, self.dtype());
        }
        if repeats == 1 {
            return Ok(x);
        }
        shape.insert(ax + 1, repeats);
        let wide = x.expand_dims((ax + 1) as i64)?.broadcast_to(&shape)?;
        wide.flatten(ax as i64, (ax + 1) as i64)
    }

    /// Tiles the array `reps[i]` times along each axis (`mx.tile`); shorter
    /// `reps` are padded with ones in front, a shorter shape likewise.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[1i32, 2], &[2])?;
    /// assert_eq!(t.tile(&[2])?.to_vec::<i32>()?, vec![1, 2, 1, 2]);
    /// assert_eq!(t.tile(&[2, 1])?.shape(), &[2, 2]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn tile(&self, reps: &[usize]) -> Result<Tensor> {
        let nd = self.ndim().max(reps.len());
        let mut shape = vec![1usize; nd - self.ndim()];
        shape.extend_from_slice(self.shape());
        let mut r = vec![1usize; nd - reps.len()];
        r.extend_from_slice(reps);
        let (mut expand, mut wide, mut fin) = (vec![], vec![], vec![]);
        for i in 0..nd {
            if r[i] != 1 {
                expand.push(1);
                wide.push(r[i]);
            }
            expand.push(shape[i] as i64);
            wide.push(shape[i]);
            fin.push((r[i] * shape[i]) as i64);
        }
        self.reshape(&expand)?.broadcast_to(&wide)?.reshape(&fin)
    }

    /// Rolls elements along `axes` by `shift` (`mx.roll`): elements pushed
    /// past the end come back at the start. With `None` the flattened array
    /// rolls by the total shift. One shift applies to every axis; several
    /// shifts with one axis add up; otherwise each axis takes its own.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[1i32, 2, 3, 4], &[2, 2])?;
    /// assert_eq!(t.roll(&[1], None)?.to_vec::<i32>()?, vec![4, 1, 2, 3]);
    /// assert_eq!(t.roll(&[1], Some(&[1]))?.to_vec::<i32>()?, vec![2, 1, 4, 3]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn roll(&self, shift: &[i64], axes: Option<&[i64]>) -> Result<Tensor> {
        let total: i64 = shift.iter().fold(0i64, |a, &b| a.wrapping_add(b));
        let axes = match axes {
            None => {
                let flat = self.reshape(&[-1])?;
                return flat
                    .roll(&[total], Some(&[0]))?
                    .reshape(&self.shape().iter().map(|&d| d as i64).collect::<Vec<_>>());
            }
            Some(a) => a,
        };
        let shifts: Vec<i64> = if shift.len() == 1 {
            vec![shift[0]; axes.len()]
        } else if axes.len() == 1 {
            vec![total]
        } else if shift.len() < axes.len() {
            return Err(Error::invalid(
                "roll",
                format!(
                    "at least one shift value per axis is required, {} provided for {} axes",
                    shift.len(),
                    axes.len()
                ),
            ));
        } else {
            shift[..axes.len()].to_vec()
        };
        let mut out = self.clone();
        for (&a, &sh) in axes.iter().zip(&shifts) {
            let ax = normalize_axis("roll", a, self.ndim())?;
            let n = self.shape()[ax] as i64;
            if n == 0 {
                continue;
            }
            let split = n - sh.rem_euclid(n);
            if split == n {
                continue;
            }
            let head = out.slice_axis(ax as i64, 0, split, 1)?;
            let tail = out.slice_axis(ax as i64, split, n, 1)?;
            out = concatenate(&[&tail, &head], ax as i64)?;
        }
        Ok(out)
    }

    /// Reverses the order of elements along `axes`, or along every axis
    /// with `None` (`mx.flip`); a view.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[1i32, 2, 3, 4], &[2, 2])?;
    /// assert_eq!(t.flip(Some(&[1]))?.to_vec::<i32>()?, vec![2, 1, 4, 3]);
    /// assert_eq!(t.flip(None)?.to_vec::<i32>()?, vec![4, 3, 2, 1]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn flip(&self, axes: Option<&[i64]>) -> Result<Tensor> {
        let nd = self.ndim();
        let all: Vec<i64> = (0..nd as i64).collect();
        let axes = axes.unwrap_or(&all);
        let mut start = vec![0i64; nd];
        let mut stop: Vec<i64> = self.shape().iter().map(|&d| d as i64).collect();
        let mut step = vec![1i64; nd];
        for &a in axes {
            let ax = normalize_axis("flip", a, nd)?;
            start[ax] = i64::MAX;
            stop[ax] = i64::MIN;
            step[ax] = -1;
        }
        self.slice(&start, &stop, &step)
    }

    /// A view of the row-major data with the given shape, strides (in
    /// elements) and offset (`mx.as_strided`); `None` keeps the shape and
    /// uses its row-major strides. Reading outside the data is an error at
    /// evaluation.
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::arange(0.0, 5.0, 1.0, None)?;
    /// let w = t.as_strided(Some(&[3, 3]), Some(&[1, 1]), 0)?; // sliding windows
    /// assert_eq!(w.to_vec::<i32>()?, vec![0, 1, 2, 1, 2, 3, 2, 3, 4]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn as_strided(
        &self,
        shape: Option<&[usize]>,
        strides: Option<&[i64]>,
        offset: usize,
    ) -> Result<Tensor> {
        let shape = shape.unwrap_or(self.shape()).to_vec();
        let strides: Vec<isize> = match strides {
            Some(s) => s.iter().map(|&v| v as isize).collect(),
            None => mlx_core::shape::row_major_strides(&shape),
        };
        if strides.len() != shape.len() {
            return Err(Error::invalid(
                "as_strided",
                format!("shape {shape:?} and strides {strides:?} must have the same length"),
            ));
        }
        let flat = self.reshape(&[-1])?;
        Tensor::op(
            "as_strided",
            Primitive::AsStrided { strides, offset },
            &[&flat],
            shape,
            self.dtype(),
        )
    }

    /// A row-contiguous copy (`mx.contiguous`); `allow_col_major` is
    /// accepted for MLX compatibility (the values are the same).
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let t = Tensor::from_slice(&[1i32, 2, 3, 4], &[2, 2])?.transpose(&[])?;
    /// assert_eq!(t.contiguous(false)?.to_vec::<i32>()?, vec![1, 3, 2, 4]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn contiguous(&self, allow_col_major: bool) -> Result<Tensor> {
        let _ = allow_col_major;
        Tensor::op(
            "contiguous",
            Primitive::Copy,
            &[self],
            self.shape().to_vec(),
            self.dtype(),
        )
    }

    /// The same bytes read as another dtype (`mx.view`). For a different
    /// element size the last axis scales by the ratio (it must divide
    /// evenly when growing); 0-d arrays only change to a dtype of equal size.
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let t = Tensor::from_slice(&[1.0f32], &[1])?;
    /// assert_eq!(t.view(Dtype::Int32)?.to_vec::<i32>()?, vec![0x3f80_0000]);
    /// assert_eq!(t.view(Dtype::Uint16)?.shape(), &[2]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn view(&self, dtype: Dtype) -> Result<Tensor> {
        if dtype == self.dtype() {
            return Ok(self.clone());
        }
        let (ib, ob) = (self.dtype().size_of(), dtype.size_of());
        let mut shape = self.shape().to_vec();
        match shape.last_mut() {
            None if ib != ob => {
                return Err(Error::dtype(
                    "view",
                    "changing the type of a scalar is only allowed for types of the same size",
                    vec![self.dtype(), dtype],
                ))
            }
            None => {}
            Some(last) => {
                if ib < ob {
                    if *last % (ob / ib) != 0 {
                        return Err(Error::shape(
                            "view",
                            format!(
                                "viewing {} as {dtype} needs a last axis whose size in bytes is a multiple of {ob}",
                                self.dtype()
                            ),
                            vec![self.shape().to_vec()],
                        ));
                    }
                    *last /= ob / ib;
                } else {
                    *last *= ib / ob;
                }
            }
        }
        Tensor::op("view", Primitive::View, &[self], shape, dtype)
    }
}

/// Joins tensors along an existing axis (`mx.concatenate`); dtypes promote.
///
/// ```
/// use mlx_ops::{concatenate, Tensor};
/// let a = Tensor::from_slice(&[1i32, 2], &[1, 2])?;
/// let c = concatenate(&[&a, &a], 0)?;
/// assert_eq!(c.shape(), &[2, 2]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn concatenate(tensors: &[&Tensor], axis: i64) -> Result<Tensor> {
    let first = tensors
        .first()
        .ok_or_else(|| Error::invalid("concatenate", "no arrays given"))?;
    let nd = first.ndim();
    let ax = normalize_axis("concatenate", axis, nd.max(1))?;
    if nd == 0 {
        return Err(Error::invalid(
            "concatenate",
            "zero-dimensional arrays cannot be concatenated",
        ));
    }
    let mut shape = first.shape().to_vec();
    shape[ax] = 0;
    let mut dtype = first.dtype();
    for t in tensors {
        let ok = t.ndim() == nd
            && t.shape()
                .iter()
                .zip(first.shape())
                .enumerate()
                .all(|(i, (a, b))| i == ax || a == b);
        if !ok {
            return Err(Error::shape(
                "concatenate",
                format!("all dimensions except axis {ax} must match"),
                tensors.iter().map(|t| t.shape().to_vec()).collect(),
            ));
        }
        shape[ax] += t.shape()[ax];
        dtype = Dtype::promote(dtype, t.dtype());
    }
    if tensors.len() == 1 {
        return first.astype(dtype);
    }
    let cast: Vec<Tensor> = tensors
        .iter()
        .map(|t| t.astype(dtype))
        .collect::<Result<_>>()?;
    let refs: Vec<&Tensor> = cast.iter().collect();
    Tensor::op(
        "concatenate",
        Primitive::Concatenate { axis: ax },
        &refs,
        shape,
        dtype,
    )
}

/// Joins equally shaped tensors along a new axis (`mx.stack`).
///
/// ```
/// use mlx_ops::{stack, Tensor};
/// let a = Tensor::from_slice(&[1i32, 2], &[2])?;
/// assert_eq!(stack(&[&a, &a, &a], 1)?.shape(), &[2, 3]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn stack(tensors: &[&Tensor], axis: i64) -> Result<Tensor> {
    let first = tensors
        .first()
        .ok_or_else(|| Error::invalid("stack", "no arrays given"))?;
    if tensors.iter().any(|t| t.shape() != first.shape()) {
        return Err(Error::shape(
            "stack",
            "all arrays must have the same shape",
            tensors.iter().map(|t| t.shape().to_vec()).collect(),
        ));
    }
    let ax = normalize_axis("stack", axis, first.ndim() + 1)? as i64;
    let expanded: Vec<Tensor> = tensors
        .iter()
        .map(|t| t.expand_dims(ax))
        .collect::<Result<_>>()?;
    let refs: Vec<&Tensor> = expanded.iter().collect();
    concatenate(&refs, ax)
}

/// Broadcasts tensors against each other (`mx.broadcast_arrays`).
pub fn broadcast_arrays(tensors: &[&Tensor]) -> Result<Vec<Tensor>> {
    let mut shape: Vec<usize> = vec![];
    for t in tensors {
        shape = broadcast_shapes("broadcast_arrays", &shape, t.shape())?;
    }
    tensors.iter().map(|t| t.broadcast_to(&shape)).collect()
}

/// Resolves a shape with at most one `-1` against `from`'s element count.
fn infer_shape(from: &[usize], shape: &[i64]) -> Result<Vec<usize>> {
    let total = numel(from);
    let mut infer = None;
    let mut known = 1usize;
    for (i, &d) in shape.iter().enumerate() {
        if d == -1 {
            if infer.replace(i).is_some() {
                return Err(Error::invalid(
                    "reshape",
                    format!("more than one -1 in {shape:?}"),
                ));
            }
        } else if d < 0 {
            return Err(Error::invalid(
                "reshape",
                format!("negative dimension in {shape:?}"),
            ));
        } else {
            known = known.saturating_mul(d as usize);
        }
    }
    let mut out: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(i) = infer {
        if known == 0 || !total.is_multiple_of(known) {
            return Err(Error::shape(
                "reshape",
                format!("cannot infer -1 in {shape:?}"),
                vec![from.to_vec()],
            ));
        }
        out[i] = total / known;
    }
    if numel(&out) != total {
        return Err(Error::shape(
            "reshape",
            format!("cannot reshape {} elements into {shape:?}", total),
            vec![from.to_vec()],
        ));
    }
    Ok(out)
}

/// Python's `slice(start, stop, step).indices(n)`: the first index and the
/// number of elements.
fn slice_indices(n: i64, start: i64, stop: i64, step: i64) -> Result<(i64, usize)> {
    if step == 0 {
        return Err(Error::invalid("slice", "slice step cannot be zero"));
    }
    let clamp = |i: i64, lo: i64, hi: i64| -> i64 {
        let i = if i < 0 { i.saturating_add(n) } else { i };
        i.clamp(lo, hi)
    };
    let (s, e) = if step > 0 {
        (clamp(start, 0, n), clamp(stop, 0, n))
    } else {
        (clamp(start, -1, n - 1), clamp(stop, -1, n - 1))
    };
    let len = if step > 0 {
        if e > s {
            (e - s + step - 1) / step
        } else {
            0
        }
    } else if s > e {
        (s - e + (-step) - 1) / (-step)
    } else {
        0
    };
    Ok((s.max(0), len as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_slice_rules() {
        assert_eq!(slice_indices(10, 0, 10, 1).unwrap(), (0, 10));
        assert_eq!(slice_indices(10, -3, i64::MAX, 1).unwrap(), (7, 3));
        assert_eq!(slice_indices(10, 8, i64::MIN, -3).unwrap(), (8, 3));
        assert_eq!(slice_indices(10, i64::MAX, i64::MIN, -1).unwrap(), (9, 10));
        assert_eq!(slice_indices(10, 5, 2, 1).unwrap().1, 0);
        assert_eq!(slice_indices(0, 0, 5, 1).unwrap().1, 0);
        assert!(slice_indices(10, 0, 1, 0).is_err());
    }

    #[test]
    fn reshape_inference() {
        assert_eq!(infer_shape(&[2, 3], &[-1]).unwrap(), vec![6]);
        assert_eq!(infer_shape(&[0, 3], &[3, 0]).unwrap(), vec![3, 0]);
        assert!(infer_shape(&[2, 3], &[-1, -1]).is_err());
        assert!(infer_shape(&[2, 3], &[4, -1]).is_err());
        assert!(infer_shape(&[2, 3], &[-2, 3]).is_err());
    }
}
