//! Elementwise kernels: unary, binary, select and astype.
//!
//! Every kernel walks the output in chunks (in parallel above
//! [`PARALLEL_THRESHOLD`]); per chunk each input is a borrowed contiguous
//! slice, a broadcast scalar, or (for other strided views) a gathered copy,
//! and the inner loops are plain zips the compiler vectorises.

use crate::num::{cast, Bits, FloatMath, Kind, Num};
use crate::simd::vectorized;
use crate::strided::{gather_range, host_slice, output};
use crate::{internal, unsupported, KResult, PARALLEL_THRESHOLD};
use half::{bf16, f16};
use mlx_core::{ArrayData, BinaryOp, Bool8, Dtype, HostBuffer, Native, OpCall, UnaryOp};
use num_complex::Complex32;
use rayon::prelude::*;
use std::borrow::Cow;

const CHUNK: usize = 1 << 14;

/// One input's view of one chunk.
enum Part<'a, T: Clone> {
    Slice(Cow<'a, [T]>),
    Scalar(T),
}

fn part<'a, T: Native>(d: &'a ArrayData, src: &'a [T], start: usize, len: usize) -> Part<'a, T> {
    let l = &d.layout;
    if l.strides()
        .iter()
        .zip(l.shape())
        .all(|(&s, &n)| s == 0 || n == 1)
    {
        return Part::Scalar(src[l.offset()]);
    }
    if l.is_row_contiguous() {
        let o = l.offset() + start;
        return Part::Slice(Cow::Borrowed(&src[o..o + len]));
    }
    let mut v = vec![T::default(); len];
    gather_range(src, l, start, &mut v);
    Part::Slice(Cow::Owned(v))
}

/// Runs `body(start, out_chunk)` over the output, in parallel when large.
fn chunked<O: Native>(n: usize, out: &mut [O], body: impl Fn(usize, &mut [O]) + Sync) {
    if n > PARALLEL_THRESHOLD {
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, o)| body(c * CHUNK, o));
    } else {
        body(0, out);
    }
}

/// `out[i] = f(a[i])`.
fn map1<I: Native, O: Native>(call: &OpCall<'_>, f: impl Fn(I) -> O + Sync) -> KResult {
    let n: usize = call.shape.iter().product();
    let a = &call.inputs[0];
    let src = host_slice::<I>(a)?;
    let mut buf = HostBuffer::alloc(O::DTYPE, n);
    chunked(
        n,
        buf.as_mut_slice::<O>().map_err(internal)?,
        |s, o| match part(a, src, s, o.len()) {
            Part::Slice(x) => {
                vectorized(|| o.iter_mut().zip(x.iter()).for_each(|(o, &x)| *o = f(x)))
            }
            Part::Scalar(x) => o.fill(f(x)),
        },
    );
    Ok(output(buf, call.shape))
}

/// `out[i] = f(a[i], b[i])`.
fn map2<I: Native, O: Native>(call: &OpCall<'_>, f: impl Fn(I, I) -> O + Sync) -> KResult {
    let n: usize = call.shape.iter().product();
    let (a, b) = (&call.inputs[0], &call.inputs[1]);
    let (sa, sb) = (host_slice::<I>(a)?, host_slice::<I>(b)?);
    let mut buf = HostBuffer::alloc(O::DTYPE, n);
    chunked(n, buf.as_mut_slice::<O>().map_err(internal)?, |s, o| {
        let len = o.len();
        match (part(a, sa, s, len), part(b, sb, s, len)) {
            (Part::Slice(x), Part::Slice(y)) => vectorized(|| {
                o.iter_mut()
                    .zip(x.iter().zip(y.iter()))
                    .for_each(|(o, (&x, &y))| *o = f(x, y))
            }),
            (Part::Slice(x), Part::Scalar(y)) => {
                vectorized(|| o.iter_mut().zip(x.iter()).for_each(|(o, &x)| *o = f(x, y)))
            }
            (Part::Scalar(x), Part::Slice(y)) => {
                vectorized(|| o.iter_mut().zip(y.iter()).for_each(|(o, &y)| *o = f(x, y)))
            }
            (Part::Scalar(x), Part::Scalar(y)) => o.fill(f(x, y)),
        }
    });
    Ok(output(buf, call.shape))
}

