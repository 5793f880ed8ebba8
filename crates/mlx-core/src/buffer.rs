//! Backend-owned, dtype-tagged buffers, the host (CPU) buffer and its caching
//! allocator.
//!
//! A buffer is written exactly once, by the kernel that creates it, while the
//! kernel owns it by value (`&mut HostBuffer`). Once wrapped in a [`Buffer`]
//! it is shared and immutable: the type system forbids a write to data that
//! any other node, view or device may still read.

use crate::{Device, Dtype, Error, Layout, Native, Result};
use bytemuck::{Pod, Zeroable};
use parking_lot::Mutex;
use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A buffer owned by some backend. Implemented by [`HostBuffer`] for the CPU
/// and by each device backend for its own memory.
pub trait DeviceBuffer: Send + Sync + fmt::Debug + 'static {
    /// Where the memory lives.
    fn device(&self) -> Device;
    /// Element type.
    fn dtype(&self) -> Dtype;
    /// Number of elements.
    fn len(&self) -> usize;
    /// True if it holds no element.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Downcasting hook for the owning backend.
    fn as_any(&self) -> &dyn Any;
    /// The host view, when the memory is directly readable by the CPU.
    fn as_host(&self) -> Option<&HostBuffer> {
        None
    }
}

/// A shared, immutable handle to a backend buffer.
///
/// ```
/// use mlx_core::{Buffer, HostBuffer};
/// let b = Buffer::new(HostBuffer::from_slice(&[1.0f32, 2.0]));
/// assert_eq!(b.len(), 2);
/// assert_eq!(b.as_host().unwrap().as_slice::<f32>().unwrap(), &[1.0, 2.0]);
/// ```
#[derive(Clone, Debug)]
pub struct Buffer(Arc<dyn DeviceBuffer>);

impl Buffer {
    /// Wraps a freshly written buffer; from now on it is read-only.
    pub fn new<B: DeviceBuffer>(b: B) -> Buffer {
        Buffer(Arc::new(b))
    }
    /// Where the memory lives.
    pub fn device(&self) -> Device {
        self.0.device()
    }
    /// Element type.
    pub fn dtype(&self) -> Dtype {
        self.0.dtype()
    }
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// True if it holds no element.
    pub fn is_empty(&self) -> bool {
        self.0.len() == 0
    }
    /// The host view, for CPU-resident memory.
    pub fn as_host(&self) -> Option<&HostBuffer> {
        self.0.as_host()
    }
    /// The concrete buffer type, for the backend that owns it.
    pub fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref::<T>()
    }
    /// True when both handles share one allocation (a view and its base).
    pub fn ptr_eq(&self, other: &Buffer) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
    /// Number of handles sharing this buffer (views, nodes, callers).
    pub fn strong_count(&self) -> usize {
        Arc::strong_count(&self.0)
    }
}

/// The materialised value of a node: a buffer, the layout through which the
/// node sees it, and the node's dtype.
#[derive(Clone, Debug)]
pub struct ArrayData {
    /// The storage.
    pub buffer: Buffer,
    /// How the node addresses it.
    pub layout: Layout,
    /// Element type (equal to the buffer's unless the node is a bit view).
    pub dtype: Dtype,
}

impl ArrayData {
    /// A contiguous array over a whole buffer.
    pub fn contiguous(buffer: Buffer, shape: &[usize]) -> ArrayData {
        let dtype = buffer.dtype();
        ArrayData {
            buffer,
            layout: Layout::contiguous(shape),
            dtype,
        }
    }
}

/// 64-byte aligned allocation unit, so every dtype (and SIMD) is aligned.
#[repr(C, align(64))]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Block([u8; 64]);

/// Bytes that someone else owns (a memory map, a foreign allocation) and that
/// a [`HostBuffer`] can borrow for as long as it lives.
pub trait ExternalBytes: Send + Sync + fmt::Debug + 'static {
    /// The bytes.
    fn bytes(&self) -> &[u8];
}

enum Storage {
    Owned(Vec<Block>),
    External {
        owner: Arc<dyn ExternalBytes>,
        start: usize,
    },
}

/// CPU memory holding `len` elements of one dtype, natively typed.
///
/// ```
/// use mlx_core::{Dtype, HostBuffer};
/// let mut b = HostBuffer::zeros(Dtype::Float16, 3);
/// b.as_mut_slice::<half::f16>().unwrap()[1] = half::f16::from_f32(1.5);
/// assert_eq!(b.as_slice::<half::f16>().unwrap()[1].to_f32(), 1.5);
/// assert!(b.as_slice::<f32>().is_err());
/// ```
pub struct HostBuffer {
    dtype: Dtype,
    len: usize,
    storage: Storage,
}

impl fmt::Debug for HostBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostBuffer({}, {} elements)", self.dtype, self.len)
    }
}

impl HostBuffer {
    /// A buffer with unspecified (but initialised) contents, possibly reused
    /// from the allocator's cache. The writer must fill every element.
    pub fn alloc(dtype: Dtype, len: usize) -> HostBuffer {
        HostBuffer::alloc_fresh(dtype, len).0
    }

