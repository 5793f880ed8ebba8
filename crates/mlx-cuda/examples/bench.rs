//! GPU benchmark runner, our side: the workloads of
//! `/work/shared/baselines.md` on `cuda:0`, median of N timed runs after
//! warm-up, with `synchronize` around each run (graph building included, as
//! MLX measures). `scripts/gpu_torch.py` times the same workloads in
//! PyTorch and prints both in one table (`--ours` reads this program's
//! `--json` output).
//!
//! A workload whose nodes fall back to the CPU on this build (checked on a
//! small probe first) is reported as such and not timed at full size.
//!
//! ```sh
//! cargo run -p mlx-cuda --example bench -- --reps 20 --json ours.json
//! ```

use mlx_autograd::compile;
use mlx_core::{Device, DeviceKind, Dtype};
use mlx_cuda::CudaBackend;
use mlx_ops::Tensor;
use std::sync::Arc;
use std::time::Instant;

type R<T> = mlx_core::Result<T>;

struct Bench {
    backend: Arc<CudaBackend>,
    cuda: Device,
    reps: usize,
    rows: Vec<(String, Option<f64>, String)>,
}

fn values(n: usize, seed: u32) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let v = ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) >> 8) as f32;
            (v / (1u32 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

impl Bench {
    /// A device-resident tensor (evaluated, so timings exclude the upload).
    fn input(&self, shape: &[usize], seed: u32, dtype: Dtype) -> R<Tensor> {
        let n = shape.iter().product();
        let t = Tensor::from_slice(&values(n, seed), shape)?
            .astype(dtype)?
            .to_device(self.cuda)?;
        t.eval()?;
        self.sync()?;
        Ok(t)
    }

    fn sync(&self) -> R<()> {
        use mlx_core::backend::Backend;
        self.backend
            .synchronize()
            .map_err(|e| mlx_core::Error::invalid("bench", e.to_string()))
    }

    fn fell_back(&self) -> u64 {
        self.backend.coverage().values().map(|c| c.1).sum()
    }

    /// Runs `f` once on small inputs; true when every node ran on the GPU.
    fn on_gpu(&self, f: &dyn Fn() -> R<Tensor>) -> R<bool> {
        let before = self.fell_back();
        f()?.eval()?;
        self.sync()?;
        Ok(self.fell_back() == before)
    }

    /// Median seconds of `reps` runs of `f` (built and evaluated) after 3
    /// warm-ups, synchronizing before and after each.
    fn time(&self, f: &dyn Fn() -> R<Tensor>) -> R<f64> {
        for _ in 0..3 {
            f()?.eval()?;
        }
        self.sync()?;
        let mut v = Vec::with_capacity(self.reps);
        for _ in 0..self.reps {
            self.sync()?;
            let t0 = Instant::now();
            let out = f()?;
            out.eval()?;
            self.sync()?;
            v.push(t0.elapsed().as_secs_f64());
            drop(out);
        }
        v.sort_by(|a, b| a.total_cmp(b));
        Ok(v[v.len() / 2])
    }

    fn row(
        &mut self,
        name: &str,
        probe: &dyn Fn() -> R<Tensor>,
        full: &dyn Fn() -> R<Tensor>,
        rate: impl Fn(f64) -> String,
    ) -> R<()> {
        if !self.on_gpu(probe)? {
            println!("{name:<34} falls back to the CPU on this build: not timed");
            self.rows
                .push((name.into(), None, "CPU fallback on this build".into()));
            return Ok(());
        }
        let t = self.time(full)?;
        let r = rate(t);
        println!("{name:<34} {:>10.1} us  {r}", t * 1e6);
        self.rows.push((name.into(), Some(t), r));
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |k: &str| {
        args.iter()
            .position(|a| a == k)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let reps = arg("--reps").and_then(|s| s.parse().ok()).unwrap_or(20);
    let json = arg("--json");
    let backend = mlx_cuda::register(0)?;
    let cuda = Device::new(DeviceKind::Cuda, 0);
    mlx_core::set_default_device(cuda);
    let mut b = Bench {
        backend,
        cuda,
        reps,
        rows: Vec::new(),
    };
    println!("oxidized MLX on cuda:0, median of {reps} after 3 warm-ups");
    let n = 1usize << 26;
    let gbs = |bytes: f64| move |t: f64| format!("{:.0} GB/s", bytes / t / 1e9);
    let tflops = |flop: f64| move |t: f64| format!("{:.1} TFLOP/s", flop / t / 1e12);

    // add, 64M f32
    {
        let (x, y) = (
            b.input(&[n], 1, Dtype::Float32)?,
            b.input(&[n], 2, Dtype::Float32)?,
        );
        let (px, py) = (
            b.input(&[1024], 1, Dtype::Float32)?,
            b.input(&[1024], 2, Dtype::Float32)?,
        );
        b.row(
            "add 64M f32",
            &|| &px + &py,
            &|| &x + &y,
            gbs(12.0 * n as f64),
        )?;
    }
    // softmax over rows, 8192x8192 f32
    {
        let s = b.input(&[8192, 8192], 3, Dtype::Float32)?;
        let p = b.input(&[64, 64], 3, Dtype::Float32)?;
        b.row(
            "softmax 8192x8192 f32 (rows)",
            &|| p.softmax(-1i64, false),
            &|| s.softmax(-1i64, false),
            gbs(8.0 * 8192.0 * 8192.0),
        )?;
    }
    // sum, 64M f32
    {
        let x = b.input(&[n], 4, Dtype::Float32)?;
        let p = b.input(&[1024], 4, Dtype::Float32)?;
        b.row(
            "sum 64M f32",
            &|| p.sum(mlx_ops::ALL, false),
            &|| x.sum(mlx_ops::ALL, false),
            gbs(4.0 * n as f64),
        )?;
    }
    // matmuls 8192^3
    let m = 8192usize;
    for (name, dtype) in [
        ("matmul f32 8192^3 (sgemm, no TF32)", Dtype::Float32),
        ("matmul bf16 8192^3", Dtype::Bfloat16),
    ] {
        let a = b.input(&[m, m], 5, dtype)?;
        let c = b.input(&[m, m], 6, dtype)?;
        let pa = b.input(&[64, 64], 5, dtype)?;
        b.row(
            name,
            &|| pa.matmul(&pa),
            &|| a.matmul(&c),
            tflops(2.0 * (m as f64).powi(3)),
        )?;
    }
    // TF32 allowed (PyTorch's `allow_tf32`), then back to exact float32
    {
        let a = b.input(&[m, m], 5, Dtype::Float32)?;
        let c = b.input(&[m, m], 6, Dtype::Float32)?;
        let pa = b.input(&[64, 64], 5, Dtype::Float32)?;
        b.backend.set_tf32(true);
        let r = b.row(
            "matmul f32 8192^3 (TF32 allowed)",
            &|| pa.matmul(&pa),
            &|| a.matmul(&c),
            tflops(2.0 * (m as f64).powi(3)),
        );
        b.backend.set_tf32(false);
        r?;
    }
    // exp(x)*y+x over 64M f32: the unfused graph, then compile'd
    {
        let x = b.input(&[n], 7, Dtype::Float32)?;
        let y = b.input(&[n], 8, Dtype::Float32)?;
        let (px, py) = (
            b.input(&[1024], 7, Dtype::Float32)?,
            b.input(&[1024], 8, Dtype::Float32)?,
        );
        let f = |t: &[Tensor]| -> R<Vec<Tensor>> { Ok(vec![((t[0].exp()? * &t[1])? + &t[0])?]) };
        b.row(
            "exp(x)*y+x 64M f32, unfused",
            &|| Ok(f(&[px.clone(), py.clone()])?.remove(0)),
            &|| Ok(f(&[x.clone(), y.clone()])?.remove(0)),
            gbs(12.0 * n as f64),
        )?;
        let cf = compile(f);
        b.row(
            "exp(x)*y+x 64M f32, compile'd",
            &|| Ok(cf.call(&[px.clone(), py.clone()])?.remove(0)),
            &|| Ok(cf.call(&[x.clone(), y.clone()])?.remove(0)),
            gbs(12.0 * n as f64),
        )?;
    }
    let cov = b.backend.coverage();
    let ran: u64 = cov.values().map(|c| c.0).sum();
    let fell: u64 = cov.values().map(|c| c.1).sum();
    println!("nodes: {ran} on the GPU, {fell} fell back to the CPU");
    if let Some(path) = json {
        let mut s = String::from("{\n");
        for (k, (name, t, note)) in b.rows.iter().enumerate() {
            let t = t.map(|t| format!("{t:e}")).unwrap_or_else(|| "null".into());
            let sep = if k + 1 == b.rows.len() { "" } else { "," };
            s.push_str(&format!(
                "  \"{name}\": {{\"seconds\": {t}, \"note\": \"{note}\"}}{sep}\n"
            ));
        }
        s.push_str("}\n");
        std::fs::write(&path, s)?;
        println!("wrote {path}");
    }
    Ok(())
}
