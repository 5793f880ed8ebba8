//! Convolutions (`mx.conv1d/2d/3d`, `mx.conv_transpose1d/2d/3d`,
//! `mx.conv_general`, `mx.convolve`): one [`Primitive::Convolution`] node in
//! MLX's channels-last layouts — input `[N, spatial.., C_in]`, weight
//! `[C_out, kernel.., C_in / groups]`, output `[N, out_spatial.., C_out]`.

use crate::Tensor;
use mlx_core::{Dtype, Error, Primitive, Result};

/// A shape as MLX prints it in messages: `(1,5,4)`.
fn tup<T: std::fmt::Display>(s: &[T]) -> String {
    let v: Vec<String> = s.iter().map(|x| x.to_string()).collect();
    format!("({})", v.join(","))
}

/// `1 + dil * (dim - 1)`: the extent of `dim` elements spaced `dil` apart.
fn dilate_size(dim: i64, dil: i64) -> i64 {
    1 + dil * (dim - 1)
}

/// MLX's argument checks shared by every convolution (`run_conv_checks`
/// plus the group and rank checks of `conv_general`), in MLX's order.
fn conv_checks(x: &Tensor, w: &Tensor, groups: usize) -> Result<usize> {
    if groups == 0 {
        return Err(Error::invalid("conv", "groups must be positive, got 0"));
    }
    if groups != 1 && x.ndim() != 3 && x.ndim() != 4 {
        return Err(Error::invalid(
            "conv",
            "Can only handle groups != 1 in 1D or 2D convolutions.",
        ));
    }
    if x.ndim() < 3 || x.ndim() > 5 {
        return Err(Error::shape(
            "conv",
            "Only works for inputs with 1-3 spatial dimensions. The inputs must be in the format [N, ..., C_in]",
            vec![x.shape().to_vec()],
        ));
    }
    let nd = x.ndim() - 2;
    if !x.dtype().is_floating() {
        return Err(Error::dtype(
            "conv",
            format!(
                "Invalid input array with type {}. Convolution currently only supports floating point types",
                x.dtype()
            ),
            vec![x.dtype()],
        ));
    }
    if w.ndim() != nd + 2 {
        return Err(Error::shape(
            "conv",
            format!(
                "Invalid weight array with {} dimensions for {nd}D convolution. Expected an array with {} dimensions following the format [C_out, ..., C_in].",
                w.ndim(),
                nd + 2
            ),
            vec![x.shape().to_vec(), w.shape().to_vec()],
        ));
    }
    let c_in = x.shape()[nd + 1];
    if !c_in.is_multiple_of(groups) {
        return Err(Error::shape(
            "conv",
            format!(
                "The input channels must be divisible by the number of groups. Got input with shape {} and {groups} groups.",
                tup(x.shape())
            ),
            vec![x.shape().to_vec()],
        ));
    }
    if groups > 1 && !w.shape()[0].is_multiple_of(groups) {
        return Err(Error::shape(
            "conv",
            format!(
                "If groups > 1, the output channels must be divisible by the number of groups. Got {} output channels and {groups} groups.",
                w.shape()[0]
            ),
            vec![w.shape().to_vec()],
        ));
    }
    if c_in != groups * w.shape()[nd + 1] {
        let msg = if groups == 1 {
            format!(
                "Expect the input channels in the input and weight array to match but got shapes - input: {} and weight: {}",
                tup(x.shape()),
                tup(w.shape())
            )
        } else {
            format!(
                "Given groups={groups} and weights of shape {}, expected to have {} input channels but got {c_in} input channels instead.",
                tup(w.shape()),
                groups * w.shape()[nd + 1]
            )
        };
        return Err(Error::shape(
            "conv",
            msg,
            vec![x.shape().to_vec(), w.shape().to_vec()],
        ));
    }
    Ok(nd)
}

