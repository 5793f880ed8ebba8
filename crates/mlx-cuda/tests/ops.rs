//! GPU results against the CPU backend for every dtype and op family the
//! CUDA backend runs: elementwise ops, `astype`, `where`, fused programs
//! (through `compile`), matmul (float32/TF32/float16/bfloat16/float64),
//! copies, concatenation and gathers. The `#[ignore]`d tests need an NVIDIA
//! GPU (see the crate README); the others run everywhere.

use mlx_core::backend::{Backend, BackendError};
use mlx_core::fusion::{FusedExpr, FusedOp};
use mlx_core::{
    ArrayData, BinaryOp, Buffer, Dtype, HostBuffer, Layout, OpCall, Primitive, UnaryOp,
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

const REAL: [Dtype; 13] = [
    Dtype::Bool,
    Dtype::Uint8,
    Dtype::Uint16,
    Dtype::Uint32,
    Dtype::Uint64,
    Dtype::Int8,
    Dtype::Int16,
    Dtype::Int32,
    Dtype::Int64,
    Dtype::Float16,
    Dtype::Bfloat16,
    Dtype::Float32,
    Dtype::Float64,
];

fn cpu_call(
    p: &Primitive,
    inputs: &[ArrayData],
    shape: &[usize],
    dtype: Dtype,
) -> Result<ArrayData, BackendError> {
    CpuBackend.eval(&OpCall {
        primitive: p,
        inputs,
        shape,
        dtype,
    })
}

/// A host array of `dtype` holding `vals` converted as the CPU's astype does.
fn host(vals: &[f64], dtype: Dtype) -> ArrayData {
    let src = ArrayData::contiguous(Buffer::new(HostBuffer::from_slice(vals)), &[vals.len()]);
    cpu_call(&Primitive::AsType, &[src], &[vals.len()], dtype).unwrap()
}

fn host_i64(vals: &[i64], dtype: Dtype) -> ArrayData {
    let src = ArrayData::contiguous(Buffer::new(HostBuffer::from_slice(vals)), &[vals.len()]);
    cpu_call(&Primitive::AsType, &[src], &[vals.len()], dtype).unwrap()
}

/// Test values of `dtype`, `n` of them: special values first, then a
/// deterministic spread (floats in [-4, 4], integers over the whole range).
fn values(dtype: Dtype, n: usize, seed: u64) -> ArrayData {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    if dtype.is_floating() {
        let special = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -2.5,
            3.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e-3,
            7.0,
        ];
        let v: Vec<f64> = (0..n)
            .map(|i| {
                if i < special.len() && seed % 2 == 1 {
                    special[i]
                } else {
                    let r = (next() >> 11) as f64 / (1u64 << 53) as f64;
                    let x = r * 8.0 - 4.0;
                    if i % 3 == 0 {
                        x.round()
                    } else {
                        x
                    }
                }
            })
            .collect();
        host(&v, dtype)
    } else {
        let special = [
            0i64,
            1,
            -1,
            2,
            -2,
            7,
            i64::MIN,
            i64::MAX,
            127,
            -128,
            255,
            65535,
            64,
            63,
            8,
            9,
        ];
        let v: Vec<i64> = (0..n)
            .map(|i| {
                if i < special.len() && seed % 2 == 1 {
                    special[i]
                } else if i % 2 == 0 {
                    (next() % 21) as i64 - 10
                } else {
                    next() as i64
                }
            })
            .collect();
        host_i64(&v, dtype)
    }
}

/// The same data seen through `layout` (the buffer must be large enough).
fn view(d: &ArrayData, layout: Layout) -> ArrayData {
    ArrayData {
        layout,
        ..d.clone()
    }
}

fn upload(b: &CudaBackend, d: &ArrayData) -> ArrayData {
    ArrayData {
        buffer: b.upload(&d.buffer).unwrap(),
        ..d.clone()
    }
}

fn as_f64(d: &ArrayData) -> Vec<f64> {
    let shape = d.layout.shape().to_vec();
    let r = cpu_call(
        &Primitive::AsType,
        std::slice::from_ref(d),
        &shape,
        Dtype::Float64,
    )
    .unwrap();
    r.buffer
        .as_host()
        .unwrap()
        .as_slice::<f64>()
        .unwrap()
        .to_vec()
}

fn bytes(d: &ArrayData) -> Vec<u8> {
    let shape = d.layout.shape().to_vec();
    let r = cpu_call(&Primitive::Copy, std::slice::from_ref(d), &shape, d.dtype).unwrap();
    let h = r.buffer.as_host().unwrap();
    let s = r.dtype.size_of();
    h.bytes()[r.layout.offset() * s..(r.layout.offset() + r.layout.numel()) * s].to_vec()
}

