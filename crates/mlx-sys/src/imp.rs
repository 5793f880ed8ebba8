//! The linked implementation: declarations of the shim's C ABI and the raw
//! handle. Every `unsafe` block of the FFI bridge is in this file or in the
//! `Send`/`Sync` impls of `lib.rs`.

use crate::{Dtype, Error, Result, Versions};
use mlx_core::Buffer;
use parking_lot::ReentrantMutex;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr::NonNull;

#[repr(C)]
pub struct MlxsArray {
    _private: [u8; 0],
}

type Out = *mut *mut MlxsArray;

extern "C" {
    fn mlxs_abi_version() -> u32;
    fn mlxs_header_version() -> i32;
    fn mlxs_runtime_version() -> *const c_char;
    fn mlxs_last_error() -> *const c_char;
    fn mlxs_array_free(a: *mut MlxsArray);
    fn mlxs_array_clone(a: *const MlxsArray, out: Out) -> c_int;
    fn mlxs_array_from_bytes(
        data: *const c_void,
        nbytes: usize,
        shape: *const i64,
        ndim: usize,
        dtype: i32,
        out: Out,
    ) -> c_int;
    fn mlxs_array_from_external(
        data: *mut c_void,
        shape: *const i64,
        ndim: usize,
        dtype: i32,
        release: extern "C" fn(*mut c_void),
        ctx: *mut c_void,
        out: Out,
    ) -> c_int;
    fn mlxs_array_dtype(a: *const MlxsArray) -> i32;
    fn mlxs_array_ndim(a: *const MlxsArray) -> usize;
    fn mlxs_array_size(a: *const MlxsArray) -> usize;
    fn mlxs_array_shape(a: *const MlxsArray, out: *mut i64);
    fn mlxs_array_is_row_contiguous(a: *const MlxsArray) -> c_int;
    fn mlxs_eval(a: *mut MlxsArray) -> c_int;
    fn mlxs_array_data(a: *const MlxsArray) -> *const c_void;
    fn mlxs_unary(op: i32, x: *const MlxsArray, out: Out) -> c_int;
    fn mlxs_binary(op: i32, x: *const MlxsArray, y: *const MlxsArray, out: Out) -> c_int;
    fn mlxs_where(c: *const MlxsArray, x: *const MlxsArray, y: *const MlxsArray, out: Out)
        -> c_int;
    fn mlxs_astype(x: *const MlxsArray, dtype: i32, out: Out) -> c_int;
    fn mlxs_reduce(
        op: i32,
        x: *const MlxsArray,
        axes: *const i32,
        naxes: usize,
        keepdims: c_int,
        out: Out,
    ) -> c_int;
    fn mlxs_argreduce(op: i32, x: *const MlxsArray, axis: i32, keepdims: c_int, out: Out) -> c_int;
    fn mlxs_scan(
        op: i32,
        x: *const MlxsArray,
        axis: i32,
        reverse: c_int,
        inclusive: c_int,
        out: Out,
    ) -> c_int;
    fn mlxs_sort(op: i32, x: *const MlxsArray, axis: i32, out: Out) -> c_int;
    fn mlxs_matmul(x: *const MlxsArray, y: *const MlxsArray, out: Out) -> c_int;
    fn mlxs_softmax(
        x: *const MlxsArray,
        axes: *const i32,
        naxes: usize,
        precise: c_int,
        out: Out,
    ) -> c_int;
    fn mlxs_concatenate(xs: *const *const MlxsArray, n: usize, axis: i32, out: Out) -> c_int;
    fn mlxs_pad(
        x: *const MlxsArray,
        low: *const i64,
        high: *const i64,
        ndim: usize,
        value: *const MlxsArray,
        out: Out,
    ) -> c_int;
    fn mlxs_take(x: *const MlxsArray, idx: *const MlxsArray, axis: i32, out: Out) -> c_int;
    fn mlxs_take_along_axis(
        x: *const MlxsArray,
        idx: *const MlxsArray,
        axis: i32,
        out: Out,
    ) -> c_int;
    fn mlxs_as_strided(
        x: *const MlxsArray,
        shape: *const i64,
        strides: *const i64,
        ndim: usize,
        offset: usize,
        out: Out,
    ) -> c_int;
    fn mlxs_partition(op: i32, x: *const MlxsArray, kth: i32, axis: i32, out: Out) -> c_int;
    fn mlxs_scatter_axis(
        op: i32,
        x: *const MlxsArray,
        idx: *const MlxsArray,
        upd: *const MlxsArray,
        axis: i32,
        out: Out,
    ) -> c_int;
    fn mlxs_rms_norm(x: *const MlxsArray, w: *const MlxsArray, eps: f32, out: Out) -> c_int;
    fn mlxs_view(x: *const MlxsArray, dtype: i32, out: Out) -> c_int;
    fn mlxs_conv(
        x: *const MlxsArray,
        w: *const MlxsArray,
        stride: *const i32,
        pad_lo: *const i32,
        pad_hi: *const i32,
        kdil: *const i32,
        idil: *const i32,
        nspatial: usize,
        groups: i32,
        flip: c_int,
        out: Out,
    ) -> c_int;
    fn mlxs_fft(
        x: *const MlxsArray,
        n: *const i64,
        axes: *const i32,
        naxes: usize,
        inverse: c_int,
        real: c_int,
        out: Out,
    ) -> c_int;
    fn mlxs_eye_tri(op: i32, n: i32, m: i32, k: i32, dtype: i32, out: Out) -> c_int;
    fn mlxs_random_bits(
        shape: *const i64,
        ndim: usize,
        width: i32,
        key: *const MlxsArray,
        out: Out,
    ) -> c_int;
    fn mlxs_searchsorted(
        sorted: *const MlxsArray,
        values: *const MlxsArray,
        right: c_int,
        out: Out,
    ) -> c_int;
    fn mlxs_quantize(w: *const MlxsArray, group_size: i32, bits: i32, part: i32, out: Out)
        -> c_int;
    fn mlxs_dequantize(
        w: *const MlxsArray,
        scales: *const MlxsArray,
        biases: *const MlxsArray,
        group_size: i32,
        bits: i32,
        out: Out,
    ) -> c_int;
    fn mlxs_quantized_matmul(
        x: *const MlxsArray,
        w: *const MlxsArray,
        scales: *const MlxsArray,
        biases: *const MlxsArray,
        transpose: c_int,
        group_size: i32,
        bits: i32,
        out: Out,
    ) -> c_int;
    fn mlxs_arange(start: f64, stop: f64, step: f64, dtype: i32, out: Out) -> c_int;
    fn mlxs_full(
        shape: *const i64,
        ndim: usize,
        value: *const MlxsArray,
        dtype: i32,
        out: Out,
    ) -> c_int;
}

