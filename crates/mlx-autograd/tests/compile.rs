//! Graph passes under `compile`: common-subexpression elimination, dead
//! code elimination, elementwise fusion (kernel counts through the
//! scheduler's statistics), and fused == unfused on random expression trees.

use mlx_autograd::compile;
use mlx_core::{Context, Dtype};
use mlx_ops::{Result, Tensor};
use proptest::prelude::*;
use std::sync::Arc;

/// A private context, so that kernel counts are this test's alone.
fn ctx() -> (Arc<Context>, mlx_core::ContextGuard) {
    let c = Context::new();
    let g = c.enter();
    (c, g)
}

fn vals(n: usize, seed: f32) -> Vec<f32> {
    (0..n).map(|i| ((i as f32 + seed) * 0.37).sin()).collect()
}

#[test]
fn cse_merges_duplicate_subexpressions() -> Result<()> {
    let (_c, _g) = ctx();
    let f = compile(|a: &[Tensor]| {
        let x = &a[0];
        // exp(x) and sin(x) are each built twice
        let e = x.exp()?.add(&x.exp()?.multiply(&x.sin()?)?)?;
        Ok(vec![e.add(&x.sin()?)?])
    });
    let x = Tensor::from_slice(&vals(8, 1.0), &[8])?;
    let out = f.call(std::slice::from_ref(&x))?;
    let s = f.tape_stats(std::slice::from_ref(&x)).expect("traced");
    assert_eq!(s.traced, 7);
    assert_eq!(s.optimized, 5, "{s:?}");
    let want = x
        .exp()?
        .add(&x.exp()?.multiply(&x.sin()?)?)?
        .add(&x.sin()?)?;
    let (a, b) = (out[0].to_vec::<f32>()?, want.to_vec::<f32>()?);
    for (p, q) in a.iter().zip(&b) {
        assert!((p - q).abs() <= 1e-6 * (1.0 + q.abs()), "{a:?} vs {b:?}");
    }
    Ok(())
}

#[test]
fn dce_leaves_unused_branches_undispatched() -> Result<()> {
    let (c, _g) = ctx();
    let f = compile(|a: &[Tensor]| {
        let x = &a[0];
        let _unused = x.sin()?.cos()?.matmul(&x.reshape(&[-1, 1])?)?;
        Ok(vec![x.exp()?])
    });
    let x = Tensor::from_slice(&vals(16, 2.0), &[16])?;
    let before = c.stats().kernels_dispatched;
    let out = f.call(std::slice::from_ref(&x))?;
    out[0].eval()?;
    assert_eq!(c.stats().kernels_dispatched - before, 1);
    let s = f.tape_stats(std::slice::from_ref(&x)).expect("traced");
    assert_eq!((s.traced, s.optimized), (1, 1));
    Ok(())
}

#[test]
fn fusion_runs_exp_x_times_y_plus_x_as_one_kernel() -> Result<()> {
    let (c, _g) = ctx();
    let body = |a: &[Tensor]| Ok(vec![a[0].exp()?.multiply(&a[1])?.add(&a[0])?]);
    let f = compile(body);
    let x = Tensor::from_slice(&vals(1000, 1.0), &[1000])?;
    let y = Tensor::from_slice(&vals(1000, 5.0), &[1000])?;
    let args = [x.clone(), y.clone()];
    let k0 = c.stats().kernels_dispatched;
    let fused = f.call(&args)?;
    fused[0].eval()?;
    let k1 = c.stats().kernels_dispatched;
    assert_eq!(k1 - k0, 1, "compiled exp(x) * y + x must be one kernel");
    let plain = body(&args)?;
    plain[0].eval()?;
    assert_eq!(
        c.stats().kernels_dispatched - k1,
        3,
        "unfused: exp, multiply, add"
    );
    let (a, b) = (fused[0].to_vec::<f32>()?, plain[0].to_vec::<f32>()?);
    for (p, q) in a.iter().zip(&b) {
        assert!((p - q).abs() <= 1e-6 * (1.0 + q.abs()));
    }
    // a second call replays the tape: still one kernel, no new trace
    let k2 = c.stats().kernels_dispatched;
    f.call(&args)?[0].eval()?;
    assert_eq!(c.stats().kernels_dispatched - k2, 1);
    assert_eq!(f.traces(), 1);
    Ok(())
}

#[test]
fn large_fused_outputs_match_the_unfused_graph() -> Result<()> {
    // past the CPU backend's streaming-store size (16 MiB of float32), with
    // a last block shorter than the others and a broadcast scalar input
    let n = (16 << 20) / 4 + 37;
    let (_c, _g) = ctx();
    let body = |a: &[Tensor]| {
        let two = Tensor::from_slice(&[2.0f32], &[])?;
        Ok(vec![a[0]
            .exp()?
            .multiply(&a[1])?
            .add(&a[0])?
            .multiply(&two)?])
    };
    let f = compile(body);
    let x = Tensor::from_slice(&vals(n, 1.0), &[n])?;
    let y = Tensor::from_slice(&vals(n, 5.0), &[n])?;
    let args = [x, y];
    let (a, b) = (
        f.call(&args)?[0].to_vec::<f32>()?,
        body(&args)?[0].to_vec::<f32>()?,
    );
    assert_eq!(a.len(), n);
    for (i, (p, q)) in a.iter().zip(&b).enumerate() {
        assert!(
            (p - q).abs() <= 1e-6 * (1.0 + q.abs()),
            "element {i}: {p} vs {q}"
        );
    }
    Ok(())
}

