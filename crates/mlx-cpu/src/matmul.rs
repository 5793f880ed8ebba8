//! Batched matrix products through the `gemm` crate (runtime-dispatched
//! AVX-512/AVX2/NEON kernels), reading strided and transposed views in place.

use crate::strided::{host_slice, output};
use crate::{internal, unsupported, KResult};
use half::{bf16, f16};
use mlx_core::{ArrayData, Buffer, Dtype, HostBuffer, Layout, OpCall};
use num_complex::Complex32;
use rayon::prelude::*;

/// `Matmul`: `[..b, m, k] x [..b, k, n] -> [..b, m, n]`.
pub fn matmul(call: &OpCall<'_>) -> KResult {
    match call.dtype {
        Dtype::Float32 => typed::<f32>(call, &call.inputs[0], &call.inputs[1]),
        Dtype::Float64 => typed::<f64>(call, &call.inputs[0], &call.inputs[1]),
        Dtype::Float16 => typed::<f16>(call, &call.inputs[0], &call.inputs[1]),
        Dtype::Complex64 => typed::<gemm::c32>(call, &call.inputs[0], &call.inputs[1]),
        Dtype::Bfloat16 => {
            // bf16: multiply in f32, round once
            let a = to_f32(&call.inputs[0])?;
            let b = to_f32(&call.inputs[1])?;
            let c = typed::<f32>(call, &a, &b)?;
            let src = host_slice::<f32>(&c)?;
            let mut buf = HostBuffer::alloc(Dtype::Bfloat16, src.len());
            buf.as_mut_slice::<bf16>()
                .map_err(internal)?
                .iter_mut()
                .zip(src)
                .for_each(|(d, &s)| *d = bf16::from_f32(s));
            Ok(output(buf, call.shape))
        }
        d => Err(unsupported(
            call.primitive,
            format!("matmul supports floating point types, not {d}"),
        )),
    }
}

fn to_f32(d: &ArrayData) -> Result<ArrayData, mlx_core::backend::BackendError> {
    let v = crate::strided::contiguous::<bf16>(d)?;
    let mut buf = HostBuffer::alloc(Dtype::Float32, v.len());
    buf.as_mut_slice::<f32>()
        .map_err(internal)?
        .iter_mut()
        .zip(v.iter())
        .for_each(|(o, x)| *o = x.to_f32());
    Ok(ArrayData::contiguous(Buffer::new(buf), d.layout.shape()))
}

/// Element types the `gemm` crate multiplies.
trait GemmType: mlx_core::Native + Copy + 'static {
    fn zero() -> Self;
    fn one() -> Self;
}
impl GemmType for f32 {
    fn zero() -> Self {
        0.0
    }
    fn one() -> Self {
        1.0
    }
}
impl GemmType for f64 {
    fn zero() -> Self {
        0.0
    }
    fn one() -> Self {
        1.0
    }
}
impl GemmType for f16 {
    fn zero() -> Self {
        f16::ZERO
    }
    fn one() -> Self {
        f16::ONE
    }
}
impl GemmType for Complex32 {
    fn zero() -> Self {
        Complex32::new(0.0, 0.0)
    }
    fn one() -> Self {
        Complex32::new(1.0, 0.0)
    }
}

/// Offsets of each batch matrix, from the batch dims of a layout.
fn batch_offsets(l: &Layout, batch: &[usize]) -> Vec<isize> {
    let mut offs = vec![l.offset() as isize];
    for (&n, &s) in batch.iter().zip(l.strides()) {
        offs = offs
            .iter()
            .flat_map(|&o| (0..n).map(move |i| o + i as isize * s))
            .collect();
    }
    offs
}

