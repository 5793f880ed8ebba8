//! Step-for-step agreement with MLX Python: the initial weights and 20
//! batches in `golden/agreement_init.safetensors` were drawn by
//! `python/tiny_lm.py init`; `python/tiny_lm.py train` trained MLX 0.32.4's
//! copy of the model on them and wrote its losses to
//! `golden/mlx_losses.json`. Here the same weights load into the Rust model
//! (by MLX's parameter names, strictly), train with the same optimizer and
//! schedule, and every loss must agree within 1e-4 relative.
//!
//! `.ci/run` also reruns the MLX side live and points `MLX_LM_LOSSES` at its
//! fresh output, which this test then checks as well.

use mlx::nn::Module;
use mlx_lm::{train, LmConfig, TransformerLm};
use std::path::PathBuf;

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(name)
}

fn losses_of(path: &std::path::Path) -> Vec<f64> {
    let text = std::fs::read_to_string(path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["mlx_version"], "0.32.4", "{}", path.display());
    v["losses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn twenty_steps_agree_with_mlx() {
    let (arrays, meta) = mlx::io::load_safetensors(golden("agreement_init.safetensors")).unwrap();
    let c: serde_json::Value = serde_json::from_str(&meta["config"]).unwrap();
    let n = |k: &str| c[k].as_u64().unwrap() as usize;
    let config = LmConfig {
        vocab_size: n("vocab_size"),
        dims: n("dims"),
        layers: n("layers"),
        heads: n("heads"),
        hidden_dims: n("hidden_dims"),
        rope_base: c["rope_base"].as_f64().unwrap(),
        norm_eps: c["norm_eps"].as_f64().unwrap(),
    };
    let mut model = TransformerLm::new(&config).unwrap();
    let weights = arrays
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("weights.")
                .map(|k| (k.to_string(), v.clone()))
        })
        .collect();
    model.load_flat_weights(&weights, true).unwrap();
    let num = |k: &str| meta[k].parse::<f64>().unwrap();
    let mut opt =
        train::warmup_cosine_adamw(num("lr"), num("warmup") as u64, num("decay") as u64).unwrap();
    let steps = num("steps") as usize;
    let ours: Vec<f64> = (0..steps)
        .map(|i| train::step(&mut model, &mut opt, &arrays[&format!("batch.{i}")]).unwrap() as f64)
        .collect();
    let mut references = vec![("committed golden", losses_of(&golden("mlx_losses.json")))];
    if let Ok(p) = std::env::var("MLX_LM_LOSSES") {
        references.push(("live MLX run", losses_of(std::path::Path::new(&p))));
    }
    for (what, mlx) in references {
        assert_eq!(mlx.len(), steps, "{what}");
        for (i, (a, b)) in ours.iter().zip(&mlx).enumerate() {
            let rel = (a - b).abs() / b.abs();
            assert!(
                rel < 1e-4,
                "{what}: step {}: ours {a}, MLX {b} (relative {rel:.2e})\nours: {ours:?}\nMLX:  {mlx:?}",
                i + 1
            );
        }
        eprintln!(
            "{what}: 20 losses agree; last ours {} MLX {}",
            ours[steps - 1],
            mlx[steps - 1]
        );
    }
    assert!(ours[steps - 1] < ours[0] * 0.6, "the loss falls: {ours:?}");
}
