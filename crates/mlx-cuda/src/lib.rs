//! The native CUDA backend of oxidized MLX (first slice).
//!
//! [`CudaBackend`] implements [`mlx_core::backend::Backend`] for
//! `Device::new(DeviceKind::Cuda, ordinal)` on top of `cudarc`, loading the
//! CUDA driver, NVRTC and cuBLAS dynamically: the crate builds and its
//! default tests pass on a machine without CUDA, where
//! [`CudaBackend::new`] answers a typed [`CudaError`].
//!
//! # How the backend contract maps to CUDA
//!
//! * **Buffers.** A [`CudaBuffer`] owns a `CudaSlice<u8>` in device memory,
//!   tagged with its dtype and element count. [`Backend::upload`] copies a
//!   host buffer in, [`Backend::download`] copies back (it waits for the
//!   stream, so it sees every queued write).
//! * **Queue.** One CUDA stream per backend; `eval` launches asynchronously
//!   and [`Backend::synchronize`] waits for the stream.
//! * **Kernels.** Elementwise unary and binary ops (comparisons included)
//!   over `float32`, `float16` and `bfloat16` (and `astype` among them and to
//!   `bool`, and `where`) are generated as CUDA C, compiled
//!   with NVRTC on first use and cached for the process by a [`KernelKey`]
//!   (op, input dtype, output dtype, layout class: the number of dimensions,
//!   or 0 when every operand is contiguous). Shapes, strides and offsets
//!   travel to the kernel as a small `i64` array, so broadcast, transposed
//!   and sliced views run without a copy.
//! * **Matmul.** `float32` matmul runs on cuBLAS `sgemm` (strided batched,
//!   no TF32), reading row-major and transposed operands in place.
//! * **Fallback.** Every other primitive, dtype or layout answers
//!   [`BackendError::Unsupported`]; the scheduler then runs the node on the
//!   CPU backend through download/upload.
//!
//! # The same contract on Metal
//!
//! A Metal backend fills the same roles: `eval` encodes a compute command
//! into the current `MTLCommandBuffer` (committed in batches, with an
//! `MTLSharedEvent` or `waitUntilCompleted` behind `synchronize` and
//! `download`); buffers are `MTLBuffer`s in shared storage, so `download` is
//! a wait plus a view of the same memory and `upload` can wrap host pages;
//! and the pipeline cache maps the same key (op, dtypes, layout class) to an
//! `MTLComputePipelineState` built from Metal source at run time, as NVRTC's
//! modules are here.
//!
//! ```
//! use mlx_core::backend::Backend;
//! // Without a GPU this is a typed error, never a panic.
//! match mlx_cuda::CudaBackend::new(0) {
//!     Ok(b) => assert_eq!(b.device().kind, mlx_core::DeviceKind::Cuda),
//!     Err(e) => assert!(!e.to_string().is_empty()),
//! }
//! ```

mod kernels;
mod matmul;
mod reduce;
mod scan;
mod softmax;

use cudarc::driver::{
    CudaContext, CudaFunction, CudaSlice, CudaStream, LaunchConfig, PushKernelArg,
};
use mlx_core::backend::{Backend, BackendError};
use mlx_core::{
    ArrayData, Buffer, Device, DeviceBuffer, DeviceKind, Dtype, HostBuffer, Layout, Native, OpCall,
    Primitive,
};
use parking_lot::Mutex;
use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

const NAME: &str = "cuda";

/// Why the CUDA backend could not start or run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CudaError {
    /// The CUDA driver library (`libcuda`) is not installed.
    NoDriver,
    /// The NVRTC library is not installed.
    NoNvrtc,
    /// The driver reports no device with this ordinal.
    NoDevice {
        /// The ordinal asked for.
        ordinal: usize,
        /// Devices present.
        count: usize,
    },
    /// A driver call failed.
    Driver(String),
    /// NVRTC failed to compile a kernel.
    Compile(String),
}

impl fmt::Display for CudaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CudaError::NoDriver => write!(f, "cuda: no CUDA driver (libcuda) found"),
            CudaError::NoNvrtc => write!(f, "cuda: no NVRTC library found"),
            CudaError::NoDevice { ordinal, count } => {
                write!(f, "cuda: no device {ordinal} ({count} present)")
            }
            CudaError::Driver(m) => write!(f, "cuda driver error: {m}"),
            CudaError::Compile(m) => write!(f, "cuda: NVRTC compile error: {m}"),
        }
    }
}

impl std::error::Error for CudaError {}

impl From<CudaError> for BackendError {
    fn from(e: CudaError) -> BackendError {
        BackendError::Failed {
            backend: NAME,
            message: e.to_string(),
        }
    }
}

