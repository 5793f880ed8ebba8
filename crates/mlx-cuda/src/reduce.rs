//! Reductions (`Reduce`: sum, prod, max, min, all, any over any set of
//! axes) and arg-reductions (`ArgReduce`) on the GPU, plus the pieces the
//! row kernels of `softmax.rs` and `scan.rs` share: the C types of every
//! dtype, the layout metadata passed by value, and dimension collapsing.
//!
//! The input is seen as `n_out` output positions (the kept axes, in the
//! output's row-major order) times `n_red` reduced positions; each group of
//! axes is collapsed (size-1 axes dropped, neighbours merged when their
//! strides allow) and travels to the kernel as shapes and strides, so
//! broadcast, transposed and sliced views are read in place.
//!
//! * **Rows** (the reduced run is innermost, or nothing better applies):
//!   1, 32 (a warp, shuffles) or 256 (a block: shuffles, then shared memory)
//!   threads per output, a grid-stride loop over outputs, and 16-byte vector
//!   loads when the run is contiguous and aligned.
//! * **Columns** (the innermost kept axis has stride 1, e.g. a reduction
//!   over leading axes): 32 outputs per block in `x`, 8 strided partial
//!   folds in `y`, combined in shared memory; loads are coalesced.
//! * **Few outputs, long runs** (a full reduction): the run is split over
//!   `splits` blocks writing partials in the accumulator type; a second row
//!   pass folds them (two passes, no atomics, deterministic).
//!
//! Accumulation follows the CPU backend: `float16`/`bfloat16` in `float`,
//! integers in their own width with wrap-around (done in unsigned
//! arithmetic), max/min propagate NaN, all/any test `!= 0`.

use crate::{drv, CudaBackend, CudaBuffer, KernelKey, NAME};
use cudarc::driver::{CudaSlice, DeviceRepr, LaunchConfig, PushKernelArg};
use mlx_core::backend::BackendError;
use mlx_core::{ArgReduceOp, ArrayData, Dtype, OpCall, ReduceOp};

/// Number of `i64` slots in [`Meta`].
pub(crate) const META_LEN: usize = 32;

/// Shapes and strides of up to 16 collapsed axes, passed to a kernel by
/// value (`struct Meta { long long v[32]; }` on the device side).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Meta(pub(crate) [i64; META_LEN]);

// SAFETY: `Meta` is `repr(C)` plain data (32 `i64`s, no padding, no
// pointers), laid out exactly as the kernels' `struct Meta`.
unsafe impl DeviceRepr for Meta {}

impl Meta {
    /// Packs groups of axes: for each group its shapes, then its strides.
    pub(crate) fn pack(groups: &[&[(usize, isize)]]) -> Option<Meta> {
        let mut v = [0i64; META_LEN];
        let mut at = 0;
        for g in groups {
            if at + 2 * g.len() > META_LEN {
                return None;
            }
            for (j, &(n, s)) in g.iter().enumerate() {
                v[at + j] = n as i64;
                v[at + g.len() + j] = s as i64;
            }
            at += 2 * g.len();
        }
        Some(Meta(v))
    }
}

/// Drops size-1 axes and merges neighbours `(n0, s0), (n1, s1)` with
/// `s0 == s1 * n1` (row-major order is kept).
pub(crate) fn collapse(dims: &[(usize, isize)]) -> Vec<(usize, isize)> {
    let mut out: Vec<(usize, isize)> = Vec::new();
    for &(n, s) in dims {
        if n == 1 {
            continue;
        }
        if let Some(last) = out.last_mut() {
            if last.1 == s * n as isize {
                last.0 *= n;
                last.1 = s;
                continue;
            }
        }
        out.push((n, s));
    }
    out
}

/// The C storage type of a dtype (everything but `complex64`).
pub(crate) fn ctype(d: Dtype) -> Option<&'static str> {
    Some(match d {
        Dtype::Bool | Dtype::Uint8 => "unsigned char",
        Dtype::Uint16 | Dtype::Float16 | Dtype::Bfloat16 => "unsigned short",
        Dtype::Uint32 => "unsigned int",
        Dtype::Uint64 => "unsigned long long",
        Dtype::Int8 => "signed char",
        Dtype::Int16 => "short",
        Dtype::Int32 => "int",
        Dtype::Int64 => "long long",
        Dtype::Float32 => "float",
        Dtype::Float64 => "double",
        Dtype::Complex64 => return None,
    })
}

/// `v` (of storage dtype `d`) converted to the accumulator type `acc`.
pub(crate) fn load_expr(d: Dtype, acc: &str, v: &str) -> String {
    match d {
        Dtype::Float16 => format!("(({acc})h2f({v}))"),
        Dtype::Bfloat16 => format!("(({acc})b2f({v}))"),
        _ => format!("(({acc})({v}))"),
    }
}

