//! The facade's `ffi` feature: a graph built with the ordinary API runs on
//! upstream MLX when its tensors live on `mlx::ffi::DEVICE`.
#![cfg(feature = "ffi")]

use mlx::prelude::*;

#[test]
fn graph_runs_on_the_ffi_device() -> Result<()> {
    mlx::ffi::register().expect("MLX is linked");
    let old = mlx::set_default_device(mlx::ffi::DEVICE);
    let x = Tensor::arange(0.0, 4.0, 1.0, Some(Dtype::Float32))?.reshape(&[2, 2])?;
    let y = x.matmul(&x.transpose(&[])?)?.softmax(-1, false)?;
    mlx::set_default_device(old);
    assert_eq!(y.device(), mlx::ffi::DEVICE);
    let rows = y.sum(-1, false)?.to_vec::<f32>()?;
    assert!(rows.iter().all(|r| (r - 1.0).abs() < 1e-6), "{rows:?}");
    assert!(mlx::ffi::coverage().get("Matmul").is_some_and(|c| c.0 > 0));
    Ok(())
}
