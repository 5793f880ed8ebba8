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
//! * **Buffers.** A [`CudaBuffer`] owns a block of device memory from the
//!   caching allocator ([`allocator`]), tagged with its dtype and element
//!   count, and the CUDA event recorded right after the work that wrote it.
//!   Dropping it returns the block to a per-size-class free list, from
//!   which the next output of that class is served;
//!   [`CudaBackend::active_memory`], [`CudaBackend::cache_memory`],
//!   [`CudaBackend::peak_memory`], [`CudaBackend::set_memory_limit`],
//!   [`CudaBackend::set_cache_limit`] and [`CudaBackend::clear_cache`] read
//!   and steer it, as MLX's `mx.get_active_memory()` and friends do.
//! * **Queue.** One compute stream per backend: kernels, cuBLAS calls,
//!   uploads and frees run on it in submission order, so a block freed by
//!   one node and handed to the next is written only after every earlier
//!   reader ran. `eval` returns as soon as the work is queued;
//!   [`Backend::synchronize`] waits for the stream.
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
//! # Host access: no host mutation while the device may use the memory
//!
//! The types, not conventions, keep the host away from memory the device may
//! still use:
//!
//! * Device memory is only reachable through [`Buffer`], a shared immutable
//!   handle (`Arc<dyn DeviceBuffer>`); [`CudaBuffer`] has no host-mutable
//!   API at all, and its block is written once, by the kernel that creates
//!   it, before it is wrapped. While any handle lives the block is not
//!   reused, and after the last one drops it is reused only by work queued
//!   behind every earlier reader on the same stream.
//! * Host data comes only from [`Backend::download`], which waits for the
//!   buffer's own ready event (not for the whole device: the copy runs on a
//!   separate copy stream that waits on that event) and answers a fresh,
//!   host-owned [`HostBuffer`] that the device never sees again.
//! * [`Backend::upload`] reads the user's host buffer through `&`, and
//!   returns only after the copy has completed, so the caller may drop,
//!   reuse or mutate its memory right away. (Kernel metadata, a few hundred
//!   bytes of shapes and strides, is copied from pageable memory, which the
//!   driver stages before the call returns.)
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

pub mod allocator;
mod copy;
mod elementwise;
mod kernels;
mod matmul;
mod reduce;
mod scan;
mod softmax;

use allocator::{DeviceMem, MemoryStats, Pool};
use cudarc::driver::{CudaContext, CudaEvent, CudaFunction, CudaStream};
use mlx_core::backend::{Backend, BackendError};
use mlx_core::{
    ArrayData, Buffer, Device, DeviceBuffer, DeviceKind, Dtype, HostBuffer, Native, OpCall,
    Primitive,
};
use parking_lot::Mutex;
use std::any::Any;
use std::collections::{BTreeMap, HashMap};
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
    /// An allocation would pass the memory limit
    /// ([`CudaBackend::set_memory_limit`]) even after the cache was cleared.
    OutOfMemory {
        /// Bytes asked for.
        requested: usize,
        /// Bytes held by live buffers.
        active: usize,
        /// The limit.
        limit: usize,
    },
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
            CudaError::OutOfMemory {
                requested,
                active,
                limit,
            } => write!(
                f,
                "cuda: out of memory: {requested} bytes requested with {active} active, limit {limit}"
            ),
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

/// Device memory of the CUDA backend: raw bytes from the caching allocator
/// plus dtype and length, and the event recorded after the work that wrote
/// it. Immutable once created; dropping it returns the block to the cache.
pub struct CudaBuffer {
    slice: DeviceMem,
    dtype: Dtype,
    len: usize,
    device: Device,
    /// Recorded on the stream right after the writing work was queued;
    /// `download` waits for this event only.
    ready: Option<CudaEvent>,
}

