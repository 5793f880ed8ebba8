//! The whole conformance suite through the FFI device, beside the CPU
//! backend's run of the same cases (needs the `link` feature).
#![cfg(feature = "link")]

use mlx_conformance::verify::{check_all, read_ops_list, KnownDifferences, Summary, Verdict};
use std::path::PathBuf;

fn conformance_dir() -> PathBuf {
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
fn suite_through_ffi_matches_mlx() {
    mlx_ffi::register().unwrap();
    let (ffi, ffi_fails) = run_on(mlx_ffi::DEVICE);
    let (cpu, cpu_fails) = run_on(mlx_core::Device::cpu());
    println!("cpu {}", cpu.line());
    println!("ffi {}", ffi.line());
    let cov = mlx_ffi::coverage();
    let ran: u64 = cov.values().map(|c| c.0).sum();
    let fell: u64 = cov.values().map(|c| c.1).sum();
    println!(
        "ffi nodes: {ran} ran on MLX, {fell} fell back to the CPU backend ({:.1}% on MLX)",
        100.0 * ran as f64 / (ran + fell).max(1) as f64
    );
    for (op, (r, f)) in &cov {
        println!("  {op}: {r} on MLX, {f} on CPU");
    }
    assert!(ffi.mapped > 1000, "too few cases ran: {}", ffi.mapped);
    assert!(ran > 0, "no node ran on MLX");
    let new_fails: Vec<&String> = ffi_fails
        .iter()
        .filter(|f| {
            let head = f.lines().next().unwrap_or("");
            !cpu_fails.iter().any(|c| c.lines().next() == Some(head))
        })
        .collect();
    assert!(
        new_fails.is_empty(),
        "{} cases fail through FFI that pass on the CPU:\n\n{}",
        new_fails.len(),
        new_fails
            .iter()
            .take(400)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
