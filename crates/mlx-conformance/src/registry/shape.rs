//! Shape ops: reshapes, transposes, broadcasting, joins and splits, `pad`,
//! `repeat`, `tile`, `roll`, `flip`, `as_strided`, `view`.

use super::{many, one, refs, Arg, Args, OpFn, Out, Result, Scalar, Tensor, Value, R};

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
    ("reshape", |a| {
        let x = a.tensor(0, "a")?;
        let shape = a.ints(1, "shape")?;
        one(x.reshape(&shape))
    }),
    ("flatten", |a| {
        let x = a.tensor(0, "a")?;
        let s = a.int_or(1, "start_axis", 0)?;
        let e = a.int_or(2, "end_axis", -1)?;
        one(x.flatten(s, e))
    }),
    ("unflatten", |a| {
        let x = a.tensor(0, "a")?;
        let axis = a.int(1, "axis")?;
        let shape = a.ints(2, "shape")?;
        one(x.unflatten(axis, &shape))
    }),
    ("transpose", |a| permute(a, Tensor::transpose)),
    ("permute_dims", |a| permute(a, Tensor::permute_dims)),
    ("swapaxes", |a| {
        let x = a.tensor(0, "a")?;
        let (i, j) = (a.int(1, "axis1")?, a.int(2, "axis2")?);
        one(x.swapaxes(i, j))
    }),
    ("moveaxis", |a| {
        let x = a.tensor(0, "a")?;
        let (s, d) = (a.int(1, "source")?, a.int(2, "destination")?);
        one(x.moveaxis(s, d))
    }),
    ("expand_dims", |a| {
        let x = a.tensor(0, "a")?;
        let axes = a.ints(1, "axis")?;
        one(x.expand_dims(axes))
    }),
    ("squeeze", |a| {
        let x = a.tensor(0, "a")?;
        let axes = a.axes(1, "axis")?;
        one(x.squeeze(axes))
    }),
    ("broadcast_to", |a| {
        let x = a.tensor(0, "a")?;
        let shape = a.shape(1, "shape")?;
        one(x.broadcast_to(&shape))
    }),
    ("broadcast_arrays", |a| {
        let ts = a.rest_tensors(0, "arrays")?;
        many(mlx_ops::broadcast_arrays(&refs(&ts)))
    }),
    ("atleast_1d", |a| atleast(a, Tensor::atleast_1d)),
    ("atleast_2d", |a| atleast(a, Tensor::atleast_2d)),
    ("atleast_3d", |a| atleast(a, Tensor::atleast_3d)),
    ("concatenate", |a| {
        let ts = a.tensors(0, "arrays")?;
        match a.opt_raw(1, "axis")? {
            // axis=None joins the flattened arrays
            Some(Arg::Value(Value::Null)) => {
                let flat: Vec<Tensor> = ts
                    .iter()
                    .map(|t| t.reshape(&[-1]))
                    .collect::<mlx_ops::Result<_>>()?;
                one(mlx_ops::concatenate(&refs(&flat), 0))
            }
            Some(ax) => {
                let ax = a.to_int("axis", &ax)?;
                one(mlx_ops::concatenate(&refs(&ts), ax))
            }
            None => one(mlx_ops::concatenate(&refs(&ts), 0)),
        }
    }),
    ("stack", |a| {
        let ts = a.tensors(0, "arrays")?;
        let axis = a.int_or(1, "axis", 0)?;
        one(mlx_ops::stack(&refs(&ts), axis))
    }),
    ("split", |a| {
        let x = a.tensor(0, "a")?;
        let ios = a.req(1, "indices_or_sections")?;
        let axis = a.int_or(2, "axis", 0)?;
        match ios {
            Arg::List(_) => {
                let idx = a.to_ints("indices_or_sections", &ios)?;
                many(x.split_at(&idx, axis))
            }
            n => {
                let n = a.to_int("indices_or_sections", &n)?;
                let n = usize::try_from(n)
                    .map_err(|_| a.error("indices_or_sections", "must be non-negative"))?;
                many(x.split(n, axis))
            }
        }
    }),
    ("pad", pad),
    ("unstack", |a| {
        let x = a.tensor(0, "x")?;
        let axis = a.int_or(1, "axis", 0)?;
        many(x.unstack(axis))
    }),
    ("repeat", |a| {
        let x = a.tensor(0, "array")?;
        let r = a.int(1, "repeats")?;
        let r = usize::try_from(r).map_err(|_| a.error("repeats", "cannot be negative"))?;
        let axis = a.axis_opt(2, "axis")?;
        one(x.repeat(r, axis))
    }),
    ("tile", |a| {
        let x = a.tensor(0, "a")?;
        let reps = a.shape(1, "reps")?;
        one(x.tile(&reps))
    }),
    ("roll", |a| {
        let x = a.tensor(0, "a")?;
        let shift_arg = a.req(1, "shift")?;
        let shift = a.to_ints("shift", &shift_arg)?;
        let axes = a.ints_opt(2, "axis")?;
        // MLX broadcasts an int shift over the axes, but a tuple needs one
        // shift per axis (the Rust API broadcasts any single shift)
        if let (Arg::List(_), Some(ax)) = (&shift_arg, &axes) {
            if shift.len() < ax.len() {
                return Err(a.error(
                    "shift",
                    format!(
                        "at least one shift value per axis is required, {} provided for {} axes",
                        shift.len(),
                        ax.len()
                    ),
                ));
            }
        }
        one(x.roll(&shift, axes.as_deref()))
    }),
    ("flip", |a| {
        let x = a.tensor(0, "a")?;
        let axes = a.ints_opt(1, "axis")?;
        one(x.flip(axes.as_deref()))
    }),
    ("as_strided", |a| {
        let x = a.tensor(0, "a")?;
        let shape = a.shape_opt(1, "shape")?;
        let strides = a.ints_opt(2, "strides")?;
        let offset = a.size_opt(3, "offset")?.unwrap_or(0);
        one(x.as_strided(shape.as_deref(), strides.as_deref(), offset))
    }),
    ("contiguous", |a| {
        let x = a.tensor(0, "a")?;
        let col = a.bool_or(1, "allow_col_major", false)?;
        one(x.contiguous(col))
    }),
    ("view", |a| {
        let x = a.tensor(0, "a")?;
        let dtype = a
            .dtype_opt(1, "dtype")?
            .ok_or_else(|| a.error("dtype", "missing required argument"))?;
        one(x.view(dtype))
    }),
];

