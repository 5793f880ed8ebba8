//! CUDA C source generation for elementwise kernels and fused programs
//! (compiled by NVRTC).
//!
//! Every dtype but `complex64` has a *compute type*: `float16`, `bfloat16`
//! and `float32` compute in `float`, `float64` in `double`, integers in
//! their own C type and `bool` in `unsigned char` (0 or 1). Half types are
//! stored as 16-bit words and converted with PTX `cvt` (half) or bit shifts
//! with round-to-nearest-even (bfloat16), so no CUDA header is needed at run
//! time. A program (one op, or a [`FusedExpr`] of many) becomes one kernel
//! `k`: each instruction is one register, rounded to its dtype (so a fused
//! `float16` chain rounds after every op, as the CPU backend does), and the
//! last register is stored. Products use `__fmul_rn`/`__dmul_rn`, which the
//! compiler never contracts into an FMA, so results match the CPU's
//! separately rounded multiply and add.
//!
//! The semantics follow the CPU backend (`mlx-cpu`'s `num.rs` and
//! `elementwise.rs`): integers wrap; integer division by zero gives 0 and
//! remainder by zero the dividend; division and remainder floor like
//! Python's; shifts past the width give 0 (or the sign fill); float to
//! integer casts saturate with NaN giving 0; `maximum`/`minimum` propagate
//! NaN; `sign(NaN)` is 0; `bool` arithmetic is logical.

use mlx_core::fusion::{FusedExpr, FusedOp};
use mlx_core::{BinaryOp, Dtype, Primitive, UnaryOp};

/// The CUDA storage type of a dtype (`None` for `complex64`).
pub(crate) fn storage(d: Dtype) -> Option<&'static str> {
    use Dtype::*;
    Some(match d {
        Bool | Uint8 => "unsigned char",
        Uint16 | Float16 | Bfloat16 => "unsigned short",
        Uint32 => "unsigned int",
        Uint64 => "unsigned long long",
        Int8 => "signed char",
        Int16 => "short",
        Int32 => "int",
        Int64 => "long long",
        Float32 => "float",
        Float64 => "double",
        Complex64 => return None,
    })
}

/// The C type a dtype computes in (`None` for `complex64`).
pub(crate) fn compute(d: Dtype) -> Option<&'static str> {
    match d {
        Dtype::Float16 | Dtype::Bfloat16 => Some("float"),
        _ => storage(d),
    }
}

/// An unsigned integer type of `bytes` bytes (for moving elements).
pub(crate) fn bits_type(bytes: usize) -> Option<&'static str> {
    Some(match bytes {
        1 => "unsigned char",
        2 => "unsigned short",
        4 => "unsigned int",
        8 => "unsigned long long",
        _ => return None,
    })
}

fn load(d: Dtype, v: &str) -> String {
    match d {
        Dtype::Float16 => format!("h2f({v})"),
        Dtype::Bfloat16 => format!("b2f({v})"),
        _ => v.to_string(),
    }
}

fn store(d: Dtype, v: &str) -> String {
    match d {
        Dtype::Float16 => format!("f2h({v})"),
        Dtype::Bfloat16 => format!("f2b({v})"),
        Dtype::Bool => format!("(unsigned char)(({v}) != 0)"),
        _ => format!("({})({v})", storage(d).unwrap_or("float")),
    }
}