/// `where(cond, a, b)`.
pub fn select(call: &OpCall<'_>) -> KResult {
    mlx_core::dispatch_dtype!(call.dtype, T => select_typed::<T>(call))
}

fn select_typed<T: Native>(call: &OpCall<'_>) -> KResult {
    let n: usize = call.shape.iter().product();
    let (c, a, b) = (&call.inputs[0], &call.inputs[1], &call.inputs[2]);
    let sc = host_slice::<Bool8>(c)?;
    let (sa, sb) = (host_slice::<T>(a)?, host_slice::<T>(b)?);
    let mut buf = HostBuffer::alloc(T::DTYPE, n);
    chunked(n, buf.as_mut_slice::<T>().map_err(internal)?, |s, o| {
        let len = o.len();
        let get = |p: &Part<'_, T>, i: usize| match p {
            Part::Slice(v) => v[i],
            Part::Scalar(v) => *v,
        };
        let (pc, pa, pb) = (
            part(c, sc, s, len),
            part(a, sa, s, len),
            part(b, sb, s, len),
        );
        match (&pc, &pa, &pb) {
            (Part::Slice(cv), Part::Slice(av), Part::Slice(bv)) => {
                for i in 0..len {
                    o[i] = if cv[i].0 != 0 { av[i] } else { bv[i] };
                }
            }
            _ => {
                for (i, v) in o.iter_mut().enumerate() {
                    let cond = match &pc {
                        Part::Slice(cv) => cv[i].0 != 0,
                        Part::Scalar(cv) => cv.0 != 0,
                    };
                    *v = if cond { get(&pa, i) } else { get(&pb, i) };
                }
            }
        }
    });
    Ok(output(buf, call.shape))
}

/// Conversion between any two dtypes (C++ `static_cast` semantics).
pub fn astype(call: &OpCall<'_>) -> KResult {
    let from = call.inputs[0].dtype;
    mlx_core::dispatch_dtype!(from, S => {
        mlx_core::dispatch_dtype!(call.dtype, D => map1::<S, D>(call, cast::<S, D>))
    })
}

/// Elementwise binary ops; both inputs have one dtype.
pub fn binary(op: BinaryOp, call: &OpCall<'_>) -> KResult {
    use BinaryOp::*;
    let d = call.inputs[0].dtype;
    if op.is_comparison() {
        return mlx_core::dispatch_dtype!(d, T => compare::<T>(op, call));
    }
    match op {
        LogicalAnd => return map2::<Bool8, Bool8>(call, |a, b| Bool8(a.0 & b.0)),
        LogicalOr => return map2::<Bool8, Bool8>(call, |a, b| Bool8(a.0 | b.0)),
        BitwiseAnd | BitwiseOr | BitwiseXor | LeftShift | RightShift => return bitwise(op, call),
        ArcTan2 | LogAddExp => return float_binary(op, call),
        _ => {}
    }
    mlx_core::dispatch_dtype!(d, T => arith::<T>(op, call))
}

/// The arithmetic binary ops as functions of two `$t`: expands `$m!(function)`
/// for `$op`'s arm and `$rest` for every other op (kernels and fused programs).
macro_rules! arith_fns {
    ($op:expr, $t:ty, $m:ident, $rest:expr) => {{
        use mlx_core::BinaryOp::*;
        match $op {
            Add => $m!(|a: $t, b: $t| a.add(b)),
            Subtract => $m!(|a: $t, b: $t| a.sub(b)),
            Multiply => $m!(|a: $t, b: $t| a.mul(b)),
            Divide => $m!(|a: $t, b: $t| a.div(b)),
            FloorDivide => $m!(|a: $t, b: $t| a.floordiv(b)),
            Remainder => $m!(|a: $t, b: $t| a.rem(b)),
            Power => $m!(|a: $t, b: $t| a.pow(b)),
            Maximum => $m!(|a: $t, b: $t| if a.is_nan() || b.lt(a) { a } else { b }),
            Minimum => $m!(|a: $t, b: $t| if a.is_nan() || a.lt(b) { a } else { b }),
            _ => $rest,
        }
    }};
}
pub(crate) use arith_fns;

fn arith<T: Num>(op: BinaryOp, call: &OpCall<'_>) -> KResult {
    macro_rules! m {
        ($f:expr) => {
            map2::<T, T>(call, $f)
        };
    }
    arith_fns!(
        op,
        T,
        m,
        Err(unsupported(call.primitive, "not an arithmetic op"))
    )
}