/// Serialises every call into MLX (re-entrant, so a drop inside a locked
/// region cannot deadlock).
static LOCK: ReentrantMutex<()> = parking_lot::const_reentrant_mutex(());

#[repr(C, align(64))]
struct Aligned([u8; 64]);
static EMPTY: Aligned = Aligned([0; 64]);

/// An owned `mlxs_array*` with its dtype and shape (fixed at creation) and,
/// once evaluated, its data.
pub struct Raw {
    ptr: NonNull<MlxsArray>,
    dtype: Dtype,
    shape: Vec<usize>,
    /// First element and byte length, once evaluated and row-contiguous.
    data: Option<(*const u8, usize)>,
}

impl Drop for Raw {
    fn drop(&mut self) {
        let _g = LOCK.lock();
        // SAFETY: `ptr` came from the shim (`new mlxs_array`), is owned by
        // this `Raw` alone and is freed exactly once, here.
        unsafe { mlxs_array_free(self.ptr.as_ptr()) }
    }
}

/// The message of the last failed shim call on this thread.
fn last_error() -> String {
    // SAFETY: the shim returns a pointer to its thread-local, NUL-terminated
    // string, valid until the next failing call on this thread; we copy it
    // at once (still under the caller's lock).
    unsafe { CStr::from_ptr(mlxs_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// Runs one shim call that produces an array through an out-parameter.
fn produce(f: impl FnOnce(Out) -> c_int) -> Result<Raw> {
    let _g = LOCK.lock();
    let mut out: *mut MlxsArray = std::ptr::null_mut();
    let rc = f(&mut out);
    if rc != 0 {
        return Err(Error::Mlx(last_error()));
    }
    let ptr = NonNull::new(out).ok_or_else(|| Error::Mlx("shim returned no array".into()))?;
    // SAFETY: `ptr` is a live array just returned by the shim.
    let (code, ndim) = unsafe {
        (
            mlxs_array_dtype(ptr.as_ptr()),
            mlxs_array_ndim(ptr.as_ptr()),
        )
    };
    let mut shape = vec![0i64; ndim];
    // SAFETY: `shape` has room for `ndim` values.
    unsafe { mlxs_array_shape(ptr.as_ptr(), shape.as_mut_ptr()) };
    let mut raw = Raw {
        ptr,
        dtype: Dtype::Bool,
        shape: shape.iter().map(|&d| d as usize).collect(),
        data: None,
    };
    raw.dtype = Dtype::from_code(code)
        .ok_or_else(|| Error::Mlx(format!("shim returned unknown dtype code {code}")))?;
    Ok(raw)
}

fn i64s(v: &[usize]) -> Vec<i64> {
    v.iter().map(|&d| d as i64).collect()
}

pub fn versions() -> Result<Versions> {
    let _g = LOCK.lock();
    // SAFETY: plain getters; the version string is a static NUL-terminated
    // string owned by libmlx.
    unsafe {
        Ok(Versions {
            abi: mlxs_abi_version(),
            header: mlxs_header_version(),
            runtime: CStr::from_ptr(mlxs_runtime_version())
                .to_string_lossy()
                .into_owned(),
        })
    }
}

impl Raw {
    fn p(&self) -> *const MlxsArray {
        self.ptr.as_ptr()
    }

    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    pub fn shape(&self) -> Vec<usize> {
        self.shape.clone()
    }

    pub fn size(&self) -> usize {
        self.shape.iter().product()
    }

    /// The evaluated bytes (empty before evaluation).
    pub fn bytes(&self) -> &[u8] {
        match self.data {
            // SAFETY: set by `eval` from the data pointer of the evaluated,
            // row-contiguous array this `Raw` keeps alive: `len` bytes that
            // nothing writes any more (MLX writes only into outputs it
            // allocates or into donated inputs, and an array we hold a
            // handle to is never donatable).
            Some((p, len)) if len > 0 => unsafe { std::slice::from_raw_parts(p, len) },
            // an empty slice aligned for every dtype (viewers check it)
            _ => &EMPTY.0[..0],
        }
    }

    pub fn from_bytes(bytes: &[u8], shape: &[usize], dtype: Dtype) -> Result<Raw> {
        let s = i64s(shape);
        let mut r = produce(|out| {
            // SAFETY: `bytes` and `s` are valid for the given lengths; the
            // shim copies the bytes before returning.
            unsafe {
                mlxs_array_from_bytes(
                    bytes.as_ptr().cast(),
                    bytes.len(),
                    s.as_ptr(),
                    s.len(),
                    dtype as i32,
                    out,
                )
            }
        })?;
        r.eval()?;
        Ok(r)
    }

    pub fn from_buffer(buffer: Buffer, shape: &[usize], dtype: Dtype) -> Result<Raw> {
        extern "C" fn release(ctx: *mut c_void) {
            // SAFETY: `ctx` is the `Box<Buffer>` leaked below; the shim calls
            // `release` exactly once.
            drop(unsafe { Box::from_raw(ctx.cast::<Buffer>()) });
        }
        let data = buffer
            .as_host()
            .map(|h| h.bytes().as_ptr())
            .ok_or_else(|| Error::Invalid("not a host buffer".into()))?;
        let s = i64s(shape);
        let ctx = Box::into_raw(Box::new(buffer)).cast::<c_void>();
        let mut r = produce(|out| {
            // SAFETY: `data` points into the immutable memory of the
            // `HostBuffer` owned by the boxed `Buffer` in `ctx`, which stays
            // alive until the shim calls `release` (exactly once, also on
            // failure). MLX does not own this memory, so it never writes to
            // it (no donation).
            unsafe {
                mlxs_array_from_external(
                    data.cast_mut().cast(),
                    s.as_ptr(),
                    s.len(),
                    dtype as i32,
                    release,
                    ctx,
                    out,
                )
            }
        })?;
        r.eval()?;
        Ok(r)
    }

    pub fn eval(&mut self) -> Result<()> {
        let _g = LOCK.lock();
        // SAFETY: `ptr` is live and owned by `self`.
        if unsafe { mlxs_eval(self.ptr.as_ptr()) } != 0 {
            return Err(Error::Mlx(last_error()));
        }
        // SAFETY: evaluated just above; the shim made it row-contiguous.
        let (contig, p) = unsafe {
            (
                mlxs_array_is_row_contiguous(self.p()),
                mlxs_array_data(self.p()),
            )
        };
        // SAFETY: as above.
        let n = unsafe { mlxs_array_size(self.p()) };
        if contig == 0 {
            return Err(Error::Mlx("evaluated array is not row-contiguous".into()));
        }
        if n != self.size() {
            return Err(Error::Mlx("evaluated array changed size".into()));
        }
        let len = n * self.dtype.to_core().size_of();
        if len > 0 && p.is_null() {
            return Err(Error::Mlx("evaluated array has no data".into()));
        }
        self.data = Some((p.cast(), len));
        Ok(())
    }
}

// Every function below passes live handles (borrowed for the call) and
// valid slices to the shim, which copies what it keeps.

pub fn as_strided(x: &Raw, shape: &[usize], strides: &[isize], offset: usize) -> Result<Raw> {
    let s = i64s(shape);
    let st: Vec<i64> = strides.iter().map(|&d| d as i64).collect();
    // SAFETY: see above; bounds were checked by the caller.
    produce(|out| unsafe { mlxs_as_strided(x.p(), s.as_ptr(), st.as_ptr(), s.len(), offset, out) })
}

pub fn unary(op: i32, x: &Raw) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_unary(op, x.p(), out) })
}