/// A value of `d`'s compute type, rounded to `d`.
fn reg(d: Dtype, e: &str) -> String {
    match d {
        Dtype::Float16 => format!("h2f(f2h({e}))"),
        Dtype::Bfloat16 => format!("b2f(f2b({e}))"),
        Dtype::Bool => format!("(unsigned char)(({e}) != 0)"),
        _ => format!("({})({e})", compute(d).unwrap_or("float")),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fam {
    Bool,
    Unsigned,
    Signed,
    /// float16, bfloat16, float32: `float` math.
    Float,
    /// float64: `double` math.
    Double,
}

fn fam(d: Dtype) -> Option<Fam> {
    use Dtype::*;
    Some(match d {
        Bool => Fam::Bool,
        Uint8 | Uint16 | Uint32 | Uint64 => Fam::Unsigned,
        Int8 | Int16 | Int32 | Int64 => Fam::Signed,
        Float16 | Bfloat16 | Float32 => Fam::Float,
        Float64 => Fam::Double,
        Complex64 => return None,
    })
}

/// Operands are written `$0`, `$1`, `$2` in the expressions below.
fn float_unary(op: UnaryOp, dbl: bool) -> Option<String> {
    use UnaryOp::*;
    let f = |name: &str| {
        if dbl {
            format!("{name}($0)")
        } else {
            format!("{name}f($0)")
        }
    };
    let (one, zero, mul) = if dbl {
        ("1.0", "0.0", "__dmul_rn")
    } else {
        ("1.0f", "0.0f", "__fmul_rn")
    };
    Some(match op {
        Abs => f("fabs"),
        Negative => "(-$0)".into(),
        Sign => {
            format!("($0 > {zero} ? {one} : ($0 < {zero} ? -{one} : ($0 != $0 ? {zero} : $0)))")
        }
        Square => format!("{mul}($0, $0)"),
        Sqrt => f("sqrt"),
        Rsqrt => format!("({one} / {})", f("sqrt")),
        Reciprocal => format!("({one} / $0)"),
        Exp => f("exp"),
        Expm1 => f("expm1"),
        Log => f("log"),
        Log1p => f("log1p"),
        Log2 => f("log2"),
        Log10 => f("log10"),
        Sin => f("sin"),
        Cos => f("cos"),
        Tan => f("tan"),
        ArcSin => f("asin"),
        ArcCos => f("acos"),
        ArcTan => f("atan"),
        Sinh => f("sinh"),
        Cosh => f("cosh"),
        Tanh => f("tanh"),
        ArcSinh => f("asinh"),
        ArcCosh => f("acosh"),
        ArcTanh => f("atanh"),
        Sigmoid => format!(
            "({one} / ({one} + {}))",
            if dbl { "exp(-$0)" } else { "expf(-$0)" }
        ),
        Erf => f("erf"),
        ErfInv => f("erfinv"),
        Floor => f("floor"),
        Ceil => f("ceil"),
        Round => f("rint"),
        IsNan => "($0 != $0)".into(),
        IsInf => format!("({} == INFINITY)", f("fabs")),
        IsPosInf => "($0 == INFINITY)".into(),
        IsNegInf => "($0 == -INFINITY)".into(),
        IsFinite => format!("({} < INFINITY)", f("fabs")),
        Conjugate | Real => "$0".into(),
        Imag => zero.into(),
        LogicalNot | BitwiseInvert => return None,
    })
}

fn int_unary(op: UnaryOp, d: Dtype, signed: bool) -> Option<String> {
    use UnaryOp::*;
    let t = storage(d)?;
    let w = if d.size_of() == 8 {
        "unsigned long long"
    } else {
        "unsigned int"
    };
    Some(match op {
        Abs if signed => format!("($0 < 0 ? ({t})(({w})0 - ({w})$0) : $0)"),
        Abs | Floor | Ceil | Round => "$0".into(),
        Negative => format!("({t})(({w})0 - ({w})$0)"),
        Sign if signed => format!("($0 < 0 ? ({t})-1 : ($0 == 0 ? ({t})0 : ({t})1))"),
        Sign => format!("($0 == 0 ? ({t})0 : ({t})1)"),
        Square => format!("({t})(({w})$0 * ({w})$0)"),
        BitwiseInvert => format!("({t})(~$0)"),
        IsNan | IsInf | IsPosInf | IsNegInf => "0".into(),
        IsFinite => "1".into(),
        _ => return None,
    })
}

fn bool_unary(op: UnaryOp) -> Option<String> {
    use UnaryOp::*;
    Some(match op {
        Abs | Negative | Square | Floor | Ceil | Round => "$0".into(),
        Sign => "($0 != 0)".into(),
        BitwiseInvert | LogicalNot => "($0 ^ 1)".into(),
        IsNan | IsInf | IsPosInf | IsNegInf => "0".into(),
        IsFinite => "1".into(),
        _ => return None,
    })
}

fn comparison(op: BinaryOp) -> Option<&'static str> {
    use BinaryOp::*;
    Some(match op {
        Equal => "($0 == $1)",
        NotEqual => "($0 != $1)",
        Less => "($0 < $1)",
        LessEqual => "($0 <= $1)",
        Greater => "($0 > $1)",
        GreaterEqual => "($0 >= $1)",
        _ => return None,
    })
}

fn float_binary(op: BinaryOp, d: Dtype) -> Option<String> {
    use BinaryOp::*;
    let dbl = d == Dtype::Float64;
    let f = |name: &str| {
        if dbl {
            format!("{name}($0, $1)")
        } else {
            format!("{name}f($0, $1)")
        }
    };
    // the quotient rounded to the dtype before the floor, as the CPU does
    let round = |e: &str| match d {
        Dtype::Float16 => format!("h2f(f2h({e}))"),
        Dtype::Bfloat16 => format!("b2f(f2b({e}))"),
        _ => e.to_string(),
    };
    Some(match op {
        Add => "($0 + $1)".into(),
        Subtract => "($0 - $1)".into(),
        Multiply => (if dbl {
            "__dmul_rn($0, $1)"
        } else {
            "__fmul_rn($0, $1)"
        })
        .into(),
        Divide => "($0 / $1)".into(),
        FloorDivide => format!(
            "{}({})",
            if dbl { "floor" } else { "floorf" },
            round("$0 / $1")
        ),
        Remainder => "rem_py($0, $1)".into(),
        Power => f("pow"),
        Maximum => "($0 != $0 || $1 < $0 ? $0 : $1)".into(),
        Minimum => "($0 != $0 || $0 < $1 ? $0 : $1)".into(),
        ArcTan2 => f("atan2"),
        LogAddExp => "logaddexp($0, $1)".into(),
        _ => return None,
    })
}

fn int_binary(op: BinaryOp, d: Dtype) -> Option<String> {
    use BinaryOp::*;
    let t = storage(d)?;
    let w = if d.size_of() == 8 {
        "unsigned long long"
    } else {
        "unsigned int"
    };
    Some(match op {
        Add => format!("({t})(({w})$0 + ({w})$1)"),
        Subtract => format!("({t})(({w})$0 - ({w})$1)"),
        Multiply => format!("({t})(({w})$0 * ({w})$1)"),
        Divide => format!("idiv<{t}>($0, $1)"),
        FloorDivide => format!("ifloordiv<{t}>($0, $1)"),
        Remainder => format!("irem<{t}>($0, $1)"),
        Power => format!("ipow<{t}>($0, $1)"),
        Maximum => "($1 < $0 ? $0 : $1)".into(),
        Minimum => "($0 < $1 ? $0 : $1)".into(),
        BitwiseAnd => format!("({t})($0 & $1)"),
        BitwiseOr => format!("({t})($0 | $1)"),
        BitwiseXor => format!("({t})($0 ^ $1)"),
        LeftShift => format!("ishl<{t}>($0, $1)"),
        RightShift => format!("ishr<{t}>($0, $1)"),
        _ => return None,
    })
}

fn bool_binary(op: BinaryOp) -> Option<&'static str> {
    use BinaryOp::*;
    Some(match op {
        Add | LogicalOr | BitwiseOr => "($0 | $1)",
        Subtract | BitwiseXor => "(($0 ^ $1) & 1)",
        Multiply | Divide | FloorDivide | LogicalAnd | BitwiseAnd => "($0 & $1)",
        Remainder => "($0 & ~$1 & 1)",
        Power => "($0 | (~$1 & 1))",
        Maximum => "($1 < $0 ? $0 : $1)",
        Minimum => "($0 < $1 ? $0 : $1)",
        LeftShift => "$0",
        RightShift => "($0 >> $1)",
        _ => return None,
    })
}

