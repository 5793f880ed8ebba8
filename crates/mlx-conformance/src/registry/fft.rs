//! Fourier transforms (`mx.fft.*`): `fft`, `ifft`, `rfft`, `irfft`, their
//! 2-d and n-d forms, `fftshift` and `ifftshift`.

use super::{one, Args, OpFn, Result, Tensor};
use mlx_ops::fft;

type OneD = fn(&Tensor, Option<usize>, i64) -> mlx_ops::Result<Tensor>;
type ND = fn(&Tensor, Option<&[usize]>, Option<&[i64]>) -> mlx_ops::Result<Tensor>;

/// `op(a, n=None, axis=-1)`. A negative `n` (which MLX rejects as an
/// invalid size) cannot be expressed as a `usize`: it is an argument error.
fn one_d(a: &mut Args, f: OneD) -> Result<Out1> {
    let x = a.tensor(0, "a")?;
    let n = a.size_opt(1, "n")?;
    let axis = a.int_or(2, "axis", -1)?;
    one(f(&x, n, axis))
}

type Out1 = super::Out;

/// The sizes `s`, non-negative (see [`one_d`]).
fn sizes(a: &mut Args) -> Result<Option<Vec<usize>>> {
    match a.ints_opt(1, "s")? {
        None => Ok(None),
        Some(v) => v
            .into_iter()
            .map(|x| usize::try_from(x).map_err(|_| a.error("s", format!("{x} must be positive"))))
            .collect::<Result<Vec<_>>>()
            .map(Some),
    }
}

/// `op(a, s=None, axes=[-2, -1])`; an explicit `axes=None` transforms every
/// axis (MLX's Python binding), as the n-d form does.
fn two_d(a: &mut Args, f: ND, n_d: ND) -> Result<Out1> {
    let x = a.tensor(0, "a")?;
    let s = sizes(a)?;
    match a.opt_raw(2, "axes")? {
        Some(v) if v.is_null() => one(n_d(&x, s.as_deref(), None)),
        Some(v) => {
            let axes = a.to_ints("axes", &v)?;
            one(f(&x, s.as_deref(), Some(&axes)))
        }
        None => one(f(&x, s.as_deref(), None)),
    }
}

/// `op(a, s=None, axes=None)`.
fn n_d(a: &mut Args, f: ND) -> Result<Out1> {
    let x = a.tensor(0, "a")?;
    let s = sizes(a)?;
    let axes = a.ints_opt(2, "axes")?;
    one(f(&x, s.as_deref(), axes.as_deref()))
}

/// `op(a, axes=None)` (an int or a list).
fn shift(a: &mut Args, f: fn(&Tensor, Option<&[i64]>) -> mlx_ops::Result<Tensor>) -> Result<Out1> {
    let x = a.tensor(0, "a")?;
    let axes = a.ints_opt(1, "axes")?;
    one(f(&x, axes.as_deref()))
}

/// `mx.fft.<op>(x, n=.., axis=.., s=.., axes=..)` by name, for the
/// derivative cases.
#[derive(Clone)]
struct Named {
    op: String,
    n: Option<usize>,
    axis: Option<i64>,
    s: Option<Vec<usize>>,
    axes: Option<Vec<i64>>,
}

impl Named {
    /// Reads `op` and the transform's keyword arguments (after two tensors).
    fn read(a: &mut Args) -> Result<Named> {
        let op = a
            .str_opt(2, "op")?
            .ok_or_else(|| a.error("op", "missing the transform's name"))?;
        let n = a.size_opt(3, "n")?;
        let axis = a.int_opt(4, "axis")?;
        let s = match a.ints_opt(5, "s")? {
            None => None,
            Some(v) => Some(
                v.into_iter()
                    .map(|x| usize::try_from(x).map_err(|_| a.error("s", "must be positive")))
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        let axes = a.ints_opt(6, "axes")?;
        Ok(Named {
            op,
            n,
            axis,
            s,
            axes,
        })
    }

    fn apply(&self, x: &Tensor) -> mlx_ops::Result<Tensor> {
        let ax = self.axis.unwrap_or(-1);
        let (s, axes) = (self.s.as_deref(), self.axes.as_deref());
        match self.op.as_str() {
            "fft" => fft::fft(x, self.n, ax),
            "ifft" => fft::ifft(x, self.n, ax),
            "rfft" => fft::rfft(x, self.n, ax),
            "irfft" => fft::irfft(x, self.n, ax),
            "fft2" => fft::fft2(x, s, axes),
            "ifft2" => fft::ifft2(x, s, axes),
            "rfft2" => fft::rfft2(x, s, axes),
            "irfft2" => fft::irfft2(x, s, axes),
            "fftn" => fft::fftn(x, s, axes),
            "ifftn" => fft::ifftn(x, s, axes),
            "rfftn" => fft::rfftn(x, s, axes),
            "irfftn" => fft::irfftn(x, s, axes),
            o => Err(mlx_ops::Error::invalid(
                "conformance",
                format!("unknown transform {o}"),
            )),
        }
    }
}

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
    ("fft.fft", |a| one_d(a, fft::fft)),
    ("fft.ifft", |a| one_d(a, fft::ifft)),
    ("fft.rfft", |a| one_d(a, fft::rfft)),
    ("fft.irfft", |a| one_d(a, fft::irfft)),
    ("fft.fft2", |a| two_d(a, fft::fft2, fft::fftn)),
    ("fft.ifft2", |a| two_d(a, fft::ifft2, fft::ifftn)),
    ("fft.rfft2", |a| two_d(a, fft::rfft2, fft::rfftn)),
    ("fft.irfft2", |a| two_d(a, fft::irfft2, fft::irfftn)),
    ("fft.fftn", |a| n_d(a, fft::fftn)),
    ("fft.ifftn", |a| n_d(a, fft::ifftn)),
    ("fft.rfftn", |a| n_d(a, fft::rfftn)),
    ("fft.irfftn", |a| n_d(a, fft::irfftn)),
    ("fft.fftshift", |a| shift(a, fft::fftshift)),
    ("fft.ifftshift", |a| shift(a, fft::ifftshift)),
    // derivative probes: the vjp of a transform at a cotangent, the jvp
    // along a tangent (`fft_vjp(x, ct, op, **kwargs)` in generate.py)
    ("fft_vjp", |a| {
        let x = a.tensor(0, "x")?;
        let ct = a.tensor(1, "ct")?;
        let f = Named::read(a)?;
        let (_, g) = mlx_autograd::vjp(|p| Ok(vec![f.apply(&p[0])?]), &[x], &[ct])?;
        one(g
            .into_iter()
            .next()
            .ok_or_else(|| mlx_ops::Error::invalid("fft_vjp", "no cotangent returned")))
    }),
    ("fft_jvp", |a| {
        let x = a.tensor(0, "x")?;
        let t = a.tensor(1, "t")?;
        let f = Named::read(a)?;
        let (_, d) = mlx_autograd::jvp(|p| Ok(vec![f.apply(&p[0])?]), &[x], &[t])?;
        one(d
            .into_iter()
            .next()
            .ok_or_else(|| mlx_ops::Error::invalid("fft_jvp", "no tangent returned")))
    }),
];
