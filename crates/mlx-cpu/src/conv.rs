//! `Convolution` by implicit im2col: output rows (one per batch element and
//! output position) are processed in blocks; for each block and channel
//! group the input patches are gathered into a small row-major matrix that
//! stays in cache and multiplied by the group's weights with the `gemm`
//! crate, writing straight into the channels-last output. Blocks run in
//! parallel with rayon. 1x1 kernels without stride, padding or dilation read
//! the input in place. `float16`/`bfloat16` are widened to `f32` for the
//! products and rounded once at the end; storage stays native.

use crate::strided::{contiguous, output};
use crate::{internal, unsupported, KResult};
use half::{bf16, f16};
use mlx_core::backend::BackendError;
use mlx_core::{Dtype, HostBuffer, OpCall};
use rayon::prelude::*;

/// The convolution's parameters as the primitive carries them.
pub struct ConvParams<'a> {
    /// Window step per spatial axis.
    pub stride: &'a [usize],
    /// Zeros before each spatial axis.
    pub padding_lo: &'a [usize],
    /// Spacing of kernel taps.
    pub kernel_dilation: &'a [usize],
    /// Spacing of input elements.
    pub input_dilation: &'a [usize],
    /// Channel groups.
    pub groups: usize,
    /// Flip the kernel (true convolution).
    pub flip: bool,
}

/// Sizes of one convolution, derived from the input, weight and output
/// shapes.
struct Geometry {
    batch: usize,
    c_in: usize,
    c_out: usize,
    groups: usize,
    /// Input channels per group.
    cg: usize,
    /// Output channels per group.
    cog: usize,
    /// Kernel taps (product of the kernel's spatial sizes).
    ksize: usize,
    /// Output positions per batch element.
    out_pos: usize,
    /// Input positions per batch element.
    in_pos: usize,
    /// Spatial sizes of the output and the kernel, and input strides (in
    /// positions) of each spatial axis.
    out_sp: Vec<usize>,
    k_sp: Vec<usize>,
    in_pos_stride: Vec<usize>,
    /// Per spatial axis `d`: `tap[d][o * K_d + k]` is the input index that
    /// output position `o` reads through weight tap `k`, or -1 for a zero
    /// (padding or a dilation hole).
    tap: Vec<Vec<i64>>,
    /// True when the patch matrix of a group is the input itself.
    pointwise: bool,
}

impl Geometry {
    fn new(
        xs: &[usize],
        ws: &[usize],
        os: &[usize],
        p: &ConvParams<'_>,
    ) -> Result<Geometry, BackendError> {
        let nd = xs.len().saturating_sub(2);
        let ok = nd >= 1
            && ws.len() == nd + 2
            && os.len() == nd + 2
            && [p.stride, p.padding_lo, p.kernel_dilation, p.input_dilation]
                .iter()
                .all(|v| v.len() == nd)
            && p.groups > 0
            && xs[nd + 1] == p.groups * ws[nd + 1]
            && ws[0].is_multiple_of(p.groups)
            && os[0] == xs[0]
            && os[nd + 1] == ws[0];
        if !ok {
            return Err(crate::failed(format!(
                "convolution shapes do not agree: input {xs:?}, weight {ws:?}, output {os:?}"
            )));
        }
        let in_sp = &xs[1..=nd];
        let out_sp = os[1..=nd].to_vec();
        let k_sp = ws[1..=nd].to_vec();
        let mut tap = Vec::with_capacity(nd);
        for d in 0..nd {
            let (kn, on) = (k_sp[d], out_sp[d]);
            let mut t = Vec::with_capacity(kn * on);
            for o in 0..on {
                for k in 0..kn {
                    let kk = if p.flip { kn - 1 - k } else { k };
                    let pos = (o * p.stride[d] + kk * p.kernel_dilation[d]) as i64
                        - p.padding_lo[d] as i64;
                    let idl = p.input_dilation[d] as i64;
                    let idx = if pos >= 0 && pos % idl == 0 && pos / idl < in_sp[d] as i64 {
                        pos / idl
                    } else {
                        -1
                    };
                    t.push(idx);
                }
            }
            tap.push(t);
        }
        let mut in_pos_stride = vec![1usize; nd];
        for d in (0..nd.saturating_sub(1)).rev() {
            in_pos_stride[d] = in_pos_stride[d + 1] * in_sp[d + 1];
        }
        let ksize: usize = k_sp.iter().product();
        let pointwise = ksize == 1
            && (0..nd).all(|d| {
                p.stride[d] == 1
                    && p.padding_lo[d] == 0
                    && p.input_dilation[d] == 1
                    && out_sp[d] == in_sp[d]
            });
        Ok(Geometry {
            batch: xs[0],
            c_in: xs[nd + 1],
            c_out: ws[0],
            groups: p.groups,
            cg: ws[nd + 1],
            cog: ws[0] / p.groups,
            ksize,
            out_pos: out_sp.iter().product(),
            in_pos: in_sp.iter().product(),
            out_sp,
            k_sp,
            in_pos_stride,
            tap,
            pointwise,
        })
    }

