//! Row kernels along the last axis: `Softmax` (one online pass for the max
//! and the sum of exponentials, one pass writing) and `RmsNorm` (sum of
//! squares, then scale by the weight).
//!
//! A row is handled by 1, 32 (a warp) or 256 (a block) threads; partial
//! states combine with butterfly shuffles (then shared memory across warps)
//! so every thread of the row knows the result. Contiguous aligned rows use
//! 16-byte vector loads and stores; other layouts are read through their
//! shapes and strides in place. Half-precision rows compute in `float`, as
//! the CPU backend does (the `precise` flag changes nothing there either).

use crate::reduce::{blocks_for, collapse, ctype, load_expr, store_expr, Meta, PRELUDE};
use crate::{drv, CudaBackend};
use cudarc::driver::{LaunchConfig, PushKernelArg};
use mlx_core::backend::BackendError;
use mlx_core::{ArrayData, Dtype, OpCall};

/// Threads per row for rows of `len` loads.
fn row_threads(len: usize) -> u32 {
    if len <= 4 {
        1
    } else if len <= 256 {
        32
    } else {
        256
    }
}

/// Combines per-thread states over a row's group (every thread of the
/// group gets the result). Expects `TPR`, `ACC`, `merge(ACC&, ACC&, ACC, ACC)`.
const ALLREDUCE: &str = r#"
__device__ __forceinline__ void allreduce(ACC& a, ACC& b, ACC* sa, ACC* sb) {
#if TPR > 1
#pragma unroll
    for (int o = (TPR < 32 ? TPR : 32) / 2; o > 0; o >>= 1) {
        ACC oa = __shfl_xor_sync(0xffffffffu, a, o);
        ACC ob = __shfl_xor_sync(0xffffffffu, b, o);
        merge(a, b, oa, ob);
    }
#endif
#if TPR > 32
    int w = threadIdx.x / 32;
    if (threadIdx.x % 32 == 0) { sa[w] = a; sb[w] = b; }
    __syncthreads();
    a = sa[0]; b = sb[0];
#pragma unroll
    for (int j = 1; j < TPR / 32; ++j) merge(a, b, sa[j], sb[j]);
    __syncthreads();
#endif
}
"#;

/// Source of the softmax kernel over dtype `d` (accumulator `acc`).
pub(crate) fn softmax_source(d: Dtype, acc: &str, tpr: u32, vec: usize, knd: usize) -> String {
    let t = ctype(d).unwrap_or("float");
    let (ld, st) = (load_expr(d, acc, "v"), store_expr(d, "a"));
    let ex = if acc == "double" { "exp" } else { "expf" };
    format!(
        r#"{PRELUDE}
typedef {t} T;
typedef {acc} ACC;
#define TPR {tpr}
#define VEC {vec}
#define KND {knd}
template <typename U> struct alignas(16) VecT {{ U e[VEC]; }};
__device__ __forceinline__ ACC ld(T v) {{ return {ld}; }}
__device__ __forceinline__ T st(ACC a) {{ return {st}; }}
// Online (max, sum of exp(x - max)) of a row; -inf adds nothing, NaN
// reaches the sum, +inf is settled at the end.
__device__ __forceinline__ void upd(ACC& m, ACC& s, ACC x) {{
    if (x > m) {{ s = s * {ex}(m - x) + (ACC)1; m = x; }}
    else if (x != -(ACC)INF) s += {ex}(x - m);
}}
__device__ __forceinline__ void merge(ACC& m, ACC& s, ACC m2, ACC s2) {{
    ACC mm = m > m2 ? m : m2;
    ACC t1 = m == mm ? s : s * {ex}(m - mm);
    ACC t2 = m2 == mm ? s2 : s2 * {ex}(m2 - mm);
    m = mm;
    s = t1 + t2;
}}
{ALLREDUCE}
extern "C" __global__ void k(const T* __restrict__ in, T* __restrict__ out, Meta mt,
                             long long offset, long long n_rows, long long len, long long cs) {{
    __shared__ ACC sa[8], sb[8];
    const int lane = threadIdx.x % TPR;
    const long long per = blockDim.x / TPR;
    for (long long bo = (long long)blockIdx.x * per; bo < n_rows; bo += (long long)gridDim.x * per) {{
        const long long o = bo + threadIdx.x / TPR;
        const bool live = o < n_rows;
        const T* p = in + offset + (live ? addr(mt, 0, KND, o) : 0);
        T* q = out + (live ? o : 0) * len;
        ACC m = -(ACC)INF, s = 0;
        if (live) {{
            if (VEC > 1) {{
                const VecT<T>* pv = (const VecT<T>*)p;
                for (long long i = lane; i < len / VEC; i += TPR) {{
                    VecT<T> v = pv[i];
#pragma unroll
                    for (int j = 0; j < VEC; ++j) upd(m, s, ld(v.e[j]));
                }}
            }} else {{
                for (long long r = lane; r < len; r += TPR) upd(m, s, ld(p[r * cs]));
            }}
        }}
        allreduce(m, s, sa, sb);
        if (m == (ACC)INF) s = (ACC)INF - (ACC)INF;
        const ACC inv = (ACC)1 / s;
        if (live) {{
            if (VEC > 1) {{
                const VecT<T>* pv = (const VecT<T>*)p;
                VecT<T>* qv = (VecT<T>*)q;
                for (long long i = lane; i < len / VEC; i += TPR) {{
                    VecT<T> v = pv[i];
#pragma unroll
                    for (int j = 0; j < VEC; ++j) v.e[j] = st({ex}(ld(v.e[j]) - m) * inv);
                    qv[i] = v;
                }}
            }} else {{
                for (long long r = lane; r < len; r += TPR) q[r] = st({ex}(ld(p[r * cs]) - m) * inv);
            }}
        }}
    }}
}}
"#
    )
}

