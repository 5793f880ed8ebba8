//! Default tests run everywhere; the `#[ignore]`d ones need an NVIDIA GPU
//! (`cargo test -p mlx-cuda -- --ignored`, see the crate README).

use mlx_core::backend::{Backend, BackendError};
use mlx_core::half::{bf16, f16};
use mlx_core::{
    ArrayData, BinaryOp, Bool8, Buffer, Dtype, HostBuffer, Layout, OpCall, Primitive, UnaryOp,
};
use mlx_cuda::{CudaBackend, CudaError};
use std::sync::Arc;

#[test]
fn new_is_ok_or_typed_error() {
    match CudaBackend::new(0) {
        Ok(b) => {
            assert_eq!(b.device().kind, mlx_core::DeviceKind::Cuda);
            assert_eq!(b.cached_kernels(), 0);
        }
        Err(e) => {
            assert!(matches!(
                e,
                CudaError::NoDriver
                    | CudaError::NoNvrtc
                    | CudaError::NoDevice { .. }
                    | CudaError::Driver(_)
            ));
            // It converts into the backend contract's error type.
            let be: BackendError = e.into();
            assert!(matches!(
                be,
                BackendError::Failed {
                    backend: "cuda",
                    ..
                }
            ));
        }
    }
    // A device ordinal far out of range is always an error, never a panic.
    assert!(CudaBackend::new(4096).is_err());
}

fn gpu() -> Arc<CudaBackend> {
    match CudaBackend::new(0) {
        Ok(b) => b,
        Err(e) => panic!("this test needs a CUDA GPU: {e}"),
    }
}

/// Element `i` (row-major over `l.shape()`) of `data` seen through `l`.
fn at<T: Copy>(data: &[T], l: &Layout, i: usize) -> T {
    let mut r = i;
    let mut idx = l.offset() as isize;
    for d in (0..l.ndim()).rev() {
        let s = l.shape()[d];
        idx += (r % s) as isize * l.strides()[d];
        r /= s;
    }
    data[idx as usize]
}

fn input(b: &CudaBackend, h: HostBuffer, layout: Layout) -> ArrayData {
    let dtype = h.dtype();
    let buffer = b.upload(&Buffer::new(h)).unwrap();
    assert_eq!(buffer.device(), b.device());
    ArrayData {
        buffer,
        layout,
        dtype,
    }
}

fn run(
    b: &CudaBackend,
    p: Primitive,
    inputs: &[ArrayData],
    shape: &[usize],
    dtype: Dtype,
) -> Buffer {
    let out = b
        .eval(&OpCall {
            primitive: &p,
            inputs,
            shape,
            dtype,
        })
        .unwrap();
    assert!(out.layout.is_row_contiguous());
    b.download(&out.buffer).unwrap()
}

fn close(got: f32, want: f32, what: &str) {
    if want.is_nan() {
        assert!(got.is_nan(), "{what}: got {got}, want NaN");
        return;
    }
    let tol = 2e-6 * want.abs().max(1.0);
    assert!(
        (got - want).abs() <= tol || got == want,
        "{what}: got {got}, want {want}"
    );
}

fn data(n: usize, seed: u32) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let v = ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) >> 8) as f32;
            (v / (1u32 << 24) as f32) * 4.0 - 2.0
        })
        .collect()
}

