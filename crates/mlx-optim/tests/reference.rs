//! Parameters and optimizer state after several updates, schedules and
//! clip_grad_norm, against MLX 0.32.4 (tests/reference.py wrote
//! tests/reference.json).

use mlx_core::Dtype;
use mlx_ops::{eval, Tensor};
use mlx_optim::*;
use serde_json::Value;
use std::collections::BTreeMap;

const TOL: f64 = 1e-5;

fn reference() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// A tree from flat `name -> values` with the reference shapes.
fn tree(r: &Value, flat: &Value) -> Tree {
    let mut w = Vec::new();
    let mut layers = vec![None, None];
    let mut b = None;
    for (k, shape) in r["shapes"].as_object().unwrap() {
        let shape: Vec<usize> = floats(shape).iter().map(|&d| d as usize).collect();
        let v: Vec<f32> = floats(&flat[k]).iter().map(|&x| x as f32).collect();
        let leaf = Tree::leaf(Tensor::from_slice(&v, &shape).unwrap());
        match k.as_str() {
            "w" => w.push(leaf),
            "b" => b = Some(leaf),
            "layers.0.k" => layers[0] = Some(Tree::dict([("k", leaf)])),
            "layers.1.k" => layers[1] = Some(Tree::dict([("k", leaf)])),
            _ => panic!("unexpected key {k}"),
        }
    }
    Tree::dict([
        ("w", w.pop().unwrap()),
        ("b", b.unwrap()),
        (
            "layers",
            Tree::list(layers.into_iter().map(Option::unwrap).collect()),
        ),
    ])
}

fn values(t: &Tensor) -> Vec<f64> {
    t.astype(Dtype::Float64).unwrap().to_vec::<f64>().unwrap()
}

fn close(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let tol = TOL * w.abs().max(1.0);
        assert!((g - w).abs() <= tol, "{what}[{i}]: got {g}, MLX {w}");
    }
}

