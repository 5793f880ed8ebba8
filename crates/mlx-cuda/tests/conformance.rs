//! The whole conformance suite with `cuda:0` as the default device, beside
//! the CPU backend's run of the same cases. Needs an NVIDIA GPU (`#[ignore]`d;
//! the command is in the crate README). Nodes the CUDA backend does not run
//! fall back to the CPU backend through the scheduler; the test prints how
//! the nodes split.
//!
//! The suite's files are looked up in `$MLX_CONFORMANCE_DIR`, else
//! `crates/mlx-conformance` under the working directory (a carried test
//! binary run from a repository root), else next to this crate.

use mlx_conformance::verify::{check_all, read_ops_list, KnownDifferences, Summary, Verdict};
use std::path::PathBuf;

fn conformance_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("MLX_CONFORMANCE_DIR") {
        return PathBuf::from(d);
    }
    let here = PathBuf::from("crates/mlx-conformance");
    if here.join("cases").is_dir() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mlx-conformance")
}

fn run_on(device: mlx_core::Device) -> (Summary, Vec<String>) {
    let dir = conformance_dir();
    let known = KnownDifferences::load(&dir.join("known_differences.txt")).unwrap();
    let old = mlx_core::set_default_device(device);
    let (results, version) = check_all(&dir.join("cases"), &dir.join("golden"), &known).unwrap();
    mlx_core::set_default_device(old);
    assert_eq!(version, "0.32.4");
    let ops = read_ops_list(&dir.join("ops.txt")).unwrap();
    let fails = results
        .iter()
        .filter_map(|r| match &r.verdict {
            Verdict::Fail(repro) => Some(repro.clone()),
            _ => None,
        })
        .collect();
    (Summary::new(&results, &ops), fails)
}

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn suite_on_cuda_matches_mlx() {
    let backend = match mlx_cuda::register(0) {
        Ok(b) => b,
        Err(e) => panic!("this test needs a CUDA GPU: {e}"),
    };
    let cuda = mlx_core::Device::new(mlx_core::DeviceKind::Cuda, 0);
    let t = std::time::Instant::now();
    let (gpu, gpu_fails) = run_on(cuda);
    let gpu_time = t.elapsed();
    let (cpu, cpu_fails) = run_on(mlx_core::Device::cpu());
    println!("cpu  {}", cpu.line());
    println!("cuda {}", gpu.line());
    let cov = backend.coverage();
    let ran: u64 = cov.values().map(|c| c.0).sum();
    let fell: u64 = cov.values().map(|c| c.1).sum();
    println!(
        "cuda:0 nodes: {ran} ran on the GPU, {fell} fell back to the CPU backend ({:.1}% on the GPU); suite took {:.1} s",
        100.0 * ran as f64 / (ran + fell).max(1) as f64,
        gpu_time.as_secs_f64()
    );
    let reasons = backend.fallback_reasons();
    for (op, (r, f)) in &cov {
        println!("  {op}: {r} on GPU, {f} on CPU");
        if let Some(why) = reasons.get(op) {
            let mut why: Vec<_> = why.iter().collect();
            why.sort_by(|a, b| b.1.cmp(a.1));
            for (reason, k) in why.iter().take(3) {
                println!("      {k:>5} x {reason}");
            }
        }
    }
    let m = backend.memory_stats();
    println!(
        "allocator: peak {} B, cached {} B, active {} B at the end",
        m.peak, m.cached, m.active
    );
    assert!(gpu.mapped > 1000, "too few cases ran: {}", gpu.mapped);
    assert!(ran > 0, "no node ran on the GPU");
    let new_fails: Vec<&String> = gpu_fails
        .iter()
        .filter(|f| {
            let head = f.lines().next().unwrap_or("");
            !cpu_fails.iter().any(|c| c.lines().next() == Some(head))
        })
        .collect();
    assert!(
        new_fails.is_empty(),
        "{} cases fail on cuda:0 that pass on the CPU:\n\n{}",
        new_fails.len(),
        new_fails
            .iter()
            .take(200)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
