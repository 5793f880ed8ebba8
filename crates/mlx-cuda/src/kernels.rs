//! CUDA C source generation for the elementwise kernels (compiled by NVRTC).
//!
//! Every kernel computes in `float`: `float16` and `bfloat16` are stored as
//! 16-bit words and converted with PTX `cvt` (half) or bit shifts with
//! round-to-nearest-even (bfloat16), so no CUDA header is needed at run time.

use mlx_core::{BinaryOp, Dtype, UnaryOp};

/// The CUDA storage type of a dtype this backend computes on.
pub(crate) fn storage(d: Dtype) -> Option<&'static str> {
    match d {
        Dtype::Float32 => Some("float"),
        Dtype::Float16 | Dtype::Bfloat16 => Some("unsigned short"),
        Dtype::Bool => Some("unsigned char"),
        _ => None,
    }
}

fn load(d: Dtype, v: &str) -> String {
    match d {
        Dtype::Float16 => format!("h2f({v})"),
        Dtype::Bfloat16 => format!("b2f({v})"),
        _ => format!("(float)({v})"),
    }
}

fn store(d: Dtype, v: &str) -> String {
    match d {
        Dtype::Float16 => format!("f2h({v})"),
        Dtype::Bfloat16 => format!("f2b({v})"),
        Dtype::Bool => format!("(unsigned char)(({v}) != 0)"),
        _ => format!("(float)({v})"),
    }
}

/// The float expression of a unary op over `x`, if this backend runs it.
pub(crate) fn unary_expr(op: UnaryOp) -> Option<&'static str> {
    use UnaryOp::*;
    Some(match op {
        Abs => "fabsf(x)",
        Negative => "-x",
        Sign => "(x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x))",
        Square => "x * x",
        Sqrt => "sqrtf(x)",
        Rsqrt => "1.0f / sqrtf(x)",
        Reciprocal => "1.0f / x",
        Exp => "expf(x)",
        Expm1 => "expm1f(x)",
        Log => "logf(x)",
        Log1p => "log1pf(x)",
        Log2 => "log2f(x)",
        Log10 => "log10f(x)",
        Sin => "sinf(x)",
        Cos => "cosf(x)",
        Tan => "tanf(x)",
        ArcSin => "asinf(x)",
        ArcCos => "acosf(x)",
        ArcTan => "atanf(x)",
        Sinh => "sinhf(x)",
        Cosh => "coshf(x)",
        Tanh => "tanhf(x)",
        ArcSinh => "asinhf(x)",
        ArcCosh => "acoshf(x)",
        ArcTanh => "atanhf(x)",
        Sigmoid => "1.0f / (1.0f + expf(-x))",
        Erf => "erff(x)",
        ErfInv => "erfinvf(x)",
        Floor => "floorf(x)",
        Ceil => "ceilf(x)",
        Round => "rintf(x)",
        IsNan => "is_nan(x)",
        IsInf => "is_inf(x)",
        IsPosInf => "(x == INFINITY)",
        IsNegInf => "(x == -INFINITY)",
        IsFinite => "is_finite(x)",
        _ => return None,
    })
}

/// The float expression of a binary op over `x` and `y`, if this backend
/// runs it.
pub(crate) fn binary_expr(op: BinaryOp) -> Option<&'static str> {
    use BinaryOp::*;
    Some(match op {
        Add => "x + y",
        Subtract => "x - y",
        Multiply => "x * y",
        Divide => "x / y",
        FloorDivide => "floorf(x / y)",
        Remainder => "rem_py(x, y)",
        Power => "powf(x, y)",
        Maximum => "(is_nan(x) ? x : (x > y ? x : y))",
        Minimum => "(is_nan(x) ? x : (x < y ? x : y))",
        ArcTan2 => "atan2f(x, y)",
        LogAddExp => "logaddexp(x, y)",
        Equal => "(x == y)",
        NotEqual => "(x != y)",
        Less => "(x < y)",
        LessEqual => "(x <= y)",
        Greater => "(x > y)",
        GreaterEqual => "(x >= y)",
        _ => return None,
    })
}

