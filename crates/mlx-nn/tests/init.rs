//! mlx-nn's initializers against MLX 0.32.4 (`golden/nn_layers/init`,
//! written by `crates/mlx-conformance/python/nn_layers.py`): each draws from
//! the global random state right after `seed`, as `mx.random.seed(s)` then
//! `nn.init.*()(a)`. One test in its own binary, so that no other test
//! draws from the global state in between.

use mlx_ops::{Dtype, Tensor};
use std::path::PathBuf;

fn check(arrays: &std::collections::BTreeMap<String, Tensor>, name: &str, got: &Tensor) {
    let want = &arrays[&format!("output.{name}")];
    assert_eq!(got.shape(), want.shape(), "{name}");
    let g = got.to_vec::<f32>().unwrap();
    let w = want.to_vec::<f32>().unwrap();
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        assert!(
            (a - b).abs() <= 2e-5 * (1.0 + b.abs()),
            "{name}: index {i}: got {a}, MLX {b}"
        );
    }
}

#[test]
fn initializers_follow_mlx_global_random_state() {
    use mlx_nn::init::{self, FanMode};
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../mlx-conformance/golden/nn_layers/init.safetensors");
    let (arrays, _) = mlx_io::load_safetensors(&path).unwrap();
    let a = Tensor::zeros(&[6, 3, 4], Dtype::Float32).unwrap();
    let f32_ = Dtype::Float32;
    type F<'a> = Box<dyn Fn() -> mlx_core::Result<Tensor> + 'a>;
    let cases: Vec<(&str, F)> = vec![
        (
            "normal",
            Box::new(|| init::normal(&a, 0.5, 2.0, f32_, None)),
        ),
        (
            "uniform",
            Box::new(|| init::uniform(&a, -0.3, 0.7, f32_, None)),
        ),
        (
            "glorot_normal",
            Box::new(|| init::glorot_normal(&a, 1.5, f32_, None)),
        ),
        (
            "glorot_uniform",
            Box::new(|| init::glorot_uniform(&a, 1.0, f32_, None)),
        ),
        (
            "he_normal",
            Box::new(|| init::he_normal(&a, FanMode::FanOut, 1.0, f32_, None)),
        ),
        (
            "he_uniform",
            Box::new(|| init::he_uniform(&a, FanMode::FanIn, 0.5, f32_, None)),
        ),
    ];
    for (i, (name, f)) in cases.iter().enumerate() {
        mlx_ops::random::seed(40 + i as u64);
        check(&arrays, name, &f().unwrap());
    }
}