    /// Columns of a group's patch matrix.
    fn kc(&self) -> usize {
        self.ksize * self.cg
    }

    /// Fills `patch` (`rows x kc`, row-major) with the patches of group `g`
    /// for the global output rows `r0..r0 + rows`.
    fn gather<A: Copy + Default>(
        &self,
        x: &[A],
        g: usize,
        r0: usize,
        rows: usize,
        patch: &mut [A],
    ) {
        let nd = self.out_sp.len();
        let (cg, kc) = (self.cg, self.kc());
        let mut o = vec![0usize; nd];
        let mut k = vec![0usize; nd];
        for (i, prow) in patch.chunks_exact_mut(kc).take(rows).enumerate() {
            let r = r0 + i;
            let (n, mut of) = (r / self.out_pos, r % self.out_pos);
            for d in (0..nd).rev() {
                o[d] = of % self.out_sp[d];
                of /= self.out_sp[d];
            }
            let base = n * self.in_pos;
            k.iter_mut().for_each(|v| *v = 0);
            for dst in prow.chunks_exact_mut(cg) {
                let mut pos = base;
                let mut valid = true;
                for d in 0..nd {
                    let t = self.tap[d][o[d] * self.k_sp[d] + k[d]];
                    if t < 0 {
                        valid = false;
                        break;
                    }
                    pos += t as usize * self.in_pos_stride[d];
                }
                if valid {
                    let s = pos * self.c_in + g * cg;
                    dst.copy_from_slice(&x[s..s + cg]);
                } else {
                    dst.fill(A::default());
                }
                // next kernel tap (odometer, last axis fastest)
                for d in (0..nd).rev() {
                    k[d] += 1;
                    if k[d] < self.k_sp[d] {
                        break;
                    }
                    k[d] = 0;
                }
            }
        }
    }
}

/// Element types the products run in.
trait Acc: mlx_core::Native + Copy + Default + 'static {
    const ZERO: Self;
    const ONE: Self;
}
impl Acc for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}
impl Acc for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

/// Output rows per block: a patch block of about 256 KiB, a multiple of 16
/// rows, small enough to give every thread several blocks.
fn block_rows(kc: usize, rows: usize, elem: usize, threads: usize) -> usize {
    let by_cache = (256 * 1024 / elem) / kc.max(1);
    let by_threads = rows.div_ceil(4 * threads);
    let br = by_cache.min(by_threads).clamp(16, 1024);
    br.div_ceil(16) * 16
}