    /// [`alloc`](Self::alloc), also telling whether the memory came fresh
    /// (zeroed) from the system rather than from the cache.
    fn alloc_fresh(dtype: Dtype, len: usize) -> (HostBuffer, bool) {
        let bytes = len * dtype.size_of();
        let (v, fresh) = pool().take(bytes.div_ceil(64));
        let b = HostBuffer {
            dtype,
            len,
            storage: Storage::Owned(v),
        };
        (b, fresh)
    }

    /// A zero-filled buffer.
    ///
    /// ```
    /// use mlx_core::{Dtype, HostBuffer};
    /// let b = HostBuffer::zeros(Dtype::Float32, 3);
    /// assert_eq!(b.as_slice::<f32>().unwrap(), &[0.0; 3]);
    /// ```
    pub fn zeros(dtype: Dtype, len: usize) -> HostBuffer {
        let (mut b, fresh) = HostBuffer::alloc_fresh(dtype, len);
        if !fresh {
            if let Storage::Owned(v) = &mut b.storage {
                v.fill(Block([0; 64]));
            }
        }
        b
    }

    /// Copies a slice into a new buffer.
    pub fn from_slice<T: Native>(data: &[T]) -> HostBuffer {
        let mut b = HostBuffer::alloc(T::DTYPE, data.len());
        b.typed_mut::<T>().copy_from_slice(data);
        b
    }

    /// Borrows external bytes without copying (for memory-mapped files).
    /// Fails if the range is out of bounds or misaligned for `dtype`.
    pub fn from_external(
        dtype: Dtype,
        len: usize,
        owner: Arc<dyn ExternalBytes>,
        start: usize,
    ) -> Result<HostBuffer> {
        let nbytes = len
            .checked_mul(dtype.size_of())
            .ok_or_else(|| Error::invalid("from_external", "size overflows"))?;
        let all = owner.bytes();
        let end = start
            .checked_add(nbytes)
            .filter(|&e| e <= all.len())
            .ok_or_else(|| {
                Error::invalid(
                    "from_external",
                    format!("range {start}..+{nbytes} exceeds {} bytes", all.len()),
                )
            })?;
        let ptr = all[start..end].as_ptr() as usize;
        if !ptr.is_multiple_of(dtype.size_of().max(1)) {
            return Err(Error::invalid(
                "from_external",
                format!("data at byte {start} is not aligned for {dtype}"),
            ));
        }
        Ok(HostBuffer {
            dtype,
            len,
            storage: Storage::External { owner, start },
        })
    }

    /// Element type.
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when the memory is borrowed from an [`ExternalBytes`] owner.
    pub fn is_external(&self) -> bool {
        matches!(self.storage, Storage::External { .. })
    }

    /// The raw bytes (`len * size_of` of them).
    pub fn bytes(&self) -> &[u8] {
        let n = self.len * self.dtype.size_of();
        match &self.storage {
            Storage::Owned(v) => &bytemuck::cast_slice::<Block, u8>(v)[..n],
            Storage::External { owner, start } => &owner.bytes()[*start..*start + n],
        }
    }

    /// The elements as their native type; `Err` if `T` is not this dtype's.
    pub fn as_slice<T: Native>(&self) -> Result<&[T]> {
        if T::DTYPE != self.dtype {
            return Err(Error::DtypeMismatch {
                op: "as_slice",
                actual: self.dtype,
                requested: T::DTYPE,
            });
        }
        Ok(bytemuck::cast_slice(self.bytes()))
    }

    /// Mutable elements; only while the writer owns the buffer by value.
    pub fn as_mut_slice<T: Native>(&mut self) -> Result<&mut [T]> {
        if T::DTYPE != self.dtype {
            return Err(Error::DtypeMismatch {
                op: "as_mut_slice",
                actual: self.dtype,
                requested: T::DTYPE,
            });
        }
        if self.is_external() {
            return Err(Error::invalid(
                "as_mut_slice",
                "buffer borrows external memory and is read-only",
            ));
        }
        Ok(self.typed_mut())
    }

    fn typed_mut<T: Native>(&mut self) -> &mut [T] {
        let n = self.len * self.dtype.size_of();
        match &mut self.storage {
            Storage::Owned(v) => {
                bytemuck::cast_slice_mut(&mut bytemuck::cast_slice_mut::<Block, u8>(v)[..n])
            }
            Storage::External { .. } => &mut [],
        }
    }
}

