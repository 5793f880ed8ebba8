//! `eval_async`: outstanding evaluations, await order, errors, on the CPU.

use mlx_core::{Array, Context};
use mlx_ops::{eval_async, Tensor};
use std::future::Future;
use std::sync::Arc;
use std::task::{Poll, Wake};

/// A minimal executor: poll, park until woken, poll again.
struct Unpark(std::thread::Thread);
impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark()
    }
}
fn block_on<F: Future>(f: F) -> F::Output {
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park(),
        }
    }
}

fn chain(seed: f32, n: usize) -> Tensor {
    let x = Tensor::from_slice(
        &(0..n).map(|i| seed + i as f32).collect::<Vec<_>>(),
        &[8, n / 8],
    )
    .unwrap();
    let w = Tensor::from_slice(&vec![0.5f32; (n / 8) * 4], &[n / 8, 4]).unwrap();
    let y = x.matmul(&w).unwrap();
    (&y * 2.0).unwrap().sum(1i64, false).unwrap()
}

fn want(seed: f32, n: usize) -> Vec<f32> {
    let cols = n / 8;
    (0..8)
        .map(|r| {
            let row: f32 = (0..cols).map(|c| seed + (r * cols + c) as f32).sum();
            row * 0.5 * 2.0 * 4.0
        })
        .collect()
}

#[test]
fn outstanding_evaluations_complete_in_any_await_order() {
    let seeds = [0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0];
    let outs: Vec<Tensor> = seeds.iter().map(|&s| chain(s, 256)).collect();
    let mut futures: Vec<_> = outs.iter().map(|t| eval_async(&[t])).collect();
    // await in reverse, then a mixed order
    let last = futures.pop().unwrap();
    block_on(last).unwrap();
    let mut order = vec![2usize, 0, 4, 1, 3];
    let mut pending: Vec<Option<_>> = futures.into_iter().map(Some).collect();
    for k in order.drain(..) {
        let f = pending[k].take().unwrap();
        block_on(f).unwrap();
        assert!(outs[k].is_evaluated());
    }
    for (t, &s) in outs.iter().zip(&seeds) {
        let got = t.to_vec::<f32>().unwrap();
        let w = want(s, 256);
        for (g, e) in got.iter().zip(&w) {
            assert!((g - e).abs() <= 1e-3 * e.abs().max(1.0), "{g} vs {e}");
        }
    }
}

#[test]
fn several_tensors_in_one_request_and_wait() {
    let a = chain(1.0, 64);
    let b = (&a + 1.0).unwrap();
    let f = eval_async(&[&a, &b]);
    f.wait().unwrap();
    assert!(a.is_evaluated() && b.is_evaluated());
    let av = a.to_vec::<f32>().unwrap();
    let bv = b.to_vec::<f32>().unwrap();
    assert!(av.iter().zip(&bv).all(|(x, y)| x + 1.0 == *y));
    // an empty request resolves at once
    assert!(eval_async(&[]).wait().is_ok());
}

#[test]
fn errors_come_back_as_err() {
    // Arrays of two contexts cannot be evaluated together.
    let a = Array::scalar(1.0f32);
    let other = Context::new();
    let b = {
        let _g = other.enter();
        Array::scalar(2.0f32)
    };
    let r = block_on(mlx_core::eval_async(&[&a, &b]));
    assert!(
        matches!(r, Err(mlx_core::Error::ContextMismatch { .. })),
        "{r:?}"
    );
    // the worker keeps serving later requests
    let c = chain(3.0, 64);
    assert!(block_on(eval_async(&[&c])).is_ok());
}

#[test]
fn futures_poll_pending_then_ready_from_other_threads() {
    let t = chain(7.0, 4096);
    let f = eval_async(&[&t]);
    let h = std::thread::spawn(move || block_on(f));
    h.join().unwrap().unwrap();
    assert!(t.is_evaluated());
}