/// Source of the rms_norm kernel over dtype `d`: `xf` reads an element as
/// float, `mul` scales the normalised float `y` by the weight `g`.
pub(crate) fn rms_source(
    d: Dtype,
    xf: &str,
    mul: &str,
    tpr: u32,
    vec: usize,
    knd: usize,
) -> String {
    let t = ctype(d).unwrap_or("float");
    format!(
        r#"{PRELUDE}
typedef {t} T;
typedef float ACC;
#define TPR {tpr}
#define VEC {vec}
#define KND {knd}
template <typename U> struct alignas(16) VecT {{ U e[VEC]; }};
__device__ __forceinline__ float xf(T v) {{ return {xf}; }}
__device__ __forceinline__ T scale(float y, T g) {{ return {mul}; }}
__device__ __forceinline__ void merge(float& a, float& b, float a2, float b2) {{ a += a2; b += b2; }}
{ALLREDUCE}
extern "C" __global__ void k(const T* __restrict__ in, const T* __restrict__ w, T* __restrict__ out, Meta mt,
                             long long offset, long long woff, long long ws, long long n_rows, long long len,
                             long long cs, float eps) {{
    __shared__ float sa[8], sb[8];
    const int lane = threadIdx.x % TPR;
    const long long per = blockDim.x / TPR;
    for (long long bo = (long long)blockIdx.x * per; bo < n_rows; bo += (long long)gridDim.x * per) {{
        const long long o = bo + threadIdx.x / TPR;
        const bool live = o < n_rows;
        const T* p = in + offset + (live ? addr(mt, 0, KND, o) : 0);
        T* q = out + (live ? o : 0) * len;
        float acc = 0.0f, unused = 0.0f;
        if (live) {{
            if (VEC > 1) {{
                const VecT<T>* pv = (const VecT<T>*)p;
                for (long long i = lane; i < len / VEC; i += TPR) {{
                    VecT<T> v = pv[i];
#pragma unroll
                    for (int j = 0; j < VEC; ++j) {{ float f = xf(v.e[j]); acc += f * f; }}
                }}
            }} else {{
                for (long long r = lane; r < len; r += TPR) {{ float f = xf(p[r * cs]); acc += f * f; }}
            }}
        }}
        allreduce(acc, unused, sa, sb);
        const float inv = 1.0f / sqrtf(acc * (1.0f / (float)len) + eps);
        if (live) {{
            for (long long r = lane; r < len; r += TPR) q[r] = scale(xf(p[r * cs]) * inv, w[woff + r * ws]);
        }}
    }}
}}
"#
    )
}

/// A row operation's geometry.
struct Rows {
    knd: usize,
    meta: Meta,
    n_rows: usize,
    len: usize,
    cs: isize,
    vec: usize,
    tpr: u32,
}

impl CudaBackend {
    /// Rows along the last axis of input 0; `None` when too many axes.
    fn rows(&self, call: &OpCall<'_>, dtype: Dtype) -> Result<Rows, BackendError> {
        let inp = self.input(call, 0)?;
        let nd = inp.dims.len();
        let (len, cs) = if nd == 0 { (1, 1) } else { inp.dims[nd - 1] };
        let kept = collapse(&inp.dims[..nd.saturating_sub(1)]);
        let n_rows: usize = kept.iter().map(|d| d.0).product();
        let vec_n = 16 / dtype.size_of();
        let vec = if cs == 1
            && len % vec_n == 0
            && inp.offset % vec_n as i64 == 0
            && kept.iter().all(|d| d.1 % vec_n as isize == 0)
        {
            vec_n
        } else {
            1
        };
        let meta = Meta::pack(&[&kept]).ok_or_else(|| self.unsup(call, "too many axes"))?;
        Ok(Rows {
            knd: kept.len(),
            meta,
            n_rows,
            len,
            cs,
            vec,
            tpr: row_threads(len / vec),
        })
    }

