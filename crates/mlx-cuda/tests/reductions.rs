//! GPU reductions, arg-reductions, softmax, rms_norm and scans against the
//! CPU backend (the oracle). Every test here needs an NVIDIA GPU and is
//! `#[ignore]`d; see the crate README for running them on the device.

use mlx_core::backend::Backend;
use mlx_core::half::{bf16, f16};
use mlx_core::{
    ArgReduceOp, ArrayData, Bool8, Buffer, Dtype, HostBuffer, Layout, OpCall, Primitive, ReduceOp,
    ScanOp,
};
use mlx_cpu::CpuBackend;
use mlx_cuda::CudaBackend;
use std::sync::Arc;

fn gpu() -> Arc<CudaBackend> {
    match CudaBackend::new(0) {
        Ok(b) => b,
        Err(e) => panic!("this test needs a CUDA GPU: {e}"),
    }
}

/// A host buffer of dtype `d` holding `v` (converted).
fn host(d: Dtype, v: &[f64]) -> HostBuffer {
    match d {
        Dtype::Bool => {
            HostBuffer::from_slice(&v.iter().map(|&x| Bool8::from(x != 0.0)).collect::<Vec<_>>())
        }
        Dtype::Uint8 => HostBuffer::from_slice(&v.iter().map(|&x| x as u8).collect::<Vec<_>>()),
        Dtype::Uint16 => HostBuffer::from_slice(&v.iter().map(|&x| x as u16).collect::<Vec<_>>()),
        Dtype::Uint32 => HostBuffer::from_slice(&v.iter().map(|&x| x as u32).collect::<Vec<_>>()),
        Dtype::Uint64 => HostBuffer::from_slice(&v.iter().map(|&x| x as u64).collect::<Vec<_>>()),
        Dtype::Int8 => HostBuffer::from_slice(&v.iter().map(|&x| x as i8).collect::<Vec<_>>()),
        Dtype::Int16 => HostBuffer::from_slice(&v.iter().map(|&x| x as i16).collect::<Vec<_>>()),
        Dtype::Int32 => HostBuffer::from_slice(&v.iter().map(|&x| x as i32).collect::<Vec<_>>()),
        Dtype::Int64 => HostBuffer::from_slice(&v.iter().map(|&x| x as i64).collect::<Vec<_>>()),
        Dtype::Float16 => {
            HostBuffer::from_slice(&v.iter().map(|&x| f16::from_f64(x)).collect::<Vec<_>>())
        }
        Dtype::Bfloat16 => {
            HostBuffer::from_slice(&v.iter().map(|&x| bf16::from_f64(x)).collect::<Vec<_>>())
        }
        Dtype::Float32 => HostBuffer::from_slice(&v.iter().map(|&x| x as f32).collect::<Vec<_>>()),
        Dtype::Float64 => HostBuffer::from_slice(v),
        Dtype::Complex64 => unreachable!("no complex data in these tests"),
    }
}

/// The elements of `h` as f64 (in buffer order).
fn values(h: &HostBuffer) -> Vec<f64> {
    fn conv<T: mlx_core::Native + Copy>(h: &HostBuffer, f: impl Fn(T) -> f64) -> Vec<f64> {
        h.as_slice::<T>().unwrap().iter().map(|&x| f(x)).collect()
    }
    match h.dtype() {
        Dtype::Bool => conv::<Bool8>(h, |x| f64::from(x.0)),
        Dtype::Uint8 => conv::<u8>(h, f64::from),
        Dtype::Uint16 => conv::<u16>(h, f64::from),
        Dtype::Uint32 => conv::<u32>(h, f64::from),
        Dtype::Uint64 => conv::<u64>(h, |x| x as f64),
        Dtype::Int8 => conv::<i8>(h, f64::from),
        Dtype::Int16 => conv::<i16>(h, f64::from),
        Dtype::Int32 => conv::<i32>(h, f64::from),
        Dtype::Int64 => conv::<i64>(h, |x| x as f64),
        Dtype::Float16 => conv::<f16>(h, |x| x.to_f64()),
        Dtype::Bfloat16 => conv::<bf16>(h, |x| x.to_f64()),
        Dtype::Float32 => conv::<f32>(h, f64::from),
        Dtype::Float64 => conv::<f64>(h, |x| x),
        Dtype::Complex64 => unreachable!(),
    }
}

