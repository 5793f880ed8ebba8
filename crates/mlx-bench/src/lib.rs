//! Workloads shared by the criterion benchmarks and the side-by-side runner,
//! so both measure exactly the same programs.
//!
//! ```
//! let w = mlx_bench::Workloads::new(256).unwrap();
//! w.add().unwrap();
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use mlx::prelude::*;
pub use mlx::Context;

/// Inputs of the standard CPU workloads, evaluated up front.
pub struct Workloads {
    /// Elements of the vector workloads.
    pub n: usize,
    /// First vector (normal samples).
    pub x: Tensor,
    /// Second vector.
    pub y: Tensor,
    /// Square matrix for softmax (rows of `sqrt(n)`).
    pub s: Tensor,
}

impl Workloads {
    /// Vector workloads of `n` elements (a square number for softmax).
    pub fn new(n: usize) -> Result<Workloads> {
        let side = (n as f64).sqrt() as usize;
        let x = Tensor::linspace(-3.0, 3.0, n, None)?.sin()?.multiply(2.0)?;
        let y = Tensor::linspace(-2.0, 5.0, n, None)?.cos()?;
        let s = x
            .slice(&[0], &[(side * side) as i64], &[1])?
            .reshape(&[side as i64, side as i64])?;
        eval(&[&x, &y, &s])?;
        Ok(Workloads { n, x, y, s })
    }

    /// `x + y`, evaluated.
    pub fn add(&self) -> Result<Tensor> {
        let r = self.x.add(&self.y)?;
        r.eval()?;
        Ok(r)
    }

    /// `exp(x)`, evaluated.
    pub fn exp(&self) -> Result<Tensor> {
        let r = self.x.exp()?;
        r.eval()?;
        Ok(r)
    }

    /// `sum(x)`, evaluated.
    pub fn sum(&self) -> Result<Tensor> {
        let r = self.x.sum(ALL, false)?;
        r.eval()?;
        Ok(r)
    }

    /// `s + row`: a matrix plus a row broadcast over it (`row` is the
    /// first row of `s`), evaluated.
    pub fn add_row(&self) -> Result<Tensor> {
        let row = self.s.slice(&[0, 0], &[1, i64::MAX], &[1, 1])?.squeeze(0)?;
        let r = self.s.add(&row)?;
        r.eval()?;
        Ok(r)
    }

    /// `sum(s, axis)`: `axis = 1` reduces the inner (contiguous) axis,
    /// `axis = 0` the outer one; evaluated.
    ///
    /// ```
    /// let w = mlx_bench::Workloads::new(64).unwrap();
    /// assert_eq!(w.sum_axis(0).unwrap().shape(), &[8]);
    /// assert_eq!(w.add_row().unwrap().shape(), &[8, 8]);
    /// ```
    pub fn sum_axis(&self, axis: i64) -> Result<Tensor> {
        let r = self.s.sum(axis, false)?;
        r.eval()?;
        Ok(r)
    }

    /// Softmax over the rows of `s`, evaluated.
    pub fn softmax(&self) -> Result<Tensor> {
        let r = self.s.softmax(-1, false)?;
        r.eval()?;
        Ok(r)
    }

    /// `exp(x) * y + x`, evaluated.
    pub fn exp_mul_add(&self) -> Result<Tensor> {
        let r = self.x.exp()?.multiply(&self.y)?.add(&self.x)?;
        r.eval()?;
        Ok(r)
    }
}

/// `exp(x) * y + x` through `compile`: one fused kernel per call.
///
/// ```
/// let w = mlx_bench::Workloads::new(16).unwrap();
/// let f = mlx_bench::compiled_exp_mul_add();
/// let a = f(&w.x, &w.y).unwrap().to_vec::<f32>().unwrap();
/// let b = w.exp_mul_add().unwrap().to_vec::<f32>().unwrap();
/// assert!(a.iter().zip(&b).all(|(p, q)| (p - q).abs() <= 1e-5 * (1.0 + q.abs())));
/// ```
pub fn compiled_exp_mul_add() -> impl Fn(&Tensor, &Tensor) -> Result<Tensor> {
    let f = mlx::compile(|a: &[Tensor]| Ok(vec![a[0].exp()?.multiply(&a[1])?.add(&a[0])?]));
    move |x: &Tensor, y: &Tensor| {
        let r = f.call(&[x.clone(), y.clone()])?.remove(0);
        r.eval()?;
        Ok(r)
    }
}

/// A two-layer perceptron `in -> hidden (relu) -> out` with a batch of
/// inputs and one-hot labels, for timing a `value_and_grad` step.
pub struct Mlp {
    /// `[w1, b1, w2, b2, x, y]`, evaluated.
    pub args: Vec<Tensor>,
}

