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
//! * **Kernels.** Elementwise unary and binary ops (comparisons, logical
//!   and bitwise ops included), `astype` and `where` run for every dtype but
//!   `complex64`, with the CPU backend's semantics per dtype (see
//!   `kernels.rs`). They are generated as CUDA C, compiled with NVRTC on
//!   first use and cached for the process by a [`KernelKey`] (the program's
//!   canonical text, dtypes, layout class: the number of dimensions after
//!   collapsing, or 0 when every operand is contiguous). Shapes, strides
//!   and offsets travel to the kernel by value, so broadcast, transposed
//!   and sliced views run without a copy.
//! * **Fusion.** The backend [fuses](Backend::fuses): inside `compile`, the
//!   scheduler hands it `Primitive::Fused` programs, each generated as ONE
//!   kernel (one register per instruction, rounded to its dtype).
//! * **Data movement.** `Copy`, `Concatenate`, `Gather` (`take`) and
//!   `GatherAxis` (`take_along_axis`) move elements of any dtype as words;
//!   out-of-range indices fall back to the CPU, which reports them.
//! * **Matmul.** `float32`, `float16`, `bfloat16` (accumulating in
//!   `float32`) and `float64` run on cuBLAS `GemmStridedBatchedEx`, reading
//!   row-major and transposed operands in place; TF32 for `float32` is
//!   opt-in ([`CudaBackend::set_tf32`]).
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

mod copy;
mod elementwise;
mod kernels;
mod matmul;

use cudarc::driver::{CudaContext, CudaFunction, CudaSlice, CudaStream};
use mlx_core::backend::{Backend, BackendError};
use mlx_core::{
    ArrayData, Buffer, Device, DeviceBuffer, DeviceKind, Dtype, HostBuffer, Native, OpCall,
    Primitive,
};
use parking_lot::Mutex;
use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    /// TF32 tensor cores for `float32` matmul (off by default).
    tf32: AtomicBool,
    /// Kernels (and cuBLAS calls) launched by this backend.
    launches: AtomicU64,
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
            tf32: AtomicBool::new(false),
            launches: AtomicU64::new(0),
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

    /// Kernel launches so far (elementwise, fused, copy, gather kernels and
    /// cuBLAS calls): a fused program counts once.
    ///
    /// ```
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) { assert_eq!(b.kernel_launches(), 0); }
    /// ```
    pub fn kernel_launches(&self) -> u64 {
        self.launches.load(Ordering::Relaxed)
    }

    pub(crate) fn count_launch(&self) {
        self.launches.fetch_add(1, Ordering::Relaxed);
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
        match call.primitive {
            Primitive::Matmul => self.matmul(call),
            Primitive::Unary(_) | Primitive::Binary(_) | Primitive::Select | Primitive::AsType => {
                self.elementwise(call)
            }
            Primitive::Fused(e) => self.fused(e, call),
            Primitive::Copy => self.copy(call),
            Primitive::Concatenate { axis } => self.concatenate(*axis, call),
            Primitive::Gather { axis } => self.gather(*axis, false, call),
            Primitive::GatherAxis { axis } => self.gather(*axis, true, call),
            _ => Err(BackendError::Unsupported {
                backend: NAME,
                op: call.primitive.name(),
                reason: "not implemented on CUDA yet".into(),
            }),
        }
    }
    fn fuses(&self) -> bool {
        true
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