/// `op(*arys)`: one array for one argument, a list otherwise.
fn atleast(a: &mut Args, f: fn(&Tensor) -> R) -> Result<Out> {
    let ts = a.rest_tensors(0, "arys")?;
    if ts.len() == 1 {
        return one(f(&ts[0]));
    }
    many(ts.iter().map(f).collect())
}

/// `transpose`/`permute_dims(a, axes=None)`; `None` reverses the axes.
fn permute(a: &mut Args, f: fn(&Tensor, &[i64]) -> R) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    let axes = a.ints_opt(1, "axes")?.unwrap_or_default();
    one(f(&x, &axes))
}

/// `pad(a, pad_width, mode="constant", constant_values=0)`: `pad_width` is
/// an int (every axis), a `(before, after)` pair (every axis) or one pair
/// per axis.
fn pad(a: &mut Args) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    let pw = a.req(1, "pad_width")?;
    let mode = a.str_opt(2, "mode")?;
    if mode.as_deref().is_some_and(|m| m != "constant") {
        return Err(a.error("mode", "only mode=\"constant\" has a Rust API equivalent"));
    }
    let value = a
        .scalar_opt(3, "constant_values")?
        .unwrap_or(Scalar::Int(0));
    let width = |v: i64| {
        usize::try_from(v).map_err(|_| a.error("pad_width", format!("negative width {v}")))
    };
    let pair = |p: &[i64]| -> Result<(usize, usize)> {
        match p {
            [n] => Ok((width(*n)?, width(*n)?)),
            [b, e] => Ok((width(*b)?, width(*e)?)),
            _ => Err(a.error("pad_width", format!("{p:?} is not a (before, after) pair"))),
        }
    };
    let widths: Vec<(usize, usize)> = match &pw {
        // MLX's binding: one (before, after) pair for every axis, or one pair
        // for all of them
        Arg::List(l) if l.iter().any(|x| matches!(x, Arg::List(_))) => {
            let pairs = l
                .iter()
                .map(|p| pair(&a.to_ints("pad_width", p)?))
                .collect::<Result<Vec<_>>>()?;
            match pairs.len() {
                1 => vec![pairs[0]; x.ndim()],
                n if n == x.ndim() => pairs,
                n => {
                    return Err(a.error(
                        "pad_width",
                        format!("{n} (before, after) pairs for {} axes", x.ndim()),
                    ))
                }
            }
        }
        p => vec![pair(&a.to_ints("pad_width", p)?)?; x.ndim()],
    };
    one(x.pad(&widths, value))
}