/// `static_cast` from `from` to `to` as the CPU backend does it: through
/// `double` for floats and integers (float to integer saturating, NaN to
/// 0), integers wrapping, and `bfloat16` from other dtypes with `half`'s
/// conversion from `double`.
fn convert(from: Dtype, to: Dtype) -> Option<String> {
    let (ff, ft) = (fam(from)?, fam(to)?);
    if from == to {
        return Some("$0".into());
    }
    Some(match (ff, ft, to) {
        (_, Fam::Bool, _) => "($0 != 0)".into(),
        (_, _, Dtype::Bfloat16) => "b2f(d2b((double)($0)))".into(),
        (_, Fam::Float, _) => "(float)((double)($0))".into(),
        (_, Fam::Double, _) => "(double)($0)".into(),
        (Fam::Float | Fam::Double, Fam::Signed | Fam::Unsigned, _) => {
            format!("sat_{}((double)($0))", to.name())
        }
        (_, _, _) => format!("({})($0)", storage(to)?),
    })
}

/// The compute-type expression (operands `$0`..`$2`) of an elementwise
/// primitive over `args` giving `out`, or `None` when this backend does not
/// run it (the CPU backend then answers, with its result or its error).
pub(crate) fn op_expr(prim: &Primitive, args: &[Dtype], out: Dtype) -> Option<String> {
    match prim {
        Primitive::Unary(u) => {
            let [d] = args else { return None };
            let f = fam(*d)?;
            let pred = matches!(
                u,
                UnaryOp::IsNan
                    | UnaryOp::IsInf
                    | UnaryOp::IsPosInf
                    | UnaryOp::IsNegInf
                    | UnaryOp::IsFinite
            );
            if out != if pred { Dtype::Bool } else { *d } {
                return None;
            }
            match f {
                Fam::Bool => bool_unary(*u),
                Fam::Unsigned => int_unary(*u, *d, false),
                Fam::Signed => int_unary(*u, *d, true),
                Fam::Float => float_unary(*u, false),
                Fam::Double => float_unary(*u, true),
            }
        }
        Primitive::Binary(b) => {
            let [x, y] = args else { return None };
            if x != y {
                return None;
            }
            let f = fam(*x)?;
            if let Some(c) = comparison(*b) {
                return (out == Dtype::Bool).then(|| c.to_string());
            }
            if out != *x {
                return None;
            }
            match f {
                Fam::Bool => bool_binary(*b).map(str::to_string),
                Fam::Unsigned | Fam::Signed => int_binary(*b, *x),
                Fam::Float | Fam::Double => float_binary(*b, *x),
            }
        }
        Primitive::Select => {
            let [c, x, y] = args else { return None };
            fam(*x)?;
            (*c == Dtype::Bool && x == y && *x == out).then(|| "($0 != 0 ? $1 : $2)".into())
        }
        Primitive::AsType => {
            let [d] = args else { return None };
            convert(*d, out)
        }
        _ => None,
    }
}

