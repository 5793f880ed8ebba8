//! The caching device allocator behind [`crate::CudaBackend`]'s outputs.
//!
//! Requests are rounded up to a size class ([`size_class`]: multiples of
//! 512 B up to 1 MiB, of 2 MiB pages above). A freed block goes back to the
//! free list of its class instead of to the driver, and the next request of
//! that class takes it again, so a training loop allocates from the driver
//! only during its first step.
//!
//! The bookkeeping ([`CacheBook`]) is a plain struct, generic over the block
//! handle, so its rules (classes, limits, eviction, statistics) are tested
//! without a GPU. [`Pool`] puts it in front of the driver: handles are raw
//! device pointers, allocated on and freed through the backend's stream.
//!
//! Reuse is safe because every kernel, copy and free of the backend runs on
//! one stream in submission order: a block handed out again is written only
//! by work queued after every earlier reader. Downloads read on a second
//! stream, but wait for their copy before they return, and the buffer being
//! read is borrowed (so alive) until then.

use crate::CudaError;
use cudarc::driver::sys::CUdeviceptr;
use cudarc::driver::{
    CudaSlice, CudaStream, DevicePtr, DevicePtrMut, DeviceSlice, LaunchArgs, PushKernelArg,
    SyncOnDrop,
};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// Requests up to this size round up to multiples of [`SMALL_ROUND`].
pub const SMALL_LIMIT: usize = 1 << 20;
/// Rounding of small requests (bytes).
pub const SMALL_ROUND: usize = 512;
/// Rounding of large requests: whole 2 MiB pages.
pub const LARGE_ROUND: usize = 2 << 20;

/// The size class (bytes actually reserved) of a request of `nbytes`: at
/// least one byte, rounded up to 512 B below 1 MiB and to 2 MiB pages
/// above. `None` when the rounding overflows.
///
/// ```
/// use mlx_cuda::allocator::size_class;
/// assert_eq!(size_class(0), Some(512));
/// assert_eq!(size_class(513), Some(1024));
/// assert_eq!(size_class(1 << 20), Some(1 << 20));
/// assert_eq!(size_class((1 << 20) + 1), Some(2 << 20));
/// assert_eq!(size_class(usize::MAX), None);
/// ```
pub fn size_class(nbytes: usize) -> Option<usize> {
    let n = nbytes.max(1);
    let round = if n <= SMALL_LIMIT {
        SMALL_ROUND
    } else {
        LARGE_ROUND
    };
    n.div_ceil(round).checked_mul(round)
}

/// What [`CacheBook::take`] grants.
#[derive(Debug, PartialEq, Eq)]
pub enum Take<H> {
    /// A cached block of the class; it now counts as active.
    Reuse(H),
    /// No cached block: the caller allocates the class from the driver (it
    /// already counts as active; call [`CacheBook::abort`] if that fails).
    Fresh,
    /// Granting the class would pass the memory limit while blocks are
    /// cached: free [`CacheBook::clear`]'s blocks and ask again.
    ClearCacheFirst,
    /// Granting the class would pass the memory limit even with an empty
    /// cache.
    OverLimit,
}

/// Memory statistics of an allocator, in bytes (size classes, not requests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryStats {
    /// Bytes held by live buffers.
    pub active: usize,
    /// Bytes held in the free lists, ready for reuse.
    pub cached: usize,
    /// Highest `active` since the start or the last reset.
    pub peak: usize,
    /// Limit on `active + cached` (after the cache is cleared, on `active`).
    pub memory_limit: usize,
    /// Limit on `cached`.
    pub cache_limit: usize,
}

/// The bookkeeping of a caching allocator over block handles `H`: free
/// lists per size class, active / cached / peak bytes, and the two limits.
///
/// ```
/// use mlx_cuda::allocator::{CacheBook, Take};
/// let mut book: CacheBook<u32> = CacheBook::new(1 << 30);
/// assert_eq!(book.take(1024), Take::Fresh); // the caller allocates block 7
/// assert!(book.give(7, 1024).is_empty()); // freed: cached, not released
/// assert_eq!(book.take(1024), Take::Reuse(7));
/// assert_eq!(book.stats().active, 1024);
/// ```
#[derive(Debug)]
pub struct CacheBook<H> {
    free: BTreeMap<usize, Vec<H>>,
    active: usize,
    cached: usize,
    peak: usize,
    memory_limit: usize,
    cache_limit: usize,
}