fn drv(e: cudarc::driver::DriverError) -> CudaError {
    CudaError::Driver(e.to_string())
}

/// Device memory of the CUDA backend: raw bytes plus dtype and length.
pub struct CudaBuffer {
    slice: CudaSlice<u8>,
    dtype: Dtype,
    len: usize,
    device: Device,
}

impl fmt::Debug for CudaBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CudaBuffer({}, {}, {} elements)",
            self.device, self.dtype, self.len
        )
    }
}

impl DeviceBuffer for CudaBuffer {
    fn device(&self) -> Device {
        self.device
    }
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn len(&self) -> usize {
        self.len
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The pipeline-cache key of a compiled kernel.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KernelKey {
    /// The primitive's name.
    pub op: String,
    /// Input dtypes.
    pub inputs: Vec<Dtype>,
    /// Output dtype.
    pub output: Dtype,
    /// Layout class: number of dimensions, 0 when all operands are contiguous.
    pub ndim: usize,
}

/// The CUDA backend: one context, one stream, a kernel cache.
pub struct CudaBackend {
    ordinal: usize,
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    cache: Mutex<HashMap<KernelKey, CudaFunction>>,
    blas: Mutex<Option<cudarc::cublas::CudaBlas>>,
}

impl fmt::Debug for CudaBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CudaBackend(cuda:{})", self.ordinal)
    }
}

/// True when the CUDA driver library can be loaded (no GPU is touched).
///
/// ```
/// let _maybe = mlx_cuda::driver_present();
/// ```
pub fn driver_present() -> bool {
    // SAFETY: only tries to dlopen the driver library and drops it.
    unsafe { cudarc::driver::sys::is_culib_present() }
}