/// Relative tolerance per dtype for ops whose CUDA math library result may
/// differ from the CPU's by a few ulps.
fn rtol(d: Dtype) -> f64 {
    match d {
        Dtype::Float16 => 2e-3,
        Dtype::Bfloat16 => 1.6e-2,
        Dtype::Float32 => 1e-5,
        _ => 1e-12,
    }
}

/// Compares a GPU result with the CPU's: bit-exact when `exact`, else
/// within the dtype's tolerance (NaN matching NaN, infinities equal).
fn compare(b: &CudaBackend, got: &ArrayData, want: &ArrayData, exact: bool, what: &str) {
    assert_eq!(got.dtype, want.dtype, "{what}: dtype");
    assert_eq!(got.layout.shape(), want.layout.shape(), "{what}: shape");
    let host = ArrayData {
        buffer: b.download(&got.buffer).unwrap(),
        ..got.clone()
    };
    if exact || !want.dtype.is_floating() {
        let (g, w) = (bytes(&host), bytes(want));
        if g != w {
            let (gf, wf) = (as_f64(&host), as_f64(want));
            let i = gf
                .iter()
                .zip(&wf)
                .position(|(a, b)| a.to_bits() != b.to_bits() && !(a.is_nan() && b.is_nan()))
                .unwrap_or(0);
            // NaN payloads may differ; every other bit must match
            assert!(
                gf.iter()
                    .zip(&wf)
                    .all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())),
                "{what}: element {i}: got {:?}, want {:?}",
                gf.get(i),
                wf.get(i)
            );
        }
        return;
    }
    let (g, w) = (as_f64(&host), as_f64(want));
    let tol = rtol(want.dtype);
    for (i, (&x, &y)) in g.iter().zip(&w).enumerate() {
        let ok = (x.is_nan() && y.is_nan())
            || x == y
            || (x - y).abs()
                <= tol
                    * y.abs().max(if want.dtype == Dtype::Float64 {
                        1e-300
                    } else {
                        1e-3
                    });
        assert!(ok, "{what}: element {i}: got {x}, want {y}");
    }
}

/// Ops whose results both backends round correctly: compared bit for bit.
fn exact_unary(op: UnaryOp) -> bool {
    use UnaryOp::*;
    matches!(
        op,
        Abs | Negative
            | Sign
            | Square
            | Sqrt
            | Reciprocal
            | Floor
            | Ceil
            | Round
            | LogicalNot
            | BitwiseInvert
            | IsNan
            | IsInf
            | IsPosInf
            | IsNegInf
            | IsFinite
            | Conjugate
            | Real
            | Imag
    )
}

fn exact_binary(op: BinaryOp) -> bool {
    !matches!(
        op,
        BinaryOp::Power | BinaryOp::ArcTan2 | BinaryOp::LogAddExp
    )
}

const UNARY: [UnaryOp; 41] = {
    use UnaryOp::*;
    [
        Abs,
        Negative,
        Sign,
        Square,
        Sqrt,
        Rsqrt,
        Reciprocal,
        Exp,
        Expm1,
        Log,
        Log1p,
        Log2,
        Log10,
        Sin,
        Cos,
        Tan,
        ArcSin,
        ArcCos,
        ArcTan,
        Sinh,
        Cosh,
        Tanh,
        ArcSinh,
        ArcCosh,
        ArcTanh,
        Sigmoid,
        Erf,
        ErfInv,
        Floor,
        Ceil,
        Round,
        LogicalNot,
        BitwiseInvert,
        IsNan,
        IsInf,
        IsPosInf,
        IsNegInf,
        IsFinite,
        Conjugate,
        Real,
        Imag,
    ]
};

const BINARY: [BinaryOp; 24] = {
    use BinaryOp::*;
    [
        Add,
        Subtract,
        Multiply,
        Divide,
        FloorDivide,
        Remainder,
        Power,
        Maximum,
        Minimum,
        ArcTan2,
        LogAddExp,
        Equal,
        NotEqual,
        Less,
        LessEqual,
        Greater,
        GreaterEqual,
        LogicalAnd,
        LogicalOr,
        BitwiseAnd,
        BitwiseOr,
        BitwiseXor,
        LeftShift,
        RightShift,
    ]
};

/// Runs `p` on both backends. When the CPU runs it the GPU must too (and
/// agree); when the CPU refuses, the GPU must refuse as well.
fn check(
    b: &CudaBackend,
    p: &Primitive,
    inputs: &[ArrayData],
    shape: &[usize],
    dtype: Dtype,
    exact: bool,
    what: &str,
) -> bool {
    let want = cpu_call(p, inputs, shape, dtype);
    let dev: Vec<ArrayData> = inputs.iter().map(|d| upload(b, d)).collect();
    let got = b.eval(&OpCall {
        primitive: p,
        inputs: &dev,
        shape,
        dtype,
    });
    match (want, got) {
        (Ok(w), Ok(g)) => {
            assert!(g.layout.is_row_contiguous(), "{what}");
            compare(b, &g, &w, exact, what);
            true
        }
        (Err(_), Err(_)) => false,
        (Ok(_), Err(e)) => panic!("{what}: the CPU runs it, CUDA answered {e}"),
        (Err(e), Ok(_)) => panic!("{what}: the CPU refuses ({e}), CUDA ran it"),
    }
}