/// Output shape of a convolution with non-negative padding (MLX's
/// `conv_out_shape`, including its C++ truncating division).
#[allow(clippy::too_many_arguments)]
fn conv_out_shape(
    xs: &[usize],
    ws: &[usize],
    stride: &[usize],
    lo: &[i64],
    hi: &[i64],
    kdil: &[usize],
    idil: &[usize],
) -> Result<Vec<usize>> {
    let nd = xs.len() - 2;
    let bad_len = |what: &str, v: String| {
        Err(Error::invalid(
            "conv",
            format!("Invalid {what} {v} for {nd}D convolution."),
        ))
    };
    if stride.len() != nd {
        return bad_len("strides", tup(stride));
    }
    if lo.len() != nd || hi.len() != nd {
        return bad_len("padding", format!("{} | {}", tup(lo), tup(hi)));
    }
    if kdil.len() != nd {
        return bad_len("kernel dilation", tup(kdil));
    }
    if idil.len() != nd {
        return bad_len("input dilation", tup(idil));
    }
    let mut out = vec![xs[0]];
    for i in 0..nd {
        if kdil[i] == 0 {
            return Err(Error::invalid(
                "conv",
                format!(
                    "Kernel dilation sizes must be positive. Got kernel dilation {}.",
                    tup(kdil)
                ),
            ));
        }
        if idil[i] == 0 {
            return Err(Error::invalid(
                "conv",
                format!(
                    "Input dilation sizes must be positive. Got input dilation {}.",
                    tup(idil)
                ),
            ));
        }
        if lo[i] < 0 || hi[i] < 0 {
            return Err(Error::invalid(
                "conv",
                format!(
                    "Padding sizes must be non-negative. Got padding {} | {}.",
                    tup(lo),
                    tup(hi)
                ),
            ));
        }
        if stride[i] == 0 {
            return Err(Error::invalid(
                "conv",
                format!(
                    "Stride sizes must be positive. Got strides {}.",
                    tup(stride)
                ),
            ));
        }
        let kd = dilate_size(ws[i + 1] as i64, kdil[i] as i64);
        let id = dilate_size(xs[i + 1] as i64, idil[i] as i64);
        // C++ integer division truncates toward zero, as in MLX
        let size = (id + lo[i] + hi[i] - kd) / stride[i] as i64 + 1;
        if size <= 0 {
            return Err(Error::shape(
                "conv",
                format!(
                    "Spatial dimensions of input after padding cannot be smaller than weight spatial dimensions. Got error at axis {} for input with shape {}, padding low {}, padding high {}, and weight of shape {}.",
                    i + 1,
                    tup(xs),
                    tup(lo),
                    tup(hi),
                    tup(ws)
                ),
                vec![xs.to_vec(), ws.to_vec()],
            ));
        }
        out.push(size as usize);
    }
    out.push(ws[0]);
    Ok(out)
}

/// The convolution every public entry point lowers to (MLX's
/// `conv_general` with signed padding: negative padding crops the input).
#[allow(clippy::too_many_arguments)]
pub(crate) fn conv_general_signed(
    x: &Tensor,
    w: &Tensor,
    stride: &[usize],
    padding_lo: &[i64],
    padding_hi: &[i64],
    kernel_dilation: &[usize],
    input_dilation: &[usize],
    groups: usize,
    flip: bool,
) -> Result<Tensor> {
    let nd = conv_checks(x, w, groups)?;
    let dtype = Dtype::promote(x.dtype(), w.dtype());
    if !dtype.is_floating() {
        return Err(Error::dtype(
            "conv",
            format!(
                "Convolution supports real floating point types, but the inputs promote to {dtype}"
            ),
            vec![x.dtype(), w.dtype()],
        ));
    }
    let fill = |v: &[usize], d: usize| -> Vec<usize> {
        if v.len() <= 1 {
            vec![v.first().copied().unwrap_or(d); nd]
        } else {
            v.to_vec()
        }
    };
    let fill_i = |v: &[i64]| -> Vec<i64> {
        if v.len() <= 1 {
            vec![v.first().copied().unwrap_or(0); nd]
        } else {
            v.to_vec()
        }
    };
    let stride = fill(stride, 1);
    let mut lo = fill_i(padding_lo);
    let mut hi = fill_i(padding_hi);
    let kdil = fill(kernel_dilation, 1);
    let idil = fill(input_dilation, 1);
    let mut x = x.astype(dtype)?;
    let w = w.astype(dtype)?;
    if lo.len() == nd && hi.len() == nd && lo.iter().chain(&hi).any(|&p| p < 0) {
        let mut start = vec![0i64; x.ndim()];
        let mut stop: Vec<i64> = x.shape().iter().map(|&d| d as i64).collect();
        for i in 0..nd {
            if lo[i] < 0 {
                start[i + 1] = -lo[i];
                lo[i] = 0;
            }
            if hi[i] < 0 {
                stop[i + 1] += hi[i];
                hi[i] = 0;
            }
        }
        // an over-cropped axis becomes empty, which the shape check reports
        for i in 0..nd {
            stop[i + 1] = stop[i + 1].max(start[i + 1]);
        }
        x = x.slice(&start, &stop, &vec![1; x.ndim()])?;
    }
    let shape = conv_out_shape(x.shape(), w.shape(), &stride, &lo, &hi, &kdil, &idil)?;
    Tensor::op(
        "conv",
        Primitive::Convolution {
            stride,
            padding_lo: lo.iter().map(|&p| p as usize).collect(),
            padding_hi: hi.iter().map(|&p| p as usize).collect(),
            kernel_dilation: kdil,
            input_dilation: idil,
            groups,
            flip,
        },
        &[&x, &w],
        shape,
        dtype,
    )
}