/// A random elementwise expression over `x` (shape [m, n]) and `y` ([n]).
#[derive(Clone, Debug)]
enum Expr {
    X,
    Y,
    Const(f32),
    Unary(u8, Box<Expr>),
    Binary(u8, Box<Expr>, Box<Expr>),
    Where(Box<Expr>, Box<Expr>, Box<Expr>),
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        Just(Expr::X),
        Just(Expr::Y),
        (-2.0f32..2.0).prop_map(Expr::Const)
    ];
    leaf.prop_recursive(5, 32, 3, |inner| {
        prop_oneof![
            (0u8..8, inner.clone()).prop_map(|(o, e)| Expr::Unary(o, Box::new(e))),
            (0u8..5, inner.clone(), inner.clone()).prop_map(|(o, a, b)| Expr::Binary(
                o,
                Box::new(a),
                Box::new(b)
            )),
            (inner.clone(), inner.clone(), inner).prop_map(|(c, a, b)| Expr::Where(
                Box::new(c),
                Box::new(a),
                Box::new(b)
            )),
        ]
    })
}

fn build(e: &Expr, x: &Tensor, y: &Tensor) -> Result<Tensor> {
    Ok(match e {
        Expr::X => x.clone(),
        Expr::Y => y.clone(),
        Expr::Const(c) => x.full_like(*c)?,
        Expr::Unary(o, a) => {
            let a = build(a, x, y)?;
            match o {
                0 => a.sin()?,
                1 => a.cos()?,
                2 => a.tanh()?,
                3 => a.abs()?.sqrt()?,
                4 => a.negative()?,
                5 => a.sigmoid()?,
                6 => a.tanh()?.exp()?,
                _ => a.square()?.log1p()?,
            }
        }
        Expr::Binary(o, a, b) => {
            let (a, b) = (build(a, x, y)?, build(b, x, y)?);
            match o {
                0 => a.add(&b)?,
                1 => a.subtract(&b)?,
                2 => a.multiply(&b)?,
                3 => a.maximum(&b)?,
                _ => a.minimum(&b)?,
            }
        }
        Expr::Where(c, a, b) => {
            let c = build(c, x, y)?.greater(0.0)?;
            c.where_(&build(a, x, y)?, &build(b, x, y)?)?
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn fused_and_unfused_expression_trees_agree(e in expr(), m in 1usize..4, n in 1usize..70) {
        let x = Tensor::from_slice(&vals(m * n, 1.0), &[m, n]).unwrap();
        let y = Tensor::from_slice(&vals(n, 3.0), &[n]).unwrap();
        let e2 = e.clone();
        let f = compile(move |a: &[Tensor]| Ok(vec![build(&e2, &a[0], &a[1])?]));
        let fused = f.call(&[x.clone(), y.clone()]).unwrap()[0].to_vec::<f32>().unwrap();
        let plain = build(&e, &x, &y).unwrap().to_vec::<f32>().unwrap();
        prop_assert_eq!(fused.len(), plain.len());
        for (a, b) in fused.iter().zip(&plain) {
            prop_assert!(
                (a - b).abs() <= 1e-5 * (1.0 + b.abs()) || (a.is_nan() && b.is_nan()),
                "{} vs {}", a, b
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    /// Same-shape float inputs take the CPU backend's block register machine
    /// (several blocks, tails, parallel tasks above the threshold): its
    /// results are bit for bit those of the unfused kernels.
    #[test]
    fn fused_register_machine_is_bit_exact(
        e in expr(),
        n in prop_oneof![1usize..600, 33_000usize..41_000],
        dtype in prop_oneof![Just(Dtype::Float32), Just(Dtype::Float64), Just(Dtype::Float16)],
    ) {
        let x = Tensor::from_slice(&vals(n, 1.0), &[n]).unwrap().astype(dtype).unwrap();
        let y = Tensor::from_slice(&vals(n, 3.0), &[n]).unwrap().astype(dtype).unwrap();
        x.eval().unwrap();
        y.eval().unwrap();
        let e2 = e.clone();
        let f = compile(move |a: &[Tensor]| Ok(vec![build(&e2, &a[0], &a[1])?]));
        let fused = f.call(&[x.clone(), y.clone()]).unwrap()[0].astype(Dtype::Float64).unwrap().to_vec::<f64>().unwrap();
        let plain = build(&e, &x, &y).unwrap().astype(Dtype::Float64).unwrap().to_vec::<f64>().unwrap();
        prop_assert_eq!(fused.len(), plain.len());
        for (i, (a, b)) in fused.iter().zip(&plain).enumerate() {
            prop_assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()), "{}: {} vs {}", i, a, b);
        }
    }
}
