//! Scans (`cumsum`, `cumprod`, `cummax`, `cummin`, `logcumsumexp`) along
//! one axis.
//!
//! The input is seen as `[pre, n, post]` row-major data (gathered first when
//! strided). Lines along the last axis (`post == 1`) scan one after another,
//! rows of lines in parallel. Along an outer axis (`post > 1`) whole rows
//! combine at once (`out[r] = op(out[r - 1], in[r])` over `post` contiguous
//! columns, a loop the compiler vectorises); few large blocks split their
//! columns over threads. Accumulation happens in the element type, rounding
//! at every step as MLX does.

use crate::num::{FloatMath, Num};
use crate::strided::{contiguous, output};
use crate::{internal, unsupported, KResult, PARALLEL_THRESHOLD};
use half::{bf16, f16};
use mlx_core::{Bool8, Dtype, HostBuffer, OpCall, ScanOp};
use num_complex::Complex32;
use rayon::prelude::*;

/// The extreme values of a type: the identities of exclusive max/min scans.
trait Bounds: Num {
    /// The smallest value (`-inf` for floats).
    fn lowest() -> Self;
    /// The largest value (`inf` for floats).
    fn highest() -> Self;
}

macro_rules! int_bounds {
    ($($t:ty),*) => {$(
        impl Bounds for $t {
            fn lowest() -> Self { <$t>::MIN }
            fn highest() -> Self { <$t>::MAX }
        }
    )*};
}
int_bounds!(u8, u16, u32, u64, i8, i16, i32, i64);

macro_rules! float_bounds {
    ($($t:ty),*) => {$(
        impl Bounds for $t {
            fn lowest() -> Self { <$t>::NEG_INFINITY }
            fn highest() -> Self { <$t>::INFINITY }
        }
    )*};
}
float_bounds!(f16, bf16, f32, f64);

impl Bounds for Bool8 {
    fn lowest() -> Self {
        Bool8(0)
    }
    fn highest() -> Self {
        Bool8(1)
    }
}

impl Bounds for Complex32 {
    // MLX's `numeric_limits<complex64_t>` is not specialised: both are zero
    fn lowest() -> Self {
        Complex32::new(0.0, 0.0)
    }
    fn highest() -> Self {
        Complex32::new(0.0, 0.0)
    }
}

/// `Scan { op, axis, reverse, inclusive }`.
pub fn scan(op: ScanOp, axis: usize, reverse: bool, inclusive: bool, call: &OpCall<'_>) -> KResult {
    let x = &call.inputs[0];
    if x.dtype != call.dtype {
        return Err(unsupported(
            call.primitive,
            "input and output dtypes differ",
        ));
    }
    let dir = Dir { reverse, inclusive };
    if op == ScanOp::LogAddExp {
        return match x.dtype {
            Dtype::Float16 => logaddexp_typed::<f16>(axis, dir, call),
            Dtype::Bfloat16 => logaddexp_typed::<bf16>(axis, dir, call),
            Dtype::Float32 => logaddexp_typed::<f32>(axis, dir, call),
            Dtype::Float64 => logaddexp_typed::<f64>(axis, dir, call),
            d => Err(unsupported(
                call.primitive,
                format!("logcumsumexp needs a real float dtype, got {d}"),
            )),
        };
    }
    mlx_core::dispatch_dtype!(x.dtype, T => scan_typed::<T>(op, axis, dir, call))
}

/// Direction and inclusion of a scan.
#[derive(Clone, Copy)]
struct Dir {
    reverse: bool,
    inclusive: bool,
}

