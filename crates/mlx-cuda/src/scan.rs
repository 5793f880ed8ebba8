//! Scans (`cumsum`, `cumprod`, `cummax`, `cummin`, `logcumsumexp`;
//! inclusive or exclusive, forward or reverse) along any axis.
//!
//! Two kernels over the lines of the scanned axis (read in place through
//! the layout's shapes and strides):
//!
//! * **Block scan**: a block of 256 threads per line walks it in tiles of
//!   1024 elements (4 consecutive per thread: a local scan, a warp scan with
//!   shuffles, a block scan of the 8 warp totals in shared memory, then the
//!   carry of the tiles before).
//! * **Sequential**: a thread per line, for short lines or many lines along
//!   an outer axis (neighbouring lines are neighbours in memory, so loads
//!   coalesce). It folds in the CPU backend's order, so it matches it
//!   exactly, half-precision rounding at every step included.
//!
//! Float sums, products and log-add-exps along lines of up to 512 elements
//! always take the sequential kernel, so they agree with the CPU backend
//! (and MLX's CPU) exactly; longer lines take the block scan and differ by
//! the rounding of a different summation order.
//!
//! Accumulation follows the CPU backend: in the element's own precision
//! (half floats rounded after every step), integers wrapping.

use crate::reduce::{
    arith_acc, blocks_for, bounds, collapse, ctype, load_expr, order_acc, store_expr, Meta, PRELUDE,
};
use crate::{drv, CudaBackend};
use cudarc::driver::{LaunchConfig, PushKernelArg};
use mlx_core::backend::BackendError;
use mlx_core::{ArrayData, Dtype, OpCall, ScanOp};

/// The longest line of a float sum/product/log-add-exp scan folded by one
/// thread in the CPU backend's order; longer lines use the parallel block
/// scan, whose results differ from the CPU's by rounding order only.
const SEQUENTIAL_ORDERED: usize = 512;

const KERNEL: &str = r#"
extern "C" __global__ void k(const T* __restrict__ in, T* __restrict__ out, Meta mt, long long offset,
                             long long n_lines, long long len, long long cs, long long post) {
#if SEQ
    for (long long o = (long long)blockIdx.x * blockDim.x + threadIdx.x; o < n_lines;
         o += (long long)gridDim.x * blockDim.x) {
        const T* p = in + offset + addr(mt, 0, KND, o);
        T* q = out + (o / post) * len * post + o % post;
        ACC acc = IDENT;
        for (long long j = 0; j < len; ++j) {
            const long long at = REV ? len - 1 - j : j;
            const ACC x = ld(p[at * cs]);
            if (INCL) { acc = comb(acc, x); q[at * post] = st(acc); }
            else { q[at * post] = st(acc); acc = comb(acc, x); }
        }
    }
#else
    __shared__ ACC sw[8];
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    for (long long o = blockIdx.x; o < n_lines; o += gridDim.x) {
        const T* p = in + offset + addr(mt, 0, KND, o);
        T* q = out + (o / post) * len * post + o % post;
        ACC carry = IDENT;
        for (long long t0 = 0; t0 < len; t0 += 256 * ITEMS) {
            const long long j0 = t0 + (long long)threadIdx.x * ITEMS;
            ACC v[ITEMS];
#pragma unroll
            for (int i = 0; i < ITEMS; ++i) {
                const long long j = j0 + i;
                v[i] = j < len ? ld(p[(REV ? len - 1 - j : j) * cs]) : IDENT;
            }
#pragma unroll
            for (int i = 1; i < ITEMS; ++i) v[i] = comb(v[i - 1], v[i]);
            ACC x = v[ITEMS - 1];
#pragma unroll
            for (int d = 1; d < 32; d <<= 1) {
                ACC y = __shfl_up_sync(0xffffffffu, x, d);
                if (lane >= d) x = comb(y, x);
            }
            ACC ex = __shfl_up_sync(0xffffffffu, x, 1);
            if (lane == 0) ex = IDENT;
            if (lane == 31) sw[warp] = x;
            __syncthreads();
            ACC wp = IDENT, tot = IDENT;
#pragma unroll
            for (int w = 0; w < 8; ++w) {
                if (w < warp) wp = comb(wp, sw[w]);
                tot = comb(tot, sw[w]);
            }
            const ACC before = comb(carry, comb(wp, ex));
#pragma unroll
            for (int i = 0; i < ITEMS; ++i) {
                const long long j = j0 + i;
                if (j < len) {
                    const ACC r = INCL ? comb(before, v[i]) : (i == 0 ? before : comb(before, v[i - 1]));
                    q[(REV ? len - 1 - j : j) * post] = st(r);
                }
            }
            carry = comb(carry, tot);
            __syncthreads();
        }
    }
#endif
}
"#;

