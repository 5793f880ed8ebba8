//! Central finite differences against `grad` (reverse mode) and `jvp`
//! (forward mode) for every differentiable primitive, in float64; kernels
//! that exist only in float32 (or compute in it) are checked in float32 with
//! a looser tolerance, said at each check. The table at the end classifies
//! every `Primitive` variant (an exhaustive `match`: a new variant does not
//! compile until it is classified), and
//! `every_differentiable_primitive_has_a_finite_difference_check` runs every
//! group of checks and fails unless each primitive classified as checked
//! appears in the graphs its group differentiates.

use mlx_autograd::{grad, jvp, value_and_grad};
use mlx_core::{
    ArgReduceOp, BinaryOp, Dtype, Primitive, ReduceOp, Scalar, ScanOp, ScatterOp, UnaryOp,
};
use mlx_ops::{concatenate, fast, fft, linalg, quantized, Result, Tensor, ALL};
use num_complex::Complex32;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Deterministic inputs in `[lo, hi]` of the given shape (float64).
fn input(shape: &[usize], lo: f64, hi: f64, seed: f64) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n)
        .map(|i| {
            let u = ((i as f64 + 1.0) * 12.9898 + seed * 78.233).sin() * 43758.5453;
            lo + (hi - lo) * (u - u.floor())
        })
        .collect();
    Tensor::from_slice(&v, shape).expect("input")
}

/// A weighting so that the scalar loss has no symmetric cancellation.
fn weights(shape: &[usize]) -> Tensor {
    input(shape, 0.5, 1.5, 7.0)
}

/// How finely to differentiate and how closely to agree.
#[derive(Clone, Copy)]
struct Prec {
    dtype: Dtype,
    eps: f64,
    tol: f64,
}

/// The default: float64, `|analytic - fd| < 1e-5 (1 + |fd|)`.
const F64: Prec = Prec {
    dtype: Dtype::Float64,
    eps: 1e-6,
    tol: 1e-5,
};

/// For kernels that exist only in float32 (FFT, quantized products) or
/// compute in it (`fast.rms_norm`): float32 inputs, a step of 1e-2 (the ops
/// checked this way are linear or smooth, so the truncation error is small)
/// and a tolerance of 2e-3 against float32 rounding.
const F32: Prec = Prec {
    dtype: Dtype::Float32,
    eps: 1e-2,
    tol: 2e-3,
};

thread_local! {
    /// While a coverage run records: the primitives of every checked graph.
    static SEEN: RefCell<Option<BTreeSet<String>>> = const { RefCell::new(None) };
}

/// The key a primitive is recorded and classified under.
fn key(p: &Primitive) -> String {
    match p {
        Primitive::Unary(u) => format!("Unary::{u:?}"),
        Primitive::Binary(b) => format!("Binary::{b:?}"),
        Primitive::Reduce { op, .. } => format!("Reduce::{op:?}"),
        Primitive::ArgReduce { op, .. } => format!("ArgReduce::{op:?}"),
        Primitive::Scan { op, .. } => format!("Scan::{op:?}"),
        Primitive::ScatterAxis { op, .. } => format!("ScatterAxis::{op:?}"),
        Primitive::Custom(_) => "Custom".to_string(),
        p => p.name(),
    }
}

/// Records the primitives of `y`'s graph when a coverage run is on.
fn record(y: &Tensor) {
    SEEN.with(|s| {
        if let Some(set) = s.borrow_mut().as_mut() {
            let mut stack = vec![y.array().clone()];
            let mut visited = HashSet::new();
            while let Some(a) = stack.pop() {
                if visited.insert(a.id()) {
                    set.insert(key(&a.primitive()));
                    stack.extend(a.inputs());
                }
            }
        }
    });
}

fn values(t: &Tensor) -> Vec<f64> {
    t.astype(Dtype::Float64)
        .and_then(|t| t.to_vec::<f64>())
        .expect("values")
}

fn loss(op: &dyn Fn(&Tensor) -> Result<Tensor>, x: &Tensor) -> Result<Tensor> {
    let y = op(x)?;
    let w = weights(y.shape()).astype(y.dtype())?;
    y.multiply(&w)?.sum(ALL, false)
}

/// Checks `grad` of `sum(w * op(x))` against central differences at `x`
/// and, with `forward`, `jvp` along a direction against the differences'
/// directional derivative.
fn check_full(
    name: &str,
    prec: Prec,
    forward: bool,
    op: impl Fn(&Tensor) -> Result<Tensor>,
    x: Tensor,
) {
    let x = x.astype(prec.dtype).expect("cast");
    record(&op(&x).unwrap_or_else(|e| panic!("{name}: {e}")));
    let g = grad(|a: &[Tensor]| loss(&op, &a[0]), &[0])(std::slice::from_ref(&x))
        .unwrap_or_else(|e| panic!("{name}: grad: {e}"));
    assert_eq!(g[0].shape(), x.shape(), "{name}: gradient shape");
    let g = values(&g[0]);
    let xv = values(&x);
    let f = |v: &[f64]| -> f64 {
        let t = Tensor::from_slice(v, x.shape())
            .and_then(|t| t.astype(prec.dtype))
            .expect("t");
        values(&loss(&op, &t).expect("loss"))[0]
    };
    let mut fd = vec![0.0; xv.len()];
    for i in 0..xv.len() {
        let (mut p, mut m) = (xv.clone(), xv.clone());
        p[i] += prec.eps;
        m[i] -= prec.eps;
        fd[i] = (f(&p) - f(&m)) / (2.0 * prec.eps);
        assert!(
            (g[i] - fd[i]).abs() < prec.tol * (1.0 + fd[i].abs()),
            "{name}: grad[{i}] = {} but finite differences give {}",
            g[i],
            fd[i]
        );
    }
    if !forward {
        return;
    }
    let v = input(x.shape(), -1.0, 1.0, 3.0)
        .astype(prec.dtype)
        .expect("v");
    let (_, t) = jvp(
        |a: &[Tensor]| Ok(vec![loss(&op, &a[0])?]),
        std::slice::from_ref(&x),
        std::slice::from_ref(&v),
    )
    .unwrap_or_else(|e| panic!("{name}: jvp: {e}"));
    let t = values(&t[0])[0];
    let terms: Vec<f64> = fd.iter().zip(values(&v)).map(|(a, b)| a * b).collect();
    let dir: f64 = terms.iter().sum();
    let scale: f64 = terms.iter().map(|t| t.abs()).sum();
    assert!(
        (t - dir).abs() < prec.tol * (1.0 + scale),
        "{name}: jvp {t} but finite differences give {dir}"
    );
}

/// Float64, both modes.
fn check(name: &str, op: impl Fn(&Tensor) -> Result<Tensor>, x: Tensor) {
    check_full(name, F64, true, op, x)
}

/// Float32 (see [`F32`]), both modes.
fn check32(name: &str, op: impl Fn(&Tensor) -> Result<Tensor>, x: Tensor) {
    check_full(name, F32, true, op, x)
}

// ------------------------------------------------------------------ groups
// Each group is a plain function (run by its #[test] and by the coverage
// test).