/// Element `i` (row-major over the layout's shape) of `data` through `l`.
fn at(data: &[f64], l: &Layout, i: usize) -> f64 {
    let mut r = i;
    let mut idx = l.offset() as isize;
    for d in (0..l.ndim()).rev() {
        let s = l.shape()[d];
        idx += (r % s) as isize * l.strides()[d];
        r /= s;
    }
    data[idx as usize]
}

/// Deterministic pseudo-random integers in `[lo, hi]`.
fn ints(n: usize, seed: u64, lo: i64, hi: i64) -> Vec<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (lo + ((s >> 33) % (hi - lo + 1) as u64) as i64) as f64
        })
        .collect()
}

/// Deterministic pseudo-random reals in `[-a, a)`.
fn reals(n: usize, seed: u64, a: f64) -> Vec<f64> {
    ints(n, seed, 0, 1 << 20)
        .iter()
        .map(|&v| (v / (1 << 20) as f64) * 2.0 * a - a)
        .collect()
}

/// Runs `p` on the GPU and the CPU backend; returns both outputs in
/// row-major order as f64.
fn both(
    b: &CudaBackend,
    p: &Primitive,
    inputs: &[(HostBuffer, Layout)],
    shape: &[usize],
    dtype: Dtype,
) -> (Vec<f64>, Vec<f64>) {
    let cpu_in: Vec<ArrayData> = inputs
        .iter()
        .map(|(h, l)| ArrayData {
            buffer: Buffer::new(host(h.dtype(), &values(h))),
            layout: l.clone(),
            dtype: h.dtype(),
        })
        .collect();
    let gpu_in: Vec<ArrayData> = cpu_in
        .iter()
        .map(|a| ArrayData {
            buffer: b.upload(&a.buffer).unwrap(),
            ..a.clone()
        })
        .collect();
    fn call<'a>(
        primitive: &'a Primitive,
        inputs: &'a [ArrayData],
        shape: &'a [usize],
        dtype: Dtype,
    ) -> OpCall<'a> {
        OpCall {
            primitive,
            inputs,
            shape,
            dtype,
        }
    }
    let want = CpuBackend::new()
        .eval(&call(p, &cpu_in, shape, dtype))
        .unwrap();
    let got = match b.eval(&call(p, &gpu_in, shape, dtype)) {
        Ok(g) => g,
        Err(e) => panic!("{p:?} on {shape:?} {dtype}: {e}"),
    };
    assert!(got.layout.is_row_contiguous());
    assert_eq!(got.layout.shape(), shape);
    let g = values(b.download(&got.buffer).unwrap().as_host().unwrap());
    let w = values(want.buffer.as_host().unwrap());
    let n: usize = shape.iter().product();
    let w: Vec<f64> = (0..n).map(|i| at(&w, &want.layout, i)).collect();
    assert_eq!(g.len(), n);
    (g, w)
}

/// Asserts elementwise closeness: `|g - w| <= rel * |w| + abs`, NaN = NaN.
fn check(g: &[f64], w: &[f64], rel: f64, abs: f64, what: &str) {
    for (i, (&g, &w)) in g.iter().zip(w).enumerate() {
        if w.is_nan() {
            assert!(g.is_nan(), "{what} [{i}]: got {g}, want NaN");
            continue;
        }
        assert!(
            g == w || (g - w).abs() <= rel * w.abs() + abs,
            "{what} [{i}]: got {g}, want {w}"
        );
    }
}

const ALL_REAL: [Dtype; 12] = [
    Dtype::Float32,
    Dtype::Float16,
    Dtype::Bfloat16,
    Dtype::Float64,
    Dtype::Int8,
    Dtype::Int16,
    Dtype::Int32,
    Dtype::Int64,
    Dtype::Uint8,
    Dtype::Uint16,
    Dtype::Uint32,
    Dtype::Uint64,
];

