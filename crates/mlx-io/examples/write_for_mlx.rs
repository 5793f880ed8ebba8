//! Writes one file of each format with every dtype into the directory given
//! as the first argument, for `tests/data/check_mlx_reads.py` to load with
//! MLX itself (the other direction of the cross-check).
//!
//! ```text
//! cargo run -p mlx-io --example write_for_mlx -- /tmp/out
//! /root/mlxvenv/bin/python crates/mlx-io/tests/data/check_mlx_reads.py /tmp/out
//! ```

use mlx_core::Dtype;
use mlx_io::{Arrays, Metadata};
use mlx_ops::Tensor;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: write_for_mlx DIR")?);
    std::fs::create_dir_all(&dir)?;
    let base = Tensor::from_slice(&[-2.0f64, -0.5, 0.0, 1.0, 2.5, 3.0], &[2, 3])?;
    let mut arrays = Arrays::new();
    for d in Dtype::ALL {
        let v = if d.is_integer() && d.to_string().starts_with('u') {
            base.abs()?
        } else {
            base.clone()
        };
        // A transposed view checks that strided tensors are written row-major.
        arrays.insert(d.to_string(), v.astype(d)?.transpose(&[1, 0])?);
    }
    for (name, t) in &arrays {
        mlx_io::save_npy(dir.join(format!("{name}.npy")), t)?;
    }
    let mut st = arrays.clone();
    st.remove("float64"); // MLX 0.32.4 does not read F64 safetensors.
    let meta = Metadata::from([("writer".to_string(), "mlx-io".to_string())]);
    mlx_io::save_safetensors(dir.join("all.safetensors"), &st, Some(&meta))?;
    mlx_io::savez(dir.join("all.npz"), &arrays)?;
    mlx_io::savez_compressed(dir.join("all_compressed.npz"), &arrays)?;
    println!("wrote {} arrays to {}", arrays.len(), dir.display());
    Ok(())
}