fn typed<T: GemmType>(call: &OpCall<'_>, a: &ArrayData, b: &ArrayData) -> KResult {
    let nd = call.shape.len();
    let (m, n) = (call.shape[nd - 2], call.shape[nd - 1]);
    let k = a.layout.shape()[nd - 1];
    let batch = &call.shape[..nd - 2];
    let nbatch: usize = batch.iter().product();
    let (sa, sb) = (host_slice::<T>(a)?, host_slice::<T>(b)?);
    let (la, lb) = (&a.layout, &b.layout);
    let (a_rs, a_cs) = (la.strides()[nd - 2], la.strides()[nd - 1]);
    let (b_rs, b_cs) = (lb.strides()[nd - 2], lb.strides()[nd - 1]);
    let oa = batch_offsets(la, batch);
    let ob = batch_offsets(lb, batch);
    let mut buf = HostBuffer::alloc(T::DTYPE, nbatch * m * n);
    let out = buf.as_mut_slice::<T>().map_err(internal)?;
    if m * n == 0 {
        return Ok(output(buf, call.shape));
    }
    if k == 0 {
        out.fill(T::zero());
        return Ok(output(buf, call.shape));
    }
    let threads = rayon::current_num_threads();
    let flops = m * n * k;
    let one = |i: usize,
               dst: &mut [T],
               par: gemm::Parallelism|
     -> Result<(), mlx_core::backend::BackendError> {
        // bounds: every element a batch matrix addresses lies in its buffer
        let (lo_a, hi_a) = span(oa[i], m, k, a_rs, a_cs);
        let (lo_b, hi_b) = span(ob[i], k, n, b_rs, b_cs);
        if lo_a < 0 || hi_a > sa.len() as isize || lo_b < 0 || hi_b > sb.len() as isize {
            return Err(crate::failed(
                "matmul operand layout reads outside its buffer",
            ));
        }
        // SAFETY: `dst` holds exactly m*n elements written with row stride n
        // and column stride 1; the asserts above prove that every element of
        // the lhs (m x k at offset oa[i], strides a_rs/a_cs) and rhs (k x n at
        // ob[i], strides b_rs/b_cs) lies inside `sa`/`sb`, which are borrowed
        // for the whole call. `read_dst` is false, so `dst` is only written.
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                dst.as_mut_ptr(),
                1,
                n as isize,
                false,
                sa.as_ptr().offset(oa[i]),
                a_cs,
                a_rs,
                sb.as_ptr().offset(ob[i]),
                b_cs,
                b_rs,
                T::zero(),
                T::one(),
                false,
                false,
                false,
                par,
            )
        };
        Ok(())
    };
    if nbatch >= threads && flops < (1 << 24) {
        out.par_chunks_mut(m * n)
            .enumerate()
            .try_for_each(|(i, d)| one(i, d, gemm::Parallelism::None))?;
    } else {
        let par = if flops >= (1 << 18) {
            gemm::Parallelism::Rayon(threads)
        } else {
            gemm::Parallelism::None
        };
        out.chunks_mut(m * n)
            .enumerate()
            .try_for_each(|(i, d)| one(i, d, par))?;
    }
    Ok(output(buf, call.shape))
}

/// Lowest and one-past-highest element index of a strided matrix.
fn span(off: isize, rows: usize, cols: usize, rs: isize, cs: isize) -> (isize, isize) {
    let ext = |n: usize, s: isize| (n as isize - 1) * s;
    let (r, c) = (ext(rows, rs), ext(cols, cs));
    let lo = off + r.min(0) + c.min(0);
    let hi = off + r.max(0) + c.max(0) + 1;
    (lo, hi)
}

/// `out = a @ b` in f32 for a row-major `m x n` output, `a` an `m x k`
/// matrix with strides `(a_rs, a_cs)` and `b` a `k x n` matrix with strides
/// `(b_rs, b_cs)` (both read from the start of their slices). Shapes that
/// would read outside the slices compute nothing (the callers size them).
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_into(
    out: &mut [f32],
    a: &[f32],
    a_rs: isize,
    a_cs: isize,
    b: &[f32],
    b_rs: isize,
    b_cs: isize,
    m: usize,
    n: usize,
    k: usize,
    parallel: bool,
) {
    if m * n == 0 || out.len() < m * n {
        return;
    }
    if k == 0 {
        out[..m * n].fill(0.0);
        return;
    }
    let (lo_a, hi_a) = span(0, m, k, a_rs, a_cs);
    let (lo_b, hi_b) = span(0, k, n, b_rs, b_cs);
    if lo_a < 0 || hi_a > a.len() as isize || lo_b < 0 || hi_b > b.len() as isize {
        return;
    }
    let par = if parallel && m * n * k >= (1 << 18) {
        gemm::Parallelism::Rayon(rayon::current_num_threads())
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: `out` holds at least m*n elements written with row stride n
    // and column stride 1; the span checks above prove every element of
    // `a` (m x k, strides a_rs/a_cs) and `b` (k x n, strides b_rs/b_cs) lies
    // inside its slice, borrowed for the whole call. `read_dst` is false.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            0.0f32,
            1.0f32,
            false,
            false,
            false,
            par,
        )
    };
}
