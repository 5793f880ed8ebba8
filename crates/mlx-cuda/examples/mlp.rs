//! A two-layer MLP trained with a few SGD steps on `cuda:0`: forward and
//! backward through `value_and_grad`, then the same steps on the CPU for
//! comparison. Prints the losses and how the nodes split between the GPU
//! and the CPU fallback.
//!
//! ```sh
//! cargo run -p mlx-cuda --example mlp
//! ```

use mlx_autograd::value_and_grad;
use mlx_core::{set_default_device, Device, DeviceKind};
use mlx_ops::{eval, Tensor};
use std::time::Instant;

const BATCH: usize = 512;
const IN: usize = 256;
const HIDDEN: usize = 512;
const OUT: usize = 16;
const STEPS: usize = 8;
const LR: f32 = 0.05;

/// Deterministic values in [-scale, scale).
fn values(n: usize, seed: u32, scale: f32) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let v = ((i as u32)
                .wrapping_mul(2654435761)
                .wrapping_add(seed.wrapping_mul(97))
                >> 8) as f32
                / (1u32 << 24) as f32;
            (v * 2.0 - 1.0) * scale
        })
        .collect()
}

fn loss(p: &[Tensor]) -> mlx_core::Result<Tensor> {
    let (w1, b1, w2, b2, x, y) = (&p[0], &p[1], &p[2], &p[3], &p[4], &p[5]);
    let h = (x.matmul(w1)? + b1)?.maximum(0.0f32)?;
    let pred = (h.matmul(w2)? + b2)?;
    (pred - y)?.square()?.mean(mlx_ops::ALL, false)
}

fn train(device: Device) -> mlx_core::Result<(Vec<f32>, f64)> {
    let old = set_default_device(device);
    let x = Tensor::from_slice(&values(BATCH * IN, 1, 1.0), &[BATCH, IN])?;
    let w_true = Tensor::from_slice(&values(IN * OUT, 2, 0.2), &[IN, OUT])?;
    let y = x.matmul(&w_true)?.exp()?; // a non-linear target
    let mut params = vec![
        Tensor::from_slice(
            &values(IN * HIDDEN, 3, (1.0 / IN as f32).sqrt()),
            &[IN, HIDDEN],
        )?,
        Tensor::from_slice(&[0.0f32; HIDDEN], &[HIDDEN])?,
        Tensor::from_slice(
            &values(HIDDEN * OUT, 4, (1.0 / HIDDEN as f32).sqrt()),
            &[HIDDEN, OUT],
        )?,
        Tensor::from_slice(&[0.0f32; OUT], &[OUT])?,
    ];
    let step = value_and_grad(loss, &[0, 1, 2, 3]);
    let mut losses = Vec::new();
    let mut t0 = Instant::now();
    for s in 0..STEPS {
        if s == 1 {
            t0 = Instant::now(); // the first step compiles kernels
        }
        let mut args = params.clone();
        args.push(x.clone());
        args.push(y.clone());
        let (l, grads) = step(&args)?;
        let mut next = Vec::with_capacity(params.len());
        for (p, g) in params.iter().zip(&grads) {
            next.push((p - (g * LR)?)?);
        }
        let refs: Vec<&Tensor> = next.iter().chain(std::iter::once(&l)).collect();
        eval(&refs)?;
        losses.push(l.item::<f32>()?);
        params = next;
    }
    let per_step = t0.elapsed().as_secs_f64() / (STEPS - 1) as f64;
    set_default_device(old);
    Ok((losses, per_step))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let backend = mlx_cuda::register(0)?;
    let cuda = Device::new(DeviceKind::Cuda, 0);
    println!("MLP {IN}-{HIDDEN}-{OUT}, batch {BATCH}, {STEPS} SGD steps (lr {LR})");
    let (gpu, gpu_step) = train(cuda)?;
    let cov = backend.coverage();
    let (cpu, cpu_step) = train(Device::cpu())?;
    println!("step  loss on cuda:0   loss on cpu   rel. diff");
    let mut worst = 0.0f32;
    for (s, (g, c)) in gpu.iter().zip(&cpu).enumerate() {
        let rel = (g - c).abs() / c.abs().max(1e-6);
        worst = worst.max(rel);
        println!("{s:>4}  {g:>13.6}  {c:>12.6}  {rel:>9.2e}");
    }
    println!(
        "time per step (after the first): cuda:0 {:.2} ms, cpu {:.2} ms",
        gpu_step * 1e3,
        cpu_step * 1e3
    );
    let ran: u64 = cov.values().map(|c| c.0).sum();
    let fell: u64 = cov.values().map(|c| c.1).sum();
    println!(
        "cuda:0 nodes: {ran} ran on the GPU, {fell} fell back to the CPU ({:.1}% on the GPU)",
        100.0 * ran as f64 / (ran + fell).max(1) as f64
    );
    for (op, (r, f)) in &cov {
        println!("  {op:<16} {r:>5} on GPU {f:>5} on CPU");
    }
    let m = backend.memory_stats();
    println!(
        "allocator: peak {:.1} MiB active, {:.1} MiB cached",
        m.peak as f64 / (1 << 20) as f64,
        m.cached as f64 / (1 << 20) as f64
    );
    if gpu.last() >= gpu.first() {
        return Err("the loss did not decrease on cuda:0".into());
    }
    if worst > 1e-3 {
        return Err(format!("cuda:0 and cpu losses differ by {worst:.2e}").into());
    }
    Ok(())
}