fn scan_typed<T: Bounds>(op: ScanOp, axis: usize, dir: Dir, call: &OpCall<'_>) -> KResult {
    match op {
        ScanOp::Sum => run::<T>(axis, dir, call, T::zero(), |a: T, b: T| a.add(b)),
        ScanOp::Prod => run::<T>(axis, dir, call, T::one(), |a: T, b: T| a.mul(b)),
        ScanOp::Max => run::<T>(axis, dir, call, T::lowest(), |acc: T, x: T| {
            if acc.is_nan() {
                acc
            } else if x.is_nan() || acc.lt(x) {
                x
            } else {
                acc
            }
        }),
        ScanOp::Min => run::<T>(axis, dir, call, T::highest(), |acc: T, x: T| {
            if acc.is_nan() {
                acc
            } else if x.is_nan() || x.lt(acc) {
                x
            } else {
                acc
            }
        }),
        ScanOp::LogAddExp => Err(unsupported(
            call.primitive,
            "logcumsumexp dispatches on float types",
        )),
    }
}

fn logaddexp_typed<T: FloatMath + Bounds>(axis: usize, dir: Dir, call: &OpCall<'_>) -> KResult {
    run::<T>(axis, dir, call, T::lowest(), |a: T, b: T| {
        a.map2(b, logaddexp_f32, logaddexp_f64)
    })
}

/// `log(exp(a) + exp(b))` without overflow (MLX's `LogAddExp`).
fn logaddexp_f32(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        return f32::NAN;
    }
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    if lo == f32::NEG_INFINITY || hi == f32::INFINITY {
        hi
    } else {
        hi + (lo - hi).exp().ln_1p()
    }
}

fn logaddexp_f64(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY || hi == f64::INFINITY {
        hi
    } else {
        hi + (lo - hi).exp().ln_1p()
    }
}

/// Scans one contiguous line (`post == 1`).
#[inline(always)]
fn line<T: Num>(src: &[T], dst: &mut [T], dir: Dir, init: T, f: impl Fn(T, T) -> T) {
    let n = src.len();
    if n == 0 {
        return;
    }
    match (dir.reverse, dir.inclusive) {
        (false, true) => {
            let mut acc = src[0];
            dst[0] = acc;
            for j in 1..n {
                acc = f(acc, src[j]);
                dst[j] = acc;
            }
        }
        (false, false) => {
            let mut acc = init;
            dst[0] = acc;
            for j in 1..n {
                acc = f(acc, src[j - 1]);
                dst[j] = acc;
            }
        }
        (true, true) => {
            let mut acc = src[n - 1];
            dst[n - 1] = acc;
            for j in (0..n - 1).rev() {
                acc = f(acc, src[j]);
                dst[j] = acc;
            }
        }
        (true, false) => {
            let mut acc = init;
            dst[n - 1] = acc;
            for j in (0..n - 1).rev() {
                acc = f(acc, src[j + 1]);
                dst[j] = acc;
            }
        }
    }
}

/// Scans the columns `q0..q0 + w` of one `[n, post]` block: `rows[r]` is
/// the output segment of row `r`, `src` the block's input.
#[inline(always)]
fn columns<T: Num>(
    src: &[T],
    post: usize,
    q0: usize,
    rows: &mut [&mut [T]],
    dir: Dir,
    init: T,
    f: &(impl Fn(T, T) -> T + Sync),
) {
    let n = rows.len();
    if n == 0 {
        return;
    }
    let w = rows[0].len();
    // the order rows are visited in, and the input row feeding each step
    let order: Box<dyn Iterator<Item = usize>> = if dir.reverse {
        Box::new((0..n).rev())
    } else {
        Box::new(0..n)
    };
    let mut prev: Option<usize> = None;
    for r in order {
        match prev {
            None => {
                if dir.inclusive {
                    rows[r].copy_from_slice(&src[r * post + q0..r * post + q0 + w]);
                } else {
                    rows[r].fill(init);
                }
            }
            Some(p) => {
                let feed = if dir.inclusive { r } else { p };
                let s = &src[feed * post + q0..feed * post + q0 + w];
                let (lo, hi) = rows.split_at_mut(r.max(p));
                let (acc, out): (&[T], &mut [T]) = if p < r {
                    (&*lo[p], &mut *hi[0])
                } else {
                    (&*hi[0], &mut *lo[r])
                };
                out.iter_mut()
                    .zip(acc)
                    .zip(s)
                    .for_each(|((o, &a), &v)| *o = f(a, v));
            }
        }
        prev = Some(r);
    }
}

