//! Central finite differences in float64 against `grad` (reverse mode) and
//! `jvp` (forward mode), for every differentiable op.

use mlx_autograd::{grad, jvp, value_and_grad};
use mlx_core::Dtype;
use mlx_ops::{concatenate, Result, Tensor, ALL};

type Op = fn(&Tensor) -> Result<Tensor>;

/// Deterministic inputs in `[lo, hi]` of the given shape.
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

fn loss(op: Op, x: &Tensor) -> Result<Tensor> {
    let y = op(x)?;
    y.multiply(weights(y.shape()))?.sum(ALL, false)
}

fn check(name: &str, op: Op, x: Tensor) {
    let g = grad(move |a: &[Tensor]| loss(op, &a[0]), &[0])(std::slice::from_ref(&x))
        .expect("grad")[0]
        .to_vec::<f64>()
        .expect("grad values");
    let xv = x.to_vec::<f64>().expect("x");
    let eps = 1e-6;
    let f = |v: &[f64]| -> f64 {
        let t = Tensor::from_slice(v, x.shape()).expect("t");
        loss(op, &t).expect("loss").item::<f64>().expect("item")
    };
    let mut fd = vec![0.0; xv.len()];
    for i in 0..xv.len() {
        let mut p = xv.clone();
        p[i] += eps;
        let mut m = xv.clone();
        m[i] -= eps;
        fd[i] = (f(&p) - f(&m)) / (2.0 * eps);
        let tol = 1e-5 * (1.0 + fd[i].abs());
        assert!(
            (g[i] - fd[i]).abs() < tol,
            "{name}: grad[{i}] = {} but finite differences give {}",
            g[i],
            fd[i]
        );
    }
    // forward mode: directional derivative along v
    let v = input(x.shape(), -1.0, 1.0, 3.0);
    let (_, t) = jvp(
        |a: &[Tensor]| Ok(vec![loss(op, &a[0])?]),
        std::slice::from_ref(&x),
        std::slice::from_ref(&v),
    )
    .expect("jvp");
    let t = t[0].item::<f64>().expect("tangent");
    let dir: f64 = fd
        .iter()
        .zip(v.to_vec::<f64>().expect("v"))
        .map(|(a, b)| a * b)
        .sum();
    assert!(
        (t - dir).abs() < 1e-5 * (1.0 + dir.abs()),
        "{name}: jvp {t} but finite differences give {dir}"
    );
}

macro_rules! unary_checks {
    ($($name:ident: $lo:expr, $hi:expr;)*) => {
        #[test]
        fn unary_ops_match_finite_differences() {
            $( check(stringify!($name), |x| x.$name(), input(&[2, 3], $lo, $hi, 1.0)); )*
        }
    };
}

unary_checks! {
    abs: 0.1, 2.0; negative: -2.0, 2.0; square: -2.0, 2.0; sqrt: 0.2, 3.0; rsqrt: 0.2, 3.0;
    reciprocal: 0.5, 3.0; exp: -2.0, 2.0; expm1: -2.0, 2.0; log: 0.2, 3.0; log1p: -0.5, 3.0;
    log2: 0.2, 3.0; log10: 0.2, 3.0; sin: -3.0, 3.0; cos: -3.0, 3.0; tan: -1.0, 1.0;
    arcsin: -0.8, 0.8; arccos: -0.8, 0.8; arctan: -3.0, 3.0; sinh: -2.0, 2.0; cosh: -2.0, 2.0;
    tanh: -2.0, 2.0; arcsinh: -3.0, 3.0; arccosh: 1.2, 3.0; arctanh: -0.8, 0.8;
    sigmoid: -3.0, 3.0; erf: -2.0, 2.0; erfinv: -0.8, 0.8;
}

#[test]
fn binary_ops_match_finite_differences() {
    let other = input(&[2, 3], 0.5, 2.0, 5.0);
    let row = input(&[3], 0.5, 2.0, 6.0);
    macro_rules! both {
        ($name:literal, $f:expr, $lo:expr, $hi:expr) => {{
            let f: fn(&Tensor, &Tensor) -> Result<Tensor> = $f;
            let o = other.clone();
            let r = row.clone();
            // gradient with respect to each side, and through a broadcast
            check_with($name, move |x| f(x, &o), input(&[2, 3], $lo, $hi, 2.0));
            let x0 = input(&[2, 3], $lo, $hi, 4.0);
            check_with($name, move |y| f(&x0, y), other.clone());
            let x1 = input(&[2, 3], $lo, $hi, 8.0);
            check_with($name, move |y| f(&x1, y), r.clone());
            let _ = &row;
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

/// Like `check`, for closures capturing other operands.
fn check_with(name: &str, op: impl Fn(&Tensor) -> Result<Tensor> + Clone + 'static, x: Tensor) {
    let op2 = op.clone();
    let g = grad(
        move |a: &[Tensor]| op2(&a[0])?.multiply(weights(&[2, 3]))?.sum(ALL, false),
        &[0],
    )(std::slice::from_ref(&x))
    .expect("grad")[0]
        .to_vec::<f64>()
        .expect("values");
    let xv = x.to_vec::<f64>().expect("x");
    let f = |v: &[f64]| -> f64 {
        let t = Tensor::from_slice(v, x.shape()).expect("t");
        op(&t)
            .and_then(|y| y.multiply(weights(&[2, 3]))?.sum(ALL, false)?.item::<f64>())
            .expect("f")
    };
    let mut fds = vec![0.0; xv.len()];
    for i in 0..xv.len() {
        let (mut p, mut m) = (xv.clone(), xv.clone());
        p[i] += 1e-6;
        m[i] -= 1e-6;
        let fd = (f(&p) - f(&m)) / 2e-6;
        fds[i] = fd;
        assert!(
            (g[i] - fd).abs() < 1e-5 * (1.0 + fd.abs()),
            "{name}: grad[{i}] = {} vs {fd}",
            g[i]
        );
    }
    // forward mode along a direction
    let v = input(x.shape(), -1.0, 1.0, 3.0);
    let op3 = op.clone();
    let (_, t) = jvp(
        move |a: &[Tensor]| {
            Ok(vec![op3(&a[0])?
                .multiply(weights(&[2, 3]))?
                .sum(ALL, false)?])
        },
        std::slice::from_ref(&x),
        std::slice::from_ref(&v),
    )
    .expect("jvp");
    let t = t[0].item::<f64>().expect("tangent");
    let dir: f64 = fds
        .iter()
        .zip(v.to_vec::<f64>().expect("v"))
        .map(|(a, b)| a * b)
        .sum();
    assert!(
        (t - dir).abs() < 1e-5 * (1.0 + dir.abs()),
        "{name}: jvp {t} but finite differences give {dir}"
    );
}

#[test]
fn depends_checkpoint_and_custom_identity_match_finite_differences() {
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
fn reductions_match_finite_differences() {
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
    check("log_softmax", |x| x.log_softmax(-1), x());
}

#[test]
fn shape_ops_and_matmul_match_finite_differences() {
    let x = || input(&[2, 3, 4], -2.0, 2.0, 1.0);
    check("reshape", |x| x.reshape(&[4, -1]), x());
    check("transpose", |x| x.transpose(&[2, 0, 1]), x());
    check("copy_reshape", |x| x.transpose(&[])?.reshape(&[-1]), x());
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