/// `a` converted from an accumulator to the storage of dtype `d`.
pub(crate) fn store_expr(d: Dtype, a: &str) -> String {
    match d {
        Dtype::Float16 => format!("f2h((float)({a}))"),
        Dtype::Bfloat16 => format!("f2b((float)({a}))"),
        Dtype::Bool => format!("(unsigned char)(({a}) != 0)"),
        _ => format!("({})({a})", ctype(d).unwrap_or("float")),
    }
}

/// The accumulator of max/min-like folds: the dtype's own values, widened
/// to a 32-bit or 64-bit C type (half floats in `float`).
pub(crate) fn order_acc(d: Dtype) -> &'static str {
    match d {
        Dtype::Float16 | Dtype::Bfloat16 | Dtype::Float32 => "float",
        Dtype::Float64 => "double",
        Dtype::Int8 | Dtype::Int16 | Dtype::Int32 => "int",
        Dtype::Int64 => "long long",
        Dtype::Uint64 => "unsigned long long",
        _ => "unsigned int",
    }
}

/// The accumulator of sums and products: floats as [`order_acc`], integers
/// in unsigned arithmetic (wrap-around, as the CPU backend).
pub(crate) fn arith_acc(d: Dtype) -> &'static str {
    match d {
        Dtype::Int64 | Dtype::Uint64 => "unsigned long long",
        Dtype::Float16 | Dtype::Bfloat16 | Dtype::Float32 | Dtype::Float64 => order_acc(d),
        _ => "unsigned int",
    }
}

/// The dtype whose storage is an accumulator type (partials buffers).
fn acc_dtype(acc: &str) -> Dtype {
    match acc {
        "double" => Dtype::Float64,
        "int" => Dtype::Int32,
        "long long" => Dtype::Int64,
        "unsigned long long" => Dtype::Uint64,
        "unsigned int" => Dtype::Uint32,
        _ => Dtype::Float32,
    }
}

/// The smallest and largest values of a dtype, as C literals of its
/// accumulator (the identities of max and min; exclusive scans write them).
pub(crate) fn bounds(d: Dtype) -> (&'static str, &'static str) {
    match d {
        Dtype::Bool => ("0u", "1u"),
        Dtype::Uint8 => ("0u", "255u"),
        Dtype::Uint16 => ("0u", "65535u"),
        Dtype::Uint32 => ("0u", "0xffffffffu"),
        Dtype::Uint64 => ("0ull", "0xffffffffffffffffull"),
        Dtype::Int8 => ("(-128)", "127"),
        Dtype::Int16 => ("(-32768)", "32767"),
        Dtype::Int32 => ("(-2147483647 - 1)", "2147483647"),
        Dtype::Int64 => ("(-9223372036854775807LL - 1)", "9223372036854775807LL"),
        Dtype::Float64 => ("((double)(-INF))", "((double)INF)"),
        _ => ("(-INF)", "INF"),
    }
}

/// Device helpers shared by the reduction, softmax and scan kernels.
pub(crate) const PRELUDE: &str = r#"
#define INF __int_as_float(0x7f800000)
struct Meta { long long v[32]; };
__device__ __forceinline__ float h2f(unsigned short h) { float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h)); return f; }
__device__ __forceinline__ unsigned short f2h(float f) { unsigned short h; asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f)); return h; }
__device__ __forceinline__ float b2f(unsigned short b) { return __uint_as_float(((unsigned int)b) << 16); }
__device__ __forceinline__ unsigned short f2b(float f) {
    unsigned int u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (unsigned short)(u >> 16);
}
__device__ __forceinline__ float lae(float x, float y) {
    if (x != x || y != y) return x + y;
    float hi = x > y ? x : y, lo = x > y ? y : x;
    if (lo == -INF || hi == INF) return hi;
    return hi + log1pf(expf(lo - hi));
}
__device__ __forceinline__ double lae(double x, double y) {
    if (x != x || y != y) return x + y;
    double hi = x > y ? x : y, lo = x > y ? y : x;
    if (lo == -(double)INF || hi == (double)INF) return hi;
    return hi + log1p(exp(lo - hi));
}
// Offset of linear index i over the nd axes whose shapes start at m.v[at]
// and strides at m.v[at + nd] (row-major; the first axis needs no modulo).
__device__ __forceinline__ long long addr(const Meta& m, int at, int nd, long long i) {
    long long off = 0;
#pragma unroll
    for (int d = nd - 1; d > 0; --d) {
        long long n = m.v[at + d];
        off += (i % n) * m.v[at + nd + d];
        i /= n;
    }
    if (nd > 0) off += i * m.v[at + nd];
    return off;
}
"#;

/// A fold: what is read, how it accumulates, what is written.
#[derive(Clone, Debug, PartialEq)]
struct Spec {
    tin: &'static str,
    load: String,
    acc: &'static str,
    ident: String,
    comb: &'static str,
    tout: &'static str,
    store: String,
}