/// The convolution in the accumulation type: `x` and `w` row-contiguous,
/// `out` the row-contiguous output.
fn conv_acc<A: Acc>(geo: &Geometry, x: &[A], w: &[A], out: &mut [A]) -> Result<(), BackendError> {
    let rows = geo.batch * geo.out_pos;
    let kc = geo.kc();
    let (c_out, cog, cg) = (geo.c_out, geo.cog, geo.cg);
    if out.len() != rows * c_out
        || w.len() != c_out * kc
        || x.len() != geo.batch * geo.in_pos * geo.c_in
    {
        return Err(crate::failed("convolution buffers do not match its shapes"));
    }
    if out.is_empty() {
        return Ok(());
    }
    if kc == 0 || cog == 0 {
        out.fill(A::ZERO);
        return Ok(());
    }
    let threads = rayon::current_num_threads();
    let br = block_rows(kc, rows, std::mem::size_of::<A>(), threads);
    let nblocks = rows.div_ceil(br);
    let flops = rows * c_out * kc;
    let inner_par = if nblocks < threads && flops >= (1 << 20) {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    let block = |patch: &mut Vec<A>, (bi, dst): (usize, &mut [A])| -> Result<(), BackendError> {
        let r0 = bi * br;
        let m = dst.len() / c_out;
        for g in 0..geo.groups {
            let (lhs, lhs_rs): (&[A], usize) = if geo.pointwise {
                (&x[r0 * geo.c_in + g * cg..], geo.c_in)
            } else {
                patch.resize(m * kc, A::ZERO);
                geo.gather(x, g, r0, m, patch);
                (&patch[..], kc)
            };
            let rhs = &w[g * cog * kc..(g + 1) * cog * kc];
            // bounds of every element the product touches
            let lhs_last = (m - 1) * lhs_rs + kc - 1;
            let dst_last = (m - 1) * c_out + g * cog + cog - 1;
            if lhs_last >= lhs.len() || dst_last >= dst.len() || rhs.len() != cog * kc {
                return Err(crate::failed("convolution block reads outside its buffers"));
            }
            // SAFETY: the checks above prove that the lhs (m x kc, row stride
            // lhs_rs, column stride 1), the rhs (kc x cog read as element
            // (kk, j) = rhs[j * kc + kk]) and the destination (m x cog at
            // column offset g * cog, row stride c_out) lie inside `lhs`,
            // `rhs` and `dst`; `dst` is borrowed mutably and exclusively for
            // this block and `read_dst` is false, so it is only written.
            unsafe {
                gemm::gemm(
                    m,
                    cog,
                    kc,
                    dst.as_mut_ptr().add(g * cog),
                    1,
                    c_out as isize,
                    false,
                    lhs.as_ptr(),
                    1,
                    lhs_rs as isize,
                    rhs.as_ptr(),
                    kc as isize,
                    1,
                    A::ZERO,
                    A::ONE,
                    false,
                    false,
                    false,
                    inner_par,
                )
            };
        }
        Ok(())
    };
    if matches!(inner_par, gemm::Parallelism::None) && nblocks > 1 {
        out.par_chunks_mut(br * c_out)
            .enumerate()
            .try_for_each_init(Vec::new, block)
    } else {
        let mut patch = Vec::new();
        out.chunks_mut(br * c_out)
            .enumerate()
            .try_for_each(|item| block(&mut patch, item))
    }
}

/// Widens a half-precision slice to `f32`.
fn widen<T: Copy + Sync>(v: &[T], f: fn(T) -> f32) -> Vec<f32> {
    if v.len() >= crate::PARALLEL_THRESHOLD {
        v.par_iter().map(|&a| f(a)).collect()
    } else {
        v.iter().map(|&a| f(a)).collect()
    }
}

fn half_conv<T: mlx_core::Native + Copy + Sync + Send>(
    call: &OpCall<'_>,
    geo: &Geometry,
    to: fn(T) -> f32,
    from: fn(f32) -> T,
) -> KResult {
    let x = widen(&contiguous::<T>(&call.inputs[0])?, to);
    let w = widen(&contiguous::<T>(&call.inputs[1])?, to);
    let mut acc = vec![0f32; geo.batch * geo.out_pos * geo.c_out];
    conv_acc::<f32>(geo, &x, &w, &mut acc)?;
    let mut buf = HostBuffer::alloc(call.dtype, acc.len());
    buf.as_mut_slice::<T>()
        .map_err(internal)?
        .par_iter_mut()
        .zip(acc.par_iter())
        .for_each(|(d, &s)| *d = from(s));
    Ok(output(buf, call.shape))
}

fn native_conv<A: Acc + Sync + Send>(call: &OpCall<'_>, geo: &Geometry) -> KResult {
    let x = contiguous::<A>(&call.inputs[0])?;
    let w = contiguous::<A>(&call.inputs[1])?;
    let mut buf = HostBuffer::alloc(call.dtype, geo.batch * geo.out_pos * geo.c_out);
    conv_acc::<A>(geo, &x, &w, buf.as_mut_slice::<A>().map_err(internal)?)?;
    Ok(output(buf, call.shape))
}

/// `Convolution`: input `[N, spatial.., C_in]`, weight `[C_out, kernel..,
/// C_in / groups]` (both of the output dtype), output `[N, out.., C_out]`.
pub fn convolution(p: &ConvParams<'_>, call: &OpCall<'_>) -> KResult {
    if call.inputs.len() != 2 {
        return Err(crate::failed("convolution takes an input and a weight"));
    }
    let geo = Geometry::new(
        call.inputs[0].layout.shape(),
        call.inputs[1].layout.shape(),
        call.shape,
        p,
    )?;
    match call.dtype {
        Dtype::Float32 => native_conv::<f32>(call, &geo),
        Dtype::Float64 => native_conv::<f64>(call, &geo),
        Dtype::Float16 => half_conv::<f16>(call, &geo, f16::to_f32, f16::from_f32),
        Dtype::Bfloat16 => half_conv::<bf16>(call, &geo, bf16::to_f32, bf16::from_f32),
        d => Err(unsupported(
            call.primitive,
            format!("convolution supports real floating point types, not {d}"),
        )),
    }
}
