//! Minimum and median wall time of single workloads, for tuning a kernel on
//! a busy machine (the minimum is the least disturbed run).
//!
//! ```text
//! cargo build --release -p mlx-bench --example hot
//! ./target/release/examples/hot qmv mv fused unfused
//! ```

use mlx_bench::{compiled_exp_mul_add, QuantWorkloads, Workloads};
use std::time::Instant;

fn stats(runs: usize, mut f: impl FnMut()) -> (f64, f64) {
    f();
    let mut ts: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ts.sort_by(f64::total_cmp);
    (ts[0], ts[runs / 2])
}

fn main() -> mlx::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(30);
    let want = |w: &str| args.is_empty() || args.iter().any(|a| a == w);
    let print =
        |w: &str, (min, med): (f64, f64)| println!("{w:10} min {min:8.3} ms  median {med:8.3} ms");
    if want("qmv") || want("mv") {
        let q = QuantWorkloads::new(4096, 512, 1024)?;
        if want("qmv") {
            print("qmv", stats(runs, || drop(q.qmv().expect("qmv"))));
        }
        if want("mv") {
            print("mv", stats(runs, || drop(q.mv().expect("mv"))));
        }
    }
    if want("fused") || want("unfused") {
        let w = Workloads::new(16 * 1024 * 1024)?;
        if want("unfused") {
            print(
                "unfused",
                stats(runs, || drop(w.exp_mul_add().expect("expr"))),
            );
        }
        if want("fused") {
            let f = compiled_exp_mul_add();
            print("fused", stats(runs, || drop(f(&w.x, &w.y).expect("fused"))));
        }
    }
    Ok(())
}