impl Spec {
    fn new(op: ReduceOp, x: Dtype, out: Dtype) -> Option<Spec> {
        let tin = ctype(x)?;
        let tout = ctype(out)?;
        let (acc, ident, comb): (&'static str, String, &'static str) = match op {
            ReduceOp::Sum => (arith_acc(x), format!("(({})0)", arith_acc(x)), "a + b"),
            ReduceOp::Prod => (arith_acc(x), format!("(({})1)", arith_acc(x)), "a * b"),
            ReduceOp::Max => (
                order_acc(x),
                bounds(x).0.to_string(),
                "(a != a || b < a) ? a : b",
            ),
            ReduceOp::Min => (
                order_acc(x),
                bounds(x).1.to_string(),
                "(a != a || a < b) ? a : b",
            ),
            ReduceOp::All => ("unsigned int", "1u".into(), "a & b"),
            ReduceOp::Any => ("unsigned int", "0u".into(), "a | b"),
        };
        let half = matches!(x, Dtype::Float16 | Dtype::Bfloat16);
        let load = match op {
            // floats and integers compare in their own type (no rounding)
            ReduceOp::All | ReduceOp::Any if half => {
                format!("({} != 0.0f ? 1u : 0u)", load_expr(x, "float", "v"))
            }
            ReduceOp::All | ReduceOp::Any => "(v != 0 ? 1u : 0u)".to_string(),
            _ => load_expr(x, acc, "v"),
        };
        Some(Spec {
            tin,
            load,
            acc,
            ident,
            comb,
            tout,
            store: store_expr(out, "a"),
        })
    }

    /// The same fold writing accumulator partials.
    fn partial(&self) -> Spec {
        Spec {
            tout: self.acc,
            store: "(a)".into(),
            ..self.clone()
        }
    }

    /// The fold of accumulator partials into the final output.
    fn finish(&self) -> Spec {
        Spec {
            tin: self.acc,
            load: "(v)".into(),
            ..self.clone()
        }
    }

    fn header(&self) -> String {
        format!(
            r#"{PRELUDE}
typedef {tin} TIN;
typedef {acc} ACC;
typedef {tout} TOUT;
#define IDENT ({ident})
__device__ __forceinline__ ACC ld(TIN v) {{ return {load}; }}
__device__ __forceinline__ TOUT st(ACC a) {{ return {store}; }}
__device__ __forceinline__ ACC comb(ACC a, ACC b) {{ return {comb}; }}
"#,
            tin = self.tin,
            acc = self.acc,
            tout = self.tout,
            ident = self.ident,
            load = self.load,
            store = self.store,
            comb = self.comb,
        )
    }
}

/// Folds `a` over a group of TPR threads (a warp or the whole block); the
/// group's first thread gets the result.
const GROUP: &str = r#"
__device__ __forceinline__ ACC group(ACC a, ACC* sm) {
#if TPR > 1
#pragma unroll
    for (int o = (TPR < 32 ? TPR : 32) / 2; o > 0; o >>= 1) a = comb(a, __shfl_down_sync(0xffffffffu, a, o));
#endif
#if TPR > 32
    int w = threadIdx.x / 32, l = threadIdx.x % 32;
    if (l == 0) sm[w] = a;
    __syncthreads();
    if (w == 0) {
        a = l < TPR / 32 ? sm[l] : IDENT;
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) a = comb(a, __shfl_down_sync(0xffffffffu, a, o));
    }
    __syncthreads();
#endif
    return a;
}
"#;

fn rows_source(s: &Spec, tpr: u32, vec: usize, knd: usize, rnd: usize) -> String {
    format!(
        r#"{head}
#define TPR {tpr}
#define VEC {vec}
#define KND {knd}
#define RND {rnd}
template <typename T> struct alignas(16) VecT {{ T e[VEC]; }};
{GROUP}
extern "C" __global__ void k(const TIN* __restrict__ in, TOUT* __restrict__ out, Meta m,
                             long long offset, long long n_out, long long n_red, long long chunk) {{
    __shared__ ACC sm[32];
    const int lane = threadIdx.x % TPR;
    const long long per = blockDim.x / TPR;
    const long long s = blockIdx.y;
    const long long r0 = s * chunk;
    const long long r1 = r0 + chunk < n_red ? r0 + chunk : n_red;
    for (long long bo = (long long)blockIdx.x * per; bo < n_out; bo += (long long)gridDim.x * per) {{
        const long long o = bo + threadIdx.x / TPR;
        ACC acc = IDENT;
        if (o < n_out) {{
            const TIN* p = in + offset + addr(m, 0, KND, o);
            if (VEC > 1) {{
                const long long nv = (r1 - r0) / VEC;
                const VecT<TIN>* pv = (const VecT<TIN>*)(p + r0);
                ACC acc2 = IDENT;
                long long i = lane;
                for (; i + TPR < nv; i += 2 * TPR) {{
                    VecT<TIN> v0 = pv[i], v1 = pv[i + TPR];
#pragma unroll
                    for (int j = 0; j < VEC; ++j) acc = comb(acc, ld(v0.e[j]));
#pragma unroll
                    for (int j = 0; j < VEC; ++j) acc2 = comb(acc2, ld(v1.e[j]));
                }}
                if (i < nv) {{
                    VecT<TIN> v0 = pv[i];
#pragma unroll
                    for (int j = 0; j < VEC; ++j) acc = comb(acc, ld(v0.e[j]));
                }}
                acc = comb(acc, acc2);
                for (long long r = r0 + nv * VEC + lane; r < r1; r += TPR) acc = comb(acc, ld(p[r]));
            }} else {{
                for (long long r = r0 + lane; r < r1; r += TPR) acc = comb(acc, ld(p[addr(m, 2 * KND, RND, r)]));
            }}
        }}
        acc = group(acc, sm);
        if (o < n_out && lane == 0) out[o * gridDim.y + s] = st(acc);
    }}
}}
"#,
        head = s.header()
    )
}

