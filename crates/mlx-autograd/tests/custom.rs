//! `custom_function` rules used by `grad`/`vjp`/`jvp`, and `checkpoint`.

use mlx_autograd::{checkpoint, custom_function, grad, jvp, value_and_grad, vjp};
use mlx_ops::{Result, Tensor, ALL};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-12 * (1.0 + y.abs()), "{a:?} vs {b:?}");
    }
}

#[test]
fn a_clipping_vjp_is_used_instead_of_the_derivative() -> Result<()> {
    // sin forward; backward clips the incoming cotangent to [-1, 1]
    let f = custom_function(|x: &[Tensor]| Ok(vec![x[0].sin()?])).vjp(|p, c, _| {
        Ok(vec![c[0]
            .clip(Some((-1.0).into()), Some(1.0.into()))?
            .multiply(&p[0].cos()?)?])
    });
    let w = Tensor::from_slice(&[5.0f64, 0.5, -3.0], &[3])?;
    let x = Tensor::from_slice(&[0.1f64, 0.2, 0.3], &[3])?;
    let w2 = w.clone();
    let g = grad(
        move |a: &[Tensor]| f.call(a)?[0].multiply(&w2)?.sum(ALL, false),
        &[0],
    )(std::slice::from_ref(&x))?;
    let want: Vec<f64> = [1.0, 0.5, -1.0]
        .iter()
        .zip([0.1f64, 0.2, 0.3])
        .map(|(c, x)| c * x.cos())
        .collect();
    close(&g[0].to_vec::<f64>()?, &want);
    Ok(())
}

#[test]
fn grad_of_grad_differentiates_the_rule() -> Result<()> {
    // rule: 3 cos(x) c, so d/dx of the gradient is -3 sin(x)
    let f = Arc::new(
        custom_function(|x: &[Tensor]| Ok(vec![x[0].sin()?]))
            .vjp(|p, c, _| Ok(vec![c[0].multiply(&p[0].cos()?)?.multiply(3.0)?])),
    );
    let f1 = f.clone();
    let d1 = grad(move |a: &[Tensor]| f1.call(a)?[0].sum(ALL, false), &[0]);
    let x = Tensor::from_slice(&[0.4f64, 1.3], &[2])?;
    close(
        &d1(std::slice::from_ref(&x))?[0].to_vec::<f64>()?,
        &[3.0 * 0.4f64.cos(), 3.0 * 1.3f64.cos()],
    );
    let d2 = grad(move |a: &[Tensor]| d1(a)?[0].sum(ALL, false), &[0]);
    close(
        &d2(std::slice::from_ref(&x))?[0].to_vec::<f64>()?,
        &[-3.0 * 0.4f64.sin(), -3.0 * 1.3f64.sin()],
    );
    Ok(())
}

#[test]
fn a_multi_output_rule_runs_once_with_every_cotangent() -> Result<()> {
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    // (x*y, x+y) with the true derivative written by hand
    let f = custom_function(|a: &[Tensor]| Ok(vec![a[0].multiply(&a[1])?, a[0].add(&a[1])?])).vjp(
        move |p, c, outs| {
            c2.fetch_add(1, Ordering::Relaxed);
            assert_eq!(outs.len(), 2);
            Ok(vec![
                c[0].multiply(&p[1])?.add(&c[1])?,
                c[0].multiply(&p[0])?.add(&c[1])?,
            ])
        },
    );
    let x = Tensor::from_slice(&[2.0f64], &[1])?;
    let y = Tensor::from_slice(&[5.0f64], &[1])?;
    // the second output is used after the first one's consumer
    let loss = move |a: &[Tensor]| {
        let o = f.call(a)?;
        let u = o[0].exp()?;
        u.multiply(0.0)?
            .add(&o[1].square()?)?
            .add(&o[0])?
            .sum(ALL, false)
    };
    let (v, g) = value_and_grad(loss, &[0, 1])(&[x, y])?;
    assert_eq!(v.item::<f64>()?, 49.0 + 10.0);
    // d/dx = y + 2(x+y) = 19, d/dy = x + 2(x+y) = 16
    assert_eq!(g[0].to_vec::<f64>()?, vec![19.0]);
    assert_eq!(g[1].to_vec::<f64>()?, vec![16.0]);
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    Ok(())
}