/// MLX's `conv_transpose_general`: a convolution of the input dilated by
/// `stride` with the flipped kernel.
#[allow(clippy::too_many_arguments)]
fn conv_transpose_general(
    x: &Tensor,
    w: &Tensor,
    stride: &[usize],
    padding: &[usize],
    dilation: &[usize],
    output_padding: &[usize],
    groups: usize,
) -> Result<Tensor> {
    // rank problems are reported by the convolution's own checks
    conv_checks(x, w, groups)?;
    let nd = stride.len();
    let mut lo = Vec::with_capacity(nd);
    let mut hi = Vec::with_capacity(nd);
    for i in 0..nd {
        let (s, p, d, op) = (
            stride[i] as i64,
            padding[i] as i64,
            dilation[i] as i64,
            output_padding[i] as i64,
        );
        let k = w.shape()[i + 1] as i64;
        let n = x.shape()[i + 1] as i64;
        let wt_size = dilate_size(k, d);
        lo.push(wt_size - p - 1);
        let conv_out = (n - 1) * s - 2 * p + d * (k - 1) + 1;
        let out_size = 1 + s * (n - 1);
        hi.push(conv_out - out_size + p + op);
    }
    conv_general_signed(x, w, &vec![1; nd], &lo, &hi, dilation, stride, groups, true)
}