impl CudaBuffer {
    /// The device address of the data (the same address coming back for a
    /// new buffer shows the allocator's cache at work).
    ///
    /// ```
    /// # use mlx_core::{backend::Backend, Buffer, HostBuffer};
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) {
    ///     let d = b.upload(&Buffer::new(HostBuffer::from_slice(&[1.0f32]))).unwrap();
    ///     assert_ne!(d.downcast_ref::<mlx_cuda::CudaBuffer>().unwrap().address(), 0);
    /// }
    /// ```
    pub fn address(&self) -> u64 {
        self.slice.address()
    }

    /// True once the work that writes this buffer has finished on the device
    /// (a non-blocking query of its event).
    ///
    /// ```
    /// # use mlx_core::{backend::Backend, Buffer, HostBuffer};
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) {
    ///     let d = b.upload(&Buffer::new(HostBuffer::from_slice(&[1.0f32]))).unwrap();
    ///     b.synchronize().unwrap();
    ///     assert!(d.downcast_ref::<mlx_cuda::CudaBuffer>().unwrap().is_ready());
    /// }
    /// ```
    pub fn is_ready(&self) -> bool {
        match &self.ready {
            Some(e) => e.is_complete(),
            None => true,
        }
    }
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

/// The CUDA backend: one context, one compute stream, a copy stream for
/// downloads, a caching allocator and a kernel cache.
pub struct CudaBackend {
    ordinal: usize,
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    copy: Arc<CudaStream>,
    pool: Arc<Pool>,
    coverage: Mutex<BTreeMap<String, (u64, u64)>>,
    /// Per primitive, why its nodes fell back (reason -> count).
    fallbacks: Mutex<BTreeMap<String, BTreeMap<String, u64>>>,
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

/// True when the NVRTC library (the run-time kernel compiler) can be loaded.
///
/// ```
/// let _maybe: bool = mlx_cuda::nvrtc_present();
/// ```
pub fn nvrtc_present() -> bool {
    // SAFETY: only tries to dlopen the NVRTC library and drops it.
    unsafe { cudarc::nvrtc::sys::is_culib_present() }
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
        if !nvrtc_present() {
            return Err(CudaError::NoNvrtc);
        }
        let count = CudaContext::device_count().map_err(drv)?;
        let count = usize::try_from(count).unwrap_or(0);
        if ordinal >= count {
            return Err(CudaError::NoDevice { ordinal, count });
        }
        let ctx = CudaContext::new(ordinal).map_err(drv)?;
        // SAFETY: no slice exists yet. The backend orders its own work (one
        // compute stream; downloads wait on per-buffer events), so cudarc's
        // per-slice event tracking is not needed.
        unsafe { ctx.disable_event_tracking() };
        let stream = ctx.new_stream().map_err(drv)?;
        let copy = ctx.new_stream().map_err(drv)?;
        let total = ctx.total_mem().map_err(drv)?;
        let pool = Pool::new(stream.clone(), total);
        Ok(Arc::new(CudaBackend {
            ordinal,
            ctx,
            stream,
            copy,
            pool,
            coverage: Mutex::new(BTreeMap::new()),
            fallbacks: Mutex::new(BTreeMap::new()),
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
    /// one byte, so empty arrays still own a buffer) from the caching
    /// allocator. The contents are unspecified: a kernel must write every
    /// element it returns. Every output buffer comes from here.
    pub(crate) fn alloc_bytes(&self, nbytes: usize) -> Result<DeviceMem, BackendError> {
        Ok(self.pool.alloc(nbytes)?)
    }

    /// Wraps device memory written by this backend as a [`Buffer`] of `len`
    /// elements of `dtype`. Call it after the writing work is queued: it
    /// records the buffer's ready event on the stream.
    pub(crate) fn wrap(&self, slice: DeviceMem, dtype: Dtype, len: usize) -> Buffer {
        // Without an event (creation failed), download waits for the stream.
        let ready = self.stream.record_event(None).ok();
        Buffer::new(CudaBuffer {
            slice,
            dtype,
            len,
            device: self.device(),
            ready,
        })
    }

    /// Copies host data to a new device buffer. Returns once the copy has
    /// completed, so the host buffer may be dropped or reused right after.
    fn to_device(&self, host: &HostBuffer) -> Result<Buffer, BackendError> {
        let bytes = host.bytes();
        let mut mem = self.alloc_bytes(bytes.len())?;
        if !bytes.is_empty() {
            self.stream
                .memcpy_htod(bytes, &mut *mem)
                .map_err(|e| BackendError::from(drv(e)))?;
            // A copy from pageable memory may still read it after the call
            // returns; wait for this copy (an event right after it).
            let done = self
                .stream
                .record_event(None)
                .map_err(|e| BackendError::from(drv(e)))?;
            done.synchronize().map_err(|e| BackendError::from(drv(e)))?;
        }
        Ok(self.wrap(mem, host.dtype(), host.len()))
    }

    /// Copies a device buffer back to the host. The copy runs on the copy
    /// stream after the buffer's ready event: it waits for the work that
    /// wrote this buffer, not for everything queued since.
    fn to_host(&self, b: &CudaBuffer) -> Result<HostBuffer, CudaError> {
        let mut host = HostBuffer::alloc(b.dtype, b.len);
        let nbytes = b.len * b.dtype.size_of();
        if nbytes == 0 {
            return Ok(host);
        }
        match &b.ready {
            Some(ev) => self.copy.wait(ev).map_err(drv)?,
            None => {
                let ev = self.stream.record_event(None).map_err(drv)?;
                self.copy.wait(&ev).map_err(drv)?;
            }
        }
        let dst = host_bytes_mut(&mut host)?;
        let src = b.slice.slice(0..nbytes);
        self.copy.memcpy_dtoh(&src, dst).map_err(drv)?;
        self.copy.synchronize().map_err(drv)?;
        Ok(host)
    }

    /// Bytes held by live buffers of this backend (size classes).
    ///
    /// ```
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) { assert_eq!(b.active_memory(), 0); }
    /// ```
    pub fn active_memory(&self) -> usize {
        self.pool.stats().active
    }

    /// Bytes kept in the allocator's cache for reuse.
    ///
    /// ```
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) { assert_eq!(b.cache_memory(), 0); }
    /// ```
    pub fn cache_memory(&self) -> usize {
        self.pool.stats().cached
    }

    /// The highest [`active_memory`](Self::active_memory) since the start
    /// or the last [`reset_peak_memory`](Self::reset_peak_memory).
    ///
    /// ```
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) { assert_eq!(b.peak_memory(), 0); }
    /// ```
    pub fn peak_memory(&self) -> usize {
        self.pool.stats().peak
    }

    /// Sets the peak to the current active memory.
    ///
    /// ```
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) { b.reset_peak_memory(); }
    /// ```
    pub fn reset_peak_memory(&self) {
        self.pool.reset_peak()
    }

    /// All allocator statistics and limits at once.
    ///
    /// ```
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) { assert!(b.memory_stats().memory_limit > 0); }
    /// ```
    pub fn memory_stats(&self) -> MemoryStats {
        self.pool.stats()
    }

    /// Sets the memory limit (bytes; default: the device's memory) and
    /// answers the previous one. An allocation that would pass it first
    /// clears the cache, then fails with [`CudaError::OutOfMemory`].
    ///
    /// ```
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) {
    ///     let old = b.set_memory_limit(1 << 30);
    ///     b.set_memory_limit(old);
    /// }
    /// ```
    pub fn set_memory_limit(&self, bytes: usize) -> usize {
        self.pool.set_memory_limit(bytes)
    }

    /// Sets the cache limit (bytes; default: the memory limit), releasing
    /// cached blocks beyond it, and answers the previous one. `0` disables
    /// caching.
    ///
    /// ```
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) {
    ///     let old = b.set_cache_limit(0);
    ///     assert_eq!(b.cache_memory(), 0);
    ///     b.set_cache_limit(old);
    /// }
    /// ```
    pub fn set_cache_limit(&self, bytes: usize) -> usize {
        self.pool.set_cache_limit(bytes)
    }

    /// Releases every cached block to the driver.
    ///
    /// ```
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) { b.clear_cache(); assert_eq!(b.cache_memory(), 0); }
    /// ```
    pub fn clear_cache(&self) {
        self.pool.clear()
    }

    /// Per primitive: how many nodes the scheduler sent here that ran on the
    /// GPU, and how many answered `Unsupported` (and so ran on the CPU).
    /// Counted for the backend installed by [`register`].
    ///
    /// ```
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) { assert!(b.coverage().is_empty()); }
    /// ```
    pub fn coverage(&self) -> BTreeMap<String, (u64, u64)> {
        self.coverage.lock().clone()
    }

    /// Per primitive, the reasons its nodes answered `Unsupported` and how
    /// often each came up (counted for the backend installed by
    /// [`register`]); the companion of [`CudaBackend::coverage`].
    ///
    /// ```
    /// if let Ok(b) = mlx_cuda::CudaBackend::new(0) { assert!(b.fallback_reasons().is_empty()); }
    /// ```
    pub fn fallback_reasons(&self) -> BTreeMap<String, BTreeMap<String, u64>> {
        self.fallbacks.lock().clone()
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
            Primitive::Reduce { op, axes } => self.reduce(call, *op, axes),
            Primitive::ArgReduce { op, axis } => self.arg_reduce(call, *op, *axis),
            Primitive::Softmax { .. } => self.softmax(call),
            Primitive::RmsNorm { eps } => self.rms_norm(call, *eps),
            Primitive::Scan {
                op,
                axis,
                reverse,
                inclusive,
            } => self.scan(call, *op, *axis, *reverse, *inclusive),
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
        self.to_device(h)
    }
    fn synchronize(&self) -> Result<(), BackendError> {
        self.stream
            .synchronize()
            .map_err(|e| BackendError::from(drv(e)))
    }
}