impl<H> CacheBook<H> {
    /// An empty book whose memory and cache limits are both `memory_limit`.
    ///
    /// ```
    /// let book: mlx_cuda::allocator::CacheBook<u8> = mlx_cuda::allocator::CacheBook::new(100);
    /// assert_eq!(book.stats().cache_limit, 100);
    /// ```
    pub fn new(memory_limit: usize) -> CacheBook<H> {
        CacheBook {
            free: BTreeMap::new(),
            active: 0,
            cached: 0,
            peak: 0,
            memory_limit,
            cache_limit: memory_limit,
        }
    }

    /// Grants a block of size class `class` (see [`Take`]).
    ///
    /// ```
    /// use mlx_cuda::allocator::{CacheBook, Take};
    /// let mut book: CacheBook<u8> = CacheBook::new(1024);
    /// assert_eq!(book.take(2048), Take::OverLimit);
    /// ```
    pub fn take(&mut self, class: usize) -> Take<H> {
        if let Some(list) = self.free.get_mut(&class) {
            if let Some(h) = list.pop() {
                if list.is_empty() {
                    self.free.remove(&class);
                }
                self.cached -= class;
                self.add_active(class);
                return Take::Reuse(h);
            }
        }
        let total = self
            .active
            .saturating_add(self.cached)
            .saturating_add(class);
        if total > self.memory_limit {
            return if self.cached > 0 {
                Take::ClearCacheFirst
            } else {
                Take::OverLimit
            };
        }
        self.add_active(class);
        Take::Fresh
    }

    fn add_active(&mut self, class: usize) {
        self.active += class;
        self.peak = self.peak.max(self.active);
    }

    /// Undoes a [`Take::Fresh`] grant whose driver allocation failed.
    ///
    /// ```
    /// let mut book: mlx_cuda::allocator::CacheBook<u8> = mlx_cuda::allocator::CacheBook::new(4096);
    /// book.take(1024);
    /// book.abort(1024);
    /// assert_eq!(book.stats().active, 0);
    /// ```
    pub fn abort(&mut self, class: usize) {
        self.active = self.active.saturating_sub(class);
    }

    /// Returns a block of class `class` to its free list. Answers the blocks
    /// the caller must now release to the driver because the cache passed
    /// its limit (largest classes first; possibly this very block).
    ///
    /// ```
    /// let mut book: mlx_cuda::allocator::CacheBook<u8> = mlx_cuda::allocator::CacheBook::new(1 << 20);
    /// book.set_cache_limit(0);
    /// book.take(512);
    /// assert_eq!(book.give(3, 512), vec![(3, 512)]);
    /// ```
    pub fn give(&mut self, h: H, class: usize) -> Vec<(H, usize)> {
        self.active = self.active.saturating_sub(class);
        self.free.entry(class).or_default().push(h);
        self.cached += class;
        self.trim(self.cache_limit)
    }

    /// Evicts cached blocks (largest classes first) until at most `keep`
    /// bytes stay cached; answers them for release.
    fn trim(&mut self, keep: usize) -> Vec<(H, usize)> {
        let mut out = Vec::new();
        while self.cached > keep {
            let Some(mut entry) = self.free.last_entry() else {
                break;
            };
            let class = *entry.key();
            match entry.get_mut().pop() {
                Some(h) => {
                    self.cached -= class;
                    out.push((h, class));
                }
                None => {
                    entry.remove();
                    continue;
                }
            }
            if entry.get().is_empty() {
                entry.remove();
            }
        }
        out
    }

    /// Empties the cache; answers every cached block for release.
    ///
    /// ```
    /// let mut book: mlx_cuda::allocator::CacheBook<u8> = mlx_cuda::allocator::CacheBook::new(1 << 20);
    /// book.take(512);
    /// book.give(1, 512);
    /// assert_eq!(book.clear(), vec![(1, 512)]);
    /// assert_eq!(book.stats().cached, 0);
    /// ```
    pub fn clear(&mut self) -> Vec<(H, usize)> {
        self.trim(0)
    }