    /// `Softmax { precise }` over the last axis (float dtypes).
    pub(crate) fn softmax(&self, call: &OpCall<'_>) -> Result<ArrayData, BackendError> {
        let d = call.dtype;
        let acc = match d {
            Dtype::Float32 | Dtype::Float16 | Dtype::Bfloat16 => "float",
            Dtype::Float64 => "double",
            _ => return Err(self.unsup(call, format!("dtype {d}"))),
        };
        if call.inputs.len() != 1 || call.inputs[0].dtype != d {
            return Err(self.unsup(call, "one input of the output's dtype"));
        }
        let r = self.rows(call, d)?;
        let n = r.n_rows * r.len;
        let mut out = self.alloc_bytes(n * d.size_of())?;
        if n > 0 {
            let inp = self.input(call, 0)?;
            let (tpr, vec, knd) = (r.tpr, r.vec, r.knd);
            let key = crate::KernelKey {
                op: format!("softmax {tpr} {vec} {knd}"),
                inputs: vec![d],
                output: d,
                ndim: 0,
            };
            let f = self.kernel(&key, || softmax_source(d, acc, tpr, vec, knd))?;
            let cfg = LaunchConfig {
                grid_dim: (blocks_for(r.n_rows, 256 / tpr as usize), 1, 1),
                block_dim: (256, 1, 1),
                shared_mem_bytes: 0,
            };
            let (nr, len, cs) = (r.n_rows as i64, r.len as i64, r.cs as i64);
            let mut l = self.stream.launch_builder(&f);
            l.arg(inp.slice).arg(&mut out).arg(&r.meta).arg(&inp.offset);
            l.arg(&nr).arg(&len).arg(&cs);
            // SAFETY: `k` takes (in, out, Meta, offset, n_rows, len, cs);
            // input offsets come from the layout (vector loads only on
            // aligned contiguous rows) and it writes n_rows * len outputs,
            // the size of `out`.
            unsafe { l.launch(cfg) }.map_err(|e| BackendError::from(drv(e)))?;
        }
        Ok(ArrayData::contiguous(self.wrap(out, d, n), call.shape))
    }

    /// `RmsNorm { eps }`: inputs `x` (`[..., d]`) and the 1-D weight `w`
    /// (`[d]`), both of the output's float dtype.
    pub(crate) fn rms_norm(&self, call: &OpCall<'_>, eps: f64) -> Result<ArrayData, BackendError> {
        let d = call.dtype;
        let (xf, mul) = match d {
            Dtype::Float32 => ("(v)", "(y * g)"),
            Dtype::Float16 => ("h2f(v)", "f2h(h2f(f2h(y)) * h2f(g))"),
            Dtype::Bfloat16 => ("b2f(v)", "f2b(b2f(f2b(y)) * b2f(g))"),
            Dtype::Float64 => ("((float)(v))", "((double)(y) * g)"),
            _ => return Err(self.unsup(call, format!("dtype {d}"))),
        };
        if call.inputs.len() != 2 || call.inputs.iter().any(|a| a.dtype != d) {
            return Err(self.unsup(call, "inputs x and w of the output's dtype"));
        }
        let w = self.input(call, 1)?;
        let r = self.rows(call, d)?;
        if w.dims.len() != 1 || w.dims[0].0 != r.len {
            return Err(self.unsup(call, "weight is not 1-D of the row length"));
        }
        let (wstride, woff) = (w.dims[0].1 as i64, w.offset);
        let n = r.n_rows * r.len;
        let mut out = self.alloc_bytes(n * d.size_of())?;
        if n > 0 {
            let inp = self.input(call, 0)?;
            let (tpr, vec, knd) = (r.tpr, r.vec, r.knd);
            let key = crate::KernelKey {
                op: format!("rmsnorm {tpr} {vec} {knd}"),
                inputs: vec![d, d],
                output: d,
                ndim: 0,
            };
            let f = self.kernel(&key, || rms_source(d, xf, mul, tpr, vec, knd))?;
            let cfg = LaunchConfig {
                grid_dim: (blocks_for(r.n_rows, 256 / tpr as usize), 1, 1),
                block_dim: (256, 1, 1),
                shared_mem_bytes: 0,
            };
            let (nr, len, cs, eps) = (r.n_rows as i64, r.len as i64, r.cs as i64, eps as f32);
            let mut l = self.stream.launch_builder(&f);
            l.arg(inp.slice).arg(w.slice).arg(&mut out).arg(&r.meta);
            l.arg(&inp.offset).arg(&woff).arg(&wstride);
            l.arg(&nr).arg(&len).arg(&cs).arg(&eps);
            // SAFETY: `k` takes (x, w, out, Meta, offset, woff, ws, n_rows,
            // len, cs, eps); x and w offsets come from their layouts (w has
            // `len` elements) and it writes n_rows * len outputs.
            unsafe { l.launch(cfg) }.map_err(|e| BackendError::from(drv(e)))?;
        }
        Ok(ArrayData::contiguous(self.wrap(out, d, n), call.shape))
    }
}