macro_rules! unary_list {
    ($($name:ident: $lo:expr, $hi:expr;)*) => {
        fn unary_group() {
            $( check(stringify!($name), |x| x.$name(), input(&[2, 3], $lo, $hi, 1.0)); )*
        }
    };
}

unary_list! {
    abs: 0.1, 2.0; negative: -2.0, 2.0; square: -2.0, 2.0; sqrt: 0.2, 3.0; rsqrt: 0.2, 3.0;
    reciprocal: 0.5, 3.0; exp: -2.0, 2.0; expm1: -2.0, 2.0; log: 0.2, 3.0; log1p: -0.5, 3.0;
    log2: 0.2, 3.0; log10: 0.2, 3.0; sin: -3.0, 3.0; cos: -3.0, 3.0; tan: -1.0, 1.0;
    arcsin: -0.8, 0.8; arccos: -0.8, 0.8; arctan: -3.0, 3.0; sinh: -2.0, 2.0; cosh: -2.0, 2.0;
    tanh: -2.0, 2.0; arcsinh: -3.0, 3.0; arccosh: 1.2, 3.0; arctanh: -0.8, 0.8;
    sigmoid: -3.0, 3.0; erf: -2.0, 2.0; erfinv: -0.8, 0.8;
}

#[test]
fn unary_ops_match_finite_differences() {
    unary_group()
}

fn binary_group() {
    let other = input(&[2, 3], 0.5, 2.0, 5.0);
    let row = input(&[3], 0.5, 2.0, 6.0);
    macro_rules! both {
        ($name:literal, $f:expr, $lo:expr, $hi:expr) => {{
            let f: fn(&Tensor, &Tensor) -> Result<Tensor> = $f;
            // gradient with respect to each side, and through a broadcast
            let o = other.clone();
            check($name, move |x| f(x, &o), input(&[2, 3], $lo, $hi, 2.0));
            let x0 = input(&[2, 3], $lo, $hi, 4.0);
            check($name, move |y| f(&x0, y), other.clone());
            let x1 = input(&[2, 3], $lo, $hi, 8.0);
            check($name, move |y| f(&x1, y), row.clone());
        }};
    }
    both!("add", |a, b| a.add(b), -2.0, 2.0);
    both!("subtract", |a, b| a.subtract(b), -2.0, 2.0);
    both!("multiply", |a, b| a.multiply(b), -2.0, 2.0);
    both!("divide", |a, b| a.divide(b), -2.0, 2.0);
    both!("power", |a, b| a.power(b), 0.5, 2.0);
    both!("maximum", |a, b| a.maximum(b), -2.0, 2.0);
    both!("minimum", |a, b| a.minimum(b), -2.0, 2.0);
    both!("arctan2", |a, b| a.arctan2(b), -2.0, 2.0);
    both!("logaddexp", |a, b| a.logaddexp(b), -2.0, 2.0);
    both!("remainder", |a, b| a.remainder(b), 0.1, 5.0);
    both!("where", |a, b| a.greater(0.0)?.where_(a, b), -2.0, 2.0);
}

#[test]
fn binary_ops_match_finite_differences() {
    binary_group()
}

/// A complex value of `x` (float32): `x * c + d` for fixed complex `c`, `d`.
fn complexify(x: &Tensor) -> Result<Tensor> {
    x.astype(Dtype::Complex64)?
        .multiply(Complex32::new(0.6, -0.8))?
        .add(Complex32::new(0.3, 0.2))
}

/// Complex ops (complex64 only, so float32, see [`F32`]) through real
/// losses of real inputs: MLX's complex cotangent is `dL/dre + i dL/dim`, so
/// each rule must agree with the real finite differences.
fn complex_group() {
    let x = || input(&[2, 3], -1.0, 1.0, 1.0);
    check32("real", |x| complexify(x)?.real(), x());
    check32("imag", |x| complexify(x)?.imag(), x());
    check32("conjugate", |x| complexify(x)?.conjugate()?.imag(), x());
    // the conjugated derivative factors of complex unary, binary, product ops
    check32("complex_exp", |x| complexify(x)?.exp()?.imag(), x());
    check32("complex_square", |x| complexify(x)?.square()?.real(), x());
    // reverse mode only: MLX's forward rule of abs (ours too) is t * sign(z),
    // a complex tangent for a real output
    check_full("complex_abs", F32, false, |x| complexify(x)?.abs(), x());
    check32(
        "complex_multiply",
        |x| complexify(x)?.multiply(&complexify(&x.sin()?)?)?.imag(),
        x(),
    );
    check32(
        "complex_divide",
        |x| complexify(x)?.divide(&complexify(&x.exp()?)?)?.real(),
        x(),
    );
    check32(
        "complex_matmul",
        |x| {
            let c = complexify(&input(&[3, 2], -1.0, 1.0, 2.0).astype(Dtype::Float32)?)?;
            complexify(x)?.matmul(&c)?.imag()
        },
        x(),
    );
    check32(
        "complex_prod",
        |x| complexify(x)?.prod(1, false)?.real(),
        x(),
    );
}

#[test]
fn complex_ops_match_finite_differences() {
    complex_group()
}

fn misc_group() {
    use mlx_autograd::{checkpoint, custom_function};
    check(
        "depends",
        |x| x.exp()?.depends(&[&x.sin()?]),
        input(&[2, 3], -1.0, 1.0, 1.0),
    );
    check(
        "checkpoint",
        |x| {
            let ck = checkpoint(|a: &[Tensor]| Ok(vec![a[0].sin()?.multiply(&a[0])?]));
            Ok(ck(std::slice::from_ref(x))?.remove(0))
        },
        input(&[2, 3], -1.0, 1.0, 1.0),
    );
    // a custom function whose rules are the true derivative
    check(
        "custom_function",
        |x| {
            let f = custom_function(|a: &[Tensor]| Ok(vec![a[0].exp()?]))
                .vjp(|p, c, _| Ok(vec![c[0].multiply(&p[0].exp()?)?]))
                .jvp(|p, t| Ok(vec![t[0].multiply(&p[0].exp()?)?]));
            Ok(f.call(std::slice::from_ref(x))?.remove(0))
        },
        input(&[2, 3], -1.0, 1.0, 1.0),
    );
}

#[test]
fn depends_checkpoint_and_custom_identity_match_finite_differences() {
    misc_group()
}

fn reduction_group() {
    let x = || input(&[3, 4], -2.0, 2.0, 1.0);
    check("sum", |x| x.sum(1, true), x());
    check("sum_all", |x| x.sum(ALL, false)?.reshape(&[1]), x());
    check("prod", |x| x.prod(0, false), input(&[3, 4], 0.5, 1.5, 1.0));
    check("max", |x| x.max(1, false), x());
    check("min", |x| x.min(0, true), x());
    check("mean", |x| x.mean(ALL, false)?.reshape(&[1]), x());
    check("var", |x| x.var(1, false, 1), x());
    check("std", |x| x.std(0, false, 0), x());
    check("logsumexp", |x| x.logsumexp(1, false), x());
    check("softmax_last", |x| x.softmax(-1, false), x());
    check("softmax_axis0", |x| x.softmax(0, false), x());
    check("softmax_precise", |x| x.softmax(-1, true), x());
    check("log_softmax", |x| x.log_softmax(-1), x());
}