impl Tensor {
    /// 1-D convolution (`mx.conv1d`, cross-correlation): `self` is
    /// `[N, L, C_in]`, `w` is `[C_out, K, C_in / groups]`; the result is
    /// `[N, L_out, C_out]` in the promoted floating dtype.
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[1, 4, 1])?;
    /// let w = Tensor::from_slice(&[1.0f32, -1.0], &[1, 2, 1])?;
    /// let y = x.conv1d(&w, 1, 0, 1, 1)?;
    /// assert_eq!(y.shape(), &[1, 3, 1]);
    /// assert_eq!(y.to_vec::<f32>()?, vec![-1.0, -1.0, -1.0]);
    /// assert!(x.conv1d(&Tensor::ones(&[1, 5, 1], Dtype::Float32)?, 1, 0, 1, 1).is_err());
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn conv1d(
        &self,
        w: &Tensor,
        stride: usize,
        padding: usize,
        dilation: usize,
        groups: usize,
    ) -> Result<Tensor> {
        self.conv_general(
            w,
            &[stride],
            &[padding],
            &[padding],
            &[dilation],
            &[1],
            groups,
            false,
        )
    }

    /// 2-D convolution (`mx.conv2d`): `self` is `[N, H, W, C_in]`, `w` is
    /// `[C_out, KH, KW, C_in / groups]`; pairs are `(height, width)`.
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let x = Tensor::ones(&[2, 5, 5, 3], Dtype::Float32)?;
    /// let w = Tensor::ones(&[4, 3, 3, 3], Dtype::Float32)?;
    /// let y = x.conv2d(&w, (2, 2), (1, 1), (1, 1), 1)?;
    /// assert_eq!(y.shape(), &[2, 3, 3, 4]);
    /// assert_eq!(y.to_vec::<f32>()?[4 * 4], 27.0); // centre pixel sees 3x3x3 ones
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn conv2d(
        &self,
        w: &Tensor,
        stride: (usize, usize),
        padding: (usize, usize),
        dilation: (usize, usize),
        groups: usize,
    ) -> Result<Tensor> {
        let p = [padding.0, padding.1];
        self.conv_general(
            w,
            &[stride.0, stride.1],
            &p,
            &p,
            &[dilation.0, dilation.1],
            &[1, 1],
            groups,
            false,
        )
    }

    /// 3-D convolution (`mx.conv3d`): `self` is `[N, D, H, W, C_in]`, `w` is
    /// `[C_out, KD, KH, KW, C_in / groups]` (MLX allows `groups > 1` only
    /// for 1-D and 2-D).
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let x = Tensor::ones(&[1, 4, 4, 4, 2], Dtype::Float32)?;
    /// let w = Tensor::ones(&[3, 2, 2, 2, 2], Dtype::Float32)?;
    /// let y = x.conv3d(&w, (1, 1, 1), (0, 0, 0), (1, 1, 1), 1)?;
    /// assert_eq!(y.shape(), &[1, 3, 3, 3, 3]);
    /// assert_eq!(y.to_vec::<f32>()?[0], 16.0);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn conv3d(
        &self,
        w: &Tensor,
        stride: (usize, usize, usize),
        padding: (usize, usize, usize),
        dilation: (usize, usize, usize),
        groups: usize,
    ) -> Result<Tensor> {
        let p = [padding.0, padding.1, padding.2];
        self.conv_general(
            w,
            &[stride.0, stride.1, stride.2],
            &p,
            &p,
            &[dilation.0, dilation.1, dilation.2],
            &[1, 1, 1],
            groups,
            false,
        )
    }

    /// General convolution (`mx.conv_general`): per-axis `stride`, low and
    /// high padding, kernel and input dilation (a slice of length 1 applies
    /// to every spatial axis, an empty one means the default), `groups`, and
    /// `flip` (true: convolution, false: cross-correlation).
    ///
    /// ```
    /// use mlx_ops::Tensor;
    /// let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[1, 3, 1])?;
    /// let w = Tensor::from_slice(&[1.0f32, 10.0], &[1, 2, 1])?;
    /// // input dilation 2 inserts a zero between samples: [1, 0, 2, 0, 3]
    /// let y = x.conv_general(&w, &[1], &[0], &[0], &[1], &[2], 1, false)?;
    /// assert_eq!(y.to_vec::<f32>()?, vec![1.0, 20.0, 2.0, 30.0]);
    /// let f = x.conv_general(&w, &[1], &[0], &[0], &[1], &[1], 1, true)?;
    /// assert_eq!(f.to_vec::<f32>()?, vec![12.0, 23.0]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn conv_general(
        &self,
        w: &Tensor,
        stride: &[usize],
        padding_lo: &[usize],
        padding_hi: &[usize],
        kernel_dilation: &[usize],
        input_dilation: &[usize],
        groups: usize,
        flip: bool,
    ) -> Result<Tensor> {
        let lo: Vec<i64> = padding_lo.iter().map(|&p| p as i64).collect();
        let hi: Vec<i64> = padding_hi.iter().map(|&p| p as i64).collect();
        conv_general_signed(
            self,
            w,
            stride,
            &lo,
            &hi,
            kernel_dilation,
            input_dilation,
            groups,
            flip,
        )
    }

    /// 1-D transposed convolution (`mx.conv_transpose1d`), the gradient of
    /// [`Tensor::conv1d`] with respect to its input; `w` is
    /// `[C_out, K, C_in / groups]`.
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let x = Tensor::ones(&[1, 4, 2], Dtype::Float32)?;
    /// let w = Tensor::ones(&[2, 3, 2], Dtype::Float32)?;
    /// assert_eq!(x.conv_transpose1d(&w, 2, 1, 1, 1, 1)?.shape(), &[1, 8, 2]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn conv_transpose1d(
        &self,
        w: &Tensor,
        stride: usize,
        padding: usize,
        dilation: usize,
        output_padding: usize,
        groups: usize,
    ) -> Result<Tensor> {
        self.conv_transpose_check(w, 1)?;
        conv_transpose_general(
            self,
            w,
            &[stride],
            &[padding],
            &[dilation],
            &[output_padding],
            groups,
        )
    }

    /// 2-D transposed convolution (`mx.conv_transpose2d`); pairs are
    /// `(height, width)`.
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let x = Tensor::ones(&[1, 3, 3, 2], Dtype::Float32)?;
    /// let w = Tensor::ones(&[4, 3, 3, 2], Dtype::Float32)?;
    /// let y = x.conv_transpose2d(&w, (2, 2), (0, 0), (1, 1), (0, 0), 1)?;
    /// assert_eq!(y.shape(), &[1, 7, 7, 4]);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn conv_transpose2d(
        &self,
        w: &Tensor,
        stride: (usize, usize),
        padding: (usize, usize),
        dilation: (usize, usize),
        output_padding: (usize, usize),
        groups: usize,
    ) -> Result<Tensor> {
        self.conv_transpose_check(w, 2)?;
        conv_transpose_general(
            self,
            w,
            &[stride.0, stride.1],
            &[padding.0, padding.1],
            &[dilation.0, dilation.1],
            &[output_padding.0, output_padding.1],
            groups,
        )
    }

    /// 3-D transposed convolution (`mx.conv_transpose3d`).
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let x = Tensor::ones(&[1, 2, 2, 2, 1], Dtype::Float32)?;
    /// let w = Tensor::ones(&[1, 2, 2, 2, 1], Dtype::Float32)?;
    /// let y = x.conv_transpose3d(&w, (1, 1, 1), (0, 0, 0), (1, 1, 1), (0, 0, 0), 1)?;
    /// assert_eq!(y.shape(), &[1, 3, 3, 3, 1]);
    /// assert_eq!(y.to_vec::<f32>()?[13], 8.0);
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn conv_transpose3d(
        &self,
        w: &Tensor,
        stride: (usize, usize, usize),
        padding: (usize, usize, usize),
        dilation: (usize, usize, usize),
        output_padding: (usize, usize, usize),
        groups: usize,
    ) -> Result<Tensor> {
        self.conv_transpose_check(w, 3)?;
        conv_transpose_general(
            self,
            w,
            &[stride.0, stride.1, stride.2],
            &[padding.0, padding.1, padding.2],
            &[dilation.0, dilation.1, dilation.2],
            &[output_padding.0, output_padding.1, output_padding.2],
            groups,
        )
    }

    /// Rank checks of the transposed convolutions (before shapes are read).
    /// N-d transposed convolution, the spatial rank given by `stride.len()`
    /// (what `conv_transpose1d/2d/3d` are for 1, 2 and 3 axes); every
    /// per-axis slice has one entry per spatial axis.
    ///
    /// ```
    /// use mlx_ops::{Dtype, Tensor};
    /// let x = Tensor::ones(&[1, 3, 3, 2], Dtype::Float32)?;
    /// let w = Tensor::ones(&[4, 3, 3, 2], Dtype::Float32)?;
    /// let y = x.conv_transpose(&w, &[2, 2], &[0, 0], &[1, 1], &[0, 0], 1)?;
    /// assert_eq!(y.shape(), &[1, 7, 7, 4]);
    /// assert!(x.conv_transpose(&w, &[2, 2], &[0], &[1, 1], &[0, 0], 1).is_err());
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn conv_transpose(
        &self,
        w: &Tensor,
        stride: &[usize],
        padding: &[usize],
        dilation: &[usize],
        output_padding: &[usize],
        groups: usize,
    ) -> Result<Tensor> {
        let nd = stride.len();
        if [padding.len(), dilation.len(), output_padding.len()] != [nd; 3] {
            return Err(Error::invalid(
                "conv_transpose",
                format!(
                    "stride, padding, dilation and output_padding need one entry per spatial axis, got lengths {}, {}, {} and {}",
                    nd,
                    padding.len(),
                    dilation.len(),
                    output_padding.len()
                ),
            ));
        }
        self.conv_transpose_check(w, nd)?;
        conv_transpose_general(self, w, stride, padding, dilation, output_padding, groups)
    }

    fn conv_transpose_check(&self, w: &Tensor, nd: usize) -> Result<()> {
        if self.ndim() != nd + 2 || w.ndim() != nd + 2 {
            return Err(Error::shape(
                "conv",
                format!(
                    "{nd}D transposed convolution expects input [N, ..., C_in] and weight [C_out, ..., C_in] with {} dimensions",
                    nd + 2
                ),
                vec![self.shape().to_vec(), w.shape().to_vec()],
            ));
        }
        Ok(())
    }
}