const PRELUDE: &str = r#"
#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif
struct Meta { long long v[META_LEN]; };
__device__ __forceinline__ float h2f(unsigned short h) { float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h)); return f; }
__device__ __forceinline__ unsigned short f2h(float f) { unsigned short h; asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f)); return h; }
__device__ __forceinline__ float b2f(unsigned short b) { return __uint_as_float(((unsigned int)b) << 16); }
__device__ __forceinline__ unsigned short f2b(float f) {
    unsigned int u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (unsigned short)(u >> 16);
}
/* bfloat16 from double exactly as the `half` crate does it (the CPU backend's astype). */
__device__ __forceinline__ unsigned short d2b(double value) {
    unsigned long long val = (unsigned long long)__double_as_longlong(value);
    unsigned int x = (unsigned int)(val >> 32);
    unsigned int sign = x & 0x80000000u, ex = x & 0x7FF00000u, man = x & 0x000FFFFFu;
    if (ex == 0x7FF00000u) {
        unsigned int nan_bit = (man == 0 && (unsigned int)val == 0) ? 0u : 0x0040u;
        return (unsigned short)((sign >> 16) | 0x7F80u | nan_bit | (man >> 13));
    }
    unsigned int half_sign = sign >> 16;
    long long half_exp = (long long)(ex >> 20) - 1023 + 127;
    if (half_exp >= 0xFF) return (unsigned short)(half_sign | 0x7F80u);
    if (half_exp <= 0) {
        if (7 - half_exp > 21) return (unsigned short)half_sign;
        unsigned int m = man | 0x00100000u;
        unsigned int half_man = m >> (14 - half_exp);
        unsigned int round_bit = 1u << (13 - half_exp);
        if ((m & round_bit) != 0 && (m & (3u * round_bit - 1u)) != 0) half_man += 1;
        return (unsigned short)(half_sign | half_man);
    }
    unsigned int he = ((unsigned int)half_exp) << 7;
    unsigned int half_man = man >> 13;
    unsigned int round_bit = 0x00001000u;
    if ((man & round_bit) != 0 && (man & (3u * round_bit - 1u)) != 0)
        return (unsigned short)((half_sign | he | half_man) + 1);
    return (unsigned short)(half_sign | he | half_man);
}
#define SAT(NAME, T, LO, HI, TLO, THI) __device__ __forceinline__ T NAME(double v) { \
    if (v != v) return (T)0; if (v <= LO) return TLO; if (v >= HI) return THI; return (T)v; }