/// Layout cases: (buffer elements, layout, axes).
fn reduce_cases() -> Vec<(usize, Layout, Vec<usize>)> {
    let c = Layout::contiguous;
    let mut v = vec![
        (1, c(&[1]), vec![0]),
        (7, c(&[7]), vec![0]),
        (120, c(&[4, 5, 6]), vec![2]),
        (120, c(&[4, 5, 6]), vec![0]),
        (120, c(&[4, 5, 6]), vec![1]),
        (120, c(&[4, 5, 6]), vec![0, 2]),
        (120, c(&[4, 5, 6]), vec![1, 2]),
        (120, c(&[4, 5, 6]), vec![0, 1, 2]),
        (120, c(&[4, 1, 30]), vec![1]),
        (33 * 1000, c(&[33, 1000]), vec![1]),
        (33 * 1000, c(&[33, 1000]), vec![0]),
        // non-contiguous: transposed, broadcast, sliced with an offset
        (120, c(&[6, 5, 4]).transpose(&[2, 0, 1]), vec![0]),
        (120, c(&[6, 5, 4]).transpose(&[2, 0, 1]), vec![1, 2]),
        (5, c(&[5]).broadcast_to(&[4, 5]), vec![0]),
        (5, c(&[5]).broadcast_to(&[4, 5]), vec![1]),
        (90, c(&[9, 10]).slice(&[1, 2], &[2, 3], &[4, 3]), vec![1]),
        (90, c(&[9, 10]).slice(&[1, 2], &[2, 3], &[4, 3]), vec![0]),
    ];
    // empty arrays: nothing to write, and an empty reduced axis
    v.push((0, c(&[3, 0, 5]), vec![0]));
    v.push((0, c(&[3, 0, 5]), vec![1]));
    v
}

fn kept_shape(l: &Layout, axes: &[usize]) -> Vec<usize> {
    let mut s = l.shape().to_vec();
    for &a in axes {
        s[a] = 1;
    }
    s
}