pub fn binary(op: i32, a: &Raw, b: &Raw) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_binary(op, a.p(), b.p(), out) })
}

pub fn select(c: &Raw, a: &Raw, b: &Raw) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_where(c.p(), a.p(), b.p(), out) })
}

pub fn astype(x: &Raw, dtype: Dtype) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_astype(x.p(), dtype as i32, out) })
}

pub fn reduce(op: i32, x: &Raw, axes: &[i32], keepdims: bool) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe {
        mlxs_reduce(
            op,
            x.p(),
            axes.as_ptr(),
            axes.len(),
            c_int::from(keepdims),
            out,
        )
    })
}

pub fn arg_reduce(op: i32, x: &Raw, axis: i32, keepdims: bool) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_argreduce(op, x.p(), axis, c_int::from(keepdims), out) })
}

pub fn scan(op: i32, x: &Raw, axis: i32, reverse: bool, inclusive: bool) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe {
        mlxs_scan(
            op,
            x.p(),
            axis,
            c_int::from(reverse),
            c_int::from(inclusive),
            out,
        )
    })
}

pub fn sort(op: i32, x: &Raw, axis: i32) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_sort(op, x.p(), axis, out) })
}

pub fn matmul(a: &Raw, b: &Raw) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_matmul(a.p(), b.p(), out) })
}

