//! Data movement: `Copy` (a strided view made row-contiguous),
//! `Concatenate` and the gathers `Gather` (`take`) and `GatherAxis`
//! (`take_along_axis`).
//!
//! Kernels move elements as unsigned words of the dtype's size, so every
//! dtype (`complex64` included) runs, and they read strided inputs in
//! place. Gathers read indices of any integer dtype, wrap negative ones
//! once, and flag out-of-range ones: the backend then answers `Unsupported`
//! and the CPU backend reports its error, so both devices fail alike (the
//! flag costs one small device-to-host read per gather).

use crate::elementwise::{index_meta, launch_config, Meta};
use crate::kernels::{self, bits_type};
use crate::{drv, CudaBackend, CudaBuffer, KernelKey, NAME};
use cudarc::driver::{CudaSlice, PushKernelArg};
use mlx_core::backend::BackendError;
use mlx_core::{ArrayData, Layout, OpCall};

fn unsupported(op: &str, reason: impl Into<String>) -> BackendError {
    BackendError::Unsupported {
        backend: NAME,
        op: op.to_string(),
        reason: reason.into(),
    }
}

/// The CUDA buffer behind `a`, when its buffer holds `a`'s dtype.
fn device_buffer<'a>(op: &str, a: &'a ArrayData) -> Result<&'a CudaBuffer, BackendError> {
    if a.buffer.dtype().size_of() != a.dtype.size_of() {
        return Err(unsupported(op, "bit-viewed input"));
    }
    a.buffer
        .downcast_ref::<CudaBuffer>()
        .ok_or_else(|| unsupported(op, "input is not in CUDA memory"))
}

impl CudaBackend {
    /// Copies the elements of `src` (its layout's shape) into `dst` at the
    /// positions `dst_layout` gives (same shape).
    fn strided_copy(
        &self,
        op: &str,
        src: &ArrayData,
        dst: &mut CudaSlice<u8>,
        dst_layout: &Layout,
    ) -> Result<(), BackendError> {
        let shape = src.layout.shape();
        let n: usize = shape.iter().product();
        if n == 0 {
            return Ok(());
        }
        let buf = device_buffer(op, src)?;
        let size = src.dtype.size_of();
        let t = bits_type(size).ok_or_else(|| unsupported(op, "element size"))?;
        let (ix, meta) =
            index_meta(shape, &[&src.layout, dst_layout]).map_err(|r| unsupported(op, r))?;
        let key = KernelKey {
            op: format!("copy{}", if ix.wide { 64 } else { 32 }),
            inputs: vec![src.dtype],
            output: src.dtype,
            ndim: ix.ndim,
        };
        let f = self.generated(&key, op, || {
            Ok(format!(
                "{}\nextern \"C\" __global__ void k(const {t}* __restrict__ src, {t}* __restrict__ dst, Meta meta, long long n) {{\n{}    dst[i1] = src[i0];\n}}\n",
                kernels::prelude(),
                kernels::index_code(2, ix)
            ))
        })?;
        let cfg = launch_config(n).ok_or_else(|| unsupported(op, "too many elements"))?;
        let n64 = n as i64;
        let mut launch = self.stream.launch_builder(&f);
        launch.arg(&buf.slice);
        launch.arg(dst);
        launch.arg(&meta);
        launch.arg(&n64);
        // SAFETY: `k` takes (src, dst, meta, n); the source indices come from
        // the input's layout (inside its buffer), the destination indices
        // from `dst_layout`, which the callers build inside `dst`.
        unsafe { launch.launch(cfg) }.map_err(|e| BackendError::from(drv(e)))?;
        self.count_launch();
        Ok(())
    }