fn reduce_data(d: Dtype, op: ReduceOp, n: usize, seed: u64) -> Vec<f64> {
    match (op, d) {
        // products stay exact: +-1 and a few +-2, +-0.5
        (ReduceOp::Prod, Dtype::Float32 | Dtype::Float16 | Dtype::Bfloat16 | Dtype::Float64) => {
            ints(n, seed, 0, 9)
                .iter()
                .map(|&k| match k as i64 {
                    0 => 2.0,
                    1 => 0.5,
                    2 => -2.0,
                    k if k % 2 == 0 => 1.0,
                    _ => -1.0,
                })
                .collect()
        }
        (ReduceOp::All | ReduceOp::Any, _) => {
            ints(n, seed, 0, 40).iter().map(|&k| k.min(1.0)).collect()
        }
        (_, Dtype::Uint8 | Dtype::Uint16 | Dtype::Uint32 | Dtype::Uint64 | Dtype::Bool) => {
            ints(n, seed, 0, 200)
        }
        (_, Dtype::Int8) => ints(n, seed, -100, 100),
        // integer-valued floats: sums are exact in every order
        _ => ints(n, seed, -8, 8),
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn reduce_every_op_dtype_and_layout() {
    let b = gpu();
    let ops = [
        ReduceOp::Sum,
        ReduceOp::Prod,
        ReduceOp::Max,
        ReduceOp::Min,
        ReduceOp::All,
        ReduceOp::Any,
    ];
    let mut dtypes = ALL_REAL.to_vec();
    dtypes.push(Dtype::Bool);
    let mut count = 0;
    for (n, l, axes) in reduce_cases() {
        let shape = kept_shape(&l, &axes);
        let empty_red = axes.iter().any(|&a| l.shape()[a] == 0);
        for &d in &dtypes {
            for op in ops {
                if d == Dtype::Bool && matches!(op, ReduceOp::Sum | ReduceOp::Prod) {
                    continue;
                }
                if empty_red && matches!(op, ReduceOp::Max | ReduceOp::Min) {
                    continue;
                }
                let out = if matches!(op, ReduceOp::All | ReduceOp::Any) {
                    Dtype::Bool
                } else {
                    d
                };
                let data = reduce_data(d, op, n, count as u64);
                let p = Primitive::Reduce {
                    op,
                    axes: axes.clone(),
                };
                let (g, w) = both(&b, &p, &[(host(d, &data), l.clone())], &shape, out);
                check(
                    &g,
                    &w,
                    0.0,
                    0.0,
                    &format!("{op:?} {d} {:?} axes {axes:?}", l.shape()),
                );
                count += 1;
            }
        }
    }
    println!("{count} reduce cases");
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn reduce_large_and_split() {
    let b = gpu();
    let c = Layout::contiguous;
    let cases = [
        (c(&[(1 << 22) + 3]), vec![0]),
        (c(&[3, 70001]), vec![1]),
        (c(&[40000, 3]), vec![0]),
        (c(&[2, 4096, 33]), vec![1]),
        (c(&[64, 1024, 16]), vec![0, 1]),
        (c(&[1000, 1000]).transpose(&[1, 0]), vec![0]),
        (c(&[1000, 1000]).transpose(&[1, 0]), vec![0, 1]),
    ];
    for (l, axes) in cases {
        let n = l.numel();
        let shape = kept_shape(&l, &axes);
        for d in [Dtype::Float32, Dtype::Float16, Dtype::Int32, Dtype::Int64] {
            for op in [ReduceOp::Sum, ReduceOp::Max, ReduceOp::Min, ReduceOp::Any] {
                let data = ints(n, 7, -8, 8);
                let out = if op == ReduceOp::Any { Dtype::Bool } else { d };
                let p = Primitive::Reduce {
                    op,
                    axes: axes.clone(),
                };
                let (g, w) = both(&b, &p, &[(host(d, &data), l.clone())], &shape, out);
                // f16 sums of many integers round once at the end (f32 exact)
                check(
                    &g,
                    &w,
                    0.0,
                    0.0,
                    &format!("{op:?} {d} {:?} {axes:?}", l.shape()),
                );
            }
        }
        // real-valued float32 sums: a different order, a small difference
        let data = reals(n, 9, 1.0);
        let p = Primitive::Reduce {
            op: ReduceOp::Sum,
            axes: axes.clone(),
        };
        let (g, w) = both(
            &b,
            &p,
            &[(host(Dtype::Float32, &data), l.clone())],
            &shape,
            Dtype::Float32,
        );
        let red = n / shape.iter().product::<usize>();
        check(
            &g,
            &w,
            1e-5,
            1e-6 * red as f64,
            &format!("real sum {:?}", l.shape()),
        );
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn reduce_nan_and_inf() {
    let b = gpu();
    for d in [
        Dtype::Float32,
        Dtype::Float16,
        Dtype::Bfloat16,
        Dtype::Float64,
    ] {
        let mut data = ints(4 * 300, 3, -8, 8);
        data[5] = f64::NAN; // row 0
        data[300 + 299] = f64::INFINITY; // row 1
        data[600 + 10] = f64::NEG_INFINITY; // row 2
        data[900 + 7] = f64::NAN; // row 3
        data[900 + 8] = f64::INFINITY;
        let l = Layout::contiguous(&[4, 300]);
        for op in [
            ReduceOp::Sum,
            ReduceOp::Prod,
            ReduceOp::Max,
            ReduceOp::Min,
            ReduceOp::All,
            ReduceOp::Any,
        ] {
            let out = if matches!(op, ReduceOp::All | ReduceOp::Any) {
                Dtype::Bool
            } else {
                d
            };
            for axes in [vec![1], vec![0]] {
                let p = Primitive::Reduce {
                    op,
                    axes: axes.clone(),
                };
                let shape = kept_shape(&l, &axes);
                let (g, w) = both(&b, &p, &[(host(d, &data), l.clone())], &shape, out);
                check(&g, &w, 0.0, 0.0, &format!("{op:?} {d} {axes:?}"));
            }
        }
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn arg_reduce_ties_nan_layouts() {
    let b = gpu();
    let c = Layout::contiguous;
    let cases = [
        (c(&[1]), 0),
        (c(&[7]), 0),
        (c(&[4, 5, 6]), 0),
        (c(&[4, 5, 6]), 1),
        (c(&[4, 5, 6]), 2),
        (c(&[6, 5, 4]).transpose(&[2, 0, 1]), 2),
        (c(&[5]).broadcast_to(&[3, 5]), 1),
        (c(&[3, 5000]), 1),
        (c(&[5000, 3]), 0),
        (c(&[200, 40]), 1),
        (c(&[3, 0]), 0),
    ];
    let mut count = 0;
    for (l, axis) in cases {
        let n = l.numel() * 4 + 1024;
        let mut shape = l.shape().to_vec();
        shape[axis] = 1;
        for &d in &ALL_REAL {
            // few distinct values: many ties
            let mut data = ints(n, count, 0, 5);
            if matches!(
                d,
                Dtype::Float32 | Dtype::Float16 | Dtype::Bfloat16 | Dtype::Float64
            ) && n > 20
            {
                data[n / 3] = f64::NAN;
                data[n / 2] = f64::NAN;
            }
            for op in [ArgReduceOp::ArgMax, ArgReduceOp::ArgMin] {
                let p = Primitive::ArgReduce { op, axis };
                let (g, w) = both(
                    &b,
                    &p,
                    &[(host(d, &data), l.clone())],
                    &shape,
                    Dtype::Uint32,
                );
                check(
                    &g,
                    &w,
                    0.0,
                    0.0,
                    &format!("{op:?} {d} {:?} axis {axis}", l.shape()),
                );
                count += 1;
            }
        }
    }
    println!("{count} arg-reduce cases");
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn softmax_rows_dtypes_layouts() {
    let b = gpu();
    let c = Layout::contiguous;
    let cases = [
        c(&[1]),
        c(&[3]),
        c(&[4, 5]),
        c(&[3, 8]),
        c(&[2, 3, 64]),
        c(&[7, 1000]),
        c(&[5, 4096]),
        c(&[2, 8193]),
        c(&[0, 16]),
        c(&[5, 6]).transpose(&[1, 0]),
        c(&[64]).broadcast_to(&[3, 64]),
        c(&[10, 40]).slice(&[1, 4], &[2, 1], &[4, 32]),
    ];
    for l in &cases {
        for (d, rel, abs) in [
            (Dtype::Float32, 1e-5, 1e-7),
            (Dtype::Float64, 1e-5, 1e-7),
            (Dtype::Float16, 2e-3, 1e-6),
            (Dtype::Bfloat16, 1.6e-2, 1e-6),
        ] {
            let data = reals(l.numel() * 4 + 1024, 5, 6.0);
            let (g, w) = both(
                &b,
                &Primitive::Softmax { precise: false },
                &[(host(d, &data), l.clone())],
                l.shape(),
                d,
            );
            check(&g, &w, rel, abs, &format!("softmax {d} {:?}", l.shape()));
        }
    }
    // rows with NaN, +inf, -inf (all NaN / all NaN / fine), all -inf (NaN)
    let mut data = reals(5 * 300, 11, 3.0);
    data[3] = f64::NAN;
    data[300 + 17] = f64::INFINITY;
    data[600 + 20] = f64::NEG_INFINITY;
    for v in &mut data[900..1200] {
        *v = f64::NEG_INFINITY;
    }
    let l = c(&[5, 300]);
    for p in [true, false] {
        let (g, w) = both(
            &b,
            &Primitive::Softmax { precise: p },
            &[(host(Dtype::Float32, &data), l.clone())],
            &[5, 300],
            Dtype::Float32,
        );
        check(&g, &w, 1e-5, 1e-7, "softmax specials");
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn rms_norm_rows_dtypes_layouts() {
    let b = gpu();
    let c = Layout::contiguous;
    let cases = [
        c(&[1]),
        c(&[3, 8]),
        c(&[2, 3, 64]),
        c(&[7, 1000]),
        c(&[4, 4096]),
        c(&[0, 16]),
        c(&[5, 6]).transpose(&[1, 0]),
        c(&[10, 40]).slice(&[1, 4], &[2, 1], &[4, 32]),
    ];
    for l in &cases {
        let dim = *l.shape().last().unwrap();
        for (d, rel) in [
            (Dtype::Float32, 2e-6),
            (Dtype::Float64, 2e-6),
            (Dtype::Float16, 2e-3),
            (Dtype::Bfloat16, 1.6e-2),
        ] {
            let x = reals(l.numel() * 4 + 1024, 13, 3.0);
            let w = reals(dim * 2 + 2, 17, 2.0);
            // the weight also as a strided view (every other element)
            for lw in [c(&[dim]), Layout::from_parts(vec![dim], vec![2], 1)] {
                let (g, want) = both(
                    &b,
                    &Primitive::RmsNorm { eps: 1e-5 },
                    &[(host(d, &x), l.clone()), (host(d, &w), lw)],
                    l.shape(),
                    d,
                );
                check(
                    &g,
                    &want,
                    rel,
                    1e-6,
                    &format!("rms_norm {d} {:?}", l.shape()),
                );
            }
        }
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn scans_every_op_direction_axis() {
    let b = gpu();
    let c = Layout::contiguous;
    let cases = [
        (c(&[1]), 0),
        (c(&[9]), 0),
        (c(&[4, 5, 6]), 0),
        (c(&[4, 5, 6]), 1),
        (c(&[4, 5, 6]), 2),
        (c(&[3, 3000]), 1),
        (c(&[3000, 3]), 0),
        (c(&[40, 2500]), 0),
        (c(&[6, 5, 4]).transpose(&[2, 0, 1]), 1),
        (c(&[300]).broadcast_to(&[3, 300]), 1),
        (c(&[9, 100]).slice(&[1, 2], &[2, 3], &[4, 32]), 1),
        (c(&[2, 0, 3]), 2),
    ];
    let ops = [
        ScanOp::Sum,
        ScanOp::Prod,
        ScanOp::Max,
        ScanOp::Min,
        ScanOp::LogAddExp,
    ];
    let mut count = 0;
    for (l, axis) in &cases {
        for &d in &ALL_REAL {
            let float = matches!(
                d,
                Dtype::Float32 | Dtype::Float16 | Dtype::Bfloat16 | Dtype::Float64
            );
            for op in ops {
                if op == ScanOp::LogAddExp && !float {
                    continue;
                }
                let n = l.numel() * 4 + 1024;
                let data = match op {
                    ScanOp::Prod => ints(n, count, -1, 1)
                        .iter()
                        .map(|&v| if v == 0.0 { 1.0 } else { v })
                        .collect(),
                    ScanOp::LogAddExp => reals(n, count, 4.0),
                    _ if float => ints(n, count, -1, 1),
                    _ => ints(n, count, 0, 100),
                };
                let half_lae =
                    op == ScanOp::LogAddExp && matches!(d, Dtype::Float16 | Dtype::Bfloat16);
                let (rel, abs) = match (op, d) {
                    (ScanOp::LogAddExp, Dtype::Float16) => (2e-3, 1e-3),
                    (ScanOp::LogAddExp, Dtype::Bfloat16) => (1.6e-2, 1e-2),
                    (ScanOp::LogAddExp, _) => (1e-5, 1e-5),
                    _ => (0.0, 0.0),
                };
                for (reverse, inclusive) in
                    [(false, true), (false, false), (true, true), (true, false)]
                {
                    let p = Primitive::Scan {
                        op,
                        axis: *axis,
                        reverse,
                        inclusive,
                    };
                    let (g, mut w) = both(&b, &p, &[(host(d, &data), l.clone())], l.shape(), d);
                    let (mut rel, mut abs) = (rel, abs);
                    if half_lae && l.shape()[*axis] > 512 {
                        // lines past the sequential limit: the CPU's in-order
                        // half rounding loses the small terms (it drifts low by
                        // ~1% over 3000 steps), so compare with the float32
                        // scan of the same data instead
                        let f = Dtype::Float32;
                        w = both(&b, &p, &[(host(f, &data), l.clone())], l.shape(), f).1;
                        // (bfloat16: 8-bit mantissa, the block scan drifts
                        // ~1.1% by the end of a 3000 line)
                        (rel, abs) = if d == Dtype::Bfloat16 {
                            (3e-2, 1e-2)
                        } else {
                            (1e-2, 1e-2)
                        };
                    }
                    check(
                        &g,
                        &w,
                        rel,
                        abs,
                        &format!(
                            "{op:?} {d} {:?} axis {axis} rev {reverse} incl {inclusive}",
                            l.shape()
                        ),
                    );
                    count += 1;
                }
            }
        }
    }
    println!("{count} scan cases");
    // cummax/cummin through NaN, and a long float32 cumsum of reals
    let mut data = reals(2 * 5000, 3, 2.0);
    data[100] = f64::NAN;
    data[5000 + 4000] = f64::NAN;
    let l = c(&[2, 5000]);
    for op in [ScanOp::Max, ScanOp::Min, ScanOp::Sum] {
        let p = Primitive::Scan {
            op,
            axis: 1,
            reverse: false,
            inclusive: true,
        };
        let (g, w) = both(
            &b,
            &p,
            &[(host(Dtype::Float32, &data), l.clone())],
            &[2, 5000],
            Dtype::Float32,
        );
        check(&g, &w, 1e-4, 1e-3, &format!("{op:?} NaN"));
    }
}

/// Prints timings (`--nocapture`), no assertion: sum over 64M float32,
/// softmax and cumsum over 8192x8192 float32, argmax and rms_norm rows.
#[test]
#[ignore = "needs an NVIDIA GPU"]
fn reduction_timings() {
    use std::time::Instant;
    let b = gpu();
    let n = 64usize << 20;
    let x: Vec<f32> = (0..n).map(|i| (i % 1000) as f32 * 1e-3).collect();
    let buf = b.upload(&Buffer::new(HostBuffer::from_slice(&x))).unwrap();
    let arr = |shape: &[usize]| ArrayData {
        buffer: buf.clone(),
        layout: Layout::contiguous(shape),
        dtype: Dtype::Float32,
    };
    let w = b
        .upload(&Buffer::new(HostBuffer::from_slice(&x[..8192])))
        .unwrap();
    let wa = ArrayData {
        buffer: w,
        layout: Layout::contiguous(&[8192]),
        dtype: Dtype::Float32,
    };
    let time = |name: &str,
                p: Primitive,
                inputs: Vec<ArrayData>,
                shape: &[usize],
                dtype: Dtype,
                bytes: f64| {
        let call = || {
            b.eval(&OpCall {
                primitive: &p,
                inputs: &inputs,
                shape,
                dtype,
            })
            .unwrap()
        };
        for _ in 0..3 {
            let _ = call();
        }
        b.synchronize().unwrap();
        let reps = 20;
        let mut samples = Vec::new();
        for _ in 0..reps {
            let t = Instant::now();
            let _ = call();
            b.synchronize().unwrap();
            samples.push(t.elapsed().as_secs_f64());
        }
        samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let med = samples[reps / 2];
        println!(
            "{name}: median {:.1} us, min {:.1} us ({:.2} TB/s at the median)",
            med * 1e6,
            samples[0] * 1e6,
            bytes / med / 1e12
        );
    };
    let sq = [8192usize, 8192];
    let bytes = 4.0 * n as f64;
    time(
        "sum 64M f32 (full)",
        Primitive::Reduce {
            op: ReduceOp::Sum,
            axes: vec![0],
        },
        vec![arr(&[n])],
        &[1],
        Dtype::Float32,
        bytes,
    );
    time(
        "sum 8192x8192 f32 over rows (axis 1)",
        Primitive::Reduce {
            op: ReduceOp::Sum,
            axes: vec![1],
        },
        vec![arr(&sq)],
        &[8192, 1],
        Dtype::Float32,
        bytes,
    );
    time(
        "sum 8192x8192 f32 over columns (axis 0)",
        Primitive::Reduce {
            op: ReduceOp::Sum,
            axes: vec![0],
        },
        vec![arr(&sq)],
        &[1, 8192],
        Dtype::Float32,
        bytes,
    );
    time(
        "max 64M f32 (full)",
        Primitive::Reduce {
            op: ReduceOp::Max,
            axes: vec![0],
        },
        vec![arr(&[n])],
        &[1],
        Dtype::Float32,
        bytes,
    );
    time(
        "softmax 8192x8192 f32",
        Primitive::Softmax { precise: false },
        vec![arr(&sq)],
        &sq,
        Dtype::Float32,
        2.0 * bytes,
    );
    time(
        "rms_norm 8192x8192 f32",
        Primitive::RmsNorm { eps: 1e-5 },
        vec![arr(&sq), wa],
        &sq,
        Dtype::Float32,
        2.0 * bytes,
    );
    time(
        "argmax 8192x8192 f32 axis 1",
        Primitive::ArgReduce {
            op: ArgReduceOp::ArgMax,
            axis: 1,
        },
        vec![arr(&sq)],
        &[8192, 1],
        Dtype::Uint32,
        bytes,
    );
    time(
        "cumsum 8192x8192 f32 axis 1",
        Primitive::Scan {
            op: ScanOp::Sum,
            axis: 1,
            reverse: false,
            inclusive: true,
        },
        vec![arr(&sq)],
        &sq,
        Dtype::Float32,
        2.0 * bytes,
    );
    time(
        "cumsum 8192x8192 f32 axis 0",
        Primitive::Scan {
            op: ScanOp::Sum,
            axis: 0,
            reverse: false,
            inclusive: true,
        },
        vec![arr(&sq)],
        &sq,
        Dtype::Float32,
        2.0 * bytes,
    );
    // What each large output's allocation costs (alloc + zero-fill), to
    // subtract from the figures above until outputs come from a cache.
    let ctx = cudarc::driver::CudaContext::new(0).unwrap();
    let s = ctx.default_stream();
    let mut samples = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let a = s.alloc_zeros::<u8>(4 * n).unwrap();
        s.synchronize().unwrap();
        samples.push(t.elapsed().as_secs_f64());
        drop(a);
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("alloc_zeros 256 MiB: median {:.1} us", samples[5] * 1e6);
}