pub fn softmax(x: &Raw, axes: &[i32], precise: bool) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe {
        mlxs_softmax(x.p(), axes.as_ptr(), axes.len(), c_int::from(precise), out)
    })
}

pub fn concatenate(xs: &[&Raw], axis: i32) -> Result<Raw> {
    let ps: Vec<*const MlxsArray> = xs.iter().map(|x| x.p()).collect();
    // SAFETY: see above; `ps` holds live handles borrowed for the call.
    produce(|out| unsafe { mlxs_concatenate(ps.as_ptr(), ps.len(), axis, out) })
}

pub fn pad(x: &Raw, low: &[usize], high: &[usize], value: &Raw) -> Result<Raw> {
    let (l, h) = (i64s(low), i64s(high));
    // SAFETY: see above; `l` and `h` have the same length.
    produce(|out| unsafe { mlxs_pad(x.p(), l.as_ptr(), h.as_ptr(), l.len(), value.p(), out) })
}

pub fn take(x: &Raw, idx: &Raw, axis: i32, along: bool) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe {
        if along {
            mlxs_take_along_axis(x.p(), idx.p(), axis, out)
        } else {
            mlxs_take(x.p(), idx.p(), axis, out)
        }
    })
}

pub fn arange(start: f64, stop: f64, step: f64, dtype: Dtype) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_arange(start, stop, step, dtype as i32, out) })
}

