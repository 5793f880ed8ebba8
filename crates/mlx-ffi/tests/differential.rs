//! Differential mode: random elementwise / reduction / shape graphs are
//! built twice from one recipe, on the CPU device and on the FFI device, and
//! every node is compared (needs the `link` feature).
#![cfg(feature = "link")]

use mlx_core::Device;
use mlx_ops::{Result, Tensor};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Step {
    Unary(u8, usize),
    Binary(u8, usize, usize),
    Reduce(u8, usize, usize, bool),
    Transpose(usize),
    Slice(usize),
    Flatten(usize),
    Broadcast(usize),
    Softmax(usize),
    Cumsum(usize, usize, bool),
    Concat(usize, usize),
}

fn step() -> impl Strategy<Value = Step> {
    let i = 0usize..64;
    prop_oneof![
        (0u8..8, i.clone()).prop_map(|(o, a)| Step::Unary(o, a)),
        (0u8..6, i.clone(), i.clone()).prop_map(|(o, a, b)| Step::Binary(o, a, b)),
        (0u8..5, i.clone(), 0usize..4, any::<bool>())
            .prop_map(|(o, a, x, k)| Step::Reduce(o, a, x, k)),
        i.clone().prop_map(Step::Transpose),
        i.clone().prop_map(Step::Slice),
        i.clone().prop_map(Step::Flatten),
        i.clone().prop_map(Step::Broadcast),
        i.clone().prop_map(Step::Softmax),
        (i.clone(), 0usize..4, any::<bool>()).prop_map(|(a, x, r)| Step::Cumsum(a, x, r)),
        (i.clone(), 0usize..4).prop_map(|(a, x)| Step::Concat(a, x)),
    ]
}

fn apply(nodes: &[Tensor], s: &Step) -> Result<Tensor> {
    let pick = |k: usize| &nodes[k % nodes.len()];
    Ok(match *s {
        Step::Unary(o, a) => {
            let x = pick(a);
            match o {
                0 => x.exp()?,
                1 => x.tanh()?,
                2 => x.abs()?,
                3 => x.sin()?,
                4 => x.negative()?,
                5 => x.square()?,
                6 => x.sigmoid()?,
                _ => x.floor()?,
            }
        }
        Step::Binary(o, a, b) => {
            let x = pick(a);
            let y = pick(b);
            let y = if y.shape() == x.shape() {
                y.clone()
            } else {
                y.sum((0..y.ndim() as i64).collect::<Vec<_>>(), false)?
            };
            match o {
                0 => x.add(&y)?,
                1 => x.subtract(&y)?,
                2 => x.multiply(&y)?,
                3 => x.maximum(&y)?,
                4 => x.minimum(&y)?,
                _ => x.greater(&y)?.where_(x, &y)?,
            }
        }
        Step::Reduce(o, a, ax, keep) => {
            let x = pick(a);
            if x.ndim() == 0 {
                return x.negative();
            }
            let ax = (ax % x.ndim()) as i64;
            match o {
                0 => x.sum(ax, keep)?,
                1 => x.max(ax, keep)?,
                2 => x.min(ax, keep)?,
                3 => x.mean(ax, keep)?,
                _ => x.logsumexp(ax, keep)?,
            }
        }
        Step::Transpose(a) => pick(a).transpose(&[])?,
        Step::Slice(a) => {
            let x = pick(a);
            let start = vec![0i64; x.ndim()];
            let stop: Vec<i64> = x.shape().iter().map(|&d| d as i64).collect();
            let mut step = vec![1i64; x.ndim()];
            if let Some(s) = step.first_mut() {
                *s = 2;
            }
            x.slice(&start, &stop, &step)?
        }
        Step::Flatten(a) => {
            let x = pick(a);
            x.reshape(&[x.size() as i64])?
        }
        Step::Broadcast(a) => {
            let x = pick(a);
            if x.ndim() >= 4 {
                return x.abs();
            }
            let mut shape = vec![2];
            shape.extend_from_slice(x.shape());
            x.broadcast_to(&shape)?
        }
        Step::Softmax(a) => {
            let x = pick(a);
            if x.ndim() == 0 {
                return x.exp();
            }
            x.softmax(-1i64, false)?
        }
        Step::Cumsum(a, ax, rev) => {
            let x = pick(a);
            if x.ndim() == 0 {
                return x.square();
            }
            x.cumsum(Some((ax % x.ndim()) as i64), rev, true)?
        }
        Step::Concat(a, ax) => {
            let x = pick(a);
            if x.ndim() == 0 {
                return x.sin();
            }
            mlx_ops::concatenate(&[x, &x.square()?], (ax % x.ndim()) as i64)?
        }
    })
}

