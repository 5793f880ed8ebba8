//! The runtime around the kernels: the caching allocator, per-buffer ready
//! events and host access. The `#[ignore]`d tests need an NVIDIA GPU (see the
//! crate README).

use mlx_core::backend::{Backend, BackendError};
use mlx_core::{ArrayData, BinaryOp, Buffer, Dtype, HostBuffer, Layout, OpCall, Primitive};
use mlx_cuda::{CudaBackend, CudaBuffer};
use std::sync::Arc;

fn gpu() -> Arc<CudaBackend> {
    match CudaBackend::new(0) {
        Ok(b) => b,
        Err(e) => panic!("this test needs a CUDA GPU: {e}"),
    }
}

fn upload(b: &CudaBackend, x: &[f32]) -> ArrayData {
    let buffer = b.upload(&Buffer::new(HostBuffer::from_slice(x))).unwrap();
    ArrayData {
        buffer,
        layout: Layout::contiguous(&[x.len()]),
        dtype: Dtype::Float32,
    }
}

fn add(b: &CudaBackend, x: &ArrayData, y: &ArrayData) -> Result<ArrayData, BackendError> {
    let shape = x.layout.shape().to_vec();
    b.eval(&OpCall {
        primitive: &Primitive::Binary(BinaryOp::Add),
        inputs: &[x.clone(), y.clone()],
        shape: &shape,
        dtype: Dtype::Float32,
    })
}

fn host(b: &CudaBackend, d: &ArrayData) -> Vec<f32> {
    let h = b.download(&d.buffer).unwrap();
    h.as_host().unwrap().as_slice::<f32>().unwrap().to_vec()
}

fn address(d: &ArrayData) -> u64 {
    d.buffer.downcast_ref::<CudaBuffer>().unwrap().address()
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn allocator_reuses_blocks_and_counts_memory() {
    let b = gpu();
    assert_eq!(b.active_memory(), 0);
    // 1000 f32 = 4000 bytes: size class 4096
    let x: Vec<f32> = (0..1000).map(|i| i as f32).collect();
    let ax = upload(&b, &x);
    assert_eq!(b.active_memory(), 4096);
    let s = add(&b, &ax, &ax).unwrap();
    assert_eq!(b.active_memory(), 8192);
    assert_eq!(b.peak_memory(), 8192);
    let first = address(&s);
    let want: Vec<f32> = x.iter().map(|v| v + v).collect();
    assert_eq!(host(&b, &s), want);
    drop(s);
    assert_eq!(b.active_memory(), 4096);
    assert_eq!(b.cache_memory(), 4096);
    // the same class comes back from the cache: the same block
    let s2 = add(&b, &ax, &ax).unwrap();
    assert_eq!(address(&s2), first);
    assert_eq!(b.cache_memory(), 0);
    assert_eq!(host(&b, &s2), want);
    // a different class does not take it
    let y: Vec<f32> = vec![1.0; 100_000];
    let ay = upload(&b, &y);
    assert_ne!(address(&ay), first);
    assert_eq!(b.active_memory(), 8192 + 400_384);
    drop(ay);
    drop(s2);
    assert_eq!(b.active_memory(), 4096);
    assert_eq!(b.peak_memory(), 8192 + 400_384);
    b.reset_peak_memory();
    assert_eq!(b.peak_memory(), 4096);
    assert!(b.cache_memory() >= 4096 + 400_384);
    b.clear_cache();
    assert_eq!(b.cache_memory(), 0);
    // a cache limit of 0 releases every freed block at once
    let old = b.set_cache_limit(0);
    drop(add(&b, &ax, &ax).unwrap());
    assert_eq!(b.cache_memory(), 0);
    b.set_cache_limit(old);
    // the memory limit: past it the cache is cleared, then a typed error
    drop(add(&b, &ax, &ax).unwrap());
    assert_eq!(b.cache_memory(), 4096);
    let old = b.set_memory_limit(8192);
    let ok = add(&b, &ax, &ax).unwrap(); // reuses the cached block
    assert_eq!(b.active_memory(), 8192);
    match add(&b, &ax, &ax) {
        Err(BackendError::Failed { message, .. }) => {
            assert!(message.contains("out of memory"), "{message}")
        }
        other => panic!("expected an out-of-memory error, got {other:?}"),
    }
    drop(ok);
    assert_eq!(b.set_memory_limit(old), 8192);
    b.clear_cache();
    drop(ax);
    assert_eq!(b.active_memory(), 0);
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn downloads_wait_for_their_buffer() {
    let b = gpu();
    let n = 1 << 22;
    let x: Vec<f32> = (0..n).map(|i| (i % 97) as f32).collect();
    let ax = upload(&b, &x);
    // queue a chain of adds; read an early link and the last one
    let mut links = vec![ax.clone()];
    for _ in 0..20 {
        let next = add(&b, links.last().unwrap(), &ax).unwrap();
        links.push(next);
    }
    let early = host(&b, &links[1]);
    assert!(early.iter().zip(&x).all(|(g, v)| *g == 2.0 * v));
    let last = host(&b, &links[20]);
    assert!(last.iter().zip(&x).all(|(g, v)| *g == 21.0 * v));
    b.synchronize().unwrap();
    for l in &links {
        assert!(l.buffer.downcast_ref::<CudaBuffer>().unwrap().is_ready());
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn uploads_copy_before_returning() {
    let b = gpu();
    // many uploads whose host buffers are dropped (and their memory reused)
    // right after the call: every device copy keeps its own contents
    let mut dev = Vec::new();
    for k in 0..16 {
        let h = HostBuffer::from_slice(&vec![k as f32; 1 << 20]);
        let buf = Buffer::new(h);
        dev.push(b.upload(&buf).unwrap());
        drop(buf);
    }
    for (k, d) in dev.iter().enumerate() {
        let h = b.download(d).unwrap();
        let v = h.as_host().unwrap().as_slice::<f32>().unwrap().to_vec();
        assert!(v.iter().all(|&e| e == k as f32), "upload {k}");
    }
    // empty arrays
    let e = b
        .upload(&Buffer::new(HostBuffer::zeros(Dtype::Float32, 0)))
        .unwrap();
    assert_eq!(b.download(&e).unwrap().len(), 0);
}

#[test]
fn memory_api_answers_without_a_gpu() {
    // Without a GPU the backend is a typed error; with one, fresh stats.
    if let Ok(b) = CudaBackend::new(0) {
        assert_eq!(b.memory_stats().active, 0);
        assert!(b.memory_stats().memory_limit > 0);
    }
}
