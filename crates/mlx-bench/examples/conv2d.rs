//! The conv2d workload alone (batch 8, 56x56, 64 -> 64 channels, 3x3,
//! float32): median of 10 runs after a warm-up, as one JSON line in the
//! format of `side_by_side`.

use mlx_bench::{conv2d_3x3, conv2d_inputs, median_secs};

fn main() -> mlx::Result<()> {
    let (x, w) = conv2d_inputs(8, 56, 64, 64)?;
    let secs = median_secs(10, || drop(conv2d_3x3(&x, &w).expect("conv2d")));
    println!(
        "{{\"work\": \"conv2d 8x56x56x64 -> 64, 3x3\", \"ms\": {:.4}, \"gflops\": {:.1}}}",
        secs * 1e3,
        2.0 * 8.0 * 56.0 * 56.0 * 64.0 * 64.0 * 9.0 / secs / 1e9
    );
    Ok(())
}
