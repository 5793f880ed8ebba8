//! Criterion benchmarks of the CPU backend on the foundation workloads.
//! Run: `cargo bench -p mlx-bench` (figures in docs/performance.md).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mlx_bench::{
    compiled_exp_mul_add, conv2d_3x3, conv2d_inputs, einsum_bmm, einsum_inputs, matmul_inputs,
    rfft, rfft_input, rms_norm, scalar_chain, IndexWorkloads, Mlp, Workloads,
};

const N: usize = 16 * 1024 * 1024;

fn elementwise(c: &mut Criterion) {
    let w = Workloads::new(N).expect("inputs");
    let mut g = c.benchmark_group("cpu_16M_f32");
    g.sample_size(20);
    g.throughput(Throughput::Bytes((3 * 4 * N) as u64));
    g.bench_function("add", |b| b.iter(|| w.add().expect("add")));
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("exp", |b| b.iter(|| w.exp().expect("exp")));
    g.bench_function("sum", |b| b.iter(|| w.sum().expect("sum")));
    g.bench_function("exp_mul_add", |b| b.iter(|| w.exp_mul_add().expect("expr")));
    let fused = compiled_exp_mul_add();
    g.bench_function("exp_mul_add_compiled", |b| {
        b.iter(|| fused(&w.x, &w.y).expect("fused"))
    });
    g.finish();
    let s = Workloads::new(4096 * 4096).expect("inputs");
    let mut g = c.benchmark_group("cpu_softmax");
    g.sample_size(20);
    g.bench_function("rows_4096x4096", |b| {
        b.iter(|| s.softmax().expect("softmax"))
    });
    g.finish();
    let mut g = c.benchmark_group("cpu_matrix_f32");
    g.sample_size(20);
    g.bench_function("add_row_broadcast_4096x4096", |b| {
        b.iter(|| s.add_row().expect("add_row"))
    });
    g.bench_function("sum_inner_axis_4096x4096", |b| {
        b.iter(|| s.sum_axis(1).expect("sum"))
    });
    g.bench_function("sum_outer_axis_4096x4096", |b| {
        b.iter(|| s.sum_axis(0).expect("sum"))
    });
    g.finish();
}

fn matmul(c: &mut Criterion) {
    let mut g = c.benchmark_group("cpu_matmul_f32");
    g.sample_size(10);
    for n in [256usize, 1024, 2048] {
        let (a, b) = matmul_inputs(n).expect("inputs");
        g.throughput(Throughput::Elements((2 * n * n * n) as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |bench, _| {
            bench.iter(|| {
                let r = a.matmul(&b).expect("matmul");
                r.eval().expect("eval");
                r
            })
        });
    }
    g.finish();
}

fn overhead(c: &mut Criterion) {
    let mut g = c.benchmark_group("cpu_overhead");
    g.throughput(Throughput::Elements(1000));
    g.bench_function("scalar_chain_1000_ops", |b| {
        b.iter(|| scalar_chain(1000).expect("chain"))
    });
    g.finish();
    let mut g = c.benchmark_group("cpu_transforms");
    g.sample_size(20);
    let mlp = Mlp::new(64, 784, 256, 10).expect("mlp");
    g.bench_function("mlp_64x784x256x10_value_and_grad", |b| {
        b.iter(|| mlp.step().expect("step"))
    });
    let tiny = Mlp::new(2, 4, 4, 2).expect("mlp");
    g.bench_function("mlp_tiny_value_and_grad", |b| {
        b.iter(|| tiny.step().expect("step"))
    });
    g.finish();
}

fn ext(c: &mut Criterion) {
    let mut g = c.benchmark_group("cpu_ext");
    g.sample_size(10);
    let (a, b) = einsum_inputs(8, 256).expect("inputs");
    g.throughput(Throughput::Elements((2 * 8 * 256 * 256 * 256) as u64));
    g.bench_function("einsum_bij_bjk_8x256x256", |bench| {
        bench.iter(|| einsum_bmm(&a, &b).expect("einsum"))
    });
    let (cx, cw) = conv2d_inputs(8, 56, 64, 64).expect("inputs");
    g.throughput(Throughput::Elements((2 * 8 * 56 * 56 * 64 * 64 * 9) as u64));
    g.bench_function("conv2d_8x56x56_64to64_3x3", |bench| {
        bench.iter(|| conv2d_3x3(&cx, &cw).expect("conv2d"))
    });
    let fx = rfft_input(1 << 20).expect("inputs");
    g.throughput(Throughput::Elements(1 << 20));
    g.bench_function("rfft_2^20", |bench| bench.iter(|| rfft(&fx).expect("rfft")));
    let s = Workloads::new(4096 * 4096).expect("inputs");
    let w = mlx::Tensor::ones(&[4096], mlx::Dtype::Float32).expect("weight");
    g.throughput(Throughput::Elements((4096 * 4096) as u64));
    g.bench_function("rms_norm_4096x4096", |bench| {
        bench.iter(|| rms_norm(&s.s, &w).expect("rms_norm"))
    });
    g.finish();
}

fn indexing(c: &mut Criterion) {
    let w = IndexWorkloads::new(4096, 1 << 20, N).expect("inputs");
    let mut g = c.benchmark_group("cpu_indexing");
    g.sample_size(10);
    g.throughput(Throughput::Elements((4096 * 4096) as u64));
    g.bench_function("cumsum_4096x4096_axis1", |b| {
        b.iter(|| w.cumsum(1).expect("cumsum"))
    });
    g.bench_function("cumsum_4096x4096_axis0", |b| {
        b.iter(|| w.cumsum(0).expect("cumsum"))
    });
    g.bench_function("sort_4096x4096_rows", |b| {
        b.iter(|| w.sort().expect("sort"))
    });
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("take_16M_from_1M", |b| b.iter(|| w.take().expect("take")));
    g.finish();
}

/// 4-bit quantized matvec against the float32 one, and top-2 expert routing
/// through `gather_mm` against the dense product of the same flops.
fn quantized(c: &mut Criterion) {
    let q = mlx_bench::QuantWorkloads::new(4096, 512, 1024).expect("inputs");
    let mut g = c.benchmark_group("cpu_quantized");
    g.sample_size(10);
    g.bench_function("qmv_4bit_1x4096_4096x4096", |b| {
        b.iter(|| q.qmv().expect("qmv"))
    });
    g.bench_function("matvec_f32_1x4096_4096x4096", |b| {
        b.iter(|| q.mv().expect("mv"))
    });
    g.bench_function("gather_mm_512tok_top2_8x1024x1024", |b| {
        b.iter(|| q.gather().expect("gather"))
    });
    g.bench_function("dense_1024x1024x1024", |b| {
        b.iter(|| q.dense().expect("dense"))
    });
    g.finish();
}

criterion_group!(
    benches,
    elementwise,
    matmul,
    overhead,
    ext,
    indexing,
    quantized
);
criterion_main!(benches);