SAT(sat_uint8, unsigned char, 0.0, 255.0, 0, 255)
SAT(sat_uint16, unsigned short, 0.0, 65535.0, 0, 65535)
SAT(sat_uint32, unsigned int, 0.0, 4294967295.0, 0u, 4294967295u)
SAT(sat_uint64, unsigned long long, 0.0, 18446744073709551615.0, 0ull, 18446744073709551615ull)
SAT(sat_int8, signed char, -128.0, 127.0, -128, 127)
SAT(sat_int16, short, -32768.0, 32767.0, -32768, 32767)
SAT(sat_int32, int, -2147483648.0, 2147483647.0, (-2147483647 - 1), 2147483647)
SAT(sat_int64, long long, -9223372036854775808.0, 9223372036854775807.0, (-9223372036854775807ll - 1ll), 9223372036854775807ll)
__device__ __forceinline__ float rem_py(float x, float y) {
    float r = fmodf(x, y);
    if (r != 0.0f && ((r < 0.0f) != (y < 0.0f))) r += y;
    return r;
}
__device__ __forceinline__ double rem_py(double x, double y) {
    double r = fmod(x, y);
    if (r != 0.0 && ((r < 0.0) != (y < 0.0))) r += y;
    return r;
}
__device__ __forceinline__ float logaddexp(float a, float b) {
    if (a != a || b != b) return __int_as_float(0x7fc00000);
    float m = fmaxf(a, b);
    if (m == -INFINITY || (fabsf(m) == INFINITY && a == b)) return m;
    return m + log1pf(expf(-fabsf(a - b)));
}
__device__ __forceinline__ double logaddexp(double a, double b) {
    if (a != a || b != b) return __longlong_as_double(0x7ff8000000000000ll);
    double m = fmax(a, b);
    if (m == -(double)INFINITY || (fabs(m) == (double)INFINITY && a == b)) return m;
    return m + log1p(exp(-fabs(a - b)));
}
template <typename T> __device__ __forceinline__ bool neg1(T y) { return (T)(-1) < (T)0 && y == (T)(-1); }
template <typename T> __device__ __forceinline__ T idiv(T x, T y) {
    if (y == (T)0) return (T)0;
    if (neg1(y)) return (T)(0ull - (unsigned long long)x);
    return (T)(x / y);
}
template <typename T> __device__ __forceinline__ T irem_raw(T x, T y) {
    if (neg1(y)) return (T)0;
    return (T)(x % y);
}
template <typename T> __device__ __forceinline__ T irem(T x, T y) {
    if (y == (T)0) return x;
    T r = irem_raw(x, y);
    if (r != (T)0 && ((r < (T)0) != (y < (T)0))) r = (T)(r + y);
    return r;
}
template <typename T> __device__ __forceinline__ T ifloordiv(T x, T y) {
    if (y == (T)0) return (T)0;
    T q = idiv(x, y);
    if (irem_raw(x, y) != (T)0 && ((x < (T)0) != (y < (T)0))) q = (T)(q - (T)1);
    return q;
}
template <typename T> __device__ __forceinline__ T ipow(T x, T y) {
    if (y < (T)0) return (T)(x == (T)1 ? 1 : 0);
    unsigned long long e = (unsigned long long)y, b = (unsigned long long)x, acc = 1ull;
    while (e) { if (e & 1ull) acc *= b; b *= b; e >>= 1; }
    return (T)acc;
}
template <typename T> __device__ __forceinline__ T ishl(T x, T y) {
    unsigned int s = (unsigned int)y;
    if (s >= sizeof(T) * 8) return (T)0;
    return (T)((unsigned long long)x << s);
}
template <typename T> __device__ __forceinline__ T ishr(T x, T y) {
    unsigned int s = (unsigned int)y;
    if (s >= sizeof(T) * 8) return x < (T)0 ? (T)(-1) : (T)0;
    return (T)(x >> s);
}
"#;

