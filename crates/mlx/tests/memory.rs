//! Memory stays flat: a million tensors created and evaluated in a loop grow
//! resident memory by less than 50 MB. (Alone in its test binary, so no other
//! test allocates meanwhile.)

use mlx::prelude::*;

fn rss_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[test]
fn a_million_tensors_keep_resident_memory_flat() -> Result<()> {
    let x = Tensor::from_slice(&[1.0f32; 64], &[8, 8])?;
    // warm up allocator and arena
    for _ in 0..10_000 {
        x.add(1.0)?.eval()?;
    }
    let Some(before) = rss_bytes() else {
        eprintln!("no /proc/self/statm on this platform; skipping the RSS check");
        return Ok(());
    };
    let mut last = Tensor::scalar(0.0f32);
    for i in 0..1_000_000u32 {
        let t = Tensor::from_slice(&[i as f32; 4], &[2, 2])?;
        last = t.multiply(2.0)?;
        last.eval()?;
    }
    assert_eq!(last.to_vec::<f32>()?, vec![1_999_998.0; 4]);
    let after = rss_bytes().unwrap_or(before);
    let grown = after.saturating_sub(before);
    assert!(
        grown < 50 << 20,
        "resident memory grew by {} MB",
        grown >> 20
    );
    assert!(mlx::Context::global().stats().live_nodes < 16);
    Ok(())
}