    /// Sets the memory limit; answers the previous one.
    ///
    /// ```
    /// let mut book: mlx_cuda::allocator::CacheBook<u8> = mlx_cuda::allocator::CacheBook::new(10);
    /// assert_eq!(book.set_memory_limit(20), 10);
    /// ```
    pub fn set_memory_limit(&mut self, bytes: usize) -> usize {
        std::mem::replace(&mut self.memory_limit, bytes)
    }

    /// Sets the cache limit; answers the previous one and the blocks to
    /// release now.
    ///
    /// ```
    /// let mut book: mlx_cuda::allocator::CacheBook<u8> = mlx_cuda::allocator::CacheBook::new(10);
    /// assert_eq!(book.set_cache_limit(0).0, 10);
    /// ```
    pub fn set_cache_limit(&mut self, bytes: usize) -> (usize, Vec<(H, usize)>) {
        let old = std::mem::replace(&mut self.cache_limit, bytes);
        (old, self.trim(bytes))
    }

    /// Sets the peak to the current active bytes.
    ///
    /// ```
    /// let mut book: mlx_cuda::allocator::CacheBook<u8> = mlx_cuda::allocator::CacheBook::new(1 << 20);
    /// book.take(512);
    /// book.give(0, 512);
    /// book.reset_peak();
    /// assert_eq!(book.stats().peak, 0);
    /// ```
    pub fn reset_peak(&mut self) {
        self.peak = self.active;
    }

    /// The current statistics.
    ///
    /// ```
    /// let book: mlx_cuda::allocator::CacheBook<u8> = mlx_cuda::allocator::CacheBook::new(1);
    /// assert_eq!(book.stats().active, 0);
    /// ```
    pub fn stats(&self) -> MemoryStats {
        MemoryStats {
            active: self.active,
            cached: self.cached,
            peak: self.peak,
            memory_limit: self.memory_limit,
            cache_limit: self.cache_limit,
        }
    }
}

/// The device side of the allocator: a [`CacheBook`] of raw device pointers
/// in front of the driver, on the backend's stream.
pub(crate) struct Pool {
    book: Mutex<CacheBook<CUdeviceptr>>,
    stream: Arc<CudaStream>,
}

impl Pool {
    pub(crate) fn new(stream: Arc<CudaStream>, memory_limit: usize) -> Arc<Pool> {
        Arc::new(Pool {
            book: Mutex::new(CacheBook::new(memory_limit)),
            stream,
        })
    }

    /// `nbytes` of device memory (unspecified contents), from the cache when
    /// a block of its class is free.
    pub(crate) fn alloc(self: &Arc<Pool>, nbytes: usize) -> Result<DeviceMem, CudaError> {
        let class = size_class(nbytes).ok_or(CudaError::OutOfMemory {
            requested: nbytes,
            active: self.stats().active,
            limit: self.stats().memory_limit,
        })?;
        let mut cleared = false;
        loop {
            let grant = self.book.lock().take(class);
            match grant {
                Take::Reuse(ptr) => return Ok(self.adopt(ptr, nbytes, class)),
                Take::Fresh => {
                    // SAFETY: the contents are unspecified by contract; every
                    // kernel writes each element of its output.
                    match unsafe { self.stream.alloc::<u8>(class) } {
                        Ok(s) => {
                            let ptr = s.leak();
                            return Ok(self.adopt(ptr, nbytes, class));
                        }
                        Err(e) => {
                            self.book.lock().abort(class);
                            if cleared {
                                return Err(CudaError::Driver(e.to_string()));
                            }
                            // The driver is out of memory: release the cache
                            // and try once more.
                            self.clear();
                            cleared = true;
                        }
                    }
                }
                Take::ClearCacheFirst if !cleared => {
                    self.clear();
                    cleared = true;
                }
                Take::ClearCacheFirst | Take::OverLimit => {
                    let s = self.stats();
                    return Err(CudaError::OutOfMemory {
                        requested: nbytes,
                        active: s.active,
                        limit: s.memory_limit,
                    });
                }
            }
        }
    }