const PRELUDE: &str = r#"
#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif
__device__ __forceinline__ bool is_nan(float v) { return v != v; }
__device__ __forceinline__ bool is_inf(float v) { return fabsf(v) == INFINITY; }
__device__ __forceinline__ bool is_finite(float v) { return fabsf(v) < INFINITY; }
__device__ __forceinline__ float h2f(unsigned short h) { float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h)); return f; }
__device__ __forceinline__ unsigned short f2h(float f) { unsigned short h; asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f)); return h; }
__device__ __forceinline__ float b2f(unsigned short b) { return __uint_as_float(((unsigned int)b) << 16); }
__device__ __forceinline__ unsigned short f2b(float f) {
    unsigned int u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (unsigned short)(u >> 16);
}
__device__ __forceinline__ float rem_py(float x, float y) {
    float r = fmodf(x, y);
    if (r != 0.0f && ((r < 0.0f) != (y < 0.0f))) r += y;
    return r;
}
__device__ __forceinline__ float logaddexp(float x, float y) {
    if (is_nan(x) || is_nan(y)) return x + y;
    float hi = fmaxf(x, y), lo = fminf(x, y);
    if (lo == -INFINITY || hi == INFINITY) return hi;
    return hi + log1pf(expf(lo - hi));
}
"#;

/// Source of one kernel `k` over inputs of dtypes `inputs` (1 to 3, loaded
/// as the floats `x`, `y`, `z`), writing `expr` as `output`, for `ndim`
/// dimensions (0: every operand is contiguous, addressed by its offset plus
/// the linear index).
///
/// Arguments: the inputs, the output, `meta` (`i64`s: the shape, each
/// input's strides, then each input's offset) and the element count.
pub(crate) fn source(inputs: &[Dtype], expr: &str, output: Dtype, ndim: usize) -> String {
    const NAMES: [&str; 3] = ["x", "y", "z"];
    let arity = inputs.len();
    let tout = storage(output).unwrap_or("float");
    let mut params = String::new();
    let mut index = String::new();
    let mut step = String::new();
    let mut loads = String::new();
    for (j, &d) in inputs.iter().enumerate() {
        let t = storage(d).unwrap_or("float");
        params.push_str(&format!("const {t}* __restrict__ in{j}, "));
        index.push_str(&format!(
            "    long long i{j} = meta[NDIM + ARITY * NDIM + {j}] + (NDIM == 0 ? i : 0);\n"
        ));
        step.push_str(&format!(
            "        i{j} += c * meta[NDIM + {j} * NDIM + d];\n"
        ));
        let v = load(d, &format!("in{j}[i{j}]"));
        loads.push_str(&format!("    float {} = {v};\n", NAMES[j]));
    }
    let res = store(output, expr);
    format!(
        r#"{PRELUDE}
#define NDIM {ndim}
#define ARITY {arity}
extern "C" __global__ void k({params}{tout}* __restrict__ out, const long long* __restrict__ meta, long long n) {{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
{index}    long long r = i;
#pragma unroll
    for (int d = NDIM - 1; d >= 0; --d) {{
        long long s = meta[d];
        long long c = r % s;
        r /= s;
{step}    }}
{loads}    out[i] = {res};
}}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_name_every_operand() {
        let s = source(
            &[Dtype::Bool, Dtype::Float16, Dtype::Float16],
            "(x != 0.0f ? y : z)",
            Dtype::Float16,
            3,
        );
        for needle in [
            "in0[i0]",
            "h2f(in1[i1])",
            "h2f(in2[i2])",
            "f2h(",
            "#define NDIM 3",
        ] {
            assert!(s.contains(needle), "{needle} missing in\n{s}");
        }
        if std::env::var_os("MLX_CUDA_PRINT_SOURCE").is_some() {
            println!("{s}");
            println!(
                "{}",
                source(&[Dtype::Float32], "expf(x)", Dtype::Float32, 0)
            );
        }
    }
}
