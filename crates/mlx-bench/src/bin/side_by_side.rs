//! Prints this project's medians for the foundation workloads as JSON lines
//! (`{"work": ..., "ms": ...}`), measured exactly as
//! `scripts/cpu_reference.py` measures numpy and MLX (median of 10 after a
//! warm-up), so that `scripts/side_by_side.sh` can put them in one table.

use mlx_bench::{matmul_inputs, median_secs, scalar_chain, Workloads};

fn main() -> mlx::Result<()> {
    let runs = 10;
    let report =
        |work: &str, secs: f64| println!("{{\"work\": \"{work}\", \"ms\": {:.4}}}", secs * 1e3);
    for n in [1024usize, 2048] {
        let (a, b) = matmul_inputs(n)?;
        report(
            &format!("matmul {n}"),
            median_secs(runs, || {
                a.matmul(&b).and_then(|r| r.eval()).expect("matmul");
            }),
        );
    }
    let w = Workloads::new(16 * 1024 * 1024)?;
    report("add 16M", median_secs(runs, || drop(w.add().expect("add"))));
    report("exp 16M", median_secs(runs, || drop(w.exp().expect("exp"))));
    report("sum 16M", median_secs(runs, || drop(w.sum().expect("sum"))));
    report(
        "exp(x)*y+x 16M",
        median_secs(runs, || drop(w.exp_mul_add().expect("expr"))),
    );
    let s = Workloads::new(4096 * 4096)?;
    report(
        "softmax 4096x4096",
        median_secs(runs, || drop(s.softmax().expect("softmax"))),
    );
    report(
        "1000-op scalar chain",
        median_secs(runs, || {
            scalar_chain(1000).expect("chain");
        }),
    );
    Ok(())
}