fn build(device: Device, shape: &[usize], a: &[f32], b: &[f32], steps: &[Step]) -> Vec<Tensor> {
    let old = mlx_core::set_default_device(device);
    let mut nodes = vec![
        Tensor::from_slice(a, shape).unwrap(),
        Tensor::from_slice(b, shape).unwrap(),
    ];
    for s in steps {
        let t = apply(&nodes, s).unwrap();
        nodes.push(t);
    }
    mlx_core::set_default_device(old);
    nodes
}

fn close(x: f32, y: f32) -> bool {
    (x.is_nan() && y.is_nan()) || x == y || (x - y).abs() <= 1e-5 + 2e-4 * x.abs().max(y.abs())
}

fn graph() -> impl Strategy<Value = (Vec<usize>, Vec<f32>, Vec<f32>, Vec<Step>)> {
    prop::collection::vec(1usize..5, 1..4).prop_flat_map(|shape| {
        let n: usize = shape.iter().product();
        (
            Just(shape),
            prop::collection::vec(-2.0f32..2.0, n),
            prop::collection::vec(-2.0f32..2.0, n),
            prop::collection::vec(step(), 1..12),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_graphs_agree_on_cpu_and_ffi((shape, a, b, steps) in graph()) {
        mlx_ffi::register().unwrap();
        let cpu = build(Device::cpu(), &shape, &a, &b, &steps);
        let ffi = build(mlx_ffi::DEVICE, &shape, &a, &b, &steps);
        mlx_ops::eval(&cpu.iter().collect::<Vec<_>>()).unwrap();
        mlx_ops::eval(&ffi.iter().collect::<Vec<_>>()).unwrap();
        if std::env::var_os("MLX_FFI_DIFF_TRACE").is_some() {
            eprintln!("graph of {} nodes, shape {:?}", ffi.len(), shape);
        }
        for (k, (c, f)) in cpu.iter().zip(&ffi).enumerate() {
            prop_assert_eq!(f.device(), mlx_ffi::DEVICE);
            prop_assert_eq!(c.shape(), f.shape(), "node {}", k);
            let (cv, fv) = (c.to_vec::<f32>().unwrap(), f.to_vec::<f32>().unwrap());
            for (i, (x, y)) in cv.iter().zip(&fv).enumerate() {
                prop_assert!(close(*x, *y), "node {} ({:?}) element {}: cpu {} ffi {}", k,
                    if k >= 2 { format!("{:?}", steps[k - 2]) } else { "input".into() }, i, x, y);
            }
        }
    }
}

#[test]
fn most_nodes_of_random_graphs_run_on_mlx() {
    mlx_ffi::register().unwrap();
    let steps = [
        Step::Unary(0, 0),
        Step::Binary(0, 0, 1),
        Step::Reduce(0, 2, 1, false),
        Step::Transpose(3),
        Step::Softmax(4),
    ];
    let before: u64 = mlx_ffi::coverage().values().map(|c| c.0).sum();
    let ffi = build(mlx_ffi::DEVICE, &[2, 3], &[0.5; 6], &[1.5; 6], &steps);
    mlx_ops::eval(&ffi.iter().collect::<Vec<_>>()).unwrap();
    let after: u64 = mlx_ffi::coverage().values().map(|c| c.0).sum();
    assert!(after - before >= 4, "{} nodes ran on MLX", after - before);
}

#[test]
fn threads_share_the_backend() {
    mlx_ffi::register().unwrap();
    let handles: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                let steps = [
                    Step::Unary(t as u8, 0),
                    Step::Binary(2, 2, 1),
                    Step::Reduce(t as u8, 3, 1, true),
                    Step::Transpose(3),
                    Step::Softmax(5),
                    Step::Cumsum(6, 0, t % 2 == 0),
                ];
                let a: Vec<f32> = (0..12).map(|i| (i as f32 * 0.3 + t as f32).sin()).collect();
                let b: Vec<f32> = (0..12).map(|i| (i as f32 * 0.7 - t as f32).cos()).collect();
                for _ in 0..200 {
                    let cpu = build(Device::cpu(), &[3, 4], &a, &b, &steps);
                    let ffi = build(mlx_ffi::DEVICE, &[3, 4], &a, &b, &steps);
                    for (c, f) in cpu.iter().zip(&ffi) {
                        let (cv, fv) = (c.to_vec::<f32>().unwrap(), f.to_vec::<f32>().unwrap());
                        assert!(cv.iter().zip(&fv).all(|(x, y)| close(*x, *y)));
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}