#[test]
fn jvp_rules_and_fallbacks() -> Result<()> {
    let x = Tensor::from_slice(&[0.5f64], &[1])?;
    let t = Tensor::from_slice(&[1.0f64], &[1])?;
    // a jvp rule is used by jvp
    let f = custom_function(|a: &[Tensor]| Ok(vec![a[0].sin()?]))
        .jvp(|_, ts| Ok(vec![ts[0].multiply(7.0)?]));
    let (_, tt) = jvp(
        |a| f.call(a),
        std::slice::from_ref(&x),
        std::slice::from_ref(&t),
    )?;
    assert_eq!(tt[0].to_vec::<f64>()?, vec![7.0]);
    // without a vjp rule, reverse mode differentiates the function
    let g = vjp(
        |a| f.call(a),
        std::slice::from_ref(&x),
        std::slice::from_ref(&t),
    )?
    .1;
    close(&g[0].to_vec::<f64>()?, &[0.5f64.cos()]);
    // and without a jvp rule, forward mode does
    let h = custom_function(|a: &[Tensor]| Ok(vec![a[0].sin()?]))
        .vjp(|_, c, _| Ok(vec![c[0].multiply(7.0)?]));
    let (_, tt) = jvp(
        |a| h.call(a),
        std::slice::from_ref(&x),
        std::slice::from_ref(&t),
    )?;
    close(&tt[0].to_vec::<f64>()?, &[0.5f64.cos()]);
    Ok(())
}

#[test]
fn rules_returning_the_wrong_shape_or_count_are_errors() -> Result<()> {
    let x = Tensor::from_slice(&[0.5f64, 1.0], &[2])?;
    let bad_shape = custom_function(|a: &[Tensor]| Ok(vec![a[0].sin()?]))
        .vjp(|_, c, _| c[0].sum(ALL, false).map(|s| vec![s]));
    assert!(grad(
        move |a: &[Tensor]| bad_shape.call(a)?[0].sum(ALL, false),
        &[0]
    )(std::slice::from_ref(&x))
    .is_err());
    let bad_count = custom_function(|a: &[Tensor]| Ok(vec![a[0].sin()?]))
        .vjp(|_, c, _| Ok(vec![c[0].clone(), c[0].clone()]));
    assert!(grad(
        move |a: &[Tensor]| bad_count.call(a)?[0].sum(ALL, false),
        &[0]
    )(std::slice::from_ref(&x))
    .is_err());
    Ok(())
}

#[test]
fn checkpointed_gradients_equal_plain_ones() -> Result<()> {
    let block = |a: &[Tensor]| Ok(vec![a[0].multiply(&a[1])?.sin()?.add(&a[0])?.tanh()?]);
    let ck = Arc::new(checkpoint(block));
    let x = Tensor::from_slice(&[0.3f64, -0.7, 1.1], &[3])?;
    let w = Tensor::from_slice(&[1.5f64, 0.5, -2.0], &[3])?;
    let plain = |a: &[Tensor]| {
        let h = block(&[a[0].clone(), a[1].clone()])?;
        let h = block(&[h[0].clone(), a[1].clone()])?;
        h[0].sum(ALL, false)
    };
    let ck2 = ck.clone();
    let checked = move |a: &[Tensor]| {
        let h = ck2(&[a[0].clone(), a[1].clone()])?;
        let h = ck2(&[h[0].clone(), a[1].clone()])?;
        h[0].sum(ALL, false)
    };
    let (v1, g1) = value_and_grad(plain, &[0, 1])(&[x.clone(), w.clone()])?;
    let (v2, g2) = value_and_grad(checked, &[0, 1])(&[x.clone(), w.clone()])?;
    assert_eq!(v1.item::<f64>()?, v2.item::<f64>()?);
    for k in 0..2 {
        close(&g2[k].to_vec::<f64>()?, &g1[k].to_vec::<f64>()?);
    }
    // second derivatives go through the recomputation
    let ck3 = ck.clone();
    let d1 = grad(move |a: &[Tensor]| ck3(a)?[0].sum(ALL, false), &[0]);
    let d2 = grad(move |a: &[Tensor]| d1(a)?[0].sum(ALL, false), &[0]);
    let e1 = grad(move |a: &[Tensor]| block(a)?[0].sum(ALL, false), &[0]);
    let e2 = grad(move |a: &[Tensor]| e1(a)?[0].sum(ALL, false), &[0]);
    close(
        &d2(&[x.clone(), w.clone()])?[0].to_vec::<f64>()?,
        &e2(&[x, w])?[0].to_vec::<f64>()?,
    );
    Ok(())
}