fn compare<T: Num>(op: BinaryOp, call: &OpCall<'_>) -> KResult {
    use BinaryOp::*;
    let b = |v: bool| Bool8(v as u8);
    match op {
        Equal => map2::<T, Bool8>(call, move |x, y| b(x.eq(y))),
        NotEqual => map2::<T, Bool8>(call, move |x, y| b(!x.eq(y))),
        Less => map2::<T, Bool8>(call, move |x, y| b(x.lt(y))),
        LessEqual => map2::<T, Bool8>(call, move |x, y| b(x.lt(y) || x.eq(y))),
        Greater => map2::<T, Bool8>(call, move |x, y| b(y.lt(x))),
        GreaterEqual => map2::<T, Bool8>(call, move |x, y| b(y.lt(x) || x.eq(y))),
        _ => Err(unsupported(call.primitive, "not a comparison")),
    }
}

fn bitwise(op: BinaryOp, call: &OpCall<'_>) -> KResult {
    macro_rules! go {
        ($t:ty) => {{
            use BinaryOp::*;
            match op {
                BitwiseAnd => map2::<$t, $t>(call, |a, b| a.and(b)),
                BitwiseOr => map2::<$t, $t>(call, |a, b| a.or(b)),
                BitwiseXor => map2::<$t, $t>(call, |a, b| a.xor(b)),
                LeftShift => map2::<$t, $t>(call, |a, b| a.shl(b)),
                _ => map2::<$t, $t>(call, |a, b| a.shr(b)),
            }
        }};
    }
    match call.inputs[0].dtype {
        Dtype::Bool => go!(Bool8),
        Dtype::Uint8 => go!(u8),
        Dtype::Uint16 => go!(u16),
        Dtype::Uint32 => go!(u32),
        Dtype::Uint64 => go!(u64),
        Dtype::Int8 => go!(i8),
        Dtype::Int16 => go!(i16),
        Dtype::Int32 => go!(i32),
        Dtype::Int64 => go!(i64),
        d => Err(unsupported(
            call.primitive,
            format!("bitwise ops need integers or bool, got {d}"),
        )),
    }
}

fn float_binary(op: BinaryOp, call: &OpCall<'_>) -> KResult {
    fn go<T: FloatMath>(op: BinaryOp, call: &OpCall<'_>) -> KResult {
        match op {
            BinaryOp::ArcTan2 => map2::<T, T>(call, |a, b| a.map2(b, f32::atan2, f64::atan2)),
            _ => map2::<T, T>(call, |a, b| a.map2(b, logaddexp_f32, logaddexp_f64)),
        }
    }
    match call.inputs[0].dtype {
        Dtype::Float16 => go::<f16>(op, call),
        Dtype::Bfloat16 => go::<bf16>(op, call),
        Dtype::Float32 => go::<f32>(op, call),
        Dtype::Float64 => go::<f64>(op, call),
        d => Err(unsupported(
            call.primitive,
            format!("needs a real float dtype, got {d}"),
        )),
    }
}

fn logaddexp_f32(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        return f32::NAN;
    }
    let m = a.max(b);
    if m == f32::NEG_INFINITY || m.is_infinite() && a == b {
        return m;
    }
    m + (-(a - b).abs()).exp().ln_1p()
}

fn logaddexp_f64(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    let m = a.max(b);
    if m == f64::NEG_INFINITY || m.is_infinite() && a == b {
        return m;
    }
    m + (-(a - b).abs()).exp().ln_1p()
}