#[test]
fn reductions_match_finite_differences() {
    reduction_group()
}

fn shape_group() {
    let x = || input(&[2, 3, 4], -2.0, 2.0, 1.0);
    check("reshape", |x| x.reshape(&[4, -1]), x());
    check("transpose", |x| x.transpose(&[2, 0, 1]), x());
    check("copy_reshape", |x| x.transpose(&[])?.reshape(&[-1]), x());
    check("contiguous", |x| x.transpose(&[])?.contiguous(false), x());
    check(
        "broadcast",
        |x| x.slice_axis(0, 0, 1, 1)?.broadcast_to(&[3, 3, 4]),
        x(),
    );
    check(
        "slice_step",
        |x| x.slice(&[1, 0, 3], &[2, 3, i64::MIN], &[1, 2, -2]),
        x(),
    );
    check("slice_step3", |x| x.slice_axis(2, 0, 4, 3), x());
    check("pad", |x| x.pad(&[(1, 0), (0, 2)], 0.0), x());
    check("concatenate", |x| concatenate(&[x, &x.exp()?], 1), x());
    check("expand_squeeze", |x| x.expand_dims(1)?.squeeze(1), x());
    // overlapping windows: each element read several times
    check(
        "as_strided",
        |x| x.as_strided(Some(&[3, 5]), Some(&[4, 2]), 1),
        x(),
    );
    check("matmul", |x| x.matmul(&input(&[4, 5], -1.0, 1.0, 2.0)), x());
    check(
        "matmul_rhs",
        |x| input(&[3, 2], -1.0, 1.0, 2.0).matmul(&x.reshape(&[2, 12])?),
        x(),
    );
    check(
        "matmul_vec",
        |x| x.matmul(&input(&[4], -1.0, 1.0, 3.0)),
        x(),
    );
    check(
        "matmul_batch_broadcast",
        |x| {
            input(&[5, 1, 2, 3], -1.0, 1.0, 4.0).matmul(
                &x.slice_axis(2, 0, 2, 1)?
                    .reshape(&[2, 3, 2])?
                    .slice_axis(0, 0, 1, 1)?,
            )
        },
        x(),
    );
}

#[test]
fn shape_ops_and_matmul_match_finite_differences() {
    shape_group()
}

fn scan_group() {
    let x = || input(&[3, 4], -2.0, 2.0, 1.0);
    for (rev, inc) in [(false, true), (true, true), (false, false), (true, false)] {
        let tag = format!("rev{rev}_inc{inc}");
        check(
            &format!("cumsum_{tag}"),
            move |x| x.cumsum(Some(1), rev, inc),
            x(),
        );
        check(
            &format!("cumprod_{tag}"),
            move |x| x.cumprod(Some(1), rev, inc),
            input(&[3, 4], 0.5, 1.5, 1.0),
        );
        // an exclusive running max/min starts at -inf/inf: drop that position
        let (lo, hi) = match (inc, rev) {
            (true, _) => (0, 4),
            (false, false) => (1, 4),
            (false, true) => (0, 3),
        };
        check(
            &format!("cummax_{tag}"),
            move |x| x.cummax(Some(1), rev, inc)?.slice_axis(1, lo, hi, 1),
            x(),
        );
        check(
            &format!("cummin_{tag}"),
            move |x| x.cummin(Some(1), rev, inc)?.slice_axis(1, lo, hi, 1),
            x(),
        );
        check(
            &format!("logcumsumexp_{tag}"),
            move |x| x.logcumsumexp(Some(1), rev, inc)?.slice_axis(1, lo, hi, 1),
            x(),
        );
    }
    check("cumsum_axis0", |x| x.cumsum(Some(0), false, true), x());
    check(
        "cumprod_flat",
        |x| x.cumprod(None, false, true),
        input(&[3, 4], 0.5, 1.5, 2.0),
    );
}

#[test]
fn scans_match_finite_differences() {
    scan_group()
}

fn index_group() {
    let x = || input(&[4, 5], -2.0, 2.0, 1.0);
    let idx = || Tensor::from_slice(&[2i32, 0, 2, -1, 1], &[5]).expect("idx");
    check("take_axis0", move |x| x.take(&idx(), Some(0)), x());
    check("take_axis1", move |x| x.take(&idx(), Some(1)), x());
    check("take_flat", move |x| x.take(&idx(), None), x());
    let ta = || Tensor::from_slice(&[0i32, 4, 4, 1, 3, 2, 0, 0], &[4, 2]).expect("ta");
    check(
        "take_along_axis",
        move |x| x.take_along_axis(&ta(), Some(1)),
        x(),
    );
    // distinct indices per row: the assigned values are all kept
    let pa = || Tensor::from_slice(&[0i32, 4, 3, 1, 2, 0, 1, 4], &[4, 2]).expect("pa");
    let upd = || input(&[4, 2], -1.0, 1.0, 9.0);
    check(
        "put_along_axis_x",
        move |x| x.put_along_axis(&pa(), upd(), Some(1)),
        x(),
    );
    check(
        "put_along_axis_updates",
        move |u| x().put_along_axis(&pa(), u, Some(1)),
        upd(),
    );
    check(
        "scatter_add_axis_x",
        move |x| x.scatter_add_axis(&ta(), upd(), Some(1)),
        x(),
    );
    check(
        "scatter_add_axis_updates",
        move |u| x().scatter_add_axis(&ta(), u, Some(1)),
        upd(),
    );
}

#[test]
fn gathers_and_scatters_match_finite_differences() {
    index_group()
}

fn sort_group() {
    let x = || input(&[3, 5], -2.0, 2.0, 1.0);
    check("sort", |x| x.sort(Some(1)), x());
    check("sort_axis0", |x| x.sort(Some(0)), x());
    check("partition", |x| x.partition(2, Some(1)), x());
    check("partition_axis0", |x| x.partition(-1, Some(0)), x());
    check("topk", |x| x.topk(2, Some(1)), x());
    check("median", |x| x.median(1, false), x());
}

#[test]
fn sorts_and_partitions_match_finite_differences() {
    sort_group()
}

fn conv_group() {
    let x = || input(&[2, 7, 4], -1.0, 1.0, 1.0);
    type Conv = fn(&Tensor, &Tensor) -> Result<Tensor>;
    // (name, weight shape, convolution of x [2, 7, 4] with w)
    let convs: [(&str, [usize; 3], Conv); 5] = [
        ("conv1d_stride_pad_groups", [4, 3, 2], |x, w| {
            x.conv1d(w, 2, 1, 1, 2)
        }),
        ("conv1d_dilated", [3, 2, 4], |x, w| x.conv1d(w, 1, 2, 2, 1)),
        ("conv_transpose1d", [3, 3, 4], |x, w| {
            x.conv_transpose1d(w, 2, 1, 1, 1, 1)
        }),
        ("conv_general_flip_input_dilation", [3, 2, 4], |x, w| {
            x.conv_general(w, &[1], &[1], &[2], &[1], &[2], 1, true)
        }),
        ("conv2d", [3, 2, 2], |x, w| {
            x.reshape(&[2, 7, 2, 2])?
                .conv2d(&w.reshape(&[3, 2, 1, 2])?, (2, 1), (1, 0), (1, 1), 1)
        }),
    ];
    for (name, ws, f) in convs {
        let w = move || input(&ws, -1.0, 1.0, 2.0);
        check(&format!("{name}_x"), move |x| f(x, &w()), x());
        check(&format!("{name}_w"), move |w| f(&x(), w), w());
    }
}

