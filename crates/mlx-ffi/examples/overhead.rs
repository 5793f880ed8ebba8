//! Per-op overhead of the FFI path against the native CPU backend on small
//! tensors: each iteration builds one op on an evaluated input and
//! evaluates it (graph node, scheduler, backend call, kernel).
//!
//! `MLX_PYTHON=/root/mlxvenv/bin/python cargo run --release -p mlx-ffi --features link --example overhead`

use mlx_core::Device;
use mlx_ops::Tensor;
use std::time::Instant;

type Op = fn(&Tensor, &Tensor) -> mlx_ops::Result<Tensor>;

fn time(device: Device, shape: &[usize], op: Op, iters: u32) -> f64 {
    let old = mlx_core::set_default_device(device);
    let n: usize = shape.iter().product();
    let data: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
    let x = Tensor::from_slice(&data, shape).unwrap();
    let y = Tensor::from_slice(&data, shape).unwrap();
    x.eval().unwrap();
    y.eval().unwrap();
    for _ in 0..iters / 10 {
        op(&x, &y).unwrap().eval().unwrap();
    }
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..iters {
            op(&x, &y).unwrap().eval().unwrap();
        }
        best = best.min(t.elapsed().as_secs_f64() / iters as f64);
    }
    mlx_core::set_default_device(old);
    best * 1e6
}

fn main() {
    mlx_ffi::register().expect("build with --features link and a reachable MLX");
    let v = mlx_sys::versions().unwrap();
    println!("MLX {} (shim ABI {})", v.runtime, v.abi);
    let iters: u32 = std::env::var("ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let ops: [(&str, &[usize], Op); 6] = [
        ("add [16]", &[16], |a, b| a.add(b)),
        ("exp [16]", &[16], |a, _| a.exp()),
        ("add [64x64]", &[64, 64], |a, b| a.add(b)),
        ("sum axis -1 [64x64]", &[64, 64], |a, _| a.sum(-1i64, false)),
        ("softmax [8x8]", &[8, 8], |a, _| a.softmax(-1i64, false)),
        ("matmul [8x8]", &[8, 8], |a, b| a.matmul(b)),
    ];
    println!("| op (float32) | CPU backend µs/op | FFI (MLX) µs/op | FFI − CPU |");
    println!("| --- | --- | --- | --- |");
    for (name, shape, op) in ops {
        let cpu = time(Device::cpu(), shape, op, iters);
        let ffi = time(mlx_ffi::DEVICE, shape, op, iters);
        println!("| {name} | {cpu:.2} | {ffi:.2} | {:+.2} |", ffi - cpu);
    }
}
