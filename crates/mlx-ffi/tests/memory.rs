//! 1,000,000 tensor creations and evaluations through the FFI backend keep
//! resident memory growth under 50 MB (alone in its test binary).
#![cfg(feature = "link")]

use mlx_ops::Tensor;

fn rss_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[test]
fn a_million_ffi_tensors_keep_resident_memory_flat() {
    mlx_ffi::register().unwrap();
    mlx_core::set_default_device(mlx_ffi::DEVICE);
    let n: u32 = std::env::var("MLX_FFI_MEMORY_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let x = Tensor::from_slice(&[1.0f32; 64], &[8, 8]).unwrap();
    for _ in 0..10_000 {
        x.add(1.0).unwrap().eval().unwrap();
    }
    let before_cov = mlx_ffi::coverage();
    let Some(before) = rss_bytes() else {
        eprintln!("no /proc/self/statm; skipping the RSS check");
        return;
    };
    let mut last = Tensor::scalar(0.0f32);
    for i in 0..n {
        let t = Tensor::from_slice(&[i as f32; 4], &[2, 2]).unwrap();
        last = t.multiply(2.0).unwrap();
        last.eval().unwrap();
    }
    assert_eq!(last.device(), mlx_ffi::DEVICE);
    assert_eq!(last.to_vec::<f32>().unwrap(), vec![2.0 * (n - 1) as f32; 4]);
    let after = rss_bytes().unwrap_or(before);
    let grown = after.saturating_sub(before);
    let muls =
        |c: &std::collections::BTreeMap<String, (u64, u64)>| c.get("Multiply").map_or(0, |m| m.0);
    let ran = muls(&mlx_ffi::coverage()) - muls(&before_cov);
    println!(
        "{n} creations + evaluations through FFI: RSS {} MB -> {} MB (+{} KB), {ran} multiplies on MLX",
        before >> 20,
        after >> 20,
        grown >> 10
    );
    assert_eq!(ran, n as u64, "the multiplies must run on MLX");
    assert!(
        grown < 50 << 20,
        "resident memory grew by {} MB",
        grown >> 20
    );
}