fn make(name: &str) -> Box<dyn Optimizer> {
    let adam = AdamOptions::default();
    match name {
        "sgd" => Box::new(Sgd::new(0.1, SgdOptions::default()).unwrap()),
        "sgd_momentum_wd" => Box::new(
            Sgd::new(
                0.1,
                SgdOptions {
                    momentum: 0.9,
                    weight_decay: 0.01,
                    ..Default::default()
                },
            )
            .unwrap(),
        ),
        "sgd_dampening" => Box::new(
            Sgd::new(
                0.1,
                SgdOptions {
                    momentum: 0.9,
                    dampening: 0.1,
                    ..Default::default()
                },
            )
            .unwrap(),
        ),
        "sgd_nesterov" => Box::new(
            Sgd::new(
                0.05,
                SgdOptions {
                    momentum: 0.8,
                    nesterov: true,
                    weight_decay: 0.1,
                    ..Default::default()
                },
            )
            .unwrap(),
        ),
        "rmsprop" => Box::new(RmsProp::new(0.01, RmsPropOptions::default()).unwrap()),
        "rmsprop_alpha" => Box::new(
            RmsProp::new(
                0.02,
                RmsPropOptions {
                    alpha: 0.9,
                    eps: 1e-6,
                },
            )
            .unwrap(),
        ),
        "adagrad" => Box::new(Adagrad::new(0.1, AdagradOptions::default()).unwrap()),
        "adadelta" => Box::new(
            AdaDelta::new(
                1.0,
                AdaDeltaOptions {
                    rho: 0.9,
                    ..Default::default()
                },
            )
            .unwrap(),
        ),
        "adam" => Box::new(Adam::new(0.01, adam).unwrap()),
        "adam_bias_correction" => Box::new(
            Adam::new(
                0.01,
                AdamOptions {
                    betas: [0.8, 0.99],
                    bias_correction: true,
                    ..adam
                },
            )
            .unwrap(),
        ),
        "adamw" => Box::new(
            AdamW::new(
                0.01,
                AdamWOptions {
                    weight_decay: 0.1,
                    ..Default::default()
                },
            )
            .unwrap(),
        ),
        "adamw_bias_correction" => Box::new(
            AdamW::new(
                0.02,
                AdamWOptions {
                    adam: AdamOptions {
                        bias_correction: true,
                        ..adam
                    },
                    ..Default::default()
                },
            )
            .unwrap(),
        ),
        "adamax" => Box::new(Adamax::new(0.01, AdamaxOptions::default()).unwrap()),
        "lion" => Box::new(
            Lion::new(
                0.01,
                LionOptions {
                    weight_decay: 0.1,
                    ..Default::default()
                },
            )
            .unwrap(),
        ),
        "lion_plain" => Box::new(
            Lion::new(
                0.02,
                LionOptions {
                    betas: [0.5, 0.9],
                    ..Default::default()
                },
            )
            .unwrap(),
        ),
        "adafactor" => Box::new(Adafactor::new(None, AdafactorOptions::default()).unwrap()),
        "adafactor_lr_beta" => Box::new(
            Adafactor::new(
                Some(0.01.into()),
                AdafactorOptions {
                    relative_step: false,
                    beta_1: Some(0.9),
                    weight_decay: 0.01,
                    ..Default::default()
                },
            )
            .unwrap(),
        ),
        "adafactor_warmup" => Box::new(
            Adafactor::new(
                None,
                AdafactorOptions {
                    warmup_init: true,
                    scale_parameter: false,
                    clip_threshold: 0.5,
                    ..Default::default()
                },
            )
            .unwrap(),
        ),
        "sgd_cosine" => Box::new(
            Sgd::new(
                cosine_decay(0.1, 3, 0.0).unwrap(),
                SgdOptions {
                    momentum: 0.5,
                    ..Default::default()
                },
            )
            .unwrap(),
        ),
        "adam_joined" => Box::new(
            Adam::new(
                join_schedules(
                    vec![
                        linear_schedule(0.0, 0.01, 2).unwrap(),
                        exponential_decay(0.01, 0.9),
                    ],
                    &[2],
                )
                .unwrap(),
                adam,
            )
            .unwrap(),
        ),
        "sgd_step_decay" => {
            Box::new(Sgd::new(step_decay(0.1, 0.5, 2).unwrap(), SgdOptions::default()).unwrap())
        }
        "muon" => Box::new(Muon::new(0.02, MuonOptions::default()).unwrap()),
        "muon_plain" => Box::new(
            Muon::new(
                0.05,
                MuonOptions {
                    momentum: 0.9,
                    weight_decay: 0.0,
                    nesterov: false,
                    ns_steps: 3,
                },
            )
            .unwrap(),
        ),
        "multi_muon_adamw" => Box::new(
            MultiOptimizer::new(
                vec![
                    Box::new(Muon::new(0.02, MuonOptions::default()).unwrap()),
                    Box::new(
                        AdamW::new(
                            0.01,
                            AdamWOptions {
                                weight_decay: 0.1,
                                ..Default::default()
                            },
                        )
                        .unwrap(),
                    ),
                ],
                vec![Box::new(|_: &str, w: &Tensor| w.ndim() >= 2)],
            )
            .unwrap(),
        ),
        _ => panic!("no config {name}"),
    }
}

/// Runs every reference step; returns the parameters.
fn run(r: &Value, opt: &mut dyn Optimizer, from: usize, mut p: Tree) -> Tree {
    for g in &r["grads"].as_array().unwrap()[from..] {
        p = opt.apply_gradients(&tree(r, g), &p).unwrap();
        let mut live = p.leaves();
        live.extend(opt.state_tensors());
        eval(&live.iter().collect::<Vec<_>>()).unwrap();
    }
    p
}

fn compare(r: &Value, name: &str, p: &Tree, opt: &dyn Optimizer) {
    let want = &r["configs"][name];
    let keys = p.flatten_keys();
    assert_eq!(keys.len(), want["params"].as_object().unwrap().len());
    for (k, t) in keys.iter().zip(p.leaves()) {
        close(
            &format!("{name} param {k}"),
            &values(&t),
            &floats(&want["params"][k]),
        );
    }
    let state = opt.flat_state();
    let want_state = want["state"].as_object().unwrap();
    assert_eq!(
        state.keys().collect::<Vec<_>>(),
        want_state.keys().collect::<Vec<_>>(),
        "{name}: state keys"
    );
    for (k, t) in &state {
        if k == "step" || k.ends_with(".step") {
            assert_eq!(t.dtype(), Dtype::Uint64, "{name}: {k}");
        }
    }
    for (k, t) in &state {
        close(
            &format!("{name} state {k}"),
            &values(t),
            &floats(&want_state[k]),
        );
    }
}