/// Elementwise unary ops.
pub fn unary(op: UnaryOp, call: &OpCall<'_>) -> KResult {
    use UnaryOp::*;
    let d = call.inputs[0].dtype;
    match op {
        IsNan | IsInf | IsPosInf | IsNegInf | IsFinite => {
            return mlx_core::dispatch_dtype!(d, T => float_test::<T>(op, call))
        }
        LogicalNot => return map1::<Bool8, Bool8>(call, |a| Bool8(a.0 ^ 1)),
        _ => {}
    }
    match d {
        Dtype::Float16 => float_unary::<f16>(op, call),
        Dtype::Bfloat16 => float_unary::<bf16>(op, call),
        Dtype::Float32 => float_unary::<f32>(op, call),
        Dtype::Float64 => float_unary::<f64>(op, call),
        Dtype::Complex64 => complex_unary(op, call),
        Dtype::Bool => int_unary::<Bool8>(op, call),
        Dtype::Uint8 => int_unary::<u8>(op, call),
        Dtype::Uint16 => int_unary::<u16>(op, call),
        Dtype::Uint32 => int_unary::<u32>(op, call),
        Dtype::Uint64 => int_unary::<u64>(op, call),
        Dtype::Int8 => int_unary::<i8>(op, call),
        Dtype::Int16 => int_unary::<i16>(op, call),
        Dtype::Int32 => int_unary::<i32>(op, call),
        Dtype::Int64 => int_unary::<i64>(op, call),
    }
}

fn float_test<T: Num>(op: UnaryOp, call: &OpCall<'_>) -> KResult {
    use UnaryOp::*;
    if T::KIND == Kind::Complex {
        return mlx_core::dispatch_dtype!(call.inputs[0].dtype, C => map1::<C, Bool8>(call, move |z| {
            let z = z.to_c();
            let inf = z.re.is_infinite() || z.im.is_infinite();
            let nan = z.re.is_nan() || z.im.is_nan();
            Bool8(match op { IsNan => nan, IsInf => inf, IsFinite => !inf && !nan,
                IsPosInf => z.re == f32::INFINITY, _ => z.re == f32::NEG_INFINITY } as u8)
        }));
    }
    map1::<T, Bool8>(call, move |x| {
        let v = x.to_f64();
        Bool8(match op {
            IsNan => v.is_nan(),
            IsInf => v.is_infinite(),
            IsPosInf => v == f64::INFINITY,
            IsNegInf => v == f64::NEG_INFINITY,
            _ => v.is_finite(),
        } as u8)
    })
}

fn int_unary<T: Bits>(op: UnaryOp, call: &OpCall<'_>) -> KResult {
    use UnaryOp::*;
    match op {
        Abs => map1::<T, T>(call, |a| if a.lt(T::zero()) { T::zero().sub(a) } else { a }),
        Negative => map1::<T, T>(call, |a| T::zero().sub(a)),
        Sign => map1::<T, T>(call, |a| {
            if a.lt(T::zero()) {
                T::zero().sub(T::one())
            } else if a.eq(T::zero()) {
                T::zero()
            } else {
                T::one()
            }
        }),
        Square => map1::<T, T>(call, |a| a.mul(a)),
        Floor | Ceil | Round => map1::<T, T>(call, |a| a),
        BitwiseInvert => map1::<T, T>(call, |a| a.not()),
        _ => Err(unsupported(
            call.primitive,
            format!("not defined for {}", call.inputs[0].dtype),
        )),
    }
}