pub fn full(shape: &[usize], value: &Raw, dtype: Dtype) -> Result<Raw> {
    let s = i64s(shape);
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_full(s.as_ptr(), s.len(), value.p(), dtype as i32, out) })
}

pub fn clone(x: &Raw) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_array_clone(x.p(), out) })
}

pub fn partition(op: i32, x: &Raw, kth: i32, axis: i32) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_partition(op, x.p(), kth, axis, out) })
}

pub fn scatter_axis(op: i32, x: &Raw, idx: &Raw, upd: &Raw, axis: i32) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_scatter_axis(op, x.p(), idx.p(), upd.p(), axis, out) })
}

pub fn rms_norm(x: &Raw, w: &Raw, eps: f32) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_rms_norm(x.p(), w.p(), eps, out) })
}

pub fn view(x: &Raw, dtype: Dtype) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_view(x.p(), dtype as i32, out) })
}

pub fn conv(x: &Raw, w: &Raw, p: &crate::ConvParams<'_>) -> Result<Raw> {
    let v = |s: &[usize]| -> Vec<i32> { s.iter().map(|&d| d as i32).collect() };
    let (st, lo, hi, kd, id) = (
        v(p.stride),
        v(p.padding_lo),
        v(p.padding_hi),
        v(p.kernel_dilation),
        v(p.input_dilation),
    );
    // SAFETY: see above; the caller checked that every list has `st.len()`
    // entries.
    produce(|out| unsafe {
        mlxs_conv(
            x.p(),
            w.p(),
            st.as_ptr(),
            lo.as_ptr(),
            hi.as_ptr(),
            kd.as_ptr(),
            id.as_ptr(),
            st.len(),
            p.groups as i32,
            c_int::from(p.flip),
            out,
        )
    })
}

pub fn fft(x: &Raw, n: &[usize], axes: &[i32], inverse: bool, real: bool) -> Result<Raw> {
    let ns = i64s(n);
    // SAFETY: see above; `ns` and `axes` have the same length (checked by
    // the caller).
    produce(|out| unsafe {
        mlxs_fft(
            x.p(),
            ns.as_ptr(),
            axes.as_ptr(),
            axes.len(),
            c_int::from(inverse),
            c_int::from(real),
            out,
        )
    })
}

pub fn eye_tri(op: i32, n: i32, m: i32, k: i32, dtype: Dtype) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_eye_tri(op, n, m, k, dtype as i32, out) })
}

pub fn random_bits(shape: &[usize], width: i32, key: &Raw) -> Result<Raw> {
    let s = i64s(shape);
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_random_bits(s.as_ptr(), s.len(), width, key.p(), out) })
}

pub fn searchsorted(sorted: &Raw, values: &Raw, right: bool) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_searchsorted(sorted.p(), values.p(), c_int::from(right), out) })
}

pub fn quantize(w: &Raw, group_size: i32, bits: i32, part: i32) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_quantize(w.p(), group_size, bits, part, out) })
}

pub fn dequantize(w: &Raw, scales: &Raw, biases: &Raw, group_size: i32, bits: i32) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe { mlxs_dequantize(w.p(), scales.p(), biases.p(), group_size, bits, out) })
}

pub fn quantized_matmul(
    x: &Raw,
    w: &Raw,
    scales: &Raw,
    biases: &Raw,
    transpose: bool,
    group_size: i32,
    bits: i32,
) -> Result<Raw> {
    // SAFETY: see above.
    produce(|out| unsafe {
        mlxs_quantized_matmul(
            x.p(),
            w.p(),
            scales.p(),
            biases.p(),
            c_int::from(transpose),
            group_size,
            bits,
            out,
        )
    })
}