fn run<T: Num>(
    axis: usize,
    dir: Dir,
    call: &OpCall<'_>,
    init: T,
    f: impl Fn(T, T) -> T + Sync + Send + Copy,
) -> KResult {
    let x = &call.inputs[0];
    let shape = x.layout.shape();
    let data = contiguous::<T>(x)?;
    let data: &[T] = &data;
    let total = data.len();
    let mut buf = HostBuffer::alloc(T::DTYPE, total);
    let out = buf.as_mut_slice::<T>().map_err(internal)?;
    if total == 0 {
        return Ok(output(buf, call.shape));
    }
    let n = shape[axis];
    let post: usize = shape[axis + 1..].iter().product();
    let pre = total / (n * post);
    let big = total > PARALLEL_THRESHOLD;
    let threads = rayon::current_num_threads();
    if post == 1 {
        let body = |(d, s): (&mut [T], &[T])| line(s, d, dir, init, f);
        if big {
            out.par_chunks_mut(n).zip(data.par_chunks(n)).for_each(body);
        } else {
            out.chunks_mut(n).zip(data.chunks(n)).for_each(body);
        }
        return Ok(output(buf, call.shape));
    }
    let block = n * post;
    let whole = |(o, s): (&mut [T], &[T])| {
        let mut rows: Vec<&mut [T]> = o.chunks_mut(post).collect();
        columns(s, post, 0, &mut rows, dir, init, &f);
    };
    if !big {
        out.chunks_mut(block)
            .zip(data.chunks(block))
            .for_each(whole);
    } else if pre >= 2 * threads {
        out.par_chunks_mut(block)
            .zip(data.par_chunks(block))
            .for_each(whole);
    } else {
        // few blocks: split each block's columns over threads
        let width = post.div_ceil(4 * threads).max(64);
        for (o, s) in out.chunks_mut(block).zip(data.chunks(block)) {
            let chunks = post.div_ceil(width);
            let mut parts: Vec<Vec<&mut [T]>> =
                (0..chunks).map(|_| Vec::with_capacity(n)).collect();
            for row in o.chunks_mut(post) {
                for (c, seg) in row.chunks_mut(width).enumerate() {
                    parts[c].push(seg);
                }
            }
            parts.par_iter_mut().enumerate().for_each(|(c, rows)| {
                columns(s, post, c * width, rows, dir, init, &f);
            });
        }
    }
    Ok(output(buf, call.shape))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlx_core::backend::Backend;
    use mlx_core::{ArrayData, Buffer, Layout, Primitive};

    fn run_scan(
        op: ScanOp,
        data: &[f32],
        layout: Layout,
        axis: usize,
        reverse: bool,
        inclusive: bool,
    ) -> Vec<f32> {
        let x = ArrayData {
            buffer: Buffer::new(HostBuffer::from_slice(data)),
            layout: layout.clone(),
            dtype: Dtype::Float32,
        };
        let prim = Primitive::Scan {
            op,
            axis,
            reverse,
            inclusive,
        };
        let call = OpCall {
            primitive: &prim,
            inputs: std::slice::from_ref(&x),
            shape: layout.shape(),
            dtype: Dtype::Float32,
        };
        let out = crate::CpuBackend.eval(&call).expect("scan");
        crate::strided::contiguous::<f32>(&out)
            .expect("host")
            .into_owned()
    }

    /// The scan of each line by the obvious loop.
    fn reference(
        op: ScanOp,
        x: &[f32],
        shape: &[usize],
        axis: usize,
        reverse: bool,
        inclusive: bool,
    ) -> Vec<f32> {
        let n = shape[axis];
        let post: usize = shape[axis + 1..].iter().product();
        let pre = x.len() / (n * post).max(1);
        let mut out = vec![0f32; x.len()];
        let f = |a: f32, b: f32| match op {
            ScanOp::Sum => a + b,
            ScanOp::Prod => a * b,
            ScanOp::Max => a.max(b),
            ScanOp::Min => a.min(b),
            ScanOp::LogAddExp => logaddexp_f32(a, b),
        };
        let init = match op {
            ScanOp::Sum => 0.0,
            ScanOp::Prod => 1.0,
            ScanOp::Max | ScanOp::LogAddExp => f32::NEG_INFINITY,
            ScanOp::Min => f32::INFINITY,
        };
        for p in 0..pre {
            for q in 0..post {
                let idx = |r: usize| (p * n + r) * post + q;
                let order: Vec<usize> = if reverse {
                    (0..n).rev().collect()
                } else {
                    (0..n).collect()
                };
                let mut acc = init;
                for &r in &order {
                    if inclusive {
                        acc = f(acc, x[idx(r)]);
                        out[idx(r)] = acc;
                    } else {
                        out[idx(r)] = acc;
                        acc = f(acc, x[idx(r)]);
                    }
                }
            }
        }
        out
    }

    fn close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                x == y || (x - y).abs() <= 1e-3 * (1.0 + y.abs()) || (x.is_nan() && y.is_nan()),
                "index {i}: {x} vs {y}"
            );
        }
    }

    #[test]
    fn every_direction_and_axis_matches_the_reference() {
        let shape = [3, 5, 4];
        let x: Vec<f32> = (0..60)
            .map(|i| ((i * 7) % 11) as f32 * 0.25 - 1.0)
            .collect();
        for op in [
            ScanOp::Sum,
            ScanOp::Prod,
            ScanOp::Max,
            ScanOp::Min,
            ScanOp::LogAddExp,
        ] {
            for axis in 0..3 {
                for reverse in [false, true] {
                    for inclusive in [false, true] {
                        let got =
                            run_scan(op, &x, Layout::contiguous(&shape), axis, reverse, inclusive);
                        let want = reference(op, &x, &shape, axis, reverse, inclusive);
                        close(&got, &want);
                    }
                }
            }
        }
    }

    #[test]
    fn large_inputs_take_the_parallel_paths() {
        // one block of many columns (column split), many lines, many blocks
        for shape in [[1usize, 300, 400], [400, 300, 1], [300, 20, 30]] {
            let total: usize = shape.iter().product();
            let x: Vec<f32> = (0..total).map(|i| ((i % 13) as f32 - 6.0) * 0.01).collect();
            for axis in [1, 2] {
                if shape[axis] == 1 {
                    continue;
                }
                for (reverse, inclusive) in [(false, true), (true, false)] {
                    let got = run_scan(
                        ScanOp::Sum,
                        &x,
                        Layout::contiguous(&shape),
                        axis,
                        reverse,
                        inclusive,
                    );
                    close(
                        &got,
                        &reference(ScanOp::Sum, &x, &shape, axis, reverse, inclusive),
                    );
                }
            }
        }
    }

    #[test]
    fn strided_input_is_gathered_first() {
        let x: Vec<f32> = (0..12).map(|i| i as f32).collect();
        // the transpose of a 3x4 array: shape [4, 3]
        let l = Layout::contiguous(&[3, 4]).transpose(&[1, 0]);
        let got = run_scan(ScanOp::Sum, &x, l, 1, false, true);
        assert_eq!(
            got,
            vec![0.0, 4.0, 12.0, 1.0, 6.0, 15.0, 2.0, 8.0, 18.0, 3.0, 10.0, 21.0]
        );
    }

    #[test]
    fn nan_propagates_through_max_and_min() {
        let x = [1.0, f32::NAN, 3.0, 2.0];
        for op in [ScanOp::Max, ScanOp::Min, ScanOp::LogAddExp] {
            let got = run_scan(op, &x, Layout::contiguous(&[4]), 0, false, true);
            assert_eq!(got[0], 1.0);
            assert!(got[1..].iter().all(|v| v.is_nan()), "{op:?} {got:?}");
        }
    }
}