fn unary_out(op: UnaryOp, d: Dtype) -> Dtype {
    use UnaryOp::*;
    match op {
        IsNan | IsInf | IsPosInf | IsNegInf | IsFinite => Dtype::Bool,
        _ => d,
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn unary_every_dtype_matches_cpu() {
    let b = gpu();
    let mut ran = 0;
    for d in REAL {
        let base = values(d, 300, 1);
        // contiguous, a transposed 2-D view, an offset strided slice
        let cases = [
            (view(&base, Layout::contiguous(&[300])), vec![300usize]),
            (
                view(&base, Layout::contiguous(&[15, 20]).transpose(&[1, 0])),
                vec![20, 15],
            ),
            (
                view(&base, Layout::from_parts(vec![7, 9], vec![40, 3], 5)),
                vec![7, 9],
            ),
        ];
        for op in UNARY {
            for (x, shape) in &cases {
                let what = format!("{op:?} {d} {:?}", x.layout.strides());
                if check(
                    &b,
                    &Primitive::Unary(op),
                    std::slice::from_ref(x),
                    shape,
                    unary_out(op, d),
                    exact_unary(op),
                    &what,
                ) {
                    ran += 1;
                }
            }
        }
    }
    println!("unary: {ran} (op, dtype, layout) cases ran on the GPU");
    assert!(ran > 300);
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn binary_every_dtype_matches_cpu() {
    let b = gpu();
    let mut ran = 0;
    for d in REAL {
        let x = values(d, 240, 1);
        let y = values(d, 240, 4);
        let row = values(d, 16, 7);
        let shape = [15usize, 16];
        let pairs = [
            (
                view(&x, Layout::contiguous(&shape)),
                view(&y, Layout::contiguous(&shape)),
            ),
            // y transposed, a broadcast row against x
            (
                view(&y, Layout::contiguous(&[16, 15]).transpose(&[1, 0])),
                view(&row, Layout::contiguous(&[16]).broadcast_to(&shape)),
            ),
            // a broadcast scalar
            (
                view(&x, Layout::contiguous(&shape)),
                view(&row, Layout::from_parts(shape.to_vec(), vec![0, 0], 3)),
            ),
        ];
        for op in BINARY {
            let out = if op.is_comparison() { Dtype::Bool } else { d };
            for (p, q) in &pairs {
                let what = format!(
                    "{op:?} {d} {:?} {:?}",
                    p.layout.strides(),
                    q.layout.strides()
                );
                if check(
                    &b,
                    &Primitive::Binary(op),
                    &[p.clone(), q.clone()],
                    &shape,
                    out,
                    exact_binary(op),
                    &what,
                ) {
                    ran += 1;
                }
            }
        }
    }
    println!("binary: {ran} (op, dtype, layout) cases ran on the GPU");
    assert!(ran > 500);
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn integer_edge_cases_match_cpu() {
    // division and remainder signs, division by zero, MIN / -1, shifts past
    // the width and by negative amounts, powers with negative exponents
    let b = gpu();
    let xs: Vec<i64> = vec![
        7,
        -7,
        7,
        -7,
        0,
        5,
        i64::MIN,
        i64::MIN,
        -128,
        100,
        3,
        -3,
        1,
        -1,
        2,
        255,
        1,
        1,
        -1,
        5,
    ];
    let ys: Vec<i64> = vec![
        2, 2, -2, -2, 3, 0, -1, 1, -1, 7, 64, 65, -5, -5, 62, 8, 31, 32, -3, 100,
    ];
    for d in REAL.into_iter().filter(|d| d.is_integer()) {
        let (x, y) = (host_i64(&xs, d), host_i64(&ys, d));
        for op in BINARY {
            let out = if op.is_comparison() { Dtype::Bool } else { d };
            check(
                &b,
                &Primitive::Binary(op),
                &[x.clone(), y.clone()],
                &[xs.len()],
                out,
                true,
                &format!("{op:?} {d}"),
            );
        }
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn astype_every_pair_matches_cpu() {
    let b = gpu();
    // floats beyond every integer range, halfway cases, NaN and infinities
    let f: Vec<f64> = vec![
        0.0,
        -0.0,
        0.5,
        1.5,
        2.5,
        -0.5,
        -1.5,
        255.9,
        256.0,
        -129.0,
        65535.5,
        1e10,
        -1e10,
        3e19,
        -3e19,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1.0 + 1.0 / 1024.0 + 1.0 / 2048.0,
        1e-40,
        65520.0,
        3.4e38,
        1.0 + (1.0 / 256.0) + 1e-9,
        16777217.0,
    ];
    let i: Vec<i64> = vec![
        0,
        1,
        -1,
        127,
        128,
        255,
        256,
        -129,
        65535,
        65536,
        i64::MAX,
        i64::MIN,
        (1 << 53) + 1,
        16777217,
        2049,
        -2049,
    ];
    let mut ran = 0;
    for from in REAL {
        let src = if from.is_floating() {
            host(&f, from)
        } else {
            host_i64(&i, from)
        };
        let n = src.layout.numel();
        for to in REAL {
            let what = format!("astype {from} -> {to}");
            if check(
                &b,
                &Primitive::AsType,
                std::slice::from_ref(&src),
                &[n],
                to,
                true,
                &what,
            ) {
                ran += 1;
            }
        }
    }
    assert_eq!(ran, 13 * 13);
    // complex answers Unsupported (the CPU converts)
    let c = host(&[1.0, 2.0], Dtype::Complex64);
    let e = b
        .eval(&OpCall {
            primitive: &Primitive::AsType,
            inputs: &[upload(&b, &c)],
            shape: &[2],
            dtype: Dtype::Float32,
        })
        .unwrap_err();
    assert!(matches!(e, BackendError::Unsupported { .. }));
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn select_every_dtype_and_sizes() {
    let b = gpu();
    for d in REAL {
        // empty, size 1, several blocks (70_000 elements), broadcast condition
        for n in [0usize, 1, 70_000] {
            let c = values(Dtype::Bool, n.max(1), 3);
            let c = view(&c, Layout::contiguous(&[n]));
            let x = view(&values(d, n.max(1), 5), Layout::contiguous(&[n]));
            let y = view(&values(d, n.max(1), 6), Layout::contiguous(&[n]));
            check(
                &b,
                &Primitive::Select,
                &[c, x, y],
                &[n],
                d,
                true,
                &format!("where {d} n={n}"),
            );
        }
        let c = view(
            &values(Dtype::Bool, 5, 3),
            Layout::contiguous(&[5]).broadcast_to(&[4, 5]),
        );
        let x = view(
            &values(d, 20, 5),
            Layout::contiguous(&[5, 4]).transpose(&[1, 0]),
        );
        let y = view(
            &values(d, 4, 6),
            Layout::contiguous(&[4, 1]).broadcast_to(&[4, 5]),
        );
        check(
            &b,
            &Primitive::Select,
            &[c, x, y],
            &[4, 5],
            d,
            true,
            &format!("where {d} views"),
        );
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn large_and_wide_elementwise() {
    let b = gpu();
    // a large 3-D strided case over several blocks, float32 and int32
    for d in [Dtype::Float32, Dtype::Int32, Dtype::Float16] {
        let x = values(d, 64 * 50 * 33, 8);
        let lx = Layout::contiguous(&[33, 50, 64]).transpose(&[2, 1, 0]);
        let y = values(d, 33, 9);
        let ly = Layout::contiguous(&[33]).broadcast_to(&[64, 50, 33]);
        let p = Primitive::Binary(BinaryOp::Add);
        check(
            &b,
            &p,
            &[view(&x, lx), view(&y, ly)],
            &[64, 50, 33],
            d,
            true,
            &format!("large add {d}"),
        );
    }
}

fn apply(prim: Primitive, args: &[u32], dtype: Dtype) -> FusedOp {
    FusedOp::Apply {
        prim,
        args: args.iter().copied().collect(),
        dtype,
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn fused_programs_match_cpu() {
    let b = gpu();
    assert!(b.fuses());
    for d in [
        Dtype::Float32,
        Dtype::Float16,
        Dtype::Bfloat16,
        Dtype::Float64,
    ] {
        // exp(x) * y + x, with y a broadcast row and x transposed
        let e = FusedExpr {
            ops: vec![
                FusedOp::Input(0),
                FusedOp::Input(1),
                apply(Primitive::Unary(UnaryOp::Exp), &[0], d),
                apply(Primitive::Binary(BinaryOp::Multiply), &[2, 1], d),
                apply(Primitive::Binary(BinaryOp::Add), &[3, 0], d),
            ],
        };
        let x = view(
            &values(d, 40 * 30, 2),
            Layout::contiguous(&[30, 40]).transpose(&[1, 0]),
        );
        let y = view(
            &values(d, 30, 4),
            Layout::contiguous(&[30]).broadcast_to(&[40, 30]),
        );
        let p = Primitive::Fused(Arc::new(e));
        let before = b.kernel_launches();
        check(
            &b,
            &p,
            &[x, y],
            &[40, 30],
            d,
            false,
            &format!("fused exp*y+x {d}"),
        );
        assert_eq!(
            b.kernel_launches(),
            before + 1,
            "one launch per fused program"
        );
    }
    // mixed dtypes inside one program: where(x > y, astype(x, int32) << 2, -y_int)
    let (x, y) = (
        values(Dtype::Float32, 500, 1),
        values(Dtype::Float32, 500, 2),
    );
    let e = FusedExpr {
        ops: vec![
            FusedOp::Input(0),
            FusedOp::Input(1),
            apply(Primitive::Binary(BinaryOp::Greater), &[0, 1], Dtype::Bool),
            apply(Primitive::AsType, &[0], Dtype::Int32),
            FusedOp::Input(2),
            apply(
                Primitive::Binary(BinaryOp::LeftShift),
                &[3, 4],
                Dtype::Int32,
            ),
            apply(Primitive::AsType, &[1], Dtype::Int32),
            apply(Primitive::Unary(UnaryOp::Negative), &[6], Dtype::Int32),
            apply(Primitive::Select, &[2, 5, 7], Dtype::Int32),
        ],
    };
    let two = view(
        &host_i64(&[2], Dtype::Int32),
        Layout::from_parts(vec![500], vec![0], 0),
    );
    check(
        &b,
        &Primitive::Fused(Arc::new(e)),
        &[x, y, two],
        &[500],
        Dtype::Int32,
        true,
        "fused mixed",
    );
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn compile_fuses_exp_mul_add_into_one_launch() {
    use mlx_ops::Tensor;
    let b = mlx_cuda::register(0).expect("this test needs a CUDA GPU");
    let cuda = mlx_core::Device::new(mlx_core::DeviceKind::Cuda, 0);
    let n = 100_000;
    let xv: Vec<f32> = (0..n).map(|i| ((i % 97) as f32) * 0.03 - 1.5).collect();
    let yv: Vec<f32> = (0..n).map(|i| ((i % 89) as f32) * 0.02 - 0.9).collect();
    let x = Tensor::from_slice(&xv, &[n])
        .unwrap()
        .to_device(cuda)
        .unwrap();
    let y = Tensor::from_slice(&yv, &[n])
        .unwrap()
        .to_device(cuda)
        .unwrap();
    mlx_ops::eval(&[&x, &y]).unwrap();
    let f =
        mlx_autograd::compile(|a: &[Tensor]| Ok(vec![a[0].exp()?.multiply(&a[1])?.add(&a[0])?]));
    let prev = mlx_core::set_default_device(cuda);
    let r = f.call(&[x.clone(), y.clone()]).unwrap().remove(0);
    let before = b.kernel_launches();
    r.eval().unwrap();
    let launches = b.kernel_launches() - before;
    mlx_core::set_default_device(prev);
    assert_eq!(launches, 1, "exp(x)*y+x on cuda:0 is one kernel");
    let got = r.to_vec::<f32>().unwrap();
    // the CPU's answer for the same program
    let (xc, yc) = (
        Tensor::from_slice(&xv, &[n]).unwrap(),
        Tensor::from_slice(&yv, &[n]).unwrap(),
    );
    let want = xc
        .exp()
        .unwrap()
        .multiply(&yc)
        .unwrap()
        .add(&xc)
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() <= 2e-6 * w.abs().max(1.0), "[{i}] {g} vs {w}");
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn matmul_dtypes_match_cpu() {
    let b = gpu();
    let shapes: [(&[usize], &[usize], &[usize]); 3] = [
        (&[2, 3, 40], &[2, 40, 5], &[2, 3, 5]),
        (&[64, 128], &[128, 32], &[64, 32]),
        (&[1, 1], &[1, 7], &[1, 7]),
    ];
    for d in [
        Dtype::Float32,
        Dtype::Float16,
        Dtype::Bfloat16,
        Dtype::Float64,
    ] {
        for (sa, sb, so) in shapes {
            let na: usize = sa.iter().product();
            let nb: usize = sb.iter().product();
            let a = view(&values(d, na, 10), Layout::contiguous(sa));
            let bb = values(d, nb, 12);
            // b as a transposed view of its transpose
            let nd = sb.len();
            let mut tshape = sb.to_vec();
            tshape.swap(nd - 2, nd - 1);
            let mut perm: Vec<usize> = (0..nd).collect();
            perm.swap(nd - 2, nd - 1);
            let bt = view(&bb, Layout::contiguous(&tshape).transpose(&perm));
            for (k, bv) in [view(&bb, Layout::contiguous(sb)), bt]
                .into_iter()
                .enumerate()
            {
                // (the CPU backend's own bfloat16 matmul fails with a dtype
                // error, so the reference is the float32 product rounded)
                let want = if d == Dtype::Bfloat16 {
                    let f = |x: &ArrayData| {
                        let s = x.layout.shape().to_vec();
                        cpu_call(
                            &Primitive::AsType,
                            std::slice::from_ref(x),
                            &s,
                            Dtype::Float32,
                        )
                        .unwrap()
                    };
                    let w =
                        cpu_call(&Primitive::Matmul, &[f(&a), f(&bv)], so, Dtype::Float32).unwrap();
                    cpu_call(&Primitive::AsType, &[w], so, d).unwrap()
                } else {
                    cpu_call(&Primitive::Matmul, &[a.clone(), bv.clone()], so, d).unwrap()
                };
                let got = b
                    .eval(&OpCall {
                        primitive: &Primitive::Matmul,
                        inputs: &[upload(&b, &a), upload(&b, &bv)],
                        shape: so,
                        dtype: d,
                    })
                    .unwrap();
                let host = ArrayData {
                    buffer: b.download(&got.buffer).unwrap(),
                    ..got.clone()
                };
                let (g, w) = (as_f64(&host), as_f64(&want));
                // sums of up to 128 products of values in [-4, 4]
                let tol = match d {
                    Dtype::Float16 => 1.0,
                    Dtype::Bfloat16 => 4.0,
                    Dtype::Float32 => 2e-3,
                    _ => 1e-9,
                };
                for (i, (x, y)) in g.iter().zip(&w).enumerate() {
                    assert!(
                        (x - y).abs() <= tol,
                        "matmul {d} {sa:?}x{sb:?} case {k} [{i}]: {x} vs {y}"
                    );
                }
            }
        }
    }
    // operands cuBLAS cannot read in place (copied on the GPU first):
    // permuted batch axes, a batch broadcast along one axis only, and a
    // column stride of 2
    let d = Dtype::Float32;
    let a = view(
        &values(d, 3 * 2 * 4 * 6, 30),
        Layout::contiguous(&[3, 2, 4, 6]).transpose(&[1, 0, 2, 3]),
    );
    let bv = view(
        &values(d, 3 * 6 * 5, 34),
        Layout::contiguous(&[1, 3, 6, 5]).broadcast_to(&[2, 3, 6, 5]),
    );
    let c = view(
        &values(d, 2 * 3 * 6 * 10, 32),
        Layout::from_parts(vec![2, 3, 6, 5], vec![180, 60, 10, 2], 0),
    );
    for (x, y) in [(&a, &bv), (&a, &c)] {
        let so = [2, 3, 4, 5];
        let want = cpu_call(&Primitive::Matmul, &[x.clone(), y.clone()], &so, d).unwrap();
        let got = b
            .eval(&OpCall {
                primitive: &Primitive::Matmul,
                inputs: &[upload(&b, x), upload(&b, y)],
                shape: &so,
                dtype: d,
            })
            .unwrap();
        let host = ArrayData {
            buffer: b.download(&got.buffer).unwrap(),
            ..got
        };
        for (i, (g, w)) in as_f64(&host).iter().zip(&as_f64(&want)).enumerate() {
            assert!((g - w).abs() <= 1e-3, "copied operands [{i}]: {g} vs {w}");
        }
    }
    // TF32: close to float32, not exact
    b.set_tf32(true);
    let a = view(
        &values(Dtype::Float32, 64 * 256, 20),
        Layout::contiguous(&[64, 256]),
    );
    let c = view(
        &values(Dtype::Float32, 256 * 64, 21),
        Layout::contiguous(&[256, 64]),
    );
    let want = cpu_call(
        &Primitive::Matmul,
        &[a.clone(), c.clone()],
        &[64, 64],
        Dtype::Float32,
    )
    .unwrap();
    let got = b
        .eval(&OpCall {
            primitive: &Primitive::Matmul,
            inputs: &[upload(&b, &a), upload(&b, &c)],
            shape: &[64, 64],
            dtype: Dtype::Float32,
        })
        .unwrap();
    b.set_tf32(false);
    let host = ArrayData {
        buffer: b.download(&got.buffer).unwrap(),
        ..got
    };
    for (x, y) in as_f64(&host).iter().zip(&as_f64(&want)) {
        assert!(
            (x.is_nan() && y.is_nan()) || x == y || (x - y).abs() <= 0.5,
            "tf32: {x} vs {y}"
        );
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn copy_concatenate_every_dtype() {
    let b = gpu();
    let mut dts = REAL.to_vec();
    dts.push(Dtype::Complex64);
    for d in dts {
        let x = if d == Dtype::Complex64 {
            host(&(0..120).map(|i| i as f64).collect::<Vec<_>>(), d)
        } else {
            values(d, 120, 3)
        };
        let views = [
            (
                Layout::contiguous(&[4, 5, 6]).transpose(&[2, 0, 1]),
                vec![6usize, 4, 5],
            ),
            (
                Layout::from_parts(vec![3, 4], vec![-20, 3], 100),
                vec![3, 4],
            ),
            (Layout::contiguous(&[5]).broadcast_to(&[3, 5]), vec![3, 5]),
            (Layout::contiguous(&[0, 5]), vec![0, 5]),
            (Layout::contiguous(&[]), vec![]),
            // reshaping copies: a transposed view flattened, a broadcast regrouped
            (
                Layout::contiguous(&[4, 5, 6]).transpose(&[2, 0, 1]),
                vec![120],
            ),
            (Layout::contiguous(&[5]).broadcast_to(&[3, 5]), vec![5, 3]),
        ];
        for (l, shape) in views {
            check(
                &b,
                &Primitive::Copy,
                &[view(&x, l.clone())],
                &shape,
                d,
                true,
                &format!("copy {d} {:?}", l.strides()),
            );
        }
        // concatenate a transposed view, a contiguous block and an empty one along axis 1
        let p = view(&x, Layout::contiguous(&[3, 4]).transpose(&[1, 0]));
        let q = view(&x, Layout::from_parts(vec![4, 5], vec![5, 1], 20));
        let e = view(&x, Layout::contiguous(&[4, 0]));
        {
            check(
                &b,
                &Primitive::Concatenate { axis: 1 },
                &[p.clone(), q.clone(), e.clone()],
                &[4, 8],
                d,
                true,
                &format!("concatenate {d}"),
            );
        }
        let r = view(&x, Layout::contiguous(&[2, 3]));
        let s = view(&x, Layout::from_parts(vec![5, 3], vec![1, 5], 0));
        check(
            &b,
            &Primitive::Concatenate { axis: 0 },
            &[r, s],
            &[7, 3],
            d,
            true,
            &format!("concatenate axis 0 {d}"),
        );
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn gathers_every_dtype_and_index_type() {
    let b = gpu();
    let idx_vals: Vec<i64> = vec![0, 3, -1, 2, -4, 1];
    for d in REAL {
        let x = values(d, 60, 5);
        let lx = Layout::contiguous(&[3, 4, 5]);
        let xt = view(&x, Layout::contiguous(&[5, 4, 3]).transpose(&[2, 1, 0]));
        for it in [
            Dtype::Int32,
            Dtype::Int64,
            Dtype::Uint8,
            Dtype::Int16,
            Dtype::Uint32,
        ] {
            let vals: Vec<i64> = if it.kind() == mlx_core::DtypeKind::Unsigned {
                idx_vals.iter().map(|v| v.rem_euclid(4)).collect()
            } else {
                idx_vals.clone()
            };
            let idx = host_i64(&vals, it);
            let idx2 = view(&idx, Layout::contiguous(&[2, 3]));
            // take along axis 1 with 2-D indices: out [3, 2, 3, 5]
            for (xv, name) in [
                (view(&x, lx.clone()), "contiguous"),
                (xt.clone(), "transposed"),
            ] {
                check(
                    &b,
                    &Primitive::Gather { axis: 1 },
                    &[xv.clone(), idx2.clone()],
                    &[3, 2, 3, 5],
                    d,
                    true,
                    &format!("take {d} {it} {name}"),
                );
                check(
                    &b,
                    &Primitive::Gather { axis: 0 },
                    &[
                        xv.clone(),
                        view(&idx, Layout::from_parts(vec![], vec![], 3)),
                    ],
                    &[4, 5],
                    d,
                    true,
                    &format!("take scalar {d} {it}"),
                );
            }
            // take_along_axis on axis 1 with broadcast indices: out [3, 6, 5]
            let ia = view(&idx, Layout::from_parts(vec![3, 6, 5], vec![0, 1, 0], 0));
            check(
                &b,
                &Primitive::GatherAxis { axis: 1 },
                &[view(&x, lx.clone()), ia],
                &[3, 6, 5],
                d,
                true,
                &format!("take_along_axis {d} {it}"),
            );
        }
        // out of range: both backends refuse
        let bad = host_i64(&[0, 4], Dtype::Int32);
        let ok = check(
            &b,
            &Primitive::Gather { axis: 1 },
            &[view(&x, lx.clone()), bad],
            &[3, 2, 5],
            d,
            true,
            &format!("take out of range {d}"),
        );
        assert!(!ok);
        let bad = host_i64(&[-5], Dtype::Int64);
        let ok = check(
            &b,
            &Primitive::GatherAxis { axis: 1 },
            &[
                view(&x, lx.clone()),
                view(&bad, Layout::from_parts(vec![3, 1, 5], vec![0, 0, 0], 0)),
            ],
            &[3, 1, 5],
            d,
            true,
            &format!("take_along_axis out of range {d}"),
        );
        assert!(!ok);
    }
    // an empty gather
    let x = values(Dtype::Float32, 12, 1);
    let e = host_i64(&[], Dtype::Int32);
    check(
        &b,
        &Primitive::Gather { axis: 0 },
        &[view(&x, Layout::contiguous(&[12])), e],
        &[0],
        Dtype::Float32,
        true,
        "empty take",
    );
}

/// Prints matmul throughput (`--nocapture`): float32 8192³ without and
/// with TF32, and bfloat16 8192³. No assertion on time.
#[test]
#[ignore = "needs an NVIDIA GPU"]
fn matmul_timings() {
    use std::time::Instant;
    let b = gpu();
    let m = 8192usize;
    for (d, tf32) in [
        (Dtype::Float32, false),
        (Dtype::Float32, true),
        (Dtype::Bfloat16, false),
        (Dtype::Float16, false),
    ] {
        let vals: Vec<f32> = (0..m * m)
            .map(|i| ((i % 1013) as f32) * 1e-3 - 0.5)
            .collect();
        let x = ArrayData::contiguous(Buffer::new(HostBuffer::from_slice(&vals)), &[m, m]);
        let x = if d == Dtype::Float32 {
            x
        } else {
            cpu_call(&Primitive::AsType, &[x], &[m, m], d).unwrap()
        };
        let x = upload(&b, &x);
        b.set_tf32(tf32);
        let call = || {
            b.eval(&OpCall {
                primitive: &Primitive::Matmul,
                inputs: &[x.clone(), x.clone()],
                shape: &[m, m],
                dtype: d,
            })
            .unwrap()
        };
        let _ = call();
        b.synchronize().unwrap();
        let reps = 5;
        let t = Instant::now();
        for _ in 0..reps {
            let _ = call();
        }
        b.synchronize().unwrap();
        let per = t.elapsed().as_secs_f64() / reps as f64;
        println!(
            "matmul {d} 8192^3{}: {:.2} ms ({:.1} TFLOP/s)",
            if tf32 { " TF32" } else { "" },
            per * 1e3,
            2.0 * (m as f64).powi(3) / per / 1e12
        );
    }
    b.set_tf32(false);
}

/// Prints fused vs unfused `exp(x)*y+x` over 64M float32 (`--nocapture`).
#[test]
#[ignore = "needs an NVIDIA GPU"]
fn fused_timings() {
    use std::time::Instant;
    let b = gpu();
    let n = 64usize << 20;
    let vals: Vec<f32> = (0..n).map(|i| ((i % 1000) as f32) * 1e-3).collect();
    let x = upload(
        &b,
        &ArrayData::contiguous(Buffer::new(HostBuffer::from_slice(&vals)), &[n]),
    );
    let d = Dtype::Float32;
    let e = FusedExpr {
        ops: vec![
            FusedOp::Input(0),
            FusedOp::Input(1),
            apply(Primitive::Unary(UnaryOp::Exp), &[0], d),
            apply(Primitive::Binary(BinaryOp::Multiply), &[2, 1], d),
            apply(Primitive::Binary(BinaryOp::Add), &[3, 0], d),
        ],
    };
    let fused = Primitive::Fused(Arc::new(e));
    let run = |p: &Primitive, ins: &[ArrayData]| {
        b.eval(&OpCall {
            primitive: p,
            inputs: ins,
            shape: &[n],
            dtype: d,
        })
        .unwrap()
    };
    let time = |f: &dyn Fn()| {
        f();
        b.synchronize().unwrap();
        let t = Instant::now();
        for _ in 0..20 {
            f();
        }
        b.synchronize().unwrap();
        t.elapsed().as_secs_f64() / 20.0
    };
    let tf = time(&|| {
        let _ = run(&fused, &[x.clone(), x.clone()]);
    });
    let tu = time(&|| {
        let e = run(&Primitive::Unary(UnaryOp::Exp), std::slice::from_ref(&x));
        let m = run(&Primitive::Binary(BinaryOp::Multiply), &[e, x.clone()]);
        let _ = run(&Primitive::Binary(BinaryOp::Add), &[m, x.clone()]);
    });
    println!(
        "exp(x)*y+x 64M f32: fused {:.1} us, unfused {:.1} us",
        tf * 1e6,
        tu * 1e6
    );
}

#[test]
fn fuses_is_part_of_the_contract() {
    // Without a GPU there is nothing to run; the type still says it fuses.
    if let Ok(b) = CudaBackend::new(0) {
        assert!(b.fuses());
        assert!(!b.tf32());
    }
}