impl CudaBackend {
    /// Opens GPU `ordinal`: a context, a stream and an empty kernel cache.
    /// Returns a typed error (never panics) without driver, NVRTC or device.
    ///
    /// ```
    /// let r = mlx_cuda::CudaBackend::new(0);
    /// assert!(r.is_ok() || r.is_err());
    /// ```
    pub fn new(ordinal: usize) -> Result<Arc<CudaBackend>, CudaError> {
        if !driver_present() {
            return Err(CudaError::NoDriver);
        }
        // SAFETY: only tries to dlopen the NVRTC library and drops it.
        if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
            return Err(CudaError::NoNvrtc);
        }
        let count = CudaContext::device_count().map_err(drv)?;
        let count = usize::try_from(count).unwrap_or(0);
        if ordinal >= count {
            return Err(CudaError::NoDevice { ordinal, count });
        }
        let ctx = CudaContext::new(ordinal).map_err(drv)?;
        let stream = ctx.new_stream().map_err(drv)?;
        Ok(Arc::new(CudaBackend {
            ordinal,
            ctx,
            stream,
            cache: Mutex::new(HashMap::new()),
            blas: Mutex::new(None),
        }))
    }

    /// Number of kernels compiled so far (the pipeline cache's size).
    ///
    /// ```
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) { assert_eq!(b.cached_kernels(), 0); }
    /// ```
    pub fn cached_kernels(&self) -> usize {
        self.cache.lock().len()
    }

    /// Allocates `nbytes` of device memory for a kernel's output (at least
    /// one byte, so empty arrays still own a buffer). The contents are
    /// unspecified: a kernel must write every element it returns. Every
    /// output buffer comes from here, so the allocator behind it is one place.
    pub(crate) fn alloc_bytes(&self, nbytes: usize) -> Result<CudaSlice<u8>, BackendError> {
        self.stream
            .alloc_zeros::<u8>(nbytes.max(1))
            .map_err(|e| BackendError::from(drv(e)))
    }

    /// Wraps device memory written by this backend as a [`Buffer`] of `len`
    /// elements of `dtype`.
    pub(crate) fn wrap(&self, slice: CudaSlice<u8>, dtype: Dtype, len: usize) -> Buffer {
        Buffer::new(CudaBuffer {
            slice,
            dtype,
            len,
            device: self.device(),
        })
    }

    /// Copies host data to a new device buffer.
    fn to_device(&self, host: &HostBuffer) -> Result<CudaBuffer, CudaError> {
        let bytes = host.bytes();
        let slice = if bytes.is_empty() {
            self.stream.alloc_zeros::<u8>(1).map_err(drv)?
        } else {
            self.stream.clone_htod(bytes).map_err(drv)?
        };
        Ok(CudaBuffer {
            slice,
            dtype: host.dtype(),
            len: host.len(),
            device: self.device(),
        })
    }

    /// Copies a device buffer back to the host (waits for the stream).
    fn to_host(&self, b: &CudaBuffer) -> Result<HostBuffer, CudaError> {
        let mut host = HostBuffer::zeros(b.dtype, b.len);
        let nbytes = b.len * b.dtype.size_of();
        if nbytes == 0 {
            return Ok(host);
        }
        let dst = host_bytes_mut(&mut host)?;
        let src = b.slice.slice(0..nbytes);
        self.stream.memcpy_dtoh(&src, dst).map_err(drv)?;
        self.stream.synchronize().map_err(drv)?;
        Ok(host)
    }

    fn kernel(
        &self,
        key: &KernelKey,
        src: impl FnOnce() -> String,
    ) -> Result<CudaFunction, CudaError> {
        if let Some(f) = self.cache.lock().get(key) {
            return Ok(f.clone());
        }
        let ptx =
            cudarc::nvrtc::compile_ptx(src()).map_err(|e| CudaError::Compile(e.to_string()))?;
        let module = self.ctx.load_module(ptx).map_err(drv)?;
        let f = module.load_function("k").map_err(drv)?;
        self.cache.lock().insert(key.clone(), f.clone());
        Ok(f)
    }

    fn elementwise(&self, call: &OpCall<'_>, expr: &str) -> Result<ArrayData, BackendError> {
        let op = call.primitive.name();
        let unsupported = |reason: String| BackendError::Unsupported {
            backend: NAME,
            op: op.clone(),
            reason,
        };
        let dtypes: Vec<Dtype> = call.inputs.iter().map(|a| a.dtype).collect();
        // Value operands share one float dtype; `Select`'s condition is bool.
        let values = if matches!(call.primitive, Primitive::Select) {
            if dtypes.first() != Some(&Dtype::Bool) {
                return Err(unsupported("condition is not bool".into()));
            }
            &dtypes[1..]
        } else {
            &dtypes[..]
        };
        let input = *values
            .first()
            .ok_or_else(|| unsupported("no input".into()))?;
        if kernels::storage(input).is_none() || input == Dtype::Bool {
            return Err(unsupported(format!("input dtype {input}")));
        }
        if values.iter().any(|&d| d != input) {
            return Err(unsupported("mixed input dtypes".into()));
        }
        if kernels::storage(call.dtype).is_none() {
            return Err(unsupported(format!("output dtype {}", call.dtype)));
        }
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
        let n: usize = call.shape.iter().product();
        let contiguous = call.inputs.iter().all(|a| a.layout.is_row_contiguous());
        let ndim = if contiguous { 0 } else { call.shape.len() };
        let meta = meta(call.shape, call.inputs.iter().map(|a| &a.layout), ndim);
        let key = KernelKey {
            op: op.clone(),
            inputs: dtypes.clone(),
            output: call.dtype,
            ndim,
        };
        let f = self.kernel(&key, || kernels::source(&dtypes, expr, call.dtype, ndim))?;
        let out_bytes = n * call.dtype.size_of();
        let mut out = self.alloc_bytes(out_bytes)?;
        if n > 0 {
            let meta = self
                .stream
                .clone_htod(&meta)
                .map_err(|e| BackendError::from(drv(e)))?;
            let n64 = n as i64;
            let blocks = u32::try_from(n.div_ceil(256))
                .map_err(|_| unsupported("too many elements".into()))?;
            let cfg = LaunchConfig {
                grid_dim: (blocks, 1, 1),
                block_dim: (256, 1, 1),
                shared_mem_bytes: 0,
            };
            let mut launch = self.stream.launch_builder(&f);
            for b in &bufs {
                launch.arg(&b.slice);
            }
            launch.arg(&mut out);
            launch.arg(&meta);
            launch.arg(&n64);
            // SAFETY: the kernel `k` was generated for exactly these
            // arguments (inputs, output, meta, n); every input index it forms
            // comes from the input's layout, which the scheduler guarantees
            // lies inside its buffer, and the output holds n elements.
            unsafe { launch.launch(cfg) }.map_err(|e| BackendError::from(drv(e)))?;
        }
        Ok(ArrayData::contiguous(
            self.wrap(out, call.dtype, n),
            call.shape,
        ))
    }
}

/// The kernel's `meta` array: the shape, each layout's strides, each offset.
fn meta<'a>(
    shape: &[usize],
    layouts: impl Iterator<Item = &'a Layout> + Clone,
    ndim: usize,
) -> Vec<i64> {
    let mut m: Vec<i64> = Vec::new();
    if ndim > 0 {
        m.extend(shape.iter().map(|&d| d as i64));
        for l in layouts.clone() {
            m.extend(l.strides().iter().map(|&s| s as i64));
        }
    }
    m.extend(layouts.map(|l| l.offset() as i64));
    m
}

fn typed_bytes<T: Native + bytemuck::Pod>(h: &mut HostBuffer) -> Result<&mut [u8], CudaError> {
    let s = h
        .as_mut_slice::<T>()
        .map_err(|e| CudaError::Driver(e.to_string()))?;
    Ok(bytemuck::cast_slice_mut(s))
}