    /// `Copy`: the input's elements, row-contiguous.
    pub(crate) fn copy(&self, call: &OpCall<'_>) -> Result<ArrayData, BackendError> {
        let [x] = call.inputs else {
            return Err(unsupported("Copy", "needs one input"));
        };
        let n: usize = call.shape.iter().product();
        if x.layout.numel() != n || x.dtype != call.dtype {
            return Err(unsupported(
                "Copy",
                "element count or dtype differs from the input's",
            ));
        }
        // A reshaping copy: the input's elements in row-major order, which
        // is also the row-major order of the (same-sized) output shape.
        let mut out = self.alloc_bytes(n * call.dtype.size_of())?;
        self.strided_copy("Copy", x, &mut out, &Layout::contiguous(x.layout.shape()))?;
        Ok(ArrayData::contiguous(
            self.wrap(out, call.dtype, n),
            call.shape,
        ))
    }

    /// `Concatenate { axis }`: each input copied into its slab of the output.
    pub(crate) fn concatenate(
        &self,
        axis: usize,
        call: &OpCall<'_>,
    ) -> Result<ArrayData, BackendError> {
        let op = "Concatenate";
        let nd = call.shape.len();
        if axis >= nd {
            return Err(unsupported(op, "axis out of range"));
        }
        let strides = mlx_core::shape::row_major_strides(call.shape);
        let mut at = 0usize;
        for x in call.inputs {
            let s = x.layout.shape();
            let fits = s.len() == nd
                && (0..nd).all(|d| d == axis || s[d] == call.shape[d])
                && x.dtype == call.dtype;
            if !fits {
                return Err(unsupported(op, "an input does not match the output"));
            }
            at += s[axis];
        }
        if at != call.shape[axis] {
            return Err(unsupported(op, "inputs do not fill the axis"));
        }
        let n: usize = call.shape.iter().product();
        let mut out = self.alloc_bytes(n * call.dtype.size_of())?;
        let mut at = 0usize;
        for x in call.inputs {
            let s = x.layout.shape();
            let dst = Layout::from_parts(s.to_vec(), strides.clone(), at * strides[axis] as usize);
            self.strided_copy(op, x, &mut out, &dst)?;
            at += s[axis];
        }
        Ok(ArrayData::contiguous(
            self.wrap(out, call.dtype, n),
            call.shape,
        ))
    }

