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