    fn adopt(self: &Arc<Pool>, ptr: CUdeviceptr, nbytes: usize, class: usize) -> DeviceMem {
        // SAFETY: `ptr` is a live allocation of `class >= nbytes.max(1)`
        // bytes owned by this pool and handed out to nobody else; event
        // tracking is off, so no driver call is made here.
        let slice = unsafe { self.stream.upgrade_device_ptr::<u8>(ptr, nbytes.max(1)) };
        DeviceMem {
            slice: ManuallyDrop::new(slice),
            ptr,
            class,
            pool: self.clone(),
        }
    }

    fn release(&self, blocks: Vec<(CUdeviceptr, usize)>) {
        for (ptr, class) in blocks {
            // SAFETY: the block left the book, so nobody else holds it;
            // dropping the slice frees it in stream order.
            drop(unsafe { self.stream.upgrade_device_ptr::<u8>(ptr, class) });
        }
    }

    pub(crate) fn give(&self, ptr: CUdeviceptr, class: usize) {
        let evicted = self.book.lock().give(ptr, class);
        self.release(evicted);
    }

    pub(crate) fn clear(&self) {
        let evicted = self.book.lock().clear();
        self.release(evicted);
    }

    pub(crate) fn stats(&self) -> MemoryStats {
        self.book.lock().stats()
    }

    pub(crate) fn set_memory_limit(&self, bytes: usize) -> usize {
        self.book.lock().set_memory_limit(bytes)
    }

    pub(crate) fn set_cache_limit(&self, bytes: usize) -> usize {
        let (old, evicted) = self.book.lock().set_cache_limit(bytes);
        self.release(evicted);
        old
    }

    pub(crate) fn reset_peak(&self) {
        self.book.lock().reset_peak();
    }
}

/// A block of device memory from the [`Pool`]: derefs to the
/// `CudaSlice<u8>` of the requested length, passes to kernels like one, and
/// goes back to the cache when dropped.
pub(crate) struct DeviceMem {
    slice: ManuallyDrop<CudaSlice<u8>>,
    ptr: CUdeviceptr,
    class: usize,
    pool: Arc<Pool>,
}

impl DeviceMem {
    /// The device address (for tests of reuse).
    pub(crate) fn address(&self) -> u64 {
        self.ptr
    }
}

impl Drop for DeviceMem {
    fn drop(&mut self) {
        // SAFETY: `slice` is not used after this point.
        let slice = unsafe { ManuallyDrop::take(&mut self.slice) };
        // The pointer goes back to the pool instead of to the driver.
        let _ = slice.leak();
        self.pool.give(self.ptr, self.class);
    }
}

impl Deref for DeviceMem {
    type Target = CudaSlice<u8>;
    fn deref(&self) -> &CudaSlice<u8> {
        &self.slice
    }
}

impl DerefMut for DeviceMem {
    fn deref_mut(&mut self) -> &mut CudaSlice<u8> {
        &mut self.slice
    }
}

impl DeviceSlice<u8> for DeviceMem {
    fn len(&self) -> usize {
        self.slice.len()
    }
    fn stream(&self) -> &Arc<CudaStream> {
        self.slice.stream()
    }
}

impl DevicePtr<u8> for DeviceMem {
    fn device_ptr<'a>(&'a self, stream: &'a CudaStream) -> (CUdeviceptr, SyncOnDrop<'a>) {
        self.slice.device_ptr(stream)
    }
}

impl DevicePtrMut<u8> for DeviceMem {
    fn device_ptr_mut<'a>(&'a mut self, stream: &'a CudaStream) -> (CUdeviceptr, SyncOnDrop<'a>) {
        self.slice.device_ptr_mut(stream)
    }
}