/// The float unary ops whose f32/f64 forms are plain functions: expands
/// `$m!(f32 function, f64 function)` for `$op`'s arm and `$rest` for every
/// other op. One table serves the kernels and the fused-program interpreter.
macro_rules! float_unary_fns {
    ($op:expr, $m:ident, $rest:expr) => {{
        use mlx_core::UnaryOp::*;
        match $op {
            Abs => $m!(f32::abs, f64::abs),
            Negative => $m!(|x: f32| -x, |x: f64| -x),
            Sign => $m!($crate::elementwise::sign_f32, $crate::elementwise::sign_f64),
            Square => $m!(|x: f32| x * x, |x: f64| x * x),
            Sqrt => $m!(f32::sqrt, f64::sqrt),
            Rsqrt => $m!(|x: f32| 1.0 / x.sqrt(), |x: f64| 1.0 / x.sqrt()),
            Reciprocal => $m!(|x: f32| 1.0 / x, |x: f64| 1.0 / x),
            Exp => $m!($crate::fast_math::exp_f32, f64::exp),
            Expm1 => $m!(f32::exp_m1, f64::exp_m1),
            Log => $m!(f32::ln, f64::ln),
            Log1p => $m!(f32::ln_1p, f64::ln_1p),
            Log2 => $m!(f32::log2, f64::log2),
            Log10 => $m!(f32::log10, f64::log10),
            Sin => $m!(f32::sin, f64::sin),
            Cos => $m!(f32::cos, f64::cos),
            Tan => $m!(f32::tan, f64::tan),
            ArcSin => $m!(f32::asin, f64::asin),
            ArcCos => $m!(f32::acos, f64::acos),
            ArcTan => $m!(f32::atan, f64::atan),
            Sinh => $m!(f32::sinh, f64::sinh),
            Cosh => $m!(f32::cosh, f64::cosh),
            Tanh => $m!(f32::tanh, f64::tanh),
            // libm's: std's asinh/acosh overflow to inf for |x| near the max
            ArcSinh => $m!(libm::asinhf, libm::asinh),
            // (libm's acoshf returns numbers below 1 instead of NaN)
            ArcCosh => $m!(
                |x: f32| if x < 1.0 { f32::NAN } else { libm::acoshf(x) },
                |x: f64| if x < 1.0 { f64::NAN } else { libm::acosh(x) }
            ),
            ArcTanh => $m!(f32::atanh, f64::atanh),
            Sigmoid => $m!($crate::fast_math::sigmoid_f32, |x: f64| 1.0
                / (1.0 + (-x).exp())),
            Erf => $m!(libm::erff, libm::erf),
            ErfInv => $m!(
                |x: f32| $crate::fast_math::erfinv(x as f64) as f32,
                $crate::fast_math::erfinv
            ),
            Floor => $m!(f32::floor, f64::floor),
            Ceil => $m!(f32::ceil, f64::ceil),
            Round => $m!(f32::round_ties_even, f64::round_ties_even),
            _ => $rest,
        }
    }};
}
pub(crate) use float_unary_fns;

fn float_unary<T: FloatMath>(op: UnaryOp, call: &OpCall<'_>) -> KResult {
    macro_rules! m {
        ($f:expr, $g:expr) => {
            map1::<T, T>(call, |a| a.map($f, $g))
        };
    }
    match op {
        UnaryOp::Conjugate | UnaryOp::Real => map1::<T, T>(call, |a| a),
        UnaryOp::Imag => map1::<T, T>(call, |_| T::zero()),
        _ => float_unary_fns!(
            op,
            m,
            Err(unsupported(
                call.primitive,
                format!("not defined for {}", call.inputs[0].dtype),
            ))
        ),
    }
}

fn complex_unary(op: UnaryOp, call: &OpCall<'_>) -> KResult {
    use UnaryOp::*;
    let c = |f: fn(Complex32) -> Complex32| map1::<Complex32, Complex32>(call, f);
    match op {
        Abs => map1::<Complex32, f32>(call, |z| z.norm()),
        Real => map1::<Complex32, f32>(call, |z| z.re),
        Imag => map1::<Complex32, f32>(call, |z| z.im),
        Negative => c(|z| -z),
        Square => c(|z| z * z),
        Sqrt => c(|z| z.sqrt()),
        Rsqrt => c(|z| z.sqrt().inv()),
        Reciprocal => c(|z| z.inv()),
        Exp => c(|z| z.exp()),
        Log => c(|z| z.ln()),
        Log1p => c(|z| (z + 1.0).ln()),
        Log2 => c(|z| z.log2()),
        Log10 => c(|z| z.log10()),
        Sin => c(|z| z.sin()),
        Cos => c(|z| z.cos()),
        Tan => c(|z| z.tan()),
        Sinh => c(|z| z.sinh()),
        Cosh => c(|z| z.cosh()),
        Tanh => c(|z| z.tanh()),
        ArcSin => c(|z| z.asin()),
        ArcCos => c(|z| z.acos()),
        ArcTan => c(|z| z.atan()),
        ArcSinh => c(|z| z.asinh()),
        ArcCosh => c(|z| z.acosh()),
        ArcTanh => c(|z| z.atanh()),
        Conjugate => c(|z| z.conj()),
        Sign => c(|z| if z.norm() == 0.0 { z } else { z / z.norm() }),
        _ => Err(unsupported(call.primitive, "not defined for complex64")),
    }
}

/// MLX's sign: 0 for NaN (and for ±0).
pub(crate) fn sign_f32(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else if x.is_nan() {
        0.0
    } else {
        x
    }
}

/// MLX's sign: 0 for NaN (and for ±0).
pub(crate) fn sign_f64(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else if x.is_nan() {
        0.0
    } else {
        x
    }
}