/// Discrete convolution of two 1-D arrays (`mx.convolve`, numpy's modes
/// `"full"`, `"same"`, `"valid"`); the longer array is the signal.
///
/// ```
/// use mlx_ops::{convolve, Tensor};
/// let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3])?;
/// let v = Tensor::from_slice(&[0.0f32, 1.0, 0.5], &[3])?;
/// assert_eq!(convolve(&a, &v, "full")?.to_vec::<f32>()?, vec![0.0, 1.0, 2.5, 4.0, 1.5]);
/// assert_eq!(convolve(&a, &v, "same")?.to_vec::<f32>()?, vec![1.0, 2.5, 4.0]);
/// assert!(convolve(&a, &v, "circular").is_err());
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn convolve(a: &Tensor, v: &Tensor, mode: &str) -> Result<Tensor> {
    if a.ndim() != 1 || v.ndim() != 1 {
        return Err(Error::shape(
            "convolve",
            "Inputs must be 1D.",
            vec![a.shape().to_vec(), v.shape().to_vec()],
        ));
    }
    if a.size() == 0 || v.size() == 0 {
        return Err(Error::shape(
            "convolve",
            "Inputs cannot be empty.",
            vec![a.shape().to_vec(), v.shape().to_vec()],
        ));
    }
    let (input, kernel) = if a.size() < v.size() { (v, a) } else { (a, v) };
    let k = kernel.size();
    let wt = kernel.flip(None)?.reshape(&[1, -1, 1])?;
    let mut x = input.reshape(&[1, -1, 1])?;
    let padding = match mode {
        "full" => k - 1,
        "valid" => 0,
        "same" if k % 2 == 1 => k / 2,
        "same" => {
            let l = k / 2;
            x = x.pad(&[(0, 0), (l, l.saturating_sub(1)), (0, 0)], 0.0)?;
            0
        }
        _ => {
            return Err(Error::invalid(
                "convolve",
                format!("Invalid mode {mode:?}: expected \"full\", \"same\" or \"valid\"."),
            ))
        }
    };
    x.conv1d(&wt, 1, padding, 1, 1)?.reshape(&[-1])
}