// SAFETY: forwards to the `CudaSlice` implementation, which pushes a pointer
// to the slice's device address; the borrow keeps the slice alive for 'b.
unsafe impl<'a, 'b: 'a> PushKernelArg<&'b DeviceMem> for LaunchArgs<'a> {
    fn arg(&mut self, arg: &'b DeviceMem) -> &mut Self {
        self.arg(&*arg.slice)
    }
}

// SAFETY: as above, for a kernel's output.
unsafe impl<'a, 'b: 'a> PushKernelArg<&'b mut DeviceMem> for LaunchArgs<'a> {
    fn arg(&mut self, arg: &'b mut DeviceMem) -> &mut Self {
        self.arg(&mut *arg.slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_round_up_with_bounded_waste() {
        for n in [1usize, 100, 511, 512, 513, 4000, 65536, SMALL_LIMIT] {
            let c = size_class(n).unwrap();
            assert!(
                c >= n && c - n < SMALL_ROUND && c.is_multiple_of(SMALL_ROUND),
                "{n}"
            );
        }
        for n in [SMALL_LIMIT + 1, 3 << 20, 256 << 20, (256 << 20) + 1] {
            let c = size_class(n).unwrap();
            assert!(
                c >= n && c - n < LARGE_ROUND && c.is_multiple_of(LARGE_ROUND),
                "{n}"
            );
        }
        assert_eq!(size_class(0), size_class(1));
    }

    #[test]
    fn reuse_is_per_class_and_accounted() {
        let mut b: CacheBook<u32> = CacheBook::new(1 << 30);
        assert_eq!(b.take(512), Take::Fresh);
        assert_eq!(b.take(1024), Take::Fresh);
        assert_eq!(b.stats().active, 1536);
        assert!(b.give(1, 512).is_empty());
        assert_eq!(b.stats().active, 1024);
        assert_eq!(b.stats().cached, 512);
        assert_eq!(b.stats().peak, 1536);
        // another class does not take the cached block
        assert_eq!(b.take(2048), Take::Fresh);
        assert_eq!(b.stats().peak, 3072);
        assert_eq!(b.take(512), Take::Reuse(1));
        assert_eq!(b.stats().cached, 0);
        assert_eq!(b.take(512), Take::Fresh);
        b.reset_peak();
        assert_eq!(b.stats().peak, b.stats().active);
    }

    #[test]
    fn memory_limit_clears_the_cache_then_fails() {
        let mut b: CacheBook<u32> = CacheBook::new(4096);
        assert_eq!(b.take(2048), Take::Fresh);
        assert_eq!(b.take(1024), Take::Fresh);
        assert!(b.give(9, 1024).is_empty());
        // 2048 active + 1024 cached + 2048 > 4096: clear first
        assert_eq!(b.take(2048), Take::ClearCacheFirst);
        assert_eq!(b.clear(), vec![(9, 1024)]);
        assert_eq!(b.take(2048), Take::Fresh);
        assert_eq!(b.stats().active, 4096);
        assert_eq!(b.take(512), Take::OverLimit);
        assert_eq!(b.stats().active, 4096);
        b.abort(2048);
        assert_eq!(b.stats().active, 2048);
        assert_eq!(b.set_memory_limit(1 << 20), 4096);
        assert_eq!(b.take(512), Take::Fresh);
    }

    #[test]
    fn cache_limit_evicts_largest_first() {
        let mut b: CacheBook<u32> = CacheBook::new(1 << 30);
        for _ in 0..3 {
            b.take(512);
        }
        b.take(4 << 20);
        assert!(b.give(1, 512).is_empty());
        assert!(b.give(2, 512).is_empty());
        assert!(b.give(3, 4 << 20).is_empty());
        let (old, ev) = b.set_cache_limit(1024);
        assert_eq!(old, 1 << 30);
        assert_eq!(ev, vec![(3, 4 << 20)]);
        assert_eq!(b.stats().cached, 1024);
        // over the limit: the freed block goes straight back
        assert_eq!(b.give(7, 512).len(), 1);
        assert_eq!(b.stats().cached, 1024);
        assert_eq!(b.stats().active, 0);
        let mut all = b.clear();
        all.sort();
        assert_eq!(all.len(), 2);
        assert_eq!(b.stats().cached, 0);
    }
}