fn columns_source(s: &Spec, knd: usize, rnd: usize) -> String {
    format!(
        r#"{head}
#define KND {knd}
#define RND {rnd}
extern "C" __global__ void k(const TIN* __restrict__ in, TOUT* __restrict__ out, Meta m,
                             long long offset, long long np, long long nq, long long n_red, long long chunk) {{
    __shared__ ACC sm[8][33];
    const long long s = blockIdx.z;
    const long long r0 = s * chunk;
    const long long r1 = r0 + chunk < n_red ? r0 + chunk : n_red;
    const long long q = (long long)blockIdx.x * 32 + threadIdx.x;
    for (long long p = blockIdx.y; p < np; p += gridDim.y) {{
        ACC acc = IDENT;
        if (q < nq) {{
            const TIN* b = in + offset + addr(m, 0, KND, p) + q;
            for (long long r = r0 + threadIdx.y; r < r1; r += 8) acc = comb(acc, ld(b[addr(m, 2 * KND, RND, r)]));
        }}
        sm[threadIdx.y][threadIdx.x] = acc;
        __syncthreads();
        if (threadIdx.y == 0 && q < nq) {{
#pragma unroll
            for (int j = 1; j < 8; ++j) acc = comb(acc, sm[j][threadIdx.x]);
            out[(p * nq + q) * gridDim.z + s] = st(acc);
        }}
        __syncthreads();
    }}
}}
"#,
        head = s.header()
    )
}

/// Source of the arg-reduction kernel over dtype `x`.
fn arg_source(op: ArgReduceOp, x: Dtype, tpr: u32, knd: usize) -> String {
    let tin = ctype(x).unwrap_or("float");
    let acc = order_acc(x);
    let ident = match op {
        ArgReduceOp::ArgMax => bounds(x).0,
        ArgReduceOp::ArgMin => bounds(x).1,
    };
    let cmp = match op {
        ArgReduceOp::ArgMax => "bv < cv",
        ArgReduceOp::ArgMin => "cv < bv",
    };
    let load = load_expr(x, acc, "v");
    format!(
        r#"{PRELUDE}
typedef {tin} TIN;
typedef {acc} ACC;
#define TPR {tpr}
#define KND {knd}
#define NONE 0xffffffffu
__device__ __forceinline__ ACC ld(TIN v) {{ return {load}; }}
// Whether candidate (cv, ci) beats (bv, bi): NaN first, then the order,
// then the lower index.
__device__ __forceinline__ bool better(ACC cv, unsigned int ci, ACC bv, unsigned int bi) {{
    if (ci == NONE) return false;
    if (bi == NONE) return true;
    bool cn = cv != cv, bn = bv != bv;
    if (bn) return cn && ci < bi;
    if (cn) return true;
    return ({cmp}) || (cv == bv && ci < bi);
}}
extern "C" __global__ void k(const TIN* __restrict__ in, unsigned int* __restrict__ out, Meta m,
                             long long offset, long long n_out, long long n_red, long long rstride) {{
    __shared__ ACC sv[8];
    __shared__ unsigned int si[8];
    const int lane = threadIdx.x % TPR;
    const long long per = blockDim.x / TPR;
    for (long long bo = (long long)blockIdx.x * per; bo < n_out; bo += (long long)gridDim.x * per) {{
        const long long o = bo + threadIdx.x / TPR;
        ACC bv = {ident};
        unsigned int bi = NONE;
        if (o < n_out) {{
            const TIN* p = in + offset + addr(m, 0, KND, o);
            for (long long r = lane; r < n_red; r += TPR) {{
                ACC v = ld(p[r * rstride]);
                if (better(v, (unsigned int)r, bv, bi)) {{ bv = v; bi = (unsigned int)r; }}
            }}
        }}
#if TPR > 1
#pragma unroll
        for (int s = (TPR < 32 ? TPR : 32) / 2; s > 0; s >>= 1) {{
            ACC ov = __shfl_down_sync(0xffffffffu, bv, s);
            unsigned int oi = __shfl_down_sync(0xffffffffu, bi, s);
            if (better(ov, oi, bv, bi)) {{ bv = ov; bi = oi; }}
        }}
#endif
#if TPR > 32
        int w = threadIdx.x / 32, l = threadIdx.x % 32;
        if (l == 0) {{ sv[w] = bv; si[w] = bi; }}
        __syncthreads();
        if (w == 0) {{
            bv = l < TPR / 32 ? sv[l] : bv;
            bi = l < TPR / 32 ? si[l] : NONE;
#pragma unroll
            for (int s = 16; s > 0; s >>= 1) {{
                ACC ov = __shfl_down_sync(0xffffffffu, bv, s);
                unsigned int oi = __shfl_down_sync(0xffffffffu, bi, s);
                if (better(ov, oi, bv, bi)) {{ bv = ov; bi = oi; }}
            }}
        }}
        __syncthreads();
#endif
        if (o < n_out && lane == 0) out[o] = bi == NONE ? 0u : bi;
    }}
}}
"#
    )
}