/// Slots of the by-value `Meta` kernel argument (`i64`s).
pub(crate) const META_LEN: usize = 128;

/// The common head of every generated kernel source.
pub(crate) fn prelude() -> String {
    format!("#define META_LEN {META_LEN}\n{PRELUDE}")
}

/// A canonical text of a program over inputs of `inputs` dtypes: equal
/// programs give equal text (the kernel-cache key).
pub(crate) fn canonical(expr: &FusedExpr, inputs: &[Dtype]) -> String {
    let mut s = String::from("in");
    for d in inputs {
        s.push(':');
        s.push_str(d.name());
    }
    for op in &expr.ops {
        match op {
            FusedOp::Input(i) => s.push_str(&format!("|i{i}")),
            FusedOp::Apply { prim, args, dtype } => {
                s.push_str(&format!("|{prim:?}{args:?}:{}", dtype.name()))
            }
        }
    }
    s
}

/// Index arithmetic of a generated kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Indexing {
    /// Dimensions after collapsing (0: every operand contiguous).
    pub ndim: usize,
    /// 64-bit indices (else 32-bit).
    pub wide: bool,
}

impl Indexing {
    fn types(self) -> (&'static str, &'static str) {
        if self.wide {
            ("long long", "unsigned long long")
        } else {
            ("int", "unsigned int")
        }
    }
}

/// The per-thread index prologue: `i` (the output element) and `i0..` (each
/// operand's element), from `meta` laid out as: the shape (`ndim`), each
/// operand's strides (`ndim` each), then each operand's offset.
pub(crate) fn index_code(operands: usize, ix: Indexing) -> String {
    let (t, u) = ix.types();
    let nd = ix.ndim;
    let mut s = format!(
        "    {t} i = ({t})blockIdx.x * ({t})blockDim.x + ({t})threadIdx.x;\n    if (i >= ({t})n) return;\n"
    );
    for j in 0..operands {
        let base = if nd == 0 { " + i" } else { "" };
        s.push_str(&format!(
            "    {t} i{j} = ({t})meta.v[{}]{base};\n",
            nd + operands * nd + j
        ));
    }
    if nd > 0 {
        s.push_str(&format!("    {u} r = ({u})i;\n"));
        s.push_str(&format!(
            "#pragma unroll\n    for (int d = {nd} - 1; d >= 0; --d) {{\n"
        ));
        s.push_str(&format!(
            "        {u} sz = ({u})meta.v[d];\n        {u} c = r % sz;\n        r /= sz;\n"
        ));
        for j in 0..operands {
            s.push_str(&format!(
                "        i{j} += ({t})c * ({t})meta.v[{nd} + {j} * {nd} + d];\n"
            ));
        }
        s.push_str("    }\n");
    }
    s
}

