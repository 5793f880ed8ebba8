//! The main demo: builds a few lazy tensor programs, shows that nothing runs
//! until `eval`, evaluates them on the CPU backend and prints the results.
//!
//! Run: `cargo run --release -p mlx --example demo`

use mlx::prelude::*;
use mlx::Context;
use std::time::Instant;

fn main() -> Result<()> {
    let ctx = Context::global();
    println!("oxidized MLX demo (CPU backend)\n");

    // 1. Lazy graph: building computes nothing.
    let before = ctx.stats().kernels_dispatched;
    let x = Tensor::arange(0.0, 6.0, 1.0, Some(Dtype::Float32))?.reshape(&[2, 3])?;
    let y = x.exp()?.multiply(&x)?.sum(-1, false)?;
    println!(
        "built y = sum(exp(x) * x, axis=-1): shape {:?}, dtype {}, kernels run so far: {}",
        y.shape(),
        y.dtype(),
        ctx.stats().kernels_dispatched - before
    );
    y.eval()?;
    println!(
        "after eval: kernels run: {}",
        ctx.stats().kernels_dispatched - before
    );
    println!("x = {x}\ny = {y}\n");

    // 2. MLX type promotion and weak scalars.
    let h = Tensor::ones(&[3], Dtype::Float16)?;
    let i = Tensor::from_slice(&[1i8, 2, 3], &[3])?;
    println!("float16 * 2.0        -> {}", (&h * 2.0)?.dtype());
    println!("int8 + 1             -> {}", (&i + 1)?.dtype());
    println!("int8 + 0.5           -> {}", (&i + 0.5)?.dtype());
    println!(
        "int8 + uint8 tensor  -> {}",
        i.add(&Tensor::from_slice(&[1u8, 1, 1], &[3])?)?.dtype()
    );
    println!(
        "float16 + bfloat16   -> {}\n",
        h.add(&h.astype(Dtype::Bfloat16)?)?.dtype()
    );

    // 3. Broadcasting, views and a matmul.
    let a = Tensor::arange(0.0, 12.0, 1.0, Some(Dtype::Float32))?.reshape(&[3, 4])?;
    let col = Tensor::from_slice(&[1.0f32, 10.0, 100.0], &[3, 1])?;
    println!("a * col (broadcast)  = {}", a.multiply(&col)?);
    println!(
        "a[:, ::-2]           = {}",
        a.slice(&[0, i64::MAX], &[3, i64::MIN], &[1, -2])?
    );
    println!("a @ a.T              = {}", a.matmul(&a.transpose(&[])?)?);
    println!(
        "softmax(a, -1)[0]    = {}",
        a.softmax(-1, false)?.slice(&[0], &[1], &[1])?.round(4)?
    );
    println!(
        "mean/std/argmax      = {} {} {}\n",
        a.mean(ALL, false)?,
        a.std(ALL, false, 0)?,
        a.argmax(Some(1), false)?
    );

    // 4. A larger workload, timed.
    let n = 1024;
    let m = Tensor::linspace(-1.0, 1.0, n * n, None)?.reshape(&[n as i64, n as i64])?;
    m.eval()?;
    let t = Instant::now();
    let p = m.matmul(&m)?;
    p.eval()?;
    let dt = t.elapsed().as_secs_f64();
    println!(
        "matmul {n}x{n}x{n} f32: {:.1} ms ({:.1} GFLOP/s)",
        dt * 1e3,
        2.0 * (n as f64).powi(3) / dt / 1e9
    );

    let t = Instant::now();
    let mut w = Tensor::scalar(0.0f32);
    for _ in 0..1000 {
        w = (&w + 1.0)?;
    }
    w.eval()?;
    println!(
        "1000-op scalar chain build + eval: {:.2} us per op, result {}",
        t.elapsed().as_secs_f64() * 1e3,
        w.item::<f32>()?
    );
    println!("\nlive graph nodes now: {}", ctx.stats().live_nodes);
    Ok(())
}
