//! The rfft workload alone (2^20 float32 points): median of 10 runs after a
//! warm-up, as one JSON line in the format of `side_by_side`.

use mlx_bench::{median_secs, rfft, rfft_input};

fn main() -> mlx::Result<()> {
    let x = rfft_input(1 << 20)?;
    let secs = median_secs(10, || drop(rfft(&x).expect("rfft")));
    println!("{{\"work\": \"rfft 2^20\", \"ms\": {:.4}}}", secs * 1e3);
    Ok(())
}