impl Mlp {
    /// Parameters and data of the given sizes (deterministic values).
    pub fn new(batch: usize, input: usize, hidden: usize, out: usize) -> Result<Mlp> {
        let mat = |r: usize, c: usize, s: f64| -> Result<Tensor> {
            Tensor::linspace(-1.0, 1.0, r * c, None)?
                .multiply(s)?
                .sin()?
                .multiply(1.0 / (r as f64).sqrt())?
                .reshape(&[r as i64, c as i64])
        };
        let x = mat(batch, input, 37.0)?;
        let labels = Tensor::arange(0.0, batch as f64, 1.0, Some(Dtype::Float32))?
            .remainder(out as f64)?
            .reshape(&[batch as i64, 1])?;
        let classes = Tensor::arange(0.0, out as f64, 1.0, Some(Dtype::Float32))?;
        let y = labels.equal(&classes)?.astype(Dtype::Float32)?;
        let args = vec![
            mat(input, hidden, 11.0)?,
            Tensor::zeros(&[hidden], Dtype::Float32)?,
            mat(hidden, out, 13.0)?,
            Tensor::zeros(&[out], Dtype::Float32)?,
            x,
            y,
        ];
        let refs: Vec<&Tensor> = args.iter().collect();
        eval(&refs)?;
        Ok(Mlp { args })
    }

    /// Mean cross-entropy of `args = [w1, b1, w2, b2, x, y]`.
    pub fn loss(args: &[Tensor]) -> Result<Tensor> {
        let h = args[4].matmul(&args[0])?.add(&args[1])?.maximum(0.0)?;
        let logits = h.matmul(&args[2])?.add(&args[3])?;
        let n = args[4].shape()[0] as f64;
        logits
            .log_softmax(-1)?
            .multiply(&args[5])?
            .sum(ALL, false)?
            .multiply(-1.0 / n)
    }

    /// One `value_and_grad` step with respect to the four parameters,
    /// evaluated; returns the loss.
    pub fn step(&self) -> Result<f32> {
        let vg = mlx::value_and_grad(Mlp::loss, &[0, 1, 2, 3]);
        let (v, g) = vg(&self.args)?;
        let mut all = vec![&v];
        all.extend(g.iter());
        eval(&all)?;
        v.item::<f32>()
    }
}

/// Two `n x n` float32 matrices, evaluated.
pub fn matmul_inputs(n: usize) -> Result<(Tensor, Tensor)> {
    let a = Tensor::linspace(-1.0, 1.0, n * n, None)?
        .sin()?
        .reshape(&[n as i64, n as i64])?;
    let b = Tensor::linspace(-2.0, 2.0, n * n, None)?
        .cos()?
        .reshape(&[n as i64, n as i64])?;
    eval(&[&a, &b])?;
    Ok((a, b))
}

/// Builds and evaluates a chain of `ops` scalar adds (the per-op overhead
/// workload).
pub fn scalar_chain(ops: usize) -> Result<f32> {
    let mut w = Tensor::scalar(1.0f32);
    for _ in 0..ops {
        w = w.add(1.0)?;
    }
    w.item::<f32>()
}

