//! The training demo (the README's main job): trains a small decoder-only
//! transformer (token embedding, RoPE attention, RMSNorm, SwiGLU MLP) on
//! the CPU backend on modular arithmetic progressions it generates itself,
//! with a progress bar; writes a safetensors checkpoint, reloads it into a
//! fresh model and samples continuations from it.
//!
//! Run: `cargo run --release -p mlx-lm --example train_lm [-- --steps N --out PATH]`

use indicatif::{ProgressBar, ProgressStyle};
use mlx::nn::Module;
use mlx::{Error, Result};
use mlx_lm::{data::Progressions, sample::generate, train, LmConfig, TransformerLm};
use std::path::PathBuf;
use std::time::Instant;

struct Args {
    steps: u64,
    batch: usize,
    seq: usize,
    out: PathBuf,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        steps: 200,
        batch: 16,
        seq: 64,
        out: std::env::temp_dir().join("mlx_tiny_lm.safetensors"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| Error::invalid("train_lm", format!("{flag} needs a value")))
        };
        let bad = |v: &str| Error::invalid("train_lm", format!("bad value {v} for {flag}"));
        match flag.as_str() {
            "--steps" => {
                let v = value()?;
                a.steps = v.parse().map_err(|_| bad(&v))?
            }
            "--batch" => {
                let v = value()?;
                a.batch = v.parse().map_err(|_| bad(&v))?
            }
            "--seq" => {
                let v = value()?;
                a.seq = v.parse().map_err(|_| bad(&v))?
            }
            "--out" => a.out = PathBuf::from(value()?),
            other => {
                return Err(Error::invalid(
                    "train_lm",
                    format!("unknown argument {other} (expected --steps, --batch, --seq, --out)"),
                ))
            }
        }
    }
    if a.steps < 20 {
        return Err(Error::invalid("train_lm", "--steps must be at least 20"));
    }
    Ok(a)
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let config = LmConfig::default();
    mlx::random::seed(0);
    let mut model = TransformerLm::new(&config)?;
    println!(
        "oxidized MLX training demo (CPU backend): a {}-layer decoder-only transformer, \
         {} parameters, dims {}, {} heads, SwiGLU {} hidden, vocab {}",
        config.layers,
        model.num_parameters(),
        config.dims,
        config.heads,
        config.hidden_dims,
        config.vocab_size
    );
    println!(
        "task: continue modular arithmetic progressions (s, s+d, s+2d, ... mod {}), \
         batches of {} x {} tokens",
        config.vocab_size, args.batch, args.seq
    );
    let task = Progressions::new(config.vocab_size, args.seq, args.batch, 0);
    let warmup = 10;
    let mut opt = train::warmup_cosine_adamw(3e-3, warmup, args.steps - warmup)?;

    let bar = ProgressBar::new(args.steps);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} step {pos}/{len} [{elapsed_precise}] loss {msg}")
            .map_err(|e| Error::invalid("train_lm", e.to_string()))?,
    );
    let tokens_per_step = (args.batch * args.seq) as f64;
    let start = Instant::now();
    let mut losses = Vec::with_capacity(args.steps as usize);
    let mut step_secs = Vec::with_capacity(args.steps as usize);
    for step in 0..args.steps {
        let batch = task.batch(step)?;
        let t0 = Instant::now();
        let loss = train::step(&mut model, &mut opt, &batch)?;
        step_secs.push(t0.elapsed().as_secs_f64());
        losses.push(loss);
        let secs = start.elapsed().as_secs_f64();
        bar.set_message(format!(
            "{loss:.4}  {:.0} tokens/s",
            tokens_per_step * (step + 1) as f64 / secs
        ));
        bar.inc(1);
    }
    bar.finish();
    let secs = start.elapsed().as_secs_f64();
    let mean = |s: &[f32]| s.iter().sum::<f32>() / s.len() as f32;
    let n = losses.len();
    // the median step after 5 warm-up steps, as tiny_lm.py bench measures MLX
    let mut steady = step_secs[5..].to_vec();
    steady.sort_by(f64::total_cmp);
    let median = steady[steady.len() / 2];
    println!(
        "throughput: median step {:.2} ms, {:.0} tokens/s (steps 6..{n}; \
         python/tiny_lm.py bench measures MLX the same way)",
        median * 1e3,
        tokens_per_step / median
    );
    println!(
        "loss: first 10 steps {:.3}, last 10 steps {:.3} (chance is ln {} = {:.3}); \
         {:.0} tokens/s over {} steps in {:.1} s",
        mean(&losses[..10]),
        mean(&losses[n - 10..]),
        config.vocab_size,
        (config.vocab_size as f32).ln(),
        tokens_per_step * n as f64 / secs,
        n,
        secs
    );

    model.save_weights(&args.out)?;
    let mut reloaded = TransformerLm::new(&config)?;
    reloaded.load_weights(&args.out, true)?;
    println!(
        "checkpoint: {} (reloaded into a fresh model)",
        args.out.display()
    );

    let key = mlx::random::key(42);
    for prompt in [[3, 5], [30, 1], [7, 14]] {
        let greedy = generate(&reloaded, &prompt, 10, 0.0, None)?;
        let sampled = generate(&reloaded, &prompt, 10, 0.7, Some(&key))?;
        println!("prompt {prompt:?}: greedy {greedy:?}, temperature 0.7 {sampled:?}");
    }
    Ok(())
}