/// The fields of a [`Primitive::Convolution`], borrowed.
pub(crate) struct ConvSpec<'a> {
    stride: &'a [usize],
    lo: &'a [usize],
    hi: &'a [usize],
    kdil: &'a [usize],
    idil: &'a [usize],
    groups: usize,
    flip: bool,
}

impl<'a> ConvSpec<'a> {
    /// The convolution fields of `p`, if it is one.
    pub(crate) fn of(p: &'a Primitive) -> Option<ConvSpec<'a>> {
        match p {
            Primitive::Convolution {
                stride,
                padding_lo,
                padding_hi,
                kernel_dilation,
                input_dilation,
                groups,
                flip,
            } => Some(ConvSpec {
                stride,
                lo: padding_lo,
                hi: padding_hi,
                kdil: kernel_dilation,
                idil: input_dilation,
                groups: *groups,
                flip: *flip,
            }),
            _ => None,
        }
    }

    /// The same convolution of other operands (`groups` replaced).
    pub(crate) fn apply(&self, x: &Tensor, w: &Tensor, groups: usize) -> Result<Tensor> {
        let lo: Vec<i64> = self.lo.iter().map(|&p| p as i64).collect();
        let hi: Vec<i64> = self.hi.iter().map(|&p| p as i64).collect();
        conv_general_signed(
            x,
            w,
            self.stride,
            &lo,
            &hi,
            self.kdil,
            self.idil,
            groups,
            self.flip,
        )
    }

    /// `[G, C / G]` split of axis `axis` of `x`, axes `a` and `b` swapped,
    /// the split merged again (MLX's `group_transpose`).
    fn group_transpose(&self, x: &Tensor, axis: usize, a: i64, b: i64) -> Result<Tensor> {
        if self.groups == 1 {
            return x.swapaxes(0, -1);
        }
        let mut shape: Vec<i64> = x.shape().iter().map(|&d| d as i64).collect();
        shape[axis] /= self.groups as i64;
        shape.insert(axis, self.groups as i64);
        x.reshape(&shape)?
            .swapaxes(a, b)?
            .flatten(axis as i64, axis as i64 + 1)
    }

    /// Cotangents of the input and the weight for the output cotangent `g`.
    pub(crate) fn vjp(&self, x: &Tensor, w: &Tensor, g: &Tensor) -> Result<(Tensor, Tensor)> {
        let nd = x.ndim() - 2;
        // input: a convolution of the cotangent with the transposed kernel
        let mut lo = Vec::with_capacity(nd);
        let mut hi = Vec::with_capacity(nd);
        for i in 0..nd {
            let wt_size = dilate_size(w.shape()[i + 1] as i64, self.kdil[i] as i64);
            let in_size = dilate_size(x.shape()[i + 1] as i64, self.idil[i] as i64);
            let out_size = dilate_size(g.shape()[i + 1] as i64, self.stride[i] as i64);
            lo.push(wt_size - self.lo[i] as i64 - 1);
            hi.push(in_size - out_size + self.hi[i] as i64);
        }
        let w_t = self.group_transpose(w, 0, 1, -1)?;
        let gx = conv_cropped(
            g,
            &w_t,
            self.idil,
            &lo,
            &hi,
            self.kdil,
            self.stride,
            self.groups,
            !self.flip,
            &x.shape()[1..=nd],
        )?;
        // weight: a convolution of the input with the cotangent as kernel,
        // batch and channels exchanged
        let lo_w: Vec<i64> = self.lo.iter().map(|&p| p as i64).collect();
        let mut hi_w = Vec::with_capacity(nd);
        for i in 0..nd {
            let in_size = dilate_size(x.shape()[i + 1] as i64, self.idil[i] as i64);
            let out_size = dilate_size(g.shape()[i + 1] as i64, self.stride[i] as i64);
            let wt_size = dilate_size(w.shape()[i + 1] as i64, self.kdil[i] as i64);
            hi_w.push(out_size - in_size + wt_size - self.lo[i] as i64 - 1);
        }
        let g_t = g.swapaxes(0, -1)?;
        let x_t = self.group_transpose(x, nd + 1, 0, -1)?;
        let mut gw = conv_cropped(
            &x_t,
            &g_t,
            self.kdil,
            &lo_w,
            &hi_w,
            self.stride,
            self.idil,
            self.groups,
            false,
            &w.shape()[1..=nd],
        )?;
        if self.flip {
            let axes: Vec<i64> = (1..=nd as i64).collect();
            gw = gw.flip(Some(&axes))?;
        }
        Ok((
            gx.astype(x.dtype())?,
            gw.swapaxes(0, -1)?.astype(w.dtype())?,
        ))
    }
}

/// A convolution whose padding may be negative on either side, computed
/// exactly (negative padding crops the dilated input) and cut to `len`
/// output positions per spatial axis.
#[allow(clippy::too_many_arguments)]
fn conv_cropped(
    x: &Tensor,
    w: &Tensor,
    stride: &[usize],
    lo: &[i64],
    hi: &[i64],
    kdil: &[usize],
    idil: &[usize],
    groups: usize,
    flip: bool,
    len: &[usize],
) -> Result<Tensor> {
    let nd = lo.len();
    let mut lo2 = Vec::with_capacity(nd);
    let mut skip = Vec::with_capacity(nd);
    for i in 0..nd {
        let s = stride[i] as i64;
        if lo[i] < 0 {
            // start at a padding in 0..s that reaches the same taps `j`
            // outputs later
            let l = lo[i].rem_euclid(s);
            skip.push((l - lo[i]) / s);
            lo2.push(l);
        } else {
            skip.push(0);
            lo2.push(lo[i]);
        }
    }
    let hi2: Vec<i64> = hi.iter().map(|&p| p.max(0)).collect();
    let y = conv_general_signed(x, w, stride, &lo2, &hi2, kdil, idil, groups, flip)?;
    let mut start = vec![0i64];
    let mut stop = vec![y.shape()[0] as i64];
    for i in 0..nd {
        start.push(skip[i]);
        stop.push(skip[i] + len[i] as i64);
    }
    start.push(0);
    stop.push(y.shape()[nd + 1] as i64);
    let y = y.slice(&start, &stop, &vec![1; nd + 2])?;
    if y.shape()[1..=nd] != *len {
        return Err(Error::shape(
            "conv",
            format!(
                "derivative convolution produced spatial sizes {:?}, expected {len:?}",
                &y.shape()[1..=nd]
            ),
            vec![y.shape().to_vec()],
        ));
    }
    Ok(y)
}