#[test]
fn convolutions_match_finite_differences() {
    conv_group()
}

/// Real and imaginary parts of a complex result, mixed into one real array.
fn parts(z: &Tensor) -> Result<Tensor> {
    z.real()?.add(&z.imag()?.multiply(0.7)?)
}

/// The transforms exist for complex64 only: float32 (see [`F32`]). Complex
/// inputs are `complexify(x)`, so the real finite differences also test the
/// imaginary part of each rule.
fn fft_group() {
    let x = || input(&[2, 6], -1.0, 1.0, 1.0);
    check32("fft", |x| parts(&fft::fft(x, None, -1)?), x());
    check32(
        "ifft",
        |x| parts(&fft::ifft(&complexify(x)?, None, -1)?),
        x(),
    );
    check32("fft_n", |x| parts(&fft::fft(x, Some(4), 0)?), x());
    check32("rfft", |x| parts(&fft::rfft(x, None, -1)?), x());
    check32("rfft_pad", |x| parts(&fft::rfft(x, Some(9), -1)?), x());
    check32("irfft", |x| fft::irfft(&complexify(x)?, Some(10), -1), x());
    check32(
        "irfft_odd",
        |x| fft::irfft(&complexify(x)?, Some(11), -1),
        x(),
    );
    let x3 = || input(&[2, 3, 4], -1.0, 1.0, 2.0);
    check32("fft2", |x| parts(&fft::fft2(x, None, None)?), x3());
    check32("rfftn", |x| parts(&fft::rfftn(x, None, None)?), x3());
    check32("irfftn", |x| fft::irfftn(&complexify(x)?, None, None), x3());
}

#[test]
fn fourier_transforms_match_finite_differences() {
    fft_group()
}

/// Quantized kernels exist in float32 (and half precision) only: float32
/// (see [`F32`]); the products are linear in `x`, scales and biases.
fn quantized_group() {
    let f32in = |shape: &[usize], seed: f64| {
        input(shape, -1.0, 1.0, seed)
            .astype(Dtype::Float32)
            .expect("f32")
    };
    let (wq, s, b) = quantized::quantize(&f32in(&[8, 64], 5.0), 64, 4).expect("quantize");
    let (wq2, s2, b2) = (wq.clone(), s.clone(), b.clone());
    check32(
        "quantized_matmul_x",
        move |x| quantized::quantized_matmul(x, &wq2, &s2, &b2, true, 64, 4),
        input(&[2, 64], -1.0, 1.0, 1.0),
    );
    let (wq2, s2, b2) = (wq.clone(), s.clone(), b.clone());
    check32(
        "quantized_matmul_x_untransposed",
        move |x| quantized::quantized_matmul(x, &wq2, &s2, &b2, false, 64, 4),
        input(&[3, 8], -1.0, 1.0, 1.0),
    );
    // MLX (and we) define no forward mode with respect to scales and biases
    let (wq2, b2, x0) = (wq.clone(), b.clone(), f32in(&[2, 64], 1.0));
    check_full(
        "quantized_matmul_scales",
        F32,
        false,
        move |s| quantized::quantized_matmul(&x0, &wq2, s, &b2, true, 64, 4),
        s.clone(),
    );
    let (wq2, s2, x0) = (wq.clone(), s.clone(), f32in(&[2, 64], 1.0));
    check_full(
        "quantized_matmul_biases",
        F32,
        false,
        move |b| quantized::quantized_matmul(&x0, &wq2, &s2, b, true, 64, 4),
        b.clone(),
    );
    let (wq2, b2) = (wq.clone(), b.clone());
    check32(
        "dequantize_scales",
        move |s| quantized::dequantize(&wq2, s, &b2, 64, 4, None),
        s.clone(),
    );
    let (wq2, s2) = (wq.clone(), s.clone());
    check32(
        "dequantize_biases",
        move |b| quantized::dequantize(&wq2, &s2, b, 64, 4, None),
        b.clone(),
    );
    // quantize: scales and biases follow the group's max and min (MLX's
    // composite); values 0.03 apart, so a step of 1e-2 changes no extreme
    // and no rounded first code
    let spread: Vec<f64> = (0..128)
        .map(|i| {
            let v = -1.0 + 1.9 * ((i % 64) * 37 % 64) as f64 / 63.0;
            if i < 64 {
                v
            } else {
                -v
            }
        })
        .collect();
    let spread = || Tensor::from_slice(&spread, &[2, 64]).expect("spread");
    check32(
        "quantize_scales",
        |w| Ok(quantized::quantize(w, 64, 4)?.1),
        spread(),
    );
    check32(
        "quantize_biases",
        |w| Ok(quantized::quantize(w, 64, 4)?.2),
        spread(),
    );
    // expert-indexed products
    let (ew, es, eb) =
        quantized::quantize(&f32in(&[2, 8, 64], 6.0), 64, 4).expect("quantize experts");
    let rhs = || Tensor::from_slice(&[1u32, 0, 1], &[3]).expect("rhs");
    let (ew2, es2, eb2) = (ew.clone(), es.clone(), eb.clone());
    check32(
        "gather_qmm_x",
        move |x| quantized::gather_qmm(x, &ew2, &es2, &eb2, None, Some(&rhs()), true, 64, 4, false),
        input(&[3, 1, 64], -1.0, 1.0, 2.0),
    );
    let (ew2, eb2, x0) = (ew.clone(), eb.clone(), f32in(&[3, 1, 64], 2.0));
    check_full(
        "gather_qmm_scales",
        F32,
        false,
        move |s| quantized::gather_qmm(&x0, &ew2, s, &eb2, None, Some(&rhs()), true, 64, 4, false),
        es.clone(),
    );
    let lhs = || Tensor::from_slice(&[2u32, 0, 1, 2], &[4]).expect("lhs");
    let rhs = || Tensor::from_slice(&[1u32, 1, 0, 0], &[4]).expect("rhs");
    let a = || f32in(&[3, 2, 4], 3.0);
    let bm = || f32in(&[2, 4, 3], 4.0);
    // float32 only (see F32)
    check32(
        "gather_mm_a",
        move |a| quantized::gather_mm(a, &bm(), Some(&lhs()), Some(&rhs()), false),
        a(),
    );
    check32(
        "gather_mm_b",
        move |b| quantized::gather_mm(&a(), b, Some(&lhs()), Some(&rhs()), false),
        bm(),
    );
}

#[test]
fn quantized_and_gathered_products_match_finite_differences() {
    quantized_group()
}