/// Median of `runs` timings of `f` (after one warm-up), in seconds.
pub fn median_secs(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut ts: Vec<f64> = (0..runs)
        .map(|_| {
            let t = std::time::Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    ts.sort_by(f64::total_cmp);
    ts[ts.len() / 2]
}

/// Two batches of matrices for `einsum("bij,bjk->bik")`: `[b, n, n]` each,
/// evaluated.
///
/// ```
/// let (a, b) = mlx_bench::einsum_inputs(2, 8).unwrap();
/// assert_eq!(mlx_bench::einsum_bmm(&a, &b).unwrap().shape(), &[2, 8, 8]);
/// ```
pub fn einsum_inputs(batch: usize, n: usize) -> Result<(Tensor, Tensor)> {
    let shape = [batch as i64, n as i64, n as i64];
    let a = Tensor::linspace(-1.0, 1.0, batch * n * n, None)?
        .sin()?
        .reshape(&shape)?;
    let b = Tensor::linspace(-2.0, 2.0, batch * n * n, None)?
        .cos()?
        .reshape(&shape)?;
    eval(&[&a, &b])?;
    Ok((a, b))
}

/// `einsum("bij,bjk->bik", a, b)`, evaluated.
pub fn einsum_bmm(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let r = mlx::einsum("bij,bjk->bik", &[a, b])?;
    r.eval()?;
    Ok(r)
}

/// `fast.rms_norm(x, w, 1e-5)` over the rows of `x`, evaluated.
///
/// ```
/// let w = mlx_bench::Workloads::new(64).unwrap();
/// let g = mlx::Tensor::ones(&[8], mlx::Dtype::Float32).unwrap();
/// assert_eq!(mlx_bench::rms_norm(&w.s, &g).unwrap().shape(), &[8, 8]);
/// ```
pub fn rms_norm(x: &Tensor, w: &Tensor) -> Result<Tensor> {
    let r = mlx::fast::rms_norm(x, Some(w), 1e-5)?;
    r.eval()?;
    Ok(r)
}

/// Inputs of the scan, sort and gather workloads, evaluated up front.
///
/// ```
/// let w = mlx_bench::IndexWorkloads::new(8, 100, 1000).unwrap();
/// assert_eq!(w.take().unwrap().shape(), &[1000]);
/// ```
pub struct IndexWorkloads {
    /// A `side x side` float32 matrix (scans on both axes, row sorts).
    pub m: Tensor,
    /// The float32 source of the gather.
    pub src: Tensor,
    /// `uint32` indices into `src` (a fixed scattered pattern).
    pub idx: Tensor,
}

impl IndexWorkloads {
    /// A `side x side` matrix, a source of `src` elements and `idx`
    /// indices into it.
    pub fn new(side: usize, src: usize, idx: usize) -> Result<IndexWorkloads> {
        let n = side * side;
        let m = Tensor::linspace(-3.0, 3.0, n, None)?
            .multiply(12.9898)?
            .sin()?
            .reshape(&[side as i64, side as i64])?;
        let s = Tensor::linspace(-1.0, 1.0, src, None)?.cos()?;
        let i = Tensor::arange(0.0, idx as f64, 1.0, Some(Dtype::Int64))?
            .multiply(7919)?
            .remainder(src.max(1) as i64)?
            .astype(Dtype::Uint32)?;
        eval(&[&m, &s, &i])?;
        Ok(IndexWorkloads { m, src: s, idx: i })
    }

    /// `cumsum(m, axis)`, evaluated.
    pub fn cumsum(&self, axis: i64) -> Result<Tensor> {
        let r = self.m.cumsum(Some(axis), false, true)?;
        r.eval()?;
        Ok(r)
    }

    /// Every row of `m` sorted, evaluated.
    pub fn sort(&self) -> Result<Tensor> {
        let r = self.m.sort(Some(-1))?;
        r.eval()?;
        Ok(r)
    }

    /// `take(src, idx)`, evaluated.
    pub fn take(&self) -> Result<Tensor> {
        let r = self.src.take(&self.idx, None)?;
        r.eval()?;
        Ok(r)
    }
}

/// Inputs of the conv2d workload: `x` `[batch, side, side, c_in]` and `w`
/// `[c_out, 3, 3, c_in]` (MLX layouts), float32, evaluated.
///
/// ```
/// let (x, w) = mlx_bench::conv2d_inputs(1, 8, 4, 5).unwrap();
/// assert_eq!(mlx_bench::conv2d_3x3(&x, &w).unwrap().shape(), &[1, 8, 8, 5]);
/// ```
pub fn conv2d_inputs(
    batch: usize,
    side: usize,
    c_in: usize,
    c_out: usize,
) -> Result<(Tensor, Tensor)> {
    let nx = batch * side * side * c_in;
    let nw = c_out * 9 * c_in;
    let x = Tensor::linspace(-3.0, 3.0, nx, None)?.sin()?.reshape(&[
        batch as i64,
        side as i64,
        side as i64,
        c_in as i64,
    ])?;
    let w = Tensor::linspace(-1.0, 1.0, nw, None)?
        .cos()?
        .multiply(0.1)?
        .reshape(&[c_out as i64, 3, 3, c_in as i64])?;
    eval(&[&x, &w])?;
    Ok((x, w))
}

/// A 3x3 convolution with stride 1 and padding 1 ("same"), evaluated.
pub fn conv2d_3x3(x: &Tensor, w: &Tensor) -> Result<Tensor> {
    let r = x.conv2d(w, (1, 1), (1, 1), (1, 1), 1)?;
    r.eval()?;
    Ok(r)
}

/// The quantized and expert-indexed workloads: a 4-bit (group 64)
/// `k x k` weight against a one-row input, and `tokens` tokens routed top-2
/// over 8 experts of `d x d`.
pub struct QuantWorkloads {
    /// The input row `[1, k]`.
    pub x: Tensor,
    /// The float weight `[k, k]` (rows are outputs).
    pub w: Tensor,
    /// Its packed 4-bit codes, scales and biases.
    pub wq: (Tensor, Tensor, Tensor),
    /// Tokens `[tokens, 1, 1, d]`.
    pub tokens: Tensor,
    /// Experts `[8, d, d]`.
    pub experts: Tensor,
    /// Top-2 routing `[tokens, 2]` (`uint32`).
    pub route: Tensor,
    /// The routed rows stacked `[2 * tokens, d]` (the dense baseline).
    pub stacked: Tensor,
    /// One expert `[d, d]` (the dense baseline).
    pub expert0: Tensor,
}

impl QuantWorkloads {
    /// Builds and evaluates the inputs.
    ///
    /// ```
    /// let q = mlx_bench::QuantWorkloads::new(128, 16, 64).unwrap();
    /// assert_eq!(q.qmv().unwrap().shape(), &[1, 128]);
    /// assert_eq!(q.gather().unwrap().shape(), &[16, 2, 1, 64]);
    /// assert_eq!(q.dense().unwrap().shape(), &[32, 64]);
    /// ```
    pub fn new(k: usize, tokens: usize, d: usize) -> Result<QuantWorkloads> {
        let key = mlx::random::key(0);
        let ks = mlx::random::split(&key, 4)?;
        let kk = |i: i64| ks.slice_axis(0, i, i + 1, 1)?.reshape(&[2]);
        let x = mlx::random::normal(&[1, k], None, 0.0, 1.0, Some(&kk(0)?))?;
        let w = mlx::random::normal(&[k, k], None, 0.0, 0.02, Some(&kk(1)?))?;
        let wq = mlx::quantize(&w, 64, 4)?;
        let t = mlx::random::normal(&[tokens, 1, 1, d], None, 0.0, 1.0, Some(&kk(2)?))?;
        let experts = mlx::random::normal(&[8, d, d], None, 0.0, 0.02, Some(&kk(3)?))?;
        // token i goes to experts (i % 8, (i * 3 + 1) % 8)
        let r: Vec<u32> = (0..tokens as u32)
            .flat_map(|i| [i % 8, (i * 3 + 1) % 8])
            .collect();
        let route = Tensor::from_slice(&r, &[tokens, 2])?;
        let stacked = t
            .reshape(&[tokens as i64, d as i64])?
            .broadcast_to(&[2, tokens, d])?
            .reshape(&[(2 * tokens) as i64, d as i64])?
            .contiguous(false)?;
        let expert0 = experts
            .slice_axis(0, 0, 1, 1)?
            .reshape(&[d as i64, d as i64])?
            .contiguous(false)?;
        eval(&[
            &x, &w, &wq.0, &wq.1, &wq.2, &t, &experts, &route, &stacked, &expert0,
        ])?;
        Ok(QuantWorkloads {
            x,
            w,
            wq,
            tokens: t,
            experts,
            route,
            stacked,
            expert0,
        })
    }

    /// `x @ dequantize(wq).T` with the 4-bit weight, evaluated.
    pub fn qmv(&self) -> Result<Tensor> {
        let (q, s, b) = &self.wq;
        let r = mlx::quantized_matmul(&self.x, q, s, b, true, 64, 4)?;
        r.eval()?;
        Ok(r)
    }

    /// `x @ w.T` in float32, evaluated (the baseline of [`Self::qmv`]).
    pub fn mv(&self) -> Result<Tensor> {
        let r = self.x.matmul(&self.w.transpose(&[1, 0])?)?;
        r.eval()?;
        Ok(r)
    }

    /// The top-2 expert products through `gather_mm`, evaluated.
    pub fn gather(&self) -> Result<Tensor> {
        let r = mlx::gather_mm(&self.tokens, &self.experts, None, Some(&self.route), false)?;
        r.eval()?;
        Ok(r)
    }

    /// The same number of flops as one dense product
    /// `[2 * tokens, d] @ [d, d]`, evaluated.
    pub fn dense(&self) -> Result<Tensor> {
        let r = self.stacked.matmul(&self.expert0)?;
        r.eval()?;
        Ok(r)
    }
}

/// Input of the rfft workload: `n` float32 points (a sum of two sines),
/// evaluated.
///
/// ```
/// let x = mlx_bench::rfft_input(16).unwrap();
/// assert_eq!(mlx_bench::rfft(&x).unwrap().shape(), &[9]);
/// ```
pub fn rfft_input(n: usize) -> Result<Tensor> {
    let t = Tensor::linspace(0.0, 1000.0, n, None)?;
    let x = t.sin()?.add(&t.multiply(0.37)?.cos()?)?;
    x.eval()?;
    Ok(x)
}

/// `mx.fft.rfft` of `x` along its last axis, evaluated.
pub fn rfft(x: &Tensor) -> Result<Tensor> {
    let r = mlx::fft::rfft(x, None, -1)?;
    r.eval()?;
    Ok(r)
}