/// Source of the scan kernel over dtype `d` with the fold
/// `(accumulator, identity, combine)`.
pub(crate) fn scan_source(
    d: Dtype,
    (acc, ident, comb): (&str, &str, &str),
    reverse: bool,
    inclusive: bool,
    seq: bool,
    knd: usize,
) -> String {
    let t = ctype(d).unwrap_or("float");
    let (ld, st) = (load_expr(d, acc, "v"), store_expr(d, "a"));
    // half floats accumulate in float but round at every step, as the CPU
    let round = match d {
        Dtype::Float16 => "h2f(f2h(r))",
        Dtype::Bfloat16 => "b2f(f2b(r))",
        _ => "r",
    };
    format!(
        r#"{PRELUDE}
typedef {t} T;
typedef {acc} ACC;
#define IDENT ({ident})
#define KND {knd}
#define SEQ {seq}
#define REV {rev}
#define INCL {incl}
#define ITEMS 4
__device__ __forceinline__ ACC ld(T v) {{ return {ld}; }}
__device__ __forceinline__ T st(ACC a) {{ return {st}; }}
__device__ __forceinline__ ACC comb(ACC a, ACC b) {{ ACC r = {comb}; return {round}; }}
{KERNEL}"#,
        seq = u8::from(seq),
        rev = u8::from(reverse),
        incl = u8::from(inclusive),
    )
}

impl CudaBackend {
    /// `Scan { op, axis, reverse, inclusive }` (input and output of one
    /// dtype; `logcumsumexp` on floats; no bool sums or products).
    pub(crate) fn scan(
        &self,
        call: &OpCall<'_>,
        op: ScanOp,
        axis: usize,
        reverse: bool,
        inclusive: bool,
    ) -> Result<ArrayData, BackendError> {
        let d = call.dtype;
        if call.inputs.len() != 1 || call.inputs[0].dtype != d {
            return Err(self.unsup(call, "one input of the output's dtype"));
        }
        ctype(d).ok_or_else(|| self.unsup(call, format!("dtype {d}")))?;
        let float = matches!(
            d,
            Dtype::Float16 | Dtype::Bfloat16 | Dtype::Float32 | Dtype::Float64
        );
        let (acc, ident, comb) = match op {
            ScanOp::Sum | ScanOp::Prod if d == Dtype::Bool => {
                return Err(self.unsup(call, "bool sum/prod scans"))
            }
            ScanOp::Sum => (arith_acc(d), format!("(({})0)", arith_acc(d)), "a + b"),
            ScanOp::Prod => (arith_acc(d), format!("(({})1)", arith_acc(d)), "a * b"),
            ScanOp::Max => (
                order_acc(d),
                bounds(d).0.to_string(),
                "(a != a) ? a : ((b != b || a < b) ? b : a)",
            ),
            ScanOp::Min => (
                order_acc(d),
                bounds(d).1.to_string(),
                "(a != a) ? a : ((b != b || b < a) ? b : a)",
            ),
            ScanOp::LogAddExp if float => (order_acc(d), bounds(d).0.to_string(), "lae(a, b)"),
            ScanOp::LogAddExp => return Err(self.unsup(call, "logcumsumexp of a non-float")),
        };
        let inp = self.input(call, 0)?;
        if axis >= inp.dims.len() {
            return Err(self.unsup(call, "axis out of range"));
        }
        let (len, cs) = inp.dims[axis];
        let post: usize = inp.dims[axis + 1..].iter().map(|d| d.0).product();
        let kept: Vec<(usize, isize)> = (0..inp.dims.len())
            .filter(|&a| a != axis)
            .map(|a| inp.dims[a])
            .collect();
        let n_lines: usize = kept.iter().map(|d| d.0).product();
        let n = n_lines * len;
        let mut out = self.alloc_bytes(n * d.size_of())?;
        if n > 0 {
            let kept = collapse(&kept);
            let meta = Meta::pack(&[&kept]).ok_or_else(|| self.unsup(call, "too many axes"))?;
            // Float sums, products and log-add-exps depend on the order of
            // the fold: lines up to SEQUENTIAL_ORDERED long fold in the CPU
            // backend's order (so they agree with it bit for bit).
            let ordered = float && matches!(op, ScanOp::Sum | ScanOp::Prod | ScanOp::LogAddExp);
            let seq =
                len <= 16 || (cs != 1 && n_lines >= 2048) || (ordered && len <= SEQUENTIAL_ORDERED);
            let knd = kept.len();
            let key = crate::KernelKey {
                op: format!("scan {op:?} {reverse} {inclusive} {seq} {knd}"),
                inputs: vec![d],
                output: d,
                ndim: 0,
            };
            let f = self.kernel(&key, || {
                scan_source(d, (acc, &ident, comb), reverse, inclusive, seq, knd)
            })?;
            let cfg = if seq {
                LaunchConfig {
                    grid_dim: (blocks_for(n_lines, 256), 1, 1),
                    block_dim: (256, 1, 1),
                    shared_mem_bytes: 0,
                }
            } else {
                LaunchConfig {
                    grid_dim: (blocks_for(n_lines, 1), 1, 1),
                    block_dim: (256, 1, 1),
                    shared_mem_bytes: 0,
                }
            };
            let (nl, ln, cs, post) = (n_lines as i64, len as i64, cs as i64, post as i64);
            let mut l = self.stream.launch_builder(&f);
            l.arg(inp.slice).arg(&mut out).arg(&meta).arg(&inp.offset);
            l.arg(&nl).arg(&ln).arg(&cs).arg(&post);
            // SAFETY: `k` takes (in, out, Meta, offset, n_lines, len, cs,
            // post); input offsets come from the layout and the output
            // offsets address the n_lines * len contiguous outputs.
            unsafe { l.launch(cfg) }.map_err(|e| BackendError::from(drv(e)))?;
        }
        Ok(ArrayData::contiguous(self.wrap(out, d, n), call.shape))
    }
}