fn fast_group() {
    // rms_norm computes in float32 whatever the input: float32 (see F32)
    let w = || {
        input(&[4], 0.5, 1.5, 2.0)
            .astype(Dtype::Float32)
            .expect("w")
    };
    check32(
        "rms_norm_x",
        move |x| fast::rms_norm(x, Some(&w()), 1e-5),
        input(&[3, 4], -2.0, 2.0, 1.0),
    );
    let x0 = || {
        input(&[3, 4], -2.0, 2.0, 1.0)
            .astype(Dtype::Float32)
            .expect("x")
    };
    check32(
        "rms_norm_w",
        move |w| fast::rms_norm(&x0(), Some(w), 1e-5),
        input(&[4], 0.5, 1.5, 2.0),
    );
    // the composites compute in float32 too (see F32)
    let x = || input(&[3, 4], -2.0, 2.0, 1.0);
    let wb = || input(&[4], 0.5, 1.5, 3.0);
    check32(
        "layer_norm_x",
        move |x| fast::layer_norm(x, Some(&wb()), Some(&wb().sin()?), 1e-5),
        x(),
    );
    check32(
        "layer_norm_w",
        move |w| fast::layer_norm(&x(), Some(w), None, 1e-5),
        wb(),
    );
    let off = || Tensor::scalar(2i32);
    check32(
        "rope",
        move |q| fast::rope(q, 6, false, Some(10000.0), 1.0, &off(), None),
        input(&[1, 2, 3, 8], -1.0, 1.0, 4.0),
    );
    check32(
        "rope_traditional",
        move |q| fast::rope(q, 8, true, Some(10000.0), 0.5, &off(), None),
        input(&[1, 2, 3, 8], -1.0, 1.0, 4.0),
    );
    let q = || input(&[1, 2, 3, 4], -1.0, 1.0, 5.0);
    let k = || input(&[1, 2, 5, 4], -1.0, 1.0, 6.0);
    let sdpa = |q: &Tensor, k: &Tensor, v: &Tensor| {
        fast::scaled_dot_product_attention(q, k, v, 0.4, fast::AttentionMask::Causal, None)
    };
    check32("sdpa_q", move |q| sdpa(q, &k(), &k().cos()?), q());
    let v = move || k().cos();
    check32("sdpa_k", move |kk| sdpa(&q(), kk, &v()?), k());
    check32("sdpa_v", move |v| sdpa(&q(), &k(), v), k());
}

#[test]
fn fast_ops_match_finite_differences() {
    fast_group()
}

fn linalg_group() {
    let a = |n: usize| {
        input(&[n, n], -1.0, 1.0, 1.0)
            .add(
                Tensor::eye(n, None, 0, Dtype::Float64)
                    .expect("eye")
                    .multiply(2.0)
                    .expect("2I"),
            )
            .expect("a")
    };
    check("det_3x3", |a| linalg::det(a)?.reshape(&[1]), a(3));
    check("det_2x2", |a| linalg::det(a)?.reshape(&[1]), a(2));
    // larger sizes factor with LU, whose derivative MLX 0.32.4 lacks: both raise
    check("slogdet_3x3", |a| linalg::slogdet(a)?.1.reshape(&[1]), a(3));
    check(
        "cross",
        |a| linalg::cross(a, &input(&[2, 3], -1.0, 1.0, 2.0), -1),
        input(&[2, 3], -1.0, 1.0, 3.0),
    );
    check(
        "norm_fro",
        |a| linalg::norm(a, None, None, false)?.reshape(&[1]),
        a(3),
    );
}

#[test]
fn linalg_composites_match_finite_differences() {
    linalg_group()
}

// ------------------------------------------------------------ the table