/// The source of kernel `k` running `expr` over inputs of `inputs` dtypes,
/// writing `output`. Arguments: the inputs, the output, `Meta meta` (by
/// value; see [`index_code`]) and the element count `n`. `Err` names what
/// this backend does not run.
pub(crate) fn program_source(
    expr: &FusedExpr,
    inputs: &[Dtype],
    output: Dtype,
    ix: Indexing,
) -> Result<String, String> {
    let mut params = String::new();
    for (j, &d) in inputs.iter().enumerate() {
        let t = storage(d).ok_or_else(|| format!("input dtype {d}"))?;
        params.push_str(&format!("const {t}* __restrict__ in{j}, "));
    }
    let tout = storage(output).ok_or_else(|| format!("output dtype {output}"))?;
    let mut body = String::new();
    let mut dts: Vec<Dtype> = Vec::with_capacity(expr.ops.len());
    for (k, op) in expr.ops.iter().enumerate() {
        let (d, e) = match op {
            FusedOp::Input(i) => {
                let d = *inputs
                    .get(*i as usize)
                    .ok_or_else(|| "the program reads a missing input".to_string())?;
                (d, load(d, &format!("in{i}[i{i}]")))
            }
            FusedOp::Apply { prim, args, dtype } => {
                let mut ad = Vec::with_capacity(args.len());
                for &a in args {
                    ad.push(
                        *dts.get(a as usize)
                            .ok_or_else(|| "an instruction reads a later register".to_string())?,
                    );
                }
                let e = op_expr(prim, &ad, *dtype)
                    .ok_or_else(|| format!("{} over {ad:?} giving {dtype}", prim.name()))?;
                let mut e = e;
                for (j, &a) in args.iter().enumerate().rev() {
                    e = e.replace(&format!("${j}"), &format!("r{a}"));
                }
                (*dtype, reg(*dtype, &e))
            }
        };
        let ct = compute(d).ok_or_else(|| format!("dtype {d}"))?;
        body.push_str(&format!("    {ct} r{k} = {e};\n"));
        dts.push(d);
    }
    if expr.ops.is_empty() {
        return Err("empty program".into());
    }
    let last = expr.ops.len() - 1;
    let res = store(output, &format!("r{last}"));
    let head = format!(
        "{}\nextern \"C\" __global__ void k({params}{tout}* __restrict__ out, Meta meta, long long n) {{\n",
        prelude()
    );
    if ix.ndim > 0 {
        let index = index_code(inputs.len(), ix);
        return Ok(format!("{head}{index}{body}    out[i] = {res};\n}}\n"));
    }
    // Contiguous operands: each thread runs CONTIGUOUS_ITEMS elements a
    // block apart (loads stay coalesced and several are in flight at once);
    // whole tiles skip the bounds checks.
    let (t, _) = ix.types();
    let mut elem = String::new();
    for j in 0..inputs.len() {
        elem.push_str(&format!("    {t} i{j} = ({t})meta.v[{j}] + i;\n"));
    }
    elem.push_str(&body);
    elem.push_str(&format!("    out[i] = {res};\n"));
    let items = CONTIGUOUS_ITEMS;
    Ok(format!(
        "{head}    const {t} base = ({t})blockIdx.x * ({t})blockDim.x * {items} + ({t})threadIdx.x;\n    if (base + ({t})blockDim.x * {last_item} < ({t})n) {{\n#pragma unroll\n        for (int u = 0; u < {items}; ++u) {{\n    const {t} i = base + ({t})u * ({t})blockDim.x;\n{elem}        }}\n    }} else {{\n        for (int u = 0; u < {items}; ++u) {{\n    const {t} i = base + ({t})u * ({t})blockDim.x;\n    if (i >= ({t})n) return;\n{elem}        }}\n    }}\n}}\n",
        last_item = items - 1,
    ))
}

/// Elements per thread of a generated kernel whose operands are all
/// contiguous (layout class 0).
pub(crate) const CONTIGUOUS_ITEMS: usize = 4;