/// Threads per output for runs of `len` elements.
pub(crate) fn threads_per(len: usize) -> u32 {
    if len <= 8 {
        1
    } else if len <= 512 {
        32
    } else {
        256
    }
}

/// Blocks for a grid-stride loop over `n` items, `per` items per block.
pub(crate) fn blocks_for(n: usize, per: usize) -> u32 {
    n.div_ceil(per.max(1)).clamp(1, 1 << 16) as u32
}

/// About eight resident blocks of 256 threads per SM on an H100/H200
/// (132 SMs).
const FILL: usize = 1056;

fn err(e: cudarc::driver::DriverError) -> BackendError {
    BackendError::from(drv(e))
}

/// A device input with its storage, element offset and axes.
pub(crate) struct Input<'a> {
    pub(crate) slice: &'a CudaSlice<u8>,
    pub(crate) offset: i64,
    pub(crate) dims: Vec<(usize, isize)>,
}

impl CudaBackend {
    /// The unsupported-error of `call` with `reason`.
    pub(crate) fn unsup(&self, call: &OpCall<'_>, reason: impl Into<String>) -> BackendError {
        BackendError::Unsupported {
            backend: NAME,
            op: call.primitive.name(),
            reason: reason.into(),
        }
    }

    /// Input `i` of `call` as CUDA memory of its own dtype.
    pub(crate) fn input<'a>(
        &self,
        call: &'a OpCall<'_>,
        i: usize,
    ) -> Result<Input<'a>, BackendError> {
        let a: &ArrayData = call
            .inputs
            .get(i)
            .ok_or_else(|| self.unsup(call, format!("missing input {i}")))?;
        if a.buffer.dtype() != a.dtype {
            return Err(self.unsup(call, "bit-viewed input"));
        }
        if ctype(a.dtype).is_none() {
            return Err(self.unsup(call, format!("input dtype {}", a.dtype)));
        }
        let b = a
            .buffer
            .downcast_ref::<CudaBuffer>()
            .ok_or_else(|| self.unsup(call, "input is not in CUDA memory"))?;
        let l = &a.layout;
        Ok(Input {
            slice: &b.slice,
            offset: l.offset() as i64,
            dims: l
                .shape()
                .iter()
                .copied()
                .zip(l.strides().iter().copied())
                .collect(),
        })
    }

    /// `Reduce { op, axes }`.
    pub(crate) fn reduce(
        &self,
        call: &OpCall<'_>,
        op: ReduceOp,
        axes: &[usize],
    ) -> Result<ArrayData, BackendError> {
        let x = call
            .inputs
            .first()
            .ok_or_else(|| self.unsup(call, "no input"))?;
        let logical = matches!(op, ReduceOp::All | ReduceOp::Any);
        if logical && call.dtype != Dtype::Bool {
            return Err(self.unsup(call, "all/any give bool"));
        }
        if !logical && x.dtype != call.dtype {
            return Err(self.unsup(call, "input and output dtypes differ"));
        }
        if !logical && x.dtype == Dtype::Bool && matches!(op, ReduceOp::Sum | ReduceOp::Prod) {
            return Err(self.unsup(call, "bool sum/prod"));
        }
        let spec = Spec::new(op, x.dtype, call.dtype)
            .ok_or_else(|| self.unsup(call, format!("dtype {}", x.dtype)))?;
        let inp = self.input(call, 0)?;
        if axes.iter().any(|&a| a >= inp.dims.len()) {
            return Err(self.unsup(call, "axis out of range"));
        }
        let kept: Vec<(usize, isize)> = (0..inp.dims.len())
            .filter(|a| !axes.contains(a))
            .map(|a| inp.dims[a])
            .collect();
        let mut red: Vec<(usize, isize)> = axes.iter().map(|&a| inp.dims[a]).collect();
        let n_out: usize = kept.iter().map(|d| d.0).product();
        let n_red: usize = red.iter().map(|d| d.0).product();
        if n_out != call.shape.iter().product::<usize>() {
            return Err(self.unsup(call, "output shape does not match the kept axes"));
        }
        let out_bytes = n_out * call.dtype.size_of();
        let mut out = self.alloc_bytes(out_bytes)?;
        if n_out > 0 {
            // the fold order over reduced axes is free: largest strides first
            red.sort_by_key(|d| std::cmp::Reverse(d.1.unsigned_abs()));
            let kept = collapse(&kept);
            let red = collapse(&red);
            self.fold(call, &spec, &inp, &kept, &red, n_out, n_red, &mut out)?;
        }
        Ok(ArrayData::contiguous(
            self.wrap(out, call.dtype, n_out),
            call.shape,
        ))
    }

    /// Folds `inp` (axes `kept` x `red`) into `out` (`n_out` elements).
    #[allow(clippy::too_many_arguments)]
    fn fold(
        &self,
        call: &OpCall<'_>,
        spec: &Spec,
        inp: &Input<'_>,
        kept: &[(usize, isize)],
        red: &[(usize, isize)],
        n_out: usize,
        n_red: usize,
        out: &mut CudaSlice<u8>,
    ) -> Result<(), BackendError> {
        let x = call.inputs[0].dtype;
        let columns = kept.last().is_some_and(|d| d.1 == 1) && red.last().is_none_or(|d| d.1 != 1);
        if columns {
            let (q, _) = kept[kept.len() - 1];
            let outer = &kept[..kept.len() - 1];
            let np = n_out / q;
            let meta =
                Meta::pack(&[outer, red]).ok_or_else(|| self.unsup(call, "too many axes"))?;
            let blocks = q.div_ceil(32) * np.min(65535);
            let mut splits = 1;
            if blocks < FILL && n_red >= 256 {
                splits = FILL.div_ceil(blocks).min(n_red.div_ceil(64)).min(65535);
            }
            let chunk = n_red.div_ceil(splits).max(1);
            let splits = n_red.div_ceil(chunk).max(1);
            let cfg = LaunchConfig {
                grid_dim: (q.div_ceil(32) as u32, np.min(65535) as u32, splits as u32),
                block_dim: (32, 8, 1),
                shared_mem_bytes: 0,
            };
            let first = if splits > 1 {
                spec.partial()
            } else {
                spec.clone()
            };
            let (knd, rnd) = (outer.len(), red.len());
            let key = KernelKey {
                op: format!("reduce-cols {first:?} {knd} {rnd}"),
                inputs: vec![x],
                output: call.dtype,
                ndim: 0,
            };
            let f = self.kernel(&key, || columns_source(&first, knd, rnd))?;
            let run = |dst: &mut CudaSlice<u8>| -> Result<(), BackendError> {
                let (np, nq, nr, ch) = (np as i64, q as i64, n_red as i64, chunk as i64);
                let mut l = self.stream.launch_builder(&f);
                l.arg(inp.slice).arg(dst).arg(&meta).arg(&inp.offset);
                l.arg(&np).arg(&nq).arg(&nr).arg(&ch);
                // SAFETY: `k` takes (in, out, Meta, offset, np, nq, n_red,
                // chunk); every input offset it forms comes from the
                // layout's shapes and strides, which lie inside the buffer,
                // and it writes n_out * splits outputs, the size of `dst`.
                unsafe { l.launch(cfg) }.map_err(err)?;
                Ok(())
            };
            return self.finish(call, spec, splits, n_out, run, out);
        }
        // rows
        let esize = x.size_of();
        let vec_n = 16 / esize;
        let contiguous_run = red.len() == 1 && red[0].1 == 1;
        let aligned = contiguous_run
            && inp.offset % vec_n as i64 == 0
            && kept.iter().all(|d| d.1 % vec_n as isize == 0);
        let rpb_hint = 256 / threads_per(n_red) as usize;
        let gx = n_out.div_ceil(rpb_hint);
        let mut splits = 1;
        if gx < FILL / 2 && n_red >= 16384 {
            splits = FILL.div_ceil(gx).min(n_red.div_ceil(8192)).min(65535);
        }
        let mut chunk = n_red.div_ceil(splits).max(1);
        if aligned {
            chunk = chunk.div_ceil(vec_n) * vec_n;
        }
        let splits = n_red.div_ceil(chunk).max(1);
        let tpr = threads_per(chunk);
        let vec = if aligned && chunk >= vec_n { vec_n } else { 1 };
        let meta = Meta::pack(&[kept, red]).ok_or_else(|| self.unsup(call, "too many axes"))?;
        let first = if splits > 1 {
            spec.partial()
        } else {
            spec.clone()
        };
        let (knd, rnd) = (kept.len(), red.len());
        let key = KernelKey {
            op: format!("reduce-rows {first:?} {tpr} {vec} {knd} {rnd}"),
            inputs: vec![x],
            output: call.dtype,
            ndim: 0,
        };
        let f = self.kernel(&key, || rows_source(&first, tpr, vec, knd, rnd))?;
        let cfg = LaunchConfig {
            grid_dim: (blocks_for(n_out, 256 / tpr as usize), splits as u32, 1),
            block_dim: (256, 1, 1),
            shared_mem_bytes: 0,
        };
        let run = |dst: &mut CudaSlice<u8>| -> Result<(), BackendError> {
            let (no, nr, ch) = (n_out as i64, n_red as i64, chunk as i64);
            let mut l = self.stream.launch_builder(&f);
            l.arg(inp.slice).arg(dst).arg(&meta).arg(&inp.offset);
            l.arg(&no).arg(&nr).arg(&ch);
            // SAFETY: `k` takes (in, out, Meta, offset, n_out, n_red,
            // chunk); its input offsets come from the layout (inside the
            // buffer; vector loads only on aligned contiguous runs) and it
            // writes n_out * splits outputs, the size of `dst`.
            unsafe { l.launch(cfg) }.map_err(err)?;
            Ok(())
        };
        self.finish(call, spec, splits, n_out, run, out)
    }

    /// Runs the first pass into `out` directly, or into partials that a
    /// second row pass folds into `out`.
    fn finish(
        &self,
        call: &OpCall<'_>,
        spec: &Spec,
        splits: usize,
        n_out: usize,
        first: impl Fn(&mut CudaSlice<u8>) -> Result<(), BackendError>,
        out: &mut CudaSlice<u8>,
    ) -> Result<(), BackendError> {
        if splits <= 1 {
            return first(out);
        }
        let acc = acc_dtype(spec.acc);
        let mut partials = self.alloc_bytes(n_out * splits * acc.size_of())?;
        first(&mut partials)?;
        let fin = spec.finish();
        let tpr = threads_per(splits);
        let key = KernelKey {
            op: format!("reduce-rows {fin:?} {tpr} 1 1 1"),
            inputs: vec![acc],
            output: call.dtype,
            ndim: 0,
        };
        let f = self.kernel(&key, || rows_source(&fin, tpr, 1, 1, 1))?;
        let meta = Meta::pack(&[&[(n_out, splits as isize)], &[(splits, 1)]])
            .ok_or_else(|| self.unsup(call, "too many axes"))?;
        let cfg = LaunchConfig {
            grid_dim: (blocks_for(n_out, 256 / tpr as usize), 1, 1),
            block_dim: (256, 1, 1),
            shared_mem_bytes: 0,
        };
        let (zero, no, nr) = (0i64, n_out as i64, splits as i64);
        let mut l = self.stream.launch_builder(&f);
        l.arg(&partials).arg(out).arg(&meta).arg(&zero);
        l.arg(&no).arg(&nr).arg(&nr);
        // SAFETY: the partials are n_out rows of `splits` accumulators,
        // read through that layout; `out` holds n_out outputs.
        unsafe { l.launch(cfg) }.map_err(err)?;
        Ok(())
    }

    /// `ArgReduce { op, axis }`: first index of the max/min, NaN first
    /// (as the CPU backend), as `uint32`.
    pub(crate) fn arg_reduce(
        &self,
        call: &OpCall<'_>,
        op: ArgReduceOp,
        axis: usize,
    ) -> Result<ArrayData, BackendError> {
        if call.dtype != Dtype::Uint32 {
            return Err(self.unsup(call, "arg-reductions give uint32"));
        }
        let inp = self.input(call, 0)?;
        let x = call.inputs[0].dtype;
        if axis >= inp.dims.len() {
            return Err(self.unsup(call, "axis out of range"));
        }
        let kept: Vec<(usize, isize)> = (0..inp.dims.len())
            .filter(|&a| a != axis)
            .map(|a| inp.dims[a])
            .collect();
        let (n_red, rstride) = inp.dims[axis];
        let n_out: usize = kept.iter().map(|d| d.0).product();
        let mut out = self.alloc_bytes(n_out * 4)?;
        if n_out > 0 {
            let kept = collapse(&kept);
            let meta = Meta::pack(&[&kept]).ok_or_else(|| self.unsup(call, "too many axes"))?;
            ctype(x).ok_or_else(|| self.unsup(call, format!("dtype {x}")))?;
            let tpr = threads_per(n_red);
            let knd = kept.len();
            let key = KernelKey {
                op: format!("argreduce {op:?} {tpr} {knd}"),
                inputs: vec![x],
                output: Dtype::Uint32,
                ndim: 0,
            };
            let f = self.kernel(&key, || arg_source(op, x, tpr, knd))?;
            let cfg = LaunchConfig {
                grid_dim: (blocks_for(n_out, 256 / tpr as usize), 1, 1),
                block_dim: (256, 1, 1),
                shared_mem_bytes: 0,
            };
            let (no, nr, rs) = (n_out as i64, n_red as i64, rstride as i64);
            let mut l = self.stream.launch_builder(&f);
            l.arg(inp.slice).arg(&mut out).arg(&meta).arg(&inp.offset);
            l.arg(&no).arg(&nr).arg(&rs);
            // SAFETY: `k` takes (in, out, Meta, offset, n_out, n_red,
            // rstride); its input offsets come from the layout and it writes
            // n_out indices, the size of `out`.
            unsafe { l.launch(cfg) }.map_err(err)?;
        }
        Ok(ArrayData::contiguous(
            self.wrap(out, Dtype::Uint32, n_out),
            call.shape,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlx_core::ScanOp;

    const DTYPES: [Dtype; 13] = [
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

    #[test]
    fn collapse_merges_contiguous_neighbours() {
        assert_eq!(collapse(&[(4, 30), (5, 6), (6, 1)]), vec![(120, 1)]);
        assert_eq!(collapse(&[(4, 1), (1, 9), (5, 4)]), vec![(4, 1), (5, 4)]);
        assert_eq!(collapse(&[(3, 0), (5, 1)]), vec![(3, 0), (5, 1)]);
        assert!(collapse(&[(1, 7)]).is_empty());
        let m = Meta::pack(&[&[(2, 3)], &[(4, 1), (5, 6)]]).unwrap();
        assert_eq!(&m.0[..6], &[2, 3, 4, 5, 1, 6]);
        assert!(Meta::pack(&[&[(2, 1); 17]]).is_none());
    }

    /// Every kernel variant compiles with NVRTC (no GPU needed; skipped
    /// when the NVRTC library is absent).
    #[test]
    fn kernels_compile_with_nvrtc() {
        if !crate::nvrtc_present() {
            eprintln!("NVRTC not found: kernel compilation not checked");
            return;
        }
        let mut srcs: Vec<(String, String)> = Vec::new();
        let ops = [
            ReduceOp::Sum,
            ReduceOp::Prod,
            ReduceOp::Max,
            ReduceOp::Min,
            ReduceOp::All,
            ReduceOp::Any,
        ];
        for d in DTYPES {
            for op in ops {
                let out = if matches!(op, ReduceOp::All | ReduceOp::Any) {
                    Dtype::Bool
                } else {
                    d
                };
                let Some(s) = Spec::new(op, d, out) else {
                    continue;
                };
                let vec = 16 / d.size_of();
                srcs.push((format!("rows {op:?} {d}"), rows_source(&s, 256, vec, 1, 1)));
                srcs.push((
                    format!("cols {op:?} {d}"),
                    columns_source(&s.partial(), 1, 2),
                ));
                srcs.push((
                    format!("fin {op:?} {d}"),
                    rows_source(&s.finish(), 32, 1, 0, 1),
                ));
            }
            for op in [ArgReduceOp::ArgMax, ArgReduceOp::ArgMin] {
                srcs.push((format!("arg {op:?} {d}"), arg_source(op, d, 256, 2)));
            }
            for op in [ScanOp::Sum, ScanOp::Max, ScanOp::LogAddExp] {
                let float = matches!(
                    d,
                    Dtype::Float16 | Dtype::Bfloat16 | Dtype::Float32 | Dtype::Float64
                );
                if op == ScanOp::LogAddExp && !float {
                    continue;
                }
                let acc = if op == ScanOp::Sum {
                    arith_acc(d)
                } else {
                    order_acc(d)
                };
                let ident = bounds(d).0;
                let comb = if op == ScanOp::LogAddExp {
                    "lae(a, b)"
                } else {
                    "a + b"
                };
                for seq in [false, true] {
                    srcs.push((
                        format!("scan {op:?} {d} {seq}"),
                        crate::scan::scan_source(d, (acc, ident, comb), seq, !seq, seq, 2),
                    ));
                }
            }
        }
        for (d, xf, mul) in [
            (Dtype::Float32, "(v)", "(y * g)"),
            (Dtype::Float16, "h2f(v)", "f2h(h2f(f2h(y)) * h2f(g))"),
            (Dtype::Bfloat16, "b2f(v)", "f2b(b2f(f2b(y)) * b2f(g))"),
            (Dtype::Float64, "((float)(v))", "((double)(y) * g)"),
        ] {
            let acc = if d == Dtype::Float64 {
                "double"
            } else {
                "float"
            };
            for (tpr, vec) in [(1, 1), (32, 16 / d.size_of()), (256, 1)] {
                srcs.push((
                    format!("softmax {d} {tpr}"),
                    crate::softmax::softmax_source(d, acc, tpr, vec, 1),
                ));
                srcs.push((
                    format!("rms {d} {tpr}"),
                    crate::softmax::rms_source(d, xf, mul, tpr, vec, 0),
                ));
            }
        }
        let mut failed = Vec::new();
        for (name, src) in &srcs {
            if let Err(e) = cudarc::nvrtc::compile_ptx(src.clone()) {
                failed.push(format!("{name}: {e:?}\n{src}"));
            }
        }
        assert!(
            failed.is_empty(),
            "{} of {} kernels failed:\n{}",
            failed.len(),
            srcs.len(),
            failed[..failed.len().min(3)].join("\n\n")
        );
        println!("{} kernels compiled", srcs.len());
    }
}