    /// `Gather { axis }` (`along == false`) or `GatherAxis { axis }`.
    pub(crate) fn gather(
        &self,
        axis: usize,
        along: bool,
        call: &OpCall<'_>,
    ) -> Result<ArrayData, BackendError> {
        let op = if along { "GatherAxis" } else { "Gather" };
        let [x, idx] = call.inputs else {
            return Err(unsupported(op, "needs two inputs"));
        };
        if !idx.dtype.is_integer() {
            return Err(unsupported(op, format!("indices of dtype {}", idx.dtype)));
        }
        if x.dtype != call.dtype {
            return Err(unsupported(op, "output dtype differs from the input's"));
        }
        let (xs, is) = (x.layout.shape(), idx.layout.shape());
        if axis >= xs.len() {
            return Err(unsupported(op, "axis out of range"));
        }
        let nd = call.shape.len();
        // per output dimension: the stride into x and into the indices
        let mut xst = vec![0isize; nd];
        let mut ist = vec![0isize; nd];
        if along {
            let ok = is == call.shape
                && xs.len() == nd
                && (0..nd).all(|d| d == axis || xs[d] == call.shape[d]);
            if !ok {
                return Err(unsupported(op, "shapes do not match"));
            }
            for d in 0..nd {
                if d != axis {
                    xst[d] = x.layout.strides()[d];
                }
                ist[d] = idx.layout.strides()[d];
            }
        } else {
            let want: Vec<usize> = xs[..axis]
                .iter()
                .chain(is)
                .chain(&xs[axis + 1..])
                .copied()
                .collect();
            if want != call.shape {
                return Err(unsupported(op, "shapes do not match"));
            }
            let k = is.len();
            for d in 0..nd {
                if d < axis {
                    xst[d] = x.layout.strides()[d];
                } else if d < axis + k {
                    ist[d] = idx.layout.strides()[d - axis];
                } else {
                    xst[d] = x.layout.strides()[d + 1 - k];
                }
            }
        }
        if 3 * nd + 4 > kernels::META_LEN {
            return Err(unsupported(op, "too many dimensions"));
        }
        let (bx, bi) = (device_buffer(op, x)?, device_buffer(op, idx)?);
        let n: usize = call.shape.iter().product();
        let mut out = self.alloc_bytes(n * call.dtype.size_of())?;
        if n == 0 {
            return Ok(ArrayData::contiguous(
                self.wrap(out, call.dtype, n),
                call.shape,
            ));
        }
        let t = bits_type(x.dtype.size_of()).ok_or_else(|| unsupported(op, "element size"))?;
        let it = kernels::storage(idx.dtype).ok_or_else(|| unsupported(op, "index dtype"))?;
        let mut meta = Meta::new();
        for d in 0..nd {
            meta.v[d] = call.shape[d] as i64;
            meta.v[nd + d] = xst[d] as i64;
            meta.v[2 * nd + d] = ist[d] as i64;
        }
        meta.v[3 * nd] = x.layout.offset() as i64;
        meta.v[3 * nd + 1] = idx.layout.offset() as i64;
        meta.v[3 * nd + 2] = x.layout.strides()[axis] as i64;
        meta.v[3 * nd + 3] = xs[axis] as i64;
        let key = KernelKey {
            op: "gather".into(),
            inputs: vec![x.dtype, idx.dtype],
            output: call.dtype,
            ndim: nd,
        };
        let f = self.generated(&key, op, || {
            Ok(format!(
                r#"{prelude}
#define ND {nd}
extern "C" __global__ void k(const {t}* __restrict__ x, const {it}* __restrict__ idx, {t}* __restrict__ out, int* __restrict__ bad, Meta meta, long long n) {{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    long long xi = meta.v[3 * ND], ii = meta.v[3 * ND + 1];
    unsigned long long r = (unsigned long long)i;
#pragma unroll
    for (int d = ND - 1; d >= 0; --d) {{
        unsigned long long s = (unsigned long long)meta.v[d];
        long long c = (long long)(r % s);
        r /= s;
        xi += c * meta.v[ND + d];
        ii += c * meta.v[2 * ND + d];
    }}
    long long v = (long long)idx[ii];
    long long len = meta.v[3 * ND + 3];
    long long j = v < 0 ? v + len : v;
    if (j < 0 || j >= len) {{ *bad = 1; out[i] = 0; return; }}
    out[i] = x[xi + j * meta.v[3 * ND + 2]];
}}
"#,
                prelude = kernels::prelude()
            ))
        })?;
        let mut bad = self.alloc_bytes(4)?;
        self.stream
            .memset_zeros(&mut bad)
            .map_err(|e| BackendError::from(drv(e)))?;
        let cfg = launch_config(n).ok_or_else(|| unsupported(op, "too many elements"))?;
        let n64 = n as i64;
        let mut launch = self.stream.launch_builder(&f);
        launch.arg(&bx.slice);
        launch.arg(&bi.slice);
        launch.arg(&mut out);
        launch.arg(&mut bad);
        launch.arg(&meta);
        launch.arg(&n64);
        // SAFETY: `k` takes (x, idx, out, bad, meta, n); x and index
        // positions come from their layouts (inside their buffers), a
        // gathered position is checked against the axis length before the
        // read, the output holds n elements and `bad` one int.
        unsafe { launch.launch(cfg) }.map_err(|e| BackendError::from(drv(e)))?;
        self.count_launch();
        let mut flag = [0u8; 4];
        let view = bad.slice(0..4);
        self.stream
            .memcpy_dtoh(&view, &mut flag)
            .map_err(|e| BackendError::from(drv(e)))?;
        self.stream
            .synchronize()
            .map_err(|e| BackendError::from(drv(e)))?;
        if flag != [0u8; 4] {
            // the CPU backend reports the out-of-range index
            return Err(unsupported(op, "an index is out of range"));
        }
        Ok(ArrayData::contiguous(
            self.wrap(out, call.dtype, n),
            call.shape,
        ))
    }
}