impl DeviceBuffer for HostBuffer {
    fn device(&self) -> Device {
        Device::cpu()
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
    fn as_host(&self) -> Option<&HostBuffer> {
        Some(self)
    }
}

impl Drop for HostBuffer {
    fn drop(&mut self) {
        if let Storage::Owned(v) = &mut self.storage {
            pool().give(std::mem::take(v));
        }
    }
}

/// Allocations smaller than this (and larger than the per-thread small
/// buffers) go straight to the system allocator. Chunk-sized temporaries of
/// fused programs (32 KiB) are above it, so they are recycled, not zeroed.
const POOL_MIN_BYTES: usize = 4 * 1024;

struct Pool {
    free: Mutex<HashMap<usize, Vec<Vec<Block>>>>,
    cached: AtomicUsize,
    active: AtomicUsize,
    peak: AtomicUsize,
    limit: AtomicUsize,
}

fn pool() -> &'static Pool {
    static POOL: std::sync::OnceLock<Pool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| Pool {
        free: Mutex::new(HashMap::new()),
        cached: AtomicUsize::new(0),
        active: AtomicUsize::new(0),
        peak: AtomicUsize::new(0),
        limit: AtomicUsize::new(1 << 30),
    })
}

/// Buffers of at most this many blocks are recycled per thread without a
/// lock (scalars and other tiny arrays dominate graph-building workloads).
const SMALL_BLOCKS: usize = 4;
/// Recycled small buffers kept per size and thread.
const SMALL_KEEP: usize = 4096;

thread_local! {
    static SMALL: std::cell::RefCell<[Vec<Vec<Block>>; SMALL_BLOCKS]> =
        const { std::cell::RefCell::new([const { Vec::new() }; SMALL_BLOCKS]) };
}

impl Pool {
    /// A buffer of `blocks` blocks and whether it is fresh (zeroed).
    fn take(&self, blocks: usize) -> (Vec<Block>, bool) {
        let bytes = blocks * 64;
        let now = self.active.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.peak.fetch_max(now, Ordering::Relaxed);
        if (1..=SMALL_BLOCKS).contains(&blocks) {
            if let Some(v) = SMALL
                .try_with(|c| c.borrow_mut()[blocks - 1].pop())
                .ok()
                .flatten()
            {
                return (v, false);
            }
        }
        if bytes >= POOL_MIN_BYTES {
            if let Some(v) = self.free.lock().get_mut(&blocks).and_then(|l| l.pop()) {
                self.cached.fetch_sub(bytes, Ordering::Relaxed);
                return (v, false);
            }
        }
        (bytemuck::zeroed_vec(blocks), true)
    }

    fn give(&self, v: Vec<Block>) {
        let bytes = v.len() * 64;
        self.active.fetch_sub(bytes, Ordering::Relaxed);
        let blocks = v.len();
        if (1..=SMALL_BLOCKS).contains(&blocks) {
            let _ = SMALL.try_with(|c| {
                let mut c = c.borrow_mut();
                if c[blocks - 1].len() < SMALL_KEEP {
                    c[blocks - 1].push(v);
                }
            });
            return;
        }
        if bytes < POOL_MIN_BYTES {
            return;
        }
        let limit = self.limit.load(Ordering::Relaxed);
        if self.cached.load(Ordering::Relaxed) + bytes > limit {
            return;
        }
        self.cached.fetch_add(bytes, Ordering::Relaxed);
        self.free.lock().entry(v.len()).or_default().push(v);
    }
}

/// Host memory statistics and cache control (MLX's `get_active_memory`,
/// `get_cache_memory`, `get_peak_memory`, `set_cache_limit`, `clear_cache`).
pub mod memory {
    use super::*;

    /// Bytes held by live host buffers.
    ///
    /// ```
    /// let _ = mlx_core::memory::active_memory();
    /// ```
    pub fn active_memory() -> usize {
        pool().active.load(Ordering::Relaxed)
    }
    /// Bytes of freed buffers kept for reuse.
    pub fn cache_memory() -> usize {
        pool().cached.load(Ordering::Relaxed)
    }
    /// Highest `active_memory` seen since start or the last reset.
    pub fn peak_memory() -> usize {
        pool().peak.load(Ordering::Relaxed)
    }
    /// Resets the peak to the current active memory.
    pub fn reset_peak_memory() {
        pool().peak.store(active_memory(), Ordering::Relaxed);
    }
    /// Sets the most bytes the cache may keep; returns the previous limit.
    pub fn set_cache_limit(bytes: usize) -> usize {
        let old = pool().limit.swap(bytes, Ordering::Relaxed);
        if cache_memory() > bytes {
            clear_cache();
        }
        old
    }
    /// Returns every cached buffer to the system.
    pub fn clear_cache() {
        let drained: Vec<_> = pool().free.lock().drain().collect();
        let n: usize = drained.iter().map(|(b, l)| b * 64 * l.len()).sum::<usize>();
        pool().cached.fetch_sub(n, Ordering::Relaxed);
        drop(drained);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_is_zero_even_from_recycled_buffers() {
        for len in [3usize, 40, 2000, 20_000] {
            let mut b = HostBuffer::alloc(Dtype::Float32, len);
            b.as_mut_slice::<f32>().unwrap().fill(7.0);
            drop(b);
            let z = HostBuffer::zeros(Dtype::Float32, len);
            assert!(
                z.as_slice::<f32>().unwrap().iter().all(|&v| v == 0.0),
                "len {len}"
            );
        }
    }
}
