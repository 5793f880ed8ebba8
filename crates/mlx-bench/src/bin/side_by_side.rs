//! Prints this project's medians for the foundation workloads as JSON lines
//! (`{"work": ..., "ms": ...}`), measured exactly as
//! `scripts/cpu_reference.py` measures numpy and MLX (median of 10 after a
//! warm-up), so that `scripts/side_by_side.sh` can put them in one table.

use mlx_bench::{
    compiled_exp_mul_add, conv2d_3x3, conv2d_inputs, einsum_bmm, einsum_inputs, matmul_inputs,
    median_secs, rfft, rfft_input, rms_norm, scalar_chain, IndexWorkloads, Mlp, Workloads,
};

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
    let fused = compiled_exp_mul_add();
    report(
        "exp(x)*y+x 16M compiled",
        median_secs(runs, || drop(fused(&w.x, &w.y).expect("fused"))),
    );
    drop(w);
    let mlp = Mlp::new(64, 784, 256, 10)?;
    report(
        "mlp 64x784x256x10 value_and_grad",
        median_secs(runs, || {
            mlp.step().expect("step");
        }),
    );
    // per-op overhead: a tiny MLP step divided by the kernels it dispatches
    let ctx = mlx_bench::Context::new();
    let _guard = ctx.enter();
    let tiny = Mlp::new(2, 4, 4, 2)?;
    let k0 = ctx.stats().kernels_dispatched;
    tiny.step()?;
    let kernels = ctx.stats().kernels_dispatched - k0;
    let secs = median_secs(runs * 10, || {
        tiny.step().expect("step");
    });
    report("mlp tiny value_and_grad", secs);
    println!(
        "{{\"work\": \"mlp tiny: kernels per step\", \"count\": {kernels}, \"us_per_kernel\": {:.3}}}",
        secs * 1e6 / kernels as f64
    );
    let s = Workloads::new(4096 * 4096)?;
    report(
        "add 4096x4096 + row (broadcast)",
        median_secs(runs, || drop(s.add_row().expect("add_row"))),
    );
    for axis in [1i64, 0] {
        report(
            &format!("sum 4096x4096 axis={axis}"),
            median_secs(runs, || drop(s.sum_axis(axis).expect("sum_axis"))),
        );
    }
    report(
        "softmax 4096x4096",
        median_secs(runs, || drop(s.softmax().expect("softmax"))),
    );
    let g = mlx::Tensor::ones(&[4096], mlx::Dtype::Float32)?;
    report(
        "rms_norm 4096x4096",
        median_secs(runs, || drop(rms_norm(&s.s, &g).expect("rms_norm"))),
    );
    let (cx, cw) = conv2d_inputs(8, 56, 64, 64)?;
    report(
        "conv2d 8x56x56x64 -> 64, 3x3",
        median_secs(runs, || drop(conv2d_3x3(&cx, &cw).expect("conv2d"))),
    );
    drop((cx, cw));
    let fx = rfft_input(1 << 20)?;
    report(
        "rfft 2^20",
        median_secs(runs, || drop(rfft(&fx).expect("rfft"))),
    );
    drop(fx);
    let (ea, eb) = einsum_inputs(8, 256)?;
    report(
        "einsum bij,bjk->bik 8x256x256",
        median_secs(runs, || drop(einsum_bmm(&ea, &eb).expect("einsum"))),
    );
    drop(s);
    let iw = IndexWorkloads::new(4096, 1 << 20, 16 * 1024 * 1024)?;
    report(
        "cumsum 4096x4096 axis=1",
        median_secs(runs, || drop(iw.cumsum(1).expect("cumsum"))),
    );
    report(
        "cumsum 4096x4096 axis=0",
        median_secs(runs, || drop(iw.cumsum(0).expect("cumsum"))),
    );
    report(
        "sort 4096x4096 rows",
        median_secs(runs, || drop(iw.sort().expect("sort"))),
    );
    report(
        "take 16M from 1M",
        median_secs(runs, || drop(iw.take().expect("take"))),
    );
    drop(iw);
    let q = mlx_bench::QuantWorkloads::new(4096, 512, 1024)?;
    report(
        "qmv 4-bit 1x4096 @ 4096x4096",
        median_secs(runs, || drop(q.qmv().expect("qmv"))),
    );
    report(
        "matvec f32 1x4096 @ 4096x4096",
        median_secs(runs, || drop(q.mv().expect("mv"))),
    );
    report(
        "gather_mm 512 tokens top-2 of 8 experts 1024x1024",
        median_secs(runs, || drop(q.gather().expect("gather"))),
    );
    report(
        "dense matmul 1024x1024 @ 1024x1024 (same flops)",
        median_secs(runs, || drop(q.dense().expect("dense"))),
    );
    drop(q);
    report(
        "1000-op scalar chain",
        median_secs(runs, || {
            scalar_chain(1000).expect("chain");
        }),
    );
    Ok(())
}