/// A one-instruction program applying `prim` to inputs `0..arity`.
pub(crate) fn single(prim: &Primitive, arity: usize, dtype: Dtype) -> FusedExpr {
    let mut ops: Vec<FusedOp> = (0..arity as u32).map(FusedOp::Input).collect();
    ops.push(FusedOp::Apply {
        prim: prim.clone(),
        args: (0..arity as u32).collect(),
        dtype,
    });
    FusedExpr { ops }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(prim: Primitive, ins: &[Dtype], out: Dtype, ndim: usize) -> String {
        program_source(
            &single(&prim, ins.len(), out),
            ins,
            out,
            Indexing { ndim, wide: false },
        )
        .unwrap()
    }

    #[test]
    fn sources_name_every_operand() {
        let s = src(
            Primitive::Select,
            &[Dtype::Bool, Dtype::Float16, Dtype::Float16],
            Dtype::Float16,
            3,
        );
        for needle in [
            "in0[i0]",
            "h2f(in1[i1])",
            "h2f(in2[i2])",
            "(r0 != 0 ? r1 : r2)",
            "out[i] = f2h(r3)",
            "for (int d = 3 - 1",
        ] {
            assert!(s.contains(needle), "{needle} missing in\n{s}");
        }
        if std::env::var_os("MLX_CUDA_PRINT_SOURCE").is_some() {
            println!("{s}");
        }
    }

    #[test]
    fn every_dtype_but_complex_has_kernels() {
        for d in Dtype::ALL {
            let add = op_expr(&Primitive::Binary(BinaryOp::Add), &[d, d], d);
            let lt = op_expr(&Primitive::Binary(BinaryOp::Less), &[d, d], Dtype::Bool);
            assert_eq!(add.is_some(), d != Dtype::Complex64, "{d}");
            assert_eq!(lt.is_some(), d != Dtype::Complex64, "{d}");
            for e in Dtype::ALL {
                let c = op_expr(&Primitive::AsType, &[d], e);
                let complex = d == Dtype::Complex64 || e == Dtype::Complex64;
                assert_eq!(c.is_some(), !complex, "{d} -> {e}");
            }
        }
        // integer-only and float-only ops
        let shl = Primitive::Binary(BinaryOp::LeftShift);
        assert!(op_expr(&shl, &[Dtype::Int8, Dtype::Int8], Dtype::Int8).is_some());
        assert!(op_expr(&shl, &[Dtype::Float32, Dtype::Float32], Dtype::Float32).is_none());
        let exp = Primitive::Unary(UnaryOp::Exp);
        assert!(op_expr(&exp, &[Dtype::Int32], Dtype::Int32).is_none());
        assert!(op_expr(&exp, &[Dtype::Float64], Dtype::Float64).is_some());
        // mixed inputs never compile
        let add = Primitive::Binary(BinaryOp::Add);
        assert!(op_expr(&add, &[Dtype::Int32, Dtype::Float32], Dtype::Float32).is_none());
    }

    #[test]
    fn fused_programs_round_each_register() {
        let e = FusedExpr {
            ops: vec![
                FusedOp::Input(0),
                FusedOp::Input(1),
                FusedOp::Apply {
                    prim: Primitive::Unary(UnaryOp::Exp),
                    args: [0].into_iter().collect(),
                    dtype: Dtype::Float16,
                },
                FusedOp::Apply {
                    prim: Primitive::Binary(BinaryOp::Multiply),
                    args: [2, 1].into_iter().collect(),
                    dtype: Dtype::Float16,
                },
                FusedOp::Apply {
                    prim: Primitive::Binary(BinaryOp::Add),
                    args: [3, 0].into_iter().collect(),
                    dtype: Dtype::Float16,
                },
            ],
        };
        let ins = [Dtype::Float16, Dtype::Float16];
        let s = program_source(
            &e,
            &ins,
            Dtype::Float16,
            Indexing {
                ndim: 0,
                wide: true,
            },
        )
        .unwrap();
        for needle in [
            "float r2 = h2f(f2h(expf(r0)))",
            "float r3 = h2f(f2h(__fmul_rn(r2, r1)))",
            "float r4 = h2f(f2h((r3 + r0)))",
            "long long i0 = (long long)meta.v[0] + i",
        ] {
            assert!(s.contains(needle), "{needle} missing in\n{s}");
        }
        assert_ne!(
            canonical(&e, &ins),
            canonical(&single(&Primitive::AsType, 1, Dtype::Float16), &ins[..1])
        );
    }

    /// Programs of both layout classes (contiguous, several items per
    /// thread; strided) compile with NVRTC for every dtype family (no GPU
    /// needed; skipped when the NVRTC library is absent).
    #[test]
    fn programs_compile_with_nvrtc() {
        if !crate::nvrtc_present() {
            eprintln!("NVRTC not found: kernel compilation not checked");
            return;
        }
        let add = Primitive::Binary(BinaryOp::Add);
        for d in [
            Dtype::Bool,
            Dtype::Int8,
            Dtype::Uint64,
            Dtype::Float16,
            Dtype::Bfloat16,
            Dtype::Float64,
        ] {
            for ndim in [0, 2] {
                for wide in [false, true] {
                    let s =
                        program_source(&single(&add, 2, d), &[d, d], d, Indexing { ndim, wide })
                            .unwrap();
                    if let Err(e) = cudarc::nvrtc::compile_ptx(s.clone()) {
                        panic!("{d} ndim {ndim} wide {wide}: {e}\n{s}");
                    }
                }
            }
        }
    }
}