/// Opens GPU `ordinal` and registers it as the backend of
/// `Device::new(DeviceKind::Cuda, ordinal)`. The registered backend counts,
/// per primitive, the nodes that ran on the GPU and those that fell back
/// ([`CudaBackend::coverage`]).
///
/// ```
/// if let Ok(b) = mlx_cuda::register(0) { assert_eq!(b.cached_kernels(), 0); }
/// ```
pub fn register(ordinal: usize) -> Result<Arc<CudaBackend>, CudaError> {
    let b = CudaBackend::new(ordinal)?;
    mlx_core::backend::register_backend(Arc::new(Counted(b.clone())));
    Ok(b)
}

/// The registered form of a [`CudaBackend`]: the same backend, counting
/// which nodes ran and which fell back.
struct Counted(Arc<CudaBackend>);

impl Backend for Counted {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn device(&self) -> Device {
        self.0.device()
    }
    fn eval(&self, call: &OpCall<'_>) -> Result<ArrayData, BackendError> {
        let r = self.0.eval(call);
        let name = call.primitive.name();
        if let Err(BackendError::Unsupported { reason, .. }) = &r {
            let dtypes: Vec<&str> = call.inputs.iter().map(|a| a.dtype.name()).collect();
            *self
                .0
                .fallbacks
                .lock()
                .entry(name.clone())
                .or_default()
                .entry(format!("{reason} [{}]", dtypes.join(", ")))
                .or_default() += 1;
        }
        let fell_back = matches!(r, Err(BackendError::Unsupported { .. }));
        let mut c = self.0.coverage.lock();
        let e = c.entry(name).or_default();
        if fell_back {
            e.1 += 1;
        } else if r.is_ok() {
            e.0 += 1;
        }
        r
    }
    fn download(&self, buffer: &Buffer) -> Result<Buffer, BackendError> {
        self.0.download(buffer)
    }
    fn upload(&self, buffer: &Buffer) -> Result<Buffer, BackendError> {
        self.0.upload(buffer)
    }
    fn fuses(&self) -> bool {
        self.0.fuses()
    }
    fn synchronize(&self) -> Result<(), BackendError> {
        self.0.synchronize()
    }
}