fn host_bytes_mut(h: &mut HostBuffer) -> Result<&mut [u8], CudaError> {
    use mlx_core::half::{bf16, f16};
    match h.dtype() {
        Dtype::Bool => typed_bytes::<mlx_core::Bool8>(h),
        Dtype::Uint8 => typed_bytes::<u8>(h),
        Dtype::Uint16 => typed_bytes::<u16>(h),
        Dtype::Uint32 => typed_bytes::<u32>(h),
        Dtype::Uint64 => typed_bytes::<u64>(h),
        Dtype::Int8 => typed_bytes::<i8>(h),
        Dtype::Int16 => typed_bytes::<i16>(h),
        Dtype::Int32 => typed_bytes::<i32>(h),
        Dtype::Int64 => typed_bytes::<i64>(h),
        Dtype::Float16 => typed_bytes::<f16>(h),
        Dtype::Bfloat16 => typed_bytes::<bf16>(h),
        Dtype::Float32 => typed_bytes::<f32>(h),
        Dtype::Float64 => typed_bytes::<f64>(h),
        Dtype::Complex64 => typed_bytes::<mlx_core::num_complex::Complex32>(h),
    }
}

impl Backend for CudaBackend {
    fn name(&self) -> &'static str {
        NAME
    }
    fn device(&self) -> Device {
        Device::new(DeviceKind::Cuda, self.ordinal as u32)
    }
    fn eval(&self, call: &OpCall<'_>) -> Result<ArrayData, BackendError> {
        if matches!(call.primitive, Primitive::Matmul) {
            return self.matmul(call);
        }
        if let Primitive::Reduce { op, axes } = call.primitive {
            return self.reduce(call, *op, axes);
        }
        if let Primitive::ArgReduce { op, axis } = call.primitive {
            return self.arg_reduce(call, *op, *axis);
        }
        if let Primitive::Softmax { .. } = call.primitive {
            return self.softmax(call);
        }
        if let Primitive::RmsNorm { eps } = call.primitive {
            return self.rms_norm(call, *eps);
        }
        if let Primitive::Scan {
            op,
            axis,
            reverse,
            inclusive,
        } = call.primitive
        {
            return self.scan(call, *op, *axis, *reverse, *inclusive);
        }
        let expr = match call.primitive {
            Primitive::Unary(u) if call.inputs.len() == 1 => kernels::unary_expr(*u),
            Primitive::Binary(b) if call.inputs.len() == 2 => kernels::binary_expr(*b),
            // Conversions among float32/float16/bfloat16 and to bool.
            Primitive::AsType if call.inputs.len() == 1 => Some("x"),
            Primitive::Select if call.inputs.len() == 3 => Some("(x != 0.0f ? y : z)"),
            _ => None,
        };
        match expr {
            Some(e) => self.elementwise(call, e),
            None => Err(BackendError::Unsupported {
                backend: NAME,
                op: call.primitive.name(),
                reason: "not implemented on CUDA yet".into(),
            }),
        }
    }
    fn download(&self, buffer: &Buffer) -> Result<Buffer, BackendError> {
        if buffer.as_host().is_some() {
            return Ok(buffer.clone());
        }
        let b = buffer
            .downcast_ref::<CudaBuffer>()
            .ok_or_else(|| BackendError::Failed {
                backend: NAME,
                message: format!(
                    "download of a buffer not owned by CUDA ({})",
                    buffer.device()
                ),
            })?;
        Ok(Buffer::new(self.to_host(b)?))
    }
    fn upload(&self, buffer: &Buffer) -> Result<Buffer, BackendError> {
        if buffer.downcast_ref::<CudaBuffer>().is_some() {
            return Ok(buffer.clone());
        }
        let h = buffer.as_host().ok_or_else(|| BackendError::Failed {
            backend: NAME,
            message: format!("upload of a non-host buffer ({})", buffer.device()),
        })?;
        Ok(Buffer::new(self.to_device(h)?))
    }
    fn synchronize(&self) -> Result<(), BackendError> {
        self.stream
            .synchronize()
            .map_err(|e| BackendError::from(drv(e)))
    }
}

/// Opens GPU `ordinal` and registers it as the backend of
/// `Device::new(DeviceKind::Cuda, ordinal)`.
///
/// ```
/// if let Ok(b) = mlx_cuda::register(0) { assert_eq!(b.cached_kernels(), 0); }
/// ```
pub fn register(ordinal: usize) -> Result<Arc<CudaBackend>, CudaError> {
    let b = CudaBackend::new(ordinal)?;
    mlx_core::backend::register_backend(b.clone());
    Ok(b)
}
