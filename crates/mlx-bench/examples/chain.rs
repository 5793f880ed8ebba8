//! The per-op overhead workload alone, split into build and eval, for
//! profilers: `valgrind --tool=callgrind target/release/examples/chain`.
use mlx::prelude::*;
use std::time::Instant;

fn main() -> mlx::Result<()> {
    for _ in 0..5 {
        let t = Instant::now();
        let mut w = Tensor::scalar(1.0f32);
        for _ in 0..1000 {
            w = w.add(1.0)?;
        }
        let built = t.elapsed();
        w.eval()?;
        let total = t.elapsed();
        drop(w);
        let dropped = t.elapsed();
        println!(
            "build {:.2} us/op, eval {:.2} us/op, drop {:.2} us/op",
            built.as_secs_f64() * 1e3,
            (total - built).as_secs_f64() * 1e3,
            (dropped - total).as_secs_f64() * 1e3
        );
    }
    Ok(())
}