#[test]
fn every_config_matches_mlx() {
    let r = reference();
    let configs = r["configs"].as_object().unwrap();
    assert_eq!(configs.len(), 24);
    for name in configs.keys() {
        let mut opt = make(name);
        let p = run(&r, opt.as_mut(), 0, tree(&r, &r["params"]));
        compare(&r, name, &p, opt.as_ref());
    }
}

#[test]
fn saved_state_resumes_identically() {
    let r = reference();
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "adam_bias_correction",
        "adafactor_lr_beta",
        "sgd_cosine",
        "lion",
        "muon",
        "multi_muon_adamw",
    ] {
        let mut opt = make(name);
        // Two steps, save, and finish with a fresh optimizer loaded from disk.
        let mut p = tree(&r, &r["params"]);
        for g in &r["grads"].as_array().unwrap()[..2] {
            p = opt.apply_gradients(&tree(&r, g), &p).unwrap();
        }
        let path = dir.path().join(format!("{name}.safetensors"));
        opt.save_state(&path).unwrap();
        let (flat, _) = mlx_io::load_safetensors(&path).unwrap();
        let step = flat
            .get("step")
            .or_else(|| flat.get("states.0.step"))
            .unwrap();
        assert_eq!(step.item::<u64>().unwrap(), 2);
        let mut fresh = make(name);
        fresh.load_state(&path).unwrap();
        let p = run(&r, fresh.as_mut(), 2, p);
        compare(&r, name, &p, fresh.as_ref());
    }
}

#[test]
fn schedules_match_mlx() {
    let r = reference();
    let s: BTreeMap<&str, Schedule> = BTreeMap::from([
        ("exponential_decay", exponential_decay(0.1, 0.9)),
        ("step_decay", step_decay(0.1, 0.9, 3).unwrap()),
        ("cosine_decay", cosine_decay(0.1, 7, 0.01).unwrap()),
        ("linear_schedule", linear_schedule(0.001, 0.1, 5).unwrap()),
        (
            "join_schedules",
            join_schedules(
                vec![
                    linear_schedule(0.0, 0.1, 3).unwrap(),
                    cosine_decay(0.1, 4, 0.0).unwrap(),
                ],
                &[3],
            )
            .unwrap(),
        ),
    ]);
    assert_eq!(s.len(), r["schedules"].as_object().unwrap().len());
    for (name, sched) in &s {
        let got: Vec<f64> = (0..10)
            .map(|i| {
                let v = sched.at(i).unwrap();
                assert_eq!(v.dtype(), Dtype::Float32, "{name}");
                v.item::<f32>().unwrap() as f64
            })
            .collect();
        close(name, &got, &floats(&r["schedules"][name]));
    }
    assert!(join_schedules(vec![], &[]).is_err());
    assert!(join_schedules(vec![exponential_decay(1.0, 0.5)], &[3]).is_err());
    assert!(cosine_decay(0.1, 0, 0.0).is_err() && linear_schedule(0.0, 1.0, 0).is_err());
}

#[test]
fn clip_grad_norm_matches_mlx() {
    let r = reference();
    let g = tree(&r, &r["grads"][0]);
    for (max_norm, want) in r["clip_grad_norm"].as_object().unwrap() {
        let (c, norm) = clip_grad_norm(&g, max_norm.parse().unwrap()).unwrap();
        close(
            "norm",
            &[norm.item::<f32>().unwrap() as f64],
            &[want["norm"].as_f64().unwrap()],
        );
        for (k, t) in c.flatten_keys().iter().zip(c.leaves()) {
            assert_eq!(t.dtype(), Dtype::Float32);
            close(
                &format!("clip {max_norm} {k}"),
                &values(&t),
                &floats(&want["grads"][k]),
            );
        }
    }
    // float16 gradients keep their dtype; integer ones become float.
    let h = Tree::dict([
        (
            "h",
            Tree::leaf(
                Tensor::from_slice(&[300.0f32, 400.0], &[2])
                    .unwrap()
                    .astype(Dtype::Float16)
                    .unwrap(),
            ),
        ),
        (
            "i",
            Tree::leaf(Tensor::from_slice(&[0i32, 0], &[2]).unwrap()),
        ),
    ]);
    let (c, norm) = clip_grad_norm(&h, 1.0).unwrap();
    assert_eq!(norm.dtype(), Dtype::Float32);
    assert!((norm.item::<f32>().unwrap() - 500.0).abs() < 1e-3);
    assert_eq!(
        c.get("h").unwrap().tensor().unwrap().dtype(),
        Dtype::Float16
    );
    assert_eq!(
        c.get("i").unwrap().tensor().unwrap().dtype(),
        Dtype::Float32
    );
}

