//! Elementwise ops (`Unary`, `Binary`, `Select`, `AsType`) and fused
//! elementwise programs (`Fused`): one generated kernel per program, dtype
//! set and layout class, reading broadcast, transposed and sliced inputs in
//! place.
//!
//! Before a launch the iteration space is collapsed: size-1 dimensions go,
//! and neighbouring dimensions that every operand walks contiguously merge,
//! so a contiguous array is one dimension whatever its rank (the layout
//! class `ndim` 0, addressed by offset plus linear index) and a row
//! broadcast over a matrix is two. Indices are 32-bit when every operand's
//! span allows it (the cache key says which).

use crate::kernels::{self, Indexing, META_LEN};
use crate::{drv, CudaBackend, CudaBuffer, CudaError, KernelKey, NAME};
use cudarc::driver::{CudaFunction, DeviceRepr, LaunchConfig, PushKernelArg};
use mlx_core::backend::BackendError;
use mlx_core::fusion::FusedExpr;
use mlx_core::{ArrayData, Layout, OpCall};

/// The by-value `Meta` argument of generated kernels (`i64` slots).
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct Meta {
    pub(crate) v: [i64; META_LEN],
}

// SAFETY: `Meta` is plain `i64` data laid out exactly as the kernels'
// `struct Meta { long long v[META_LEN]; }`.
unsafe impl DeviceRepr for Meta {}

impl Meta {
    pub(crate) fn new() -> Meta {
        Meta { v: [0; META_LEN] }
    }
}

/// Threads per block of the elementwise kernels.
const BLOCK: u32 = 256;

/// One thread per element, blocks of [`BLOCK`].
pub(crate) fn launch_config(n: usize) -> Option<LaunchConfig> {
    launch_config_items(n, 1)
}

/// One thread per `items` elements, blocks of [`BLOCK`].
fn launch_config_items(n: usize, items: usize) -> Option<LaunchConfig> {
    let blocks = u32::try_from(n.div_ceil(BLOCK as usize * items)).ok()?;
    Some(LaunchConfig {
        grid_dim: (blocks, 1, 1),
        block_dim: (BLOCK, 1, 1),
        shared_mem_bytes: 0,
    })
}

/// The iteration space of `shape` seen through each layout, collapsed:
/// `(shape, per-operand strides)`, innermost last.
pub(crate) fn collapse(shape: &[usize], layouts: &[&Layout]) -> (Vec<usize>, Vec<Vec<isize>>) {
    let mut dims: Vec<usize> = Vec::new();
    let mut strides: Vec<Vec<isize>> = vec![Vec::new(); layouts.len()];
    for (d, &s) in shape.iter().enumerate() {
        if s == 1 {
            continue;
        }
        let merge = !dims.is_empty()
            && layouts.iter().enumerate().all(|(j, l)| {
                let last = *strides[j].last().unwrap_or(&0);
                last == l.strides()[d] * s as isize
            });
        if merge {
            if let Some(last) = dims.last_mut() {
                *last *= s;
            }
            for (j, l) in layouts.iter().enumerate() {
                if let Some(st) = strides[j].last_mut() {
                    *st = l.strides()[d];
                }
            }
        } else {
            dims.push(s);
            for (j, l) in layouts.iter().enumerate() {
                strides[j].push(l.strides()[d]);
            }
        }
    }
    (dims, strides)
}

/// True when some address an operand forms needs more than 31 bits.
fn needs_wide(n: usize, dims: &[usize], strides: &[Vec<isize>], offsets: &[usize]) -> bool {
    const MAX: i128 = i32::MAX as i128;
    // the last block's threads run past n before their bounds check
    if n as i128 + (BLOCK as usize * kernels::CONTIGUOUS_ITEMS) as i128 > MAX {
        return true;
    }
    strides.iter().zip(offsets).any(|(st, &o)| {
        let span: i128 = dims
            .iter()
            .zip(st)
            .map(|(&d, &s)| (d as i128 - 1) * (s as i128).abs())
            .sum();
        o as i128 + span > MAX
    })
}

/// The layout class and `Meta` of an elementwise launch over `shape`.
pub(crate) fn index_meta(shape: &[usize], layouts: &[&Layout]) -> Result<(Indexing, Meta), String> {
    let n: usize = shape.iter().product();
    let (dims, strides) = collapse(shape, layouts);
    let offsets: Vec<usize> = layouts.iter().map(|l| l.offset()).collect();
    let contiguous = dims.len() <= 1 && strides.iter().all(|s| s.iter().all(|&x| x == 1));
    let ndim = if contiguous { 0 } else { dims.len() };
    let wide = needs_wide(n, &dims, &strides, &offsets);
    let ops = layouts.len();
    if ndim + ops * ndim + ops > META_LEN {
        return Err(format!(
            "{ops} operands of {ndim} dimensions exceed the kernel argument"
        ));
    }
    let mut m = Meta::new();
    if ndim > 0 {
        for (d, &s) in dims.iter().enumerate() {
            m.v[d] = s as i64;
        }
        for (j, st) in strides.iter().enumerate() {
            for (d, &s) in st.iter().enumerate() {
                m.v[ndim + j * ndim + d] = s as i64;
            }
        }
    }
    for (j, &o) in offsets.iter().enumerate() {
        m.v[ndim + ops * ndim + j] = o as i64;
    }
    Ok((Indexing { ndim, wide }, m))
}

