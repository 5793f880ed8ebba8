//! Convolutions: `conv1d/2d/3d`, `conv_transpose1d/2d/3d`, `conv_general`,
//! `convolve`.

use super::{one, Arg, Args, OpFn, Result};

/// An int-or-sequence parameter as `usize`s, `n` long (a lone int repeats).
fn seq(a: &mut Args, i: usize, name: &str, n: usize, default: usize) -> Result<Vec<usize>> {
    let v = match a.opt(i, name)? {
        None => return Ok(vec![default; n]),
        Some(v) => a.to_ints(name, &v)?,
    };
    let v: Vec<usize> = v
        .into_iter()
        .map(|x| usize::try_from(x).map_err(|_| a.error(name, "must be non-negative")))
        .collect::<Result<_>>()?;
    Ok(if v.len() == 1 { vec![v[0]; n] } else { v })
}

fn pair(v: &[usize], a: &Args, name: &str) -> Result<(usize, usize)> {
    match v {
        [x, y] => Ok((*x, *y)),
        _ => Err(a.error(name, "expected 2 values")),
    }
}

fn triple(v: &[usize], a: &Args, name: &str) -> Result<(usize, usize, usize)> {
    match v {
        [x, y, z] => Ok((*x, *y, *z)),
        _ => Err(a.error(name, "expected 3 values")),
    }
}

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
    ("conv1d", |a| {
        let x = a.tensor(0, "input")?;
        let w = a.tensor(1, "weight")?;
        let s = seq(a, 2, "stride", 1, 1)?[0];
        let p = seq(a, 3, "padding", 1, 0)?[0];
        let d = seq(a, 4, "dilation", 1, 1)?[0];
        let g = seq(a, 5, "groups", 1, 1)?[0];
        one(x.conv1d(&w, s, p, d, g))
    }),
    ("conv2d", |a| {
        let x = a.tensor(0, "input")?;
        let w = a.tensor(1, "weight")?;
        let s = seq(a, 2, "stride", 2, 1)?;
        let p = seq(a, 3, "padding", 2, 0)?;
        let d = seq(a, 4, "dilation", 2, 1)?;
        let g = seq(a, 5, "groups", 1, 1)?[0];
        let (s, p, d) = (
            pair(&s, a, "stride")?,
            pair(&p, a, "padding")?,
            pair(&d, a, "dilation")?,
        );
        one(x.conv2d(&w, s, p, d, g))
    }),
    ("conv3d", |a| {
        let x = a.tensor(0, "input")?;
        let w = a.tensor(1, "weight")?;
        let s = seq(a, 2, "stride", 3, 1)?;
        let p = seq(a, 3, "padding", 3, 0)?;
        let d = seq(a, 4, "dilation", 3, 1)?;
        let g = seq(a, 5, "groups", 1, 1)?[0];
        let (s, p, d) = (
            triple(&s, a, "stride")?,
            triple(&p, a, "padding")?,
            triple(&d, a, "dilation")?,
        );
        one(x.conv3d(&w, s, p, d, g))
    }),
    ("conv_transpose1d", |a| {
        let x = a.tensor(0, "input")?;
        let w = a.tensor(1, "weight")?;
        let s = seq(a, 2, "stride", 1, 1)?[0];
        let p = seq(a, 3, "padding", 1, 0)?[0];
        let d = seq(a, 4, "dilation", 1, 1)?[0];
        let op = seq(a, 5, "output_padding", 1, 0)?[0];
        let g = seq(a, 6, "groups", 1, 1)?[0];
        one(x.conv_transpose1d(&w, s, p, d, op, g))
    }),
    ("conv_transpose2d", |a| {
        let x = a.tensor(0, "input")?;
        let w = a.tensor(1, "weight")?;
        let s = seq(a, 2, "stride", 2, 1)?;
        let p = seq(a, 3, "padding", 2, 0)?;
        let d = seq(a, 4, "dilation", 2, 1)?;
        let op = seq(a, 5, "output_padding", 2, 0)?;
        let g = seq(a, 6, "groups", 1, 1)?[0];
        one(x.conv_transpose2d(
            &w,
            pair(&s, a, "stride")?,
            pair(&p, a, "padding")?,
            pair(&d, a, "dilation")?,
            pair(&op, a, "output_padding")?,
            g,
        ))
    }),
    ("conv_transpose3d", |a| {
        let x = a.tensor(0, "input")?;
        let w = a.tensor(1, "weight")?;
        let s = seq(a, 2, "stride", 3, 1)?;
        let p = seq(a, 3, "padding", 3, 0)?;
        let d = seq(a, 4, "dilation", 3, 1)?;
        let op = seq(a, 5, "output_padding", 3, 0)?;
        let g = seq(a, 6, "groups", 1, 1)?[0];
        one(x.conv_transpose3d(
            &w,
            triple(&s, a, "stride")?,
            triple(&p, a, "padding")?,
            triple(&d, a, "dilation")?,
            triple(&op, a, "output_padding")?,
            g,
        ))
    }),
    ("conv_general", |a| {
        let x = a.tensor(0, "input")?;
        let w = a.tensor(1, "weight")?;
        let s = seq(a, 2, "stride", 1, 1)?;
        // padding: an int, a list, or a pair of lists (low, high)
        let (lo, hi) = match a.opt(3, "padding")? {
            None => (vec![0], vec![0]),
            Some(Arg::List(l)) if l.len() == 2 && l.iter().all(|x| matches!(x, Arg::List(_))) => {
                let lo = a.to_ints("padding", &l[0])?;
                let hi = a.to_ints("padding", &l[1])?;
                let u = |v: Vec<i64>| -> Result<Vec<usize>> {
                    v.into_iter()
                        .map(|x| {
                            usize::try_from(x)
                                .map_err(|_| a.error("padding", "must be non-negative"))
                        })
                        .collect()
                };
                (u(lo)?, u(hi)?)
            }
            Some(v) => {
                let p: Vec<usize> = a
                    .to_ints("padding", &v)?
                    .into_iter()
                    .map(|x| {
                        usize::try_from(x).map_err(|_| a.error("padding", "must be non-negative"))
                    })
                    .collect::<Result<_>>()?;
                (p.clone(), p)
            }
        };
        let kd = seq(a, 4, "kernel_dilation", 1, 1)?;
        let id = seq(a, 5, "input_dilation", 1, 1)?;
        let g = seq(a, 6, "groups", 1, 1)?[0];
        let flip = a.bool_or(7, "flip", false)?;
        one(x.conv_general(&w, &s, &lo, &hi, &kd, &id, g, flip))
    }),
    ("convolve", |a| {
        let x = a.tensor(0, "a")?;
        let v = a.tensor(1, "v")?;
        let mode = a.str_opt(2, "mode")?.unwrap_or_else(|| "full".to_string());
        one(mlx_ops::convolve(&x, &v, &mode))
    }),
];