#[test]
fn bad_trees_are_errors() {
    let r = reference();
    let p = tree(&r, &r["params"]);
    let mut opt = Adam::new(0.1, AdamOptions::default()).unwrap();
    let g = Tree::dict([("nope", Tree::leaf(Tensor::scalar(1.0f32)))]);
    let e = opt.apply_gradients(&g, &p).unwrap_err().to_string();
    assert!(e.contains("\"nope\""), "{e}");
    let g = Tree::dict([(
        "b",
        Tree::leaf(Tensor::zeros(&[4], Dtype::Float32).unwrap()),
    )]);
    let e = opt.apply_gradients(&g, &p).unwrap_err().to_string();
    assert!(e.contains("[4]") && e.contains("[3]"), "{e}");
    // A gradient subset updates only those parameters and keeps the step.
    let g = Tree::dict([("b", Tree::leaf(Tensor::ones(&[3], Dtype::Float32).unwrap()))]);
    let out = opt.apply_gradients(&g, &p).unwrap();
    assert_eq!(out.flatten_keys(), vec!["b".to_string()]);
    assert_eq!(opt.step().item::<u64>().unwrap(), 1);
    assert!(Adafactor::new(
        None,
        AdafactorOptions {
            relative_step: false,
            ..Default::default()
        }
    )
    .is_err());
}

/// A tree from MLX-flattened safetensors keys (`layers.0.k`).
fn tree_from_flat(flat: &mlx_io::Arrays) -> Tree {
    let leaf = |k: &str| Tree::leaf(flat[k].clone());
    Tree::dict([
        ("w", leaf("w")),
        ("b", leaf("b")),
        (
            "layers",
            Tree::list(vec![
                Tree::dict([("k", leaf("layers.0.k"))]),
                Tree::dict([("k", leaf("layers.1.k"))]),
            ]),
        ),
    ])
}

#[test]
fn resumes_from_mlx_checkpoints() {
    let r = reference();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests");
    for name in ["adam_bias_correction", "adafactor_lr_beta"] {
        let (params, _) =
            mlx_io::load_safetensors(format!("{dir}/mlx_{name}_params.safetensors")).unwrap();
        let mut opt = make(name);
        let state = format!("{dir}/mlx_{name}_state.safetensors");
        opt.load_state(std::path::Path::new(&state)).unwrap();
        assert_eq!(opt.step().item::<u64>().unwrap(), 2);
        let p = run(&r, opt.as_mut(), 2, tree_from_flat(&params));
        compare(&r, name, &p, opt.as_ref());
    }
}

#[test]
fn low_precision_stays_low_precision() {
    let r = reference();
    for (dtype, tol) in [(Dtype::Float16, 2e-3), (Dtype::Bfloat16, 2e-2)] {
        let cast = |t: &Tree| t.map(&mut |x| x.astype(dtype)).unwrap();
        let mut opt = Adam::new(
            0.01,
            AdamOptions {
                bias_correction: true,
                ..Default::default()
            },
        )
        .unwrap();
        let mut p = cast(&tree(&r, &r["params"]));
        for g in r["grads"].as_array().unwrap() {
            p = opt.apply_gradients(&cast(&tree(&r, g)), &p).unwrap();
        }
        for t in opt.state_tensors().iter().filter(|t| t.ndim() > 0) {
            assert_eq!(t.dtype(), dtype);
        }
        let want = &r[format!("adam_{dtype}")];
        for (k, t) in p.flatten_keys().iter().zip(p.leaves()) {
            assert_eq!(t.dtype(), dtype, "{k}");
            for (g, w) in values(&t).iter().zip(floats(&want[k])) {
                assert!(
                    (g - w).abs() <= tol * w.abs().max(1.0),
                    "{dtype} {k}: {g} vs MLX {w}"
                );
            }
        }
    }
}