/// How a primitive's derivative is checked.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Class {
    /// Finite differences in both modes, by the named group.
    Fd(&'static str),
    /// Checked exactly by the named test (finite differences would only
    /// measure rounding, or the derivative is zero by definition).
    Exact(&'static str),
    /// No cotangent, as in MLX: piecewise constant, integer or bool output,
    /// or a source of data.
    Zero(&'static str),
    /// No derivative: we raise, and so does MLX 0.32.4 (the conformance
    /// cases `*/err_grad` and `grad/*_raises` show both sides).
    Raises(&'static str),
    /// Differentiable but not finite-difference checked here, for the
    /// reason given.
    Unchecked(&'static str),
}
use Class::*;

impl Class {
    fn describe(&self) -> String {
        match self {
            Fd(g) => format!("finite differences, group {g}"),
            Exact(t) => format!("exact test {t}"),
            Zero(why) => format!("zero cotangent: {why}"),
            Raises(why) => format!("raises, as MLX: {why}"),
            Unchecked(why) => format!("not checked here: {why}"),
        }
    }
}

const SOURCE: &str = "a source of data: no inputs to differentiate";
const INT_OUT: &str = "integer or bool output";
const STEP: &str = "piecewise constant: zero derivative almost everywhere";

/// Every primitive, one arm per variant (and per member of the op enums):
/// `pattern => sample, class`. `classify` is an exhaustive `match` on these
/// patterns, so a new variant does not compile until it has a row, and the
/// coverage test checks that each sample lands in its own arm.
macro_rules! coverage_table {
    ($($pat:pat => $sample:expr, $class:expr;)*) => {
        fn classify(p: &Primitive) -> Class {
            match p {
                $($pat => $class,)*
            }
        }
        fn table() -> Vec<(Primitive, Class)> {
            vec![$({
                let sample: Primitive = $sample;
                assert!(matches!(sample, $pat), "{sample:?} is not a sample of its row");
                (sample, $class)
            },)*]
        }
    };
}

coverage_table! {
    Primitive::Constant => Primitive::Constant, Zero(SOURCE);
    Primitive::Arange { .. } => Primitive::Arange { start: 0.0, step: 1.0 }, Zero(SOURCE);
    Primitive::Eye { .. } => Primitive::Eye { k: 0 }, Zero(SOURCE);
    Primitive::Tri { .. } => Primitive::Tri { k: 0 }, Zero(SOURCE);
    Primitive::RandomBits { .. } => Primitive::RandomBits { width: 4 }, Zero(SOURCE);
    Primitive::Unary(UnaryOp::Abs) => Primitive::Unary(UnaryOp::Abs), Fd("unary");
    Primitive::Unary(UnaryOp::Negative) => Primitive::Unary(UnaryOp::Negative), Fd("unary");
    Primitive::Unary(UnaryOp::Sign) => Primitive::Unary(UnaryOp::Sign), Zero(STEP);
    Primitive::Unary(UnaryOp::Square) => Primitive::Unary(UnaryOp::Square), Fd("unary");
    Primitive::Unary(UnaryOp::Sqrt) => Primitive::Unary(UnaryOp::Sqrt), Fd("unary");
    Primitive::Unary(UnaryOp::Rsqrt) => Primitive::Unary(UnaryOp::Rsqrt), Fd("unary");
    Primitive::Unary(UnaryOp::Reciprocal) => Primitive::Unary(UnaryOp::Reciprocal), Fd("unary");
    Primitive::Unary(UnaryOp::Exp) => Primitive::Unary(UnaryOp::Exp), Fd("unary");
    Primitive::Unary(UnaryOp::Expm1) => Primitive::Unary(UnaryOp::Expm1), Fd("unary");
    Primitive::Unary(UnaryOp::Log) => Primitive::Unary(UnaryOp::Log), Fd("unary");
    Primitive::Unary(UnaryOp::Log1p) => Primitive::Unary(UnaryOp::Log1p), Fd("unary");
    Primitive::Unary(UnaryOp::Log2) => Primitive::Unary(UnaryOp::Log2), Fd("unary");
    Primitive::Unary(UnaryOp::Log10) => Primitive::Unary(UnaryOp::Log10), Fd("unary");
    Primitive::Unary(UnaryOp::Sin) => Primitive::Unary(UnaryOp::Sin), Fd("unary");
    Primitive::Unary(UnaryOp::Cos) => Primitive::Unary(UnaryOp::Cos), Fd("unary");
    Primitive::Unary(UnaryOp::Tan) => Primitive::Unary(UnaryOp::Tan), Fd("unary");
    Primitive::Unary(UnaryOp::ArcSin) => Primitive::Unary(UnaryOp::ArcSin), Fd("unary");
    Primitive::Unary(UnaryOp::ArcCos) => Primitive::Unary(UnaryOp::ArcCos), Fd("unary");
    Primitive::Unary(UnaryOp::ArcTan) => Primitive::Unary(UnaryOp::ArcTan), Fd("unary");
    Primitive::Unary(UnaryOp::Sinh) => Primitive::Unary(UnaryOp::Sinh), Fd("unary");
    Primitive::Unary(UnaryOp::Cosh) => Primitive::Unary(UnaryOp::Cosh), Fd("unary");
    Primitive::Unary(UnaryOp::Tanh) => Primitive::Unary(UnaryOp::Tanh), Fd("unary");
    Primitive::Unary(UnaryOp::ArcSinh) => Primitive::Unary(UnaryOp::ArcSinh), Fd("unary");
    Primitive::Unary(UnaryOp::ArcCosh) => Primitive::Unary(UnaryOp::ArcCosh), Fd("unary");
    Primitive::Unary(UnaryOp::ArcTanh) => Primitive::Unary(UnaryOp::ArcTanh), Fd("unary");
    Primitive::Unary(UnaryOp::Sigmoid) => Primitive::Unary(UnaryOp::Sigmoid), Fd("unary");
    Primitive::Unary(UnaryOp::Erf) => Primitive::Unary(UnaryOp::Erf), Fd("unary");
    Primitive::Unary(UnaryOp::ErfInv) => Primitive::Unary(UnaryOp::ErfInv), Fd("unary");
    Primitive::Unary(UnaryOp::Floor) => Primitive::Unary(UnaryOp::Floor), Zero(STEP);
    Primitive::Unary(UnaryOp::Ceil) => Primitive::Unary(UnaryOp::Ceil), Zero(STEP);
    Primitive::Unary(UnaryOp::Round) => Primitive::Unary(UnaryOp::Round), Zero(STEP);
    Primitive::Unary(UnaryOp::LogicalNot) => Primitive::Unary(UnaryOp::LogicalNot), Zero(INT_OUT);
    Primitive::Unary(UnaryOp::BitwiseInvert) => Primitive::Unary(UnaryOp::BitwiseInvert), Zero(INT_OUT);
    Primitive::Unary(UnaryOp::IsNan) => Primitive::Unary(UnaryOp::IsNan), Zero(INT_OUT);
    Primitive::Unary(UnaryOp::IsInf) => Primitive::Unary(UnaryOp::IsInf), Zero(INT_OUT);
    Primitive::Unary(UnaryOp::IsPosInf) => Primitive::Unary(UnaryOp::IsPosInf), Zero(INT_OUT);
    Primitive::Unary(UnaryOp::IsNegInf) => Primitive::Unary(UnaryOp::IsNegInf), Zero(INT_OUT);
    Primitive::Unary(UnaryOp::IsFinite) => Primitive::Unary(UnaryOp::IsFinite), Zero(INT_OUT);
    Primitive::Unary(UnaryOp::Conjugate) => Primitive::Unary(UnaryOp::Conjugate), Fd("complex");
    Primitive::Unary(UnaryOp::Real) => Primitive::Unary(UnaryOp::Real), Fd("complex");
    Primitive::Unary(UnaryOp::Imag) => Primitive::Unary(UnaryOp::Imag), Fd("complex");
    Primitive::Binary(BinaryOp::Add) => Primitive::Binary(BinaryOp::Add), Fd("binary");
    Primitive::Binary(BinaryOp::Subtract) => Primitive::Binary(BinaryOp::Subtract), Fd("binary");
    Primitive::Binary(BinaryOp::Multiply) => Primitive::Binary(BinaryOp::Multiply), Fd("binary");
    Primitive::Binary(BinaryOp::Divide) => Primitive::Binary(BinaryOp::Divide), Fd("binary");
    Primitive::Binary(BinaryOp::FloorDivide) => Primitive::Binary(BinaryOp::FloorDivide), Zero(STEP);
    Primitive::Binary(BinaryOp::Remainder) => Primitive::Binary(BinaryOp::Remainder), Fd("binary");
    Primitive::Binary(BinaryOp::Power) => Primitive::Binary(BinaryOp::Power), Fd("binary");
    Primitive::Binary(BinaryOp::Maximum) => Primitive::Binary(BinaryOp::Maximum), Fd("binary");
    Primitive::Binary(BinaryOp::Minimum) => Primitive::Binary(BinaryOp::Minimum), Fd("binary");
    Primitive::Binary(BinaryOp::ArcTan2) => Primitive::Binary(BinaryOp::ArcTan2), Fd("binary");
    Primitive::Binary(BinaryOp::LogAddExp) => Primitive::Binary(BinaryOp::LogAddExp), Fd("binary");
    Primitive::Binary(BinaryOp::Equal) => Primitive::Binary(BinaryOp::Equal), Zero(INT_OUT);
    Primitive::Binary(BinaryOp::NotEqual) => Primitive::Binary(BinaryOp::NotEqual), Zero(INT_OUT);
    Primitive::Binary(BinaryOp::Less) => Primitive::Binary(BinaryOp::Less), Zero(INT_OUT);
    Primitive::Binary(BinaryOp::LessEqual) => Primitive::Binary(BinaryOp::LessEqual), Zero(INT_OUT);
    Primitive::Binary(BinaryOp::Greater) => Primitive::Binary(BinaryOp::Greater), Zero(INT_OUT);
    Primitive::Binary(BinaryOp::GreaterEqual) => Primitive::Binary(BinaryOp::GreaterEqual), Zero(INT_OUT);
    Primitive::Binary(BinaryOp::LogicalAnd) => Primitive::Binary(BinaryOp::LogicalAnd), Zero(INT_OUT);
    Primitive::Binary(BinaryOp::LogicalOr) => Primitive::Binary(BinaryOp::LogicalOr), Zero(INT_OUT);
    Primitive::Binary(BinaryOp::BitwiseAnd) => Primitive::Binary(BinaryOp::BitwiseAnd), Zero(INT_OUT);
    Primitive::Binary(BinaryOp::BitwiseOr) => Primitive::Binary(BinaryOp::BitwiseOr), Zero(INT_OUT);
    Primitive::Binary(BinaryOp::BitwiseXor) => Primitive::Binary(BinaryOp::BitwiseXor), Zero(INT_OUT);
    Primitive::Binary(BinaryOp::LeftShift) => Primitive::Binary(BinaryOp::LeftShift), Zero(INT_OUT);
    Primitive::Binary(BinaryOp::RightShift) => Primitive::Binary(BinaryOp::RightShift), Zero(INT_OUT);
    Primitive::Select => Primitive::Select, Fd("binary");
    Primitive::AsType => Primitive::AsType, Exact("astype_passes_the_cotangent_through_the_cast");
    Primitive::Reduce { op: ReduceOp::Sum, .. } => Primitive::Reduce { op: ReduceOp::Sum, axes: vec![0] }, Fd("reduction");
    Primitive::Reduce { op: ReduceOp::Prod, .. } => Primitive::Reduce { op: ReduceOp::Prod, axes: vec![0] }, Fd("reduction");
    Primitive::Reduce { op: ReduceOp::Max, .. } => Primitive::Reduce { op: ReduceOp::Max, axes: vec![0] }, Fd("reduction");
    Primitive::Reduce { op: ReduceOp::Min, .. } => Primitive::Reduce { op: ReduceOp::Min, axes: vec![0] }, Fd("reduction");
    Primitive::Reduce { op: ReduceOp::All, .. } => Primitive::Reduce { op: ReduceOp::All, axes: vec![0] }, Zero(INT_OUT);
    Primitive::Reduce { op: ReduceOp::Any, .. } => Primitive::Reduce { op: ReduceOp::Any, axes: vec![0] }, Zero(INT_OUT);
    Primitive::ArgReduce { op: ArgReduceOp::ArgMax, .. } => Primitive::ArgReduce { op: ArgReduceOp::ArgMax, axis: 0 }, Zero(INT_OUT);
    Primitive::ArgReduce { op: ArgReduceOp::ArgMin, .. } => Primitive::ArgReduce { op: ArgReduceOp::ArgMin, axis: 0 }, Zero(INT_OUT);
    Primitive::Scan { op: ScanOp::Sum, .. } => Primitive::Scan { op: ScanOp::Sum, axis: 0, reverse: false, inclusive: true }, Fd("scan");
    Primitive::Scan { op: ScanOp::Prod, .. } => Primitive::Scan { op: ScanOp::Prod, axis: 0, reverse: false, inclusive: true }, Fd("scan");
    Primitive::Scan { op: ScanOp::Max, .. } => Primitive::Scan { op: ScanOp::Max, axis: 0, reverse: false, inclusive: true }, Fd("scan");
    Primitive::Scan { op: ScanOp::Min, .. } => Primitive::Scan { op: ScanOp::Min, axis: 0, reverse: false, inclusive: true }, Fd("scan");
    Primitive::Scan { op: ScanOp::LogAddExp, .. } => Primitive::Scan { op: ScanOp::LogAddExp, axis: 0, reverse: false, inclusive: true }, Fd("scan");
    Primitive::Gather { .. } => Primitive::Gather { axis: 0 }, Fd("index");
    Primitive::GatherAxis { .. } => Primitive::GatherAxis { axis: 0 }, Fd("index");
    Primitive::ScatterAxis { op: ScatterOp::Assign, .. } => Primitive::ScatterAxis { op: ScatterOp::Assign, axis: 0 }, Fd("index");
    Primitive::ScatterAxis { op: ScatterOp::Add, .. } => Primitive::ScatterAxis { op: ScatterOp::Add, axis: 0 }, Fd("index");
    Primitive::Sort { .. } => Primitive::Sort { axis: 0 }, Fd("sort");
    Primitive::ArgSort { .. } => Primitive::ArgSort { axis: 0 }, Zero(INT_OUT);
    Primitive::Partition { .. } => Primitive::Partition { axis: 0, kth: 0 }, Fd("sort");
    Primitive::ArgPartition { .. } => Primitive::ArgPartition { axis: 0, kth: 0 }, Zero(INT_OUT);
    Primitive::SearchSorted { .. } => Primitive::SearchSorted { right: false }, Zero(INT_OUT);
    Primitive::Softmax { .. } => Primitive::Softmax { precise: false }, Fd("reduction");
    Primitive::Matmul => Primitive::Matmul, Fd("shape");
    Primitive::Quantize { .. } => Primitive::Quantize { group_size: 64, bits: 4, part: 1 }, Fd("quantized");
    Primitive::Dequantize { .. } => Primitive::Dequantize { group_size: 64, bits: 4 }, Fd("quantized");
    Primitive::QuantizedMatmul { .. } => Primitive::QuantizedMatmul { group_size: 64, bits: 4, transpose: true },
        Fd("quantized");
    Primitive::GatherMm => Primitive::GatherMm, Fd("quantized");
    Primitive::GatherQmm { .. } => Primitive::GatherQmm { group_size: 64, bits: 4, transpose: true },
        Fd("quantized");
    Primitive::Reshape => Primitive::Reshape, Fd("shape");
    Primitive::Broadcast => Primitive::Broadcast, Fd("shape");
    Primitive::Transpose { .. } => Primitive::Transpose { perm: vec![0] }, Fd("shape");
    Primitive::Slice { .. } => Primitive::Slice { start: vec![0], step: vec![1] }, Fd("shape");
    Primitive::AsStrided { .. } => Primitive::AsStrided { strides: vec![1], offset: 0 }, Fd("shape");
    Primitive::Copy => Primitive::Copy, Fd("shape");
    Primitive::StopGradient => Primitive::StopGradient,
        Exact("stop_gradient_blocks_and_constants_stay_constant");
    Primitive::Concatenate { .. } => Primitive::Concatenate { axis: 0 }, Fd("shape");
    Primitive::Pad { .. } => Primitive::Pad { low: vec![0], value: Scalar::Float(0.0) }, Fd("shape");
    Primitive::Transfer => Primitive::Transfer,
        Unchecked("the identity between devices: needs a second backend, so it is exercised \
                   by the backend crates' tests, not here");
    Primitive::Fused(_) => Primitive::Fused(Default::default()),
        Unchecked("exists only inside an evaluation (fusion runs after the transforms): \
                   its members are checked one by one above");
    Primitive::Custom(_) => Primitive::Custom(mlx_core::CustomCall {
            name: "sample", id: 0, index: 0, num_outputs: 1, rules: std::sync::Arc::new(()),
        }), Fd("misc");
    Primitive::Depends => Primitive::Depends, Fd("misc");
    Primitive::View => Primitive::View, Raises("a reinterpretation of bytes (MLX: not implemented for View)");
    Primitive::Convolution { .. } => Primitive::Convolution {
            stride: vec![1], padding_lo: vec![0], padding_hi: vec![0], kernel_dilation: vec![1],
            input_dilation: vec![1], groups: 1, flip: false,
        }, Fd("conv");
    Primitive::RmsNorm { .. } => Primitive::RmsNorm { eps: 1e-5 }, Fd("fast");
    Primitive::Fft { .. } => Primitive::Fft { axes: vec![0], inverse: false, real: false }, Fd("fft");
    Primitive::Inverse { .. } => Primitive::Inverse { tri: false, upper: false }, Raises("MLX 0.32.4 defines no VJP");
    Primitive::Cholesky { .. } => Primitive::Cholesky { upper: false }, Raises("MLX 0.32.4 defines no VJP");
    Primitive::Qr { .. } => Primitive::Qr { part: 0 }, Raises("MLX 0.32.4 defines no VJP");
    Primitive::Svd { .. } => Primitive::Svd { part: 0 }, Raises("MLX 0.32.4 defines no VJP");
    Primitive::Eigh { .. } => Primitive::Eigh { upper: false, part: 0 }, Raises("MLX 0.32.4 defines no VJP");
    Primitive::Lu { .. } => Primitive::Lu { part: 0 }, Raises("MLX 0.32.4 defines no VJP");
    Primitive::SolveTriangular { .. } => Primitive::SolveTriangular { upper: false }, Raises("MLX 0.32.4 defines no VJP");
}

/// The check groups by name.
fn groups() -> BTreeMap<&'static str, fn()> {
    let g: [(&'static str, fn()); 14] = [
        ("unary", unary_group),
        ("binary", binary_group),
        ("complex", complex_group),
        ("misc", misc_group),
        ("reduction", reduction_group),
        ("shape", shape_group),
        ("scan", scan_group),
        ("index", index_group),
        ("sort", sort_group),
        ("conv", conv_group),
        ("fft", fft_group),
        ("quantized", quantized_group),
        ("fast", fast_group),
        ("linalg", linalg_group),
    ];
    g.into_iter().collect()
}

#[test]
fn every_differentiable_primitive_has_a_finite_difference_check() {
    // which primitives each group's checked graphs contain
    let mut seen: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (name, run) in groups() {
        SEEN.with(|s| *s.borrow_mut() = Some(BTreeSet::new()));
        run();
        let set = SEEN.with(|s| s.borrow_mut().take()).unwrap_or_default();
        seen.insert(name, set);
    }
    let mut missing = Vec::new();
    let (mut fd, mut other) = (0, 0);
    for (sample, class) in table() {
        assert_eq!(classify(&sample), class, "{sample:?} lands in another row");
        println!("{:<24} {}", key(&sample), class.describe());
        let group = match class {
            Fd(g) => g,
            _ => {
                other += 1;
                continue;
            }
        };
        fd += 1;
        let k = key(&sample);
        if !seen.get(group).is_some_and(|s| s.contains(&k)) {
            missing.push(format!("{k} (group {group})"));
        }
    }
    assert!(
        missing.is_empty(),
        "classified as checked but absent from their group's graphs: {missing:?}"
    );
    println!("{fd} primitives checked by finite differences, {other} classified otherwise");
}

#[test]
fn astype_passes_the_cotangent_through_the_cast() -> Result<()> {
    // finite differences through float32 rounding are noise; the rule is exact
    let x = input(&[2, 3], -2.0, 2.0, 1.0);
    let g = grad(
        |a: &[Tensor]| {
            a[0].astype(Dtype::Float32)?
                .astype(Dtype::Float64)?
                .multiply(weights(&[2, 3]))?
                .sum(ALL, false)
        },
        &[0],
    )(&[x])?;
    let w = weights(&[2, 3])
        .astype(Dtype::Float32)?
        .astype(Dtype::Float64)?
        .to_vec::<f64>()?;
    for (a, b) in g[0].to_vec::<f64>()?.iter().zip(w) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    assert_eq!(g[0].dtype(), Dtype::Float64);
    Ok(())
}

#[test]
fn stop_gradient_blocks_and_constants_stay_constant() -> Result<()> {
    let x = Tensor::from_slice(&[1.0f64, 2.0], &[2])?;
    let c = Tensor::from_slice(&[3.0f64, 4.0], &[2])?;
    let c2 = c.clone();
    let g = grad(
        move |a: &[Tensor]| {
            a[0].multiply(&c2)?
                .add(&a[0].stop_gradient()?.square()?)?
                .sum(ALL, false)
        },
        &[0],
    )(std::slice::from_ref(&x))?;
    assert_eq!(g[0].to_vec::<f64>()?, vec![3.0, 4.0]);
    // the captured primal itself is a constant inside the function
    let x2 = x.clone();
    let g = grad(
        move |a: &[Tensor]| a[0].multiply(&x2)?.sum(ALL, false),
        &[0],
    )(std::slice::from_ref(&x))?;
    assert_eq!(g[0].to_vec::<f64>()?, vec![1.0, 2.0]);
    Ok(())
}

#[test]
fn value_and_grad_with_argnums_and_errors() -> Result<()> {
    let f = |a: &[Tensor]| a[0].multiply(&a[1])?.add(&a[2])?.sum(ALL, false);
    let args = [
        Tensor::scalar(2.0f32),
        Tensor::scalar(3.0f32),
        Tensor::scalar(4.0f32),
    ];
    let (v, g) = value_and_grad(f, &[0, 2])(&args)?;
    assert_eq!(v.item::<f32>()?, 10.0);
    assert_eq!(g[0].item::<f32>()?, 3.0);
    assert_eq!(g[1].item::<f32>()?, 1.0);
    assert!(value_and_grad(f, &[3])(&args).is_err());
    let non_scalar = |a: &[Tensor]| a[0].broadcast_to(&[2]);
    assert!(value_and_grad(non_scalar, &[0])(&args).is_err());
    // integer paths give zero gradients, not errors
    let g = grad(
        |a: &[Tensor]| {
            a[0].argmax(None, false)?
                .astype(Dtype::Float32)?
                .add(&a[0].sum(ALL, false)?)
        },
        &[0],
    )(&[Tensor::from_slice(&[1.0f32, 5.0], &[2])?])?;
    assert_eq!(g[0].to_vec::<f32>()?, vec![1.0, 1.0]);
    Ok(())
}

#[test]
fn higher_order_gradients() -> Result<()> {
    // d^3/dx^3 sin(x) = -cos(x)
    let d1 = grad(|a: &[Tensor]| a[0].sin()?.sum(ALL, false), &[0]);
    let d2 = grad(move |a: &[Tensor]| d1(a)?[0].sum(ALL, false), &[0]);
    let d3 = grad(move |a: &[Tensor]| d2(a)?[0].sum(ALL, false), &[0]);
    let x = Tensor::from_slice(&[0.3f64, 1.1], &[2])?;
    let g = d3(&[x])?[0].to_vec::<f64>()?;
    assert!(
        (g[0] + 0.3f64.cos()).abs() < 1e-12 && (g[1] + 1.1f64.cos()).abs() < 1e-12,
        "{g:?}"
    );
    Ok(())
}