impl CudaBackend {
    /// `Unary`, `Binary`, `Select` and `AsType` as one-instruction programs.
    pub(crate) fn elementwise(&self, call: &OpCall<'_>) -> Result<ArrayData, BackendError> {
        let e = kernels::single(call.primitive, call.inputs.len(), call.dtype);
        self.program(&e, call)
    }

    /// A fused elementwise program: one kernel, one pass over memory.
    pub(crate) fn fused(
        &self,
        expr: &FusedExpr,
        call: &OpCall<'_>,
    ) -> Result<ArrayData, BackendError> {
        self.program(expr, call)
    }

    /// The compiled kernel under `key`, generating its source with `src`
    /// on first use; a source this backend cannot produce, or one NVRTC
    /// rejects, answers `Unsupported` (the CPU backend then runs the node).
    pub(crate) fn generated(
        &self,
        key: &KernelKey,
        op: &str,
        src: impl FnOnce() -> Result<String, String>,
    ) -> Result<CudaFunction, BackendError> {
        if let Some(f) = self.cache.lock().get(key) {
            return Ok(f.clone());
        }
        let unsupported = |reason: String| BackendError::Unsupported {
            backend: NAME,
            op: op.to_string(),
            reason,
        };
        let s = src().map_err(unsupported)?;
        match self.kernel(key, || s) {
            Ok(f) => Ok(f),
            Err(CudaError::Compile(m)) => Err(unsupported(format!("NVRTC: {m}"))),
            Err(e) => Err(e.into()),
        }
    }

    fn program(&self, expr: &FusedExpr, call: &OpCall<'_>) -> Result<ArrayData, BackendError> {
        let op = call.primitive.name();
        let unsupported = |reason: String| BackendError::Unsupported {
            backend: NAME,
            op: op.clone(),
            reason,
        };
        let mut bufs = Vec::with_capacity(call.inputs.len());
        for a in call.inputs {
            if a.buffer.dtype() != a.dtype {
                return Err(unsupported("bit-viewed input".into()));
            }
            if a.layout.shape() != call.shape {
                return Err(unsupported("input shape differs from the output's".into()));
            }
            let b = a
                .buffer
                .downcast_ref::<CudaBuffer>()
                .ok_or_else(|| unsupported("input is not in CUDA memory".into()))?;
            bufs.push(b);
        }
        let dtypes: Vec<_> = call.inputs.iter().map(|a| a.dtype).collect();
        let layouts: Vec<&Layout> = call.inputs.iter().map(|a| &a.layout).collect();
        let (ix, meta) = index_meta(call.shape, &layouts).map_err(unsupported)?;
        let canon = kernels::canonical(expr, &dtypes);
        let key = KernelKey {
            op: format!("ew{}|{canon}", if ix.wide { 64 } else { 32 }),
            inputs: dtypes.clone(),
            output: call.dtype,
            ndim: ix.ndim,
        };
        let f = self.generated(&key, &op, || {
            kernels::program_source(expr, &dtypes, call.dtype, ix)
        })?;
        let n: usize = call.shape.iter().product();
        let mut out = self.alloc_bytes(n * call.dtype.size_of())?;
        if n > 0 {
            let items = if ix.ndim == 0 {
                kernels::CONTIGUOUS_ITEMS
            } else {
                1
            };
            let cfg = launch_config_items(n, items)
                .ok_or_else(|| unsupported("too many elements".into()))?;
            let n64 = n as i64;
            let mut launch = self.stream.launch_builder(&f);
            for b in &bufs {
                launch.arg(&b.slice);
            }
            launch.arg(&mut out);
            launch.arg(&meta);
            launch.arg(&n64);
            // SAFETY: the kernel `k` was generated for exactly these
            // arguments (the inputs, the output, meta by value, n); every
            // input index it forms comes from the input's layout, which the
            // scheduler guarantees lies inside its buffer, and the output
            // holds n elements of the output dtype.
            unsafe { launch.launch(cfg) }.map_err(|e| BackendError::from(drv(e)))?;
            self.count_launch();
        }
        Ok(ArrayData::contiguous(
            self.wrap(out, call.dtype, n),
            call.shape,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_views_collapse_to_one_dimension() {
        let a = Layout::contiguous(&[2, 3, 4]);
        let b = Layout::contiguous(&[4]).broadcast_to(&[2, 3, 4]);
        let (d, s) = collapse(&[2, 3, 4], &[&a, &a]);
        assert_eq!((d, s), (vec![24], vec![vec![1], vec![1]]));
        let (d, s) = collapse(&[2, 3, 4], &[&a, &b]);
        assert_eq!(d, vec![6, 4]);
        assert_eq!(s, vec![vec![4, 1], vec![0, 1]]);
        let t = Layout::contiguous(&[4, 3]).transpose(&[1, 0]);
        let (ix, m) = index_meta(&[3, 4], &[&t]).unwrap();
        assert_eq!(
            ix,
            Indexing {
                ndim: 2,
                wide: false
            }
        );
        assert_eq!(&m.v[..5], &[3, 4, 1, 3, 0]);
        let (ix, _) = index_meta(&[2, 3, 4], &[&a]).unwrap();
        assert_eq!(ix.ndim, 0);
        // size-1 and empty shapes
        let (ix, _) = index_meta(&[1, 1], &[&Layout::contiguous(&[1, 1])]).unwrap();
        assert_eq!(ix.ndim, 0);
        let (ix, _) = index_meta(&[0, 3], &[&Layout::contiguous(&[0, 3])]).unwrap();
        assert_eq!(ix.ndim, 0);
    }
}
