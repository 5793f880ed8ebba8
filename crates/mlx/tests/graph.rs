//! The lazy graph's promises: laziness, reachability, single evaluation,
//! detach after eval, and slots freed when handles drop.

use mlx::prelude::*;
use mlx::Context;

/// A private context, so that counts are this test's alone.
fn ctx() -> (std::sync::Arc<Context>, mlx::ContextGuard) {
    let c = Context::new();
    let g = c.enter();
    (c, g)
}

#[test]
fn building_a_100k_node_graph_dispatches_no_kernel() -> Result<()> {
    let (ctx, _g) = ctx();
    let mut x = Tensor::scalar(0i32);
    for i in 0..50_000 {
        // a constant and an add per step (the values cycle too slowly for
        // the interning of recent scalars to share them)
        x = (&x + (i % 1000))?;
    }
    let s = ctx.stats();
    assert!(s.live_nodes >= 100_000, "{s:?}");
    assert_eq!(s.kernels_dispatched, 0);
    assert_eq!(s.evaluations, 0);
    assert!(!x.is_evaluated());
    assert_eq!(x.item::<i32>()?, 50 * (0..1000).sum::<i32>());
    assert_eq!(ctx.stats().kernels_dispatched, 50_000);
    Ok(())
}

#[test]
fn repeated_scalars_share_one_constant_node_while_it_lives() -> Result<()> {
    let (ctx, _g) = ctx();
    let x = Tensor::scalar(0.0f32);
    let mut y = x.clone();
    for _ in 0..1000 {
        y = (&y + 1.0)?;
    }
    // x, 1000 adds and one shared constant 1.0
    assert_eq!(ctx.stats().live_nodes, 1002);
    // a differently typed or valued scalar is a different node
    assert!(!Tensor::scalar(1.0f32).same_node(&Tensor::scalar(1.0f64)));
    assert!(Tensor::scalar(2i32).same_node(&Tensor::scalar(2i32)));
    assert_eq!(y.item::<f32>()?, 1000.0);
    drop((x, y));
    // interning never keeps a node alive
    assert_eq!(ctx.stats().live_nodes, 0);
    Ok(())
}

#[test]
fn a_dangling_branch_is_never_dispatched() -> Result<()> {
    let (ctx, _g) = ctx();
    let x = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
    let used = x.exp()?;
    let _dangling = x.sin()?.cos()?.tanh()?; // alive, never requested
    used.eval()?;
    assert_eq!(ctx.stats().kernels_dispatched, 1);
    assert!(!_dangling.is_evaluated());
    Ok(())
}

#[test]
fn evaluating_twice_computes_once() -> Result<()> {
    let (ctx, _g) = ctx();
    let x = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
    let y = x.exp()?.log()?;
    y.eval()?;
    let n = ctx.stats().kernels_dispatched;
    assert_eq!(n, 2);
    y.eval()?;
    let _ = y.to_vec::<f32>()?;
    let z = y.add(1.0)?; // reuses y's value
    z.eval()?;
    assert_eq!(ctx.stats().kernels_dispatched, n + 1);
    assert_eq!(ctx.stats().evaluations, 2);
    Ok(())
}

#[test]
fn shared_subgraphs_run_once_per_eval() -> Result<()> {
    let (ctx, _g) = ctx();
    let x = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
    let e = x.exp()?;
    let a = e.sin()?;
    let b = e.cos()?;
    eval(&[&a, &b])?;
    assert_eq!(ctx.stats().kernels_dispatched, 3);
    Ok(())
}

#[test]
fn evaluation_detaches_inputs_and_frees_intermediates() -> Result<()> {
    let (ctx, _g) = ctx();
    let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3])?;
    let mut y = x.clone();
    for _ in 0..100 {
        y = y.multiply(1.5)?.add(&x)?;
    }
    let before = ctx.stats().live_nodes;
    assert!(before > 300, "{before}");
    y.eval()?;
    // only x and y remain: every intermediate and constant was freed
    assert_eq!(ctx.stats().live_nodes, 2);
    assert!(y.array().inputs().is_empty());
    Ok(())
}

#[test]
fn a_training_style_loop_does_not_grow_the_graph() -> Result<()> {
    let (ctx, _g) = ctx();
    let mut w = Tensor::from_slice(&[0.5f32; 16], &[4, 4])?;
    let x = Tensor::from_slice(&[1.0f32; 4], &[4, 1])?;
    let mut cap = 0;
    for step in 0..200 {
        let y = w.matmul(&x)?.tanh()?;
        let g = y.multiply(0.01)?.sum(ALL, false)?;
        w = w.subtract(&g)?;
        w.eval()?;
        if step == 10 {
            cap = ctx.stats().capacity;
        }
    }
    let s = ctx.stats();
    assert_eq!(s.live_nodes, 2, "{s:?}");
    assert_eq!(s.capacity, cap, "arena slots are reused");
    Ok(())
}

#[test]
fn dropping_handles_frees_nodes_and_buffers() -> Result<()> {
    let (ctx, _g) = ctx();
    let buffer = {
        let big = Tensor::zeros(&[1 << 20], Dtype::Float32)?.add(1.0)?;
        big.eval()?;
        assert!(ctx.stats().live_nodes >= 1);
        big.data()?.buffer
    };
    assert_eq!(ctx.stats().live_nodes, 0);
    assert_eq!(buffer.strong_count(), 1, "the graph still holds the buffer");
    Ok(())
}

#[test]
fn values_needed_by_unevaluated_users_survive() -> Result<()> {
    let (_ctx, _g) = ctx();
    let x = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
    let shared = x.exp()?;
    let a = shared.add(1.0)?;
    let b = shared.add(2.0)?;
    drop(shared);
    a.eval()?; // computes `shared`; `b` still needs it
    let bv = b.to_vec::<f32>()?;
    assert!((bv[0] - (1f32.exp() + 2.0)).abs() < 1e-5);
    Ok(())
}

#[test]
fn tensors_are_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Tensor>();
    assert!(std::mem::size_of::<Tensor>() <= 16);
}

#[test]
fn graphs_can_be_built_and_evaluated_from_many_threads() -> Result<()> {
    let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3])?;
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let x = x.clone();
            std::thread::spawn(move || -> Result<f32> {
                let mut y = x.clone();
                for _ in 0..100 {
                    y = y.add(i as f32)?;
                }
                y.sum(ALL, false)?.item::<f32>()
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        let got = h.join().expect("thread panicked")?;
        assert_eq!(got, 6.0 + 300.0 * i as f32);
    }
    Ok(())
}

#[test]
fn shape_and_dtype_errors_are_returned_when_the_op_is_built() {
    let a = Tensor::zeros(&[2, 3], Dtype::Float32).unwrap();
    let b = Tensor::zeros(&[4], Dtype::Float32).unwrap();
    let e = a.add(&b).unwrap_err();
    assert!(matches!(e, Error::Broadcast { op: "add", .. }), "{e}");
    assert!(e.to_string().contains("[2, 3]") && e.to_string().contains("[4]"));
    let e = a.sum(5, false).unwrap_err();
    assert!(e.to_string().contains("axis 5"), "{e}");
    let e = a.bitwise_and(&a).unwrap_err();
    assert!(e.to_string().contains("float32"), "{e}");
    assert!(a.reshape(&[4, 2]).is_err());
    assert!(a.matmul(&a).is_err());
    assert!(Tensor::from_slice(&[1.0f32], &[2]).is_err());
}
