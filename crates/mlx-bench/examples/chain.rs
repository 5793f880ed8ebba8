//! The per-op overhead workload alone, split into build and eval, for
//! profilers: `valgrind --tool=callgrind target/release/examples/chain`.
//! An optional argument sets the number of rounds (default 5).
use mlx::prelude::*;
use std::time::Instant;

fn main() -> mlx::Result<()> {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let (mut build, mut eval) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let mut w = Tensor::scalar(1.0f32);
        for _ in 0..1000 {
            w = w.add(1.0)?;
        }
        let built = t.elapsed();
        w.eval()?;
        let total = t.elapsed();
        drop(w);
        build.push(built.as_secs_f64() * 1e3);
        eval.push((total - built).as_secs_f64() * 1e3);
    }
    build.sort_by(f64::total_cmp);
    eval.sort_by(f64::total_cmp);
    println!(
        "{rounds} rounds of 1000 ops, medians: build {:.3} us/op, eval {:.3} us/op, total {:.3} us/op",
        build[rounds / 2],
        eval[rounds / 2],
        build[rounds / 2] + eval[rounds / 2]
    );
    Ok(())
}