fn unary_ref(op: UnaryOp, x: f32) -> f32 {
    use UnaryOp::*;
    match op {
        Abs => x.abs(),
        Negative => -x,
        Square => x * x,
        Sqrt => x.sqrt(),
        Exp => x.exp(),
        Log => x.ln(),
        Sin => x.sin(),
        Tanh => x.tanh(),
        Sigmoid => 1.0 / (1.0 + (-x).exp()),
        Floor => x.floor(),
        Round => x.round_ties_even(),
        _ => unreachable!(),
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn unary_f32_contiguous_and_transposed() {
    let b = gpu();
    let x = data(6 * 5, 1);
    let base = Layout::contiguous(&[6, 5]);
    let views = [base.clone(), base.transpose(&[1, 0])];
    let ops = [
        UnaryOp::Abs,
        UnaryOp::Negative,
        UnaryOp::Square,
        UnaryOp::Sqrt,
        UnaryOp::Exp,
        UnaryOp::Log,
        UnaryOp::Sin,
        UnaryOp::Tanh,
        UnaryOp::Sigmoid,
        UnaryOp::Floor,
        UnaryOp::Round,
    ];
    for l in &views {
        let a = input(&b, HostBuffer::from_slice(&x), l.clone());
        for op in ops {
            let out = run(
                &b,
                Primitive::Unary(op),
                std::slice::from_ref(&a),
                l.shape(),
                Dtype::Float32,
            );
            let got = out.as_host().unwrap().as_slice::<f32>().unwrap();
            for (i, &g) in got.iter().enumerate() {
                close(
                    g,
                    unary_ref(op, at(&x, l, i)),
                    &format!("{op:?} {:?} [{i}]", l.strides()),
                );
            }
        }
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn unary_predicates_give_bool() {
    let b = gpu();
    let x = [1.0f32, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -0.0];
    let a = input(&b, HostBuffer::from_slice(&x), Layout::contiguous(&[5]));
    type Pred = fn(f32) -> bool;
    let cases: [(UnaryOp, Pred); 4] = [
        (UnaryOp::IsNan, f32::is_nan),
        (UnaryOp::IsInf, f32::is_infinite),
        (UnaryOp::IsFinite, f32::is_finite),
        (UnaryOp::IsPosInf, |v| v == f32::INFINITY),
    ];
    for (op, f) in cases {
        let out = run(
            &b,
            Primitive::Unary(op),
            std::slice::from_ref(&a),
            &[5],
            Dtype::Bool,
        );
        let got = out.as_host().unwrap().as_slice::<Bool8>().unwrap();
        let want: Vec<Bool8> = x.iter().map(|&v| Bool8::from(f(v))).collect();
        assert_eq!(got, &want[..], "{op:?}");
    }
}

fn binary_ref(op: BinaryOp, x: f32, y: f32) -> f32 {
    use BinaryOp::*;
    let t = |c: bool| if c { 1.0 } else { 0.0 };
    match op {
        Add => x + y,
        Subtract => x - y,
        Multiply => x * y,
        Divide => x / y,
        Maximum => x.max(y),
        Minimum => x.min(y),
        Remainder => {
            let r = x % y;
            if r != 0.0 && ((r < 0.0) != (y < 0.0)) {
                r + y
            } else {
                r
            }
        }
        Equal => t(x == y),
        NotEqual => t(x != y),
        Less => t(x < y),
        LessEqual => t(x <= y),
        Greater => t(x > y),
        GreaterEqual => t(x >= y),
        _ => unreachable!(),
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn binary_f32_broadcast_and_transposed() {
    let b = gpu();
    let shape = [4usize, 3, 5];
    let x = data(60, 7);
    let mut y = data(15, 3);
    y[4] = x[4]; // some equal pairs for the comparisons
                 // x seen as a transposed view of a [5, 3, 4] buffer; y is [3, 5] broadcast.
    let lx = Layout::contiguous(&[5, 3, 4]).transpose(&[2, 1, 0]);
    let ly = Layout::contiguous(&[3, 5]).broadcast_to(&shape);
    // A sliced view with an offset: rows 1.. of a [5, 5] buffer, step 2 in columns.
    let z = data(25, 11);
    let lz = Layout::contiguous(&[5, 5]).slice(&[1, 0], &[1, 2], &[4, 3]);
    let lz = lz
        .transpose(&[0, 1])
        .broadcast_to(&[5, 4, 3])
        .transpose(&[1, 2, 0]);
    let ax = input(&b, HostBuffer::from_slice(&x), lx.clone());
    let ay = input(&b, HostBuffer::from_slice(&y), ly.clone());
    let az = input(&b, HostBuffer::from_slice(&z), lz.clone());
    let ops = [
        BinaryOp::Add,
        BinaryOp::Subtract,
        BinaryOp::Multiply,
        BinaryOp::Divide,
        BinaryOp::Maximum,
        BinaryOp::Minimum,
        BinaryOp::Remainder,
        BinaryOp::Equal,
        BinaryOp::NotEqual,
        BinaryOp::Less,
        BinaryOp::LessEqual,
        BinaryOp::Greater,
        BinaryOp::GreaterEqual,
    ];
    let pairs = [(&ax, &ay, &x, &y, &lx, &ly), (&az, &ax, &z, &x, &lz, &lx)];
    for (a1, a2, d1, d2, l1, l2) in pairs {
        for op in ops {
            let dtype = if op.is_comparison() {
                Dtype::Bool
            } else {
                Dtype::Float32
            };
            let out = run(
                &b,
                Primitive::Binary(op),
                &[a1.clone(), a2.clone()],
                &shape,
                dtype,
            );
            let h = out.as_host().unwrap();
            for i in 0..60 {
                let want = binary_ref(op, at(d1, l1, i), at(d2, l2, i));
                let got = if dtype == Dtype::Bool {
                    if h.as_slice::<Bool8>().unwrap()[i].0 != 0 {
                        1.0
                    } else {
                        0.0
                    }
                } else {
                    h.as_slice::<f32>().unwrap()[i]
                };
                close(got, want, &format!("{op:?} [{i}]"));
            }
        }
    }
    // Compiled once per (op, dtypes, layout class), then served from the cache.
    let n = b.cached_kernels();
    let _ = run(
        &b,
        Primitive::Binary(BinaryOp::Add),
        &[ax.clone(), ay.clone()],
        &shape,
        Dtype::Float32,
    );
    assert_eq!(b.cached_kernels(), n);
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn half_types_round_like_the_cpu() {
    let b = gpu();
    let x = data(40, 5);
    let y = data(8, 9);
    let lx = Layout::contiguous(&[8, 5]).transpose(&[1, 0]);
    let ly = Layout::contiguous(&[8]).broadcast_to(&[5, 8]);
    // float16
    let hx: Vec<f16> = x.iter().map(|&v| f16::from_f32(v)).collect();
    let hy: Vec<f16> = y.iter().map(|&v| f16::from_f32(v)).collect();
    let ax = input(&b, HostBuffer::from_slice(&hx), lx.clone());
    let ay = input(&b, HostBuffer::from_slice(&hy), ly.clone());
    let out = run(
        &b,
        Primitive::Binary(BinaryOp::Multiply),
        &[ax.clone(), ay],
        &[5, 8],
        Dtype::Float16,
    );
    let got = out.as_host().unwrap().as_slice::<f16>().unwrap().to_vec();
    for (i, g) in got.iter().enumerate() {
        let want = f16::from_f32(at(&hx, &lx, i).to_f32() * at(&hy, &ly, i).to_f32());
        assert_eq!(g.to_bits(), want.to_bits(), "f16 mul [{i}]");
    }
    let out = run(
        &b,
        Primitive::Unary(UnaryOp::Negative),
        &[ax],
        &[5, 8],
        Dtype::Float16,
    );
    let got = out.as_host().unwrap().as_slice::<f16>().unwrap().to_vec();
    for (i, g) in got.iter().enumerate() {
        assert_eq!(g.to_bits(), (-at(&hx, &lx, i)).to_bits());
    }
    // bfloat16
    let bx: Vec<bf16> = x.iter().map(|&v| bf16::from_f32(v)).collect();
    let by: Vec<bf16> = y.iter().map(|&v| bf16::from_f32(v)).collect();
    let ax = input(&b, HostBuffer::from_slice(&bx), lx.clone());
    let ay = input(&b, HostBuffer::from_slice(&by), ly.clone());
    let out = run(
        &b,
        Primitive::Binary(BinaryOp::Add),
        &[ax, ay],
        &[5, 8],
        Dtype::Bfloat16,
    );
    let got = out.as_host().unwrap().as_slice::<bf16>().unwrap().to_vec();
    for (i, g) in got.iter().enumerate() {
        let want = bf16::from_f32(at(&bx, &lx, i).to_f32() + at(&by, &ly, i).to_f32());
        assert_eq!(g.to_bits(), want.to_bits(), "bf16 add [{i}]");
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn unsupported_ops_and_dtypes_fall_back() {
    let b = gpu();
    let xi = input(
        &b,
        HostBuffer::from_slice(&[1i32, 2, 3]),
        Layout::contiguous(&[3]),
    );
    // `exp` of an integer array: the CPU refuses it too (integers run
    // elementwise on CUDA, but only the ops the CPU defines for them).
    let e = b
        .eval(&OpCall {
            primitive: &Primitive::Unary(UnaryOp::Exp),
            inputs: std::slice::from_ref(&xi),
            shape: &[3],
            dtype: Dtype::Int32,
        })
        .unwrap_err();
    assert!(matches!(e, BackendError::Unsupported { .. }));
    let xf = input(
        &b,
        HostBuffer::from_slice(&[1.0f32, 2.0]),
        Layout::contiguous(&[2]),
    );
    let e = b
        .eval(&OpCall {
            primitive: &Primitive::Sort { axis: 0 },
            inputs: std::slice::from_ref(&xf),
            shape: &[2],
            dtype: Dtype::Float32,
        })
        .unwrap_err();
    assert!(matches!(e, BackendError::Unsupported { .. }));
    // Round trip of an integer buffer, and of an empty one.
    let back = b.download(&xi.buffer).unwrap();
    assert_eq!(
        back.as_host().unwrap().as_slice::<i32>().unwrap(),
        &[1, 2, 3]
    );
    let empty = b
        .upload(&Buffer::new(HostBuffer::from_slice::<f32>(&[])))
        .unwrap();
    assert_eq!(b.download(&empty).unwrap().len(), 0);
}

fn matmul_ref(a: &[f32], la: &Layout, b: &[f32], lb: &Layout, shape: &[usize]) -> Vec<f32> {
    let nd = shape.len();
    let (m, n) = (shape[nd - 2], shape[nd - 1]);
    let k = la.shape()[nd - 1];
    let batch: usize = shape[..nd - 2].iter().product();
    let ea: Vec<f32> = (0..la.numel()).map(|i| at(a, la, i)).collect();
    let eb: Vec<f32> = (0..lb.numel()).map(|i| at(b, lb, i)).collect();
    let ba = if ea.len() == m * k { 0 } else { m * k };
    let bb = if eb.len() == k * n { 0 } else { k * n };
    let mut out = vec![0.0f32; batch * m * n];
    for t in 0..batch {
        for i in 0..m {
            for j in 0..n {
                let mut s = 0.0f64;
                for p in 0..k {
                    s += ea[t * ba + i * k + p] as f64 * eb[t * bb + p * n + j] as f64;
                }
                out[(t * m + i) * n + j] = s as f32;
            }
        }
    }
    out
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn matmul_f32_cublas_views() {
    let b = gpu();
    let x = data(2 * 3 * 4, 21);
    let y = data(2 * 5 * 4, 22);
    let w = data(4 * 5, 23);
    let la = Layout::contiguous(&[2, 3, 4]);
    // y is [2, 5, 4] transposed to [2, 4, 5]; w is [4, 5] broadcast over the batch.
    let lb = Layout::contiguous(&[2, 5, 4]).transpose(&[0, 2, 1]);
    let lw = Layout::contiguous(&[1, 4, 5]);
    // x transposed twice back to [2, 3, 4] but seen column-major: [2, 4, 3] buffer.
    let xt = data(2 * 4 * 3, 24);
    let lxt = Layout::contiguous(&[2, 4, 3]).transpose(&[0, 2, 1]);
    let ax = input(&b, HostBuffer::from_slice(&x), la.clone());
    let ay = input(&b, HostBuffer::from_slice(&y), lb.clone());
    let aw = input(&b, HostBuffer::from_slice(&w), lw.clone());
    let axt = input(&b, HostBuffer::from_slice(&xt), lxt.clone());
    let shape = [2usize, 3, 5];
    let cases = [
        (&ax, &ay, &x, &y, &la, &lb),
        (&ax, &aw, &x, &w, &la, &lw),
        (&axt, &ay, &xt, &y, &lxt, &lb),
    ];
    for (c, (a1, a2, d1, d2, l1, l2)) in cases.into_iter().enumerate() {
        let out = run(
            &b,
            Primitive::Matmul,
            &[a1.clone(), a2.clone()],
            &shape,
            Dtype::Float32,
        );
        let got = out.as_host().unwrap().as_slice::<f32>().unwrap().to_vec();
        let want = matmul_ref(d1, l1, d2, l2, &shape);
        for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
            assert!(
                (g - w).abs() <= 1e-5 * w.abs().max(1.0),
                "case {c} [{i}]: {g} vs {w}"
            );
        }
    }
    // A large one: 256 x 512 @ 512 x 128.
    let (m, k, n) = (256usize, 512usize, 128usize);
    let p = data(m * k, 31);
    let q = data(k * n, 32);
    let (lp, lq) = (Layout::contiguous(&[m, k]), Layout::contiguous(&[k, n]));
    let ap = input(&b, HostBuffer::from_slice(&p), lp.clone());
    let aq = input(&b, HostBuffer::from_slice(&q), lq.clone());
    let out = run(&b, Primitive::Matmul, &[ap, aq], &[m, n], Dtype::Float32);
    let got = out.as_host().unwrap().as_slice::<f32>().unwrap().to_vec();
    let want = matmul_ref(&p, &lp, &q, &lq, &[m, n]);
    for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-4 * w.abs().max(1.0),
            "large [{i}]: {g} vs {w}"
        );
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn astype_among_floats_and_to_bool() {
    let b = gpu();
    let mut x = data(24, 41);
    x[0] = 0.0;
    x[1] = f32::NAN;
    x[2] = 65504.0 * 2.0;
    x[3] = 1.0 + f32::EPSILON * 3.0;
    let lx = Layout::contiguous(&[4, 6]).transpose(&[1, 0]);
    let ax = input(&b, HostBuffer::from_slice(&x), lx.clone());
    let shape = [6usize, 4];
    let out = run(
        &b,
        Primitive::AsType,
        std::slice::from_ref(&ax),
        &shape,
        Dtype::Float16,
    );
    let h = out.as_host().unwrap().as_slice::<f16>().unwrap().to_vec();
    let out = run(
        &b,
        Primitive::AsType,
        std::slice::from_ref(&ax),
        &shape,
        Dtype::Bfloat16,
    );
    let g = out.as_host().unwrap().as_slice::<bf16>().unwrap().to_vec();
    let out = run(
        &b,
        Primitive::AsType,
        std::slice::from_ref(&ax),
        &shape,
        Dtype::Bool,
    );
    let t = out.as_host().unwrap().as_slice::<Bool8>().unwrap().to_vec();
    for i in 0..24 {
        let v = at(&x, &lx, i);
        let (wh, wg) = (f16::from_f32(v), bf16::from_f32(v));
        if v.is_nan() {
            assert!(h[i].is_nan() && g[i].is_nan(), "[{i}]");
        } else {
            assert_eq!(h[i].to_bits(), wh.to_bits(), "f16 [{i}] of {v}");
            assert_eq!(g[i].to_bits(), wg.to_bits(), "bf16 [{i}] of {v}");
        }
        assert_eq!(t[i].0 != 0, v != 0.0, "bool [{i}] of {v}");
    }
    // And back: float16 -> float32 is exact.
    let ah = input(&b, HostBuffer::from_slice(&h), Layout::contiguous(&shape));
    let out = run(&b, Primitive::AsType, &[ah], &shape, Dtype::Float32);
    let f = out.as_host().unwrap().as_slice::<f32>().unwrap().to_vec();
    for i in 0..24 {
        assert!(
            f[i] == h[i].to_f32() || (f[i].is_nan() && h[i].is_nan()),
            "[{i}]"
        );
    }
}

/// Prints rough timings (`--nocapture`): first-use NVRTC compile, and an
/// add over 64M float32 (contiguous and broadcast), after warm-up.
#[test]
#[ignore = "needs an NVIDIA GPU"]
fn timings() {
    use std::time::Instant;
    let b = gpu();
    let n = 64usize << 20;
    let x: Vec<f32> = (0..n).map(|i| (i % 1000) as f32).collect();
    let ax = input(&b, HostBuffer::from_slice(&x), Layout::contiguous(&[n]));
    let ay = input(&b, HostBuffer::from_slice(&x), Layout::contiguous(&[n]));
    let call = |p: &Primitive, inputs: &[ArrayData], shape: &[usize]| {
        b.eval(&OpCall {
            primitive: p,
            inputs,
            shape,
            dtype: Dtype::Float32,
        })
        .unwrap()
    };
    let add = Primitive::Binary(BinaryOp::Add);
    let t = Instant::now();
    let _ = call(&add, &[ax.clone(), ay.clone()], &[n]);
    b.synchronize().unwrap();
    println!("first add (NVRTC compile + launch): {:?}", t.elapsed());
    for _ in 0..3 {
        let _ = call(&add, &[ax.clone(), ay.clone()], &[n]);
    }
    b.synchronize().unwrap();
    let reps = 20;
    let t = Instant::now();
    for _ in 0..reps {
        let _ = call(&add, &[ax.clone(), ay.clone()], &[n]);
    }
    b.synchronize().unwrap();
    let per = t.elapsed().as_secs_f64() / reps as f64;
    println!(
        "add 64M f32 contiguous: {:.1} us ({:.2} TB/s incl. output alloc+zero)",
        per * 1e6,
        12.0 * n as f64 / per / 1e12
    );
    let rows = Layout::contiguous(&[8192]).broadcast_to(&[8192, 8192]);
    let ar = input(&b, HostBuffer::from_slice(&x[..8192]), rows);
    let av = ArrayData {
        layout: Layout::contiguous(&[8192, 8192]),
        ..ax.clone()
    };
    let _ = call(&add, &[av.clone(), ar.clone()], &[8192, 8192]);
    b.synchronize().unwrap();
    let t = Instant::now();
    for _ in 0..reps {
        let _ = call(&add, &[av.clone(), ar.clone()], &[8192, 8192]);
    }
    b.synchronize().unwrap();
    let per = t.elapsed().as_secs_f64() / reps as f64;
    println!(
        "add 8192x8192 + broadcast row (strided kernel): {:.1} us",
        per * 1e6
    );
    let m = 4096usize;
    let p = input(
        &b,
        HostBuffer::from_slice(&x[..m * m]),
        Layout::contiguous(&[m, m]),
    );
    let _ = call(&Primitive::Matmul, &[p.clone(), p.clone()], &[m, m]);
    b.synchronize().unwrap();
    let t = Instant::now();
    for _ in 0..5 {
        let _ = call(&Primitive::Matmul, &[p.clone(), p.clone()], &[m, m]);
    }
    b.synchronize().unwrap();
    let per = t.elapsed().as_secs_f64() / 5.0;
    println!(
        "sgemm 4096^3: {:.2} ms ({:.1} TFLOP/s)",
        per * 1e3,
        2.0 * (m as f64).powi(3) / per / 1e12
    );
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn select_with_broadcast_condition() {
    let b = gpu();
    let cond: Vec<Bool8> = (0..5).map(|i| Bool8::from(i % 2 == 0)).collect();
    let x = data(20, 51);
    let y = data(4, 52);
    let shape = [4usize, 5];
    let lc = Layout::contiguous(&[5]).broadcast_to(&shape);
    let lx = Layout::contiguous(&[5, 4]).transpose(&[1, 0]);
    let ly = Layout::contiguous(&[4, 1]).broadcast_to(&shape);
    let ac = input(&b, HostBuffer::from_slice(&cond), lc.clone());
    let ax = input(&b, HostBuffer::from_slice(&x), lx.clone());
    let ay = input(&b, HostBuffer::from_slice(&y), ly.clone());
    let out = run(&b, Primitive::Select, &[ac, ax, ay], &shape, Dtype::Float32);
    let got = out.as_host().unwrap().as_slice::<f32>().unwrap().to_vec();
    for (i, &g) in got.iter().enumerate() {
        let want = if at(&cond, &lc, i).0 != 0 {
            at(&x, &lx, i)
        } else {
            at(&y, &ly, i)
        };
        assert_eq!(g.to_bits(), want.to_bits(), "[{i}]");
    }
}
