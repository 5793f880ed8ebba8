//! Module plumbing: parameter trees, update, freeze, modes, weight files,
//! and end-to-end training with mlx-optim.

use mlx_autograd::Tree;
use mlx_nn::{losses, Dropout, Forward, LayerNorm, Linear, Module, ReLU, Sequential};
use mlx_ops::{eval, random, Dtype, Tensor};
use mlx_optim::{Adam, AdamOptions, Optimizer, Sgd, SgdOptions};

fn mlp() -> Sequential {
    Sequential::new()
        .push(Linear::new(2, 16, true).unwrap())
        .push(ReLU::new())
        .push(Linear::new(16, 1, true).unwrap())
}

fn data() -> (Tensor, Tensor) {
    let key = random::key(7);
    let x = random::uniform(-1.0, 1.0, &[64, 2], None, Some(&key)).unwrap();
    // y = 2 x0 - x1 + 0.5
    let w = Tensor::from_slice(&[2.0f32, -1.0], &[2, 1]).unwrap();
    let y = x.matmul(&w).unwrap().add(0.5).unwrap();
    (x, y)
}

fn train(opt: &mut dyn Optimizer, steps: usize) -> (f32, f32) {
    random::seed(3);
    let mut model = mlp();
    let (x, y) = data();
    let loss_of =
        |m: &mut Sequential| losses::mse_loss(&m.forward(&x)?, &y, losses::Reduction::Mean);
    let first = loss_of(&mut model.clone()).unwrap().item::<f32>().unwrap();
    for _ in 0..steps {
        let (_, grads) = mlx_nn::value_and_grad(&model, loss_of).unwrap();
        let new = opt
            .apply_gradients(&grads, &model.trainable_parameters())
            .unwrap();
        model.update(&new).unwrap();
        let mut live = new.leaves();
        live.extend(opt.state_tensors());
        eval(&live.iter().collect::<Vec<_>>()).unwrap();
    }
    let last = loss_of(&mut model).unwrap().item::<f32>().unwrap();
    eprintln!("{steps} steps: loss {first} -> {last}");
    (first, last)
}

#[test]
fn mlp_sgd_50_steps_loss_falls() {
    let mut opt = Sgd::new(0.1, SgdOptions::default()).unwrap();
    let (first, last) = train(&mut opt, 50);
    assert!(last < first / 10.0, "first {first}, last {last}");
}

#[test]
fn mlp_adam_50_steps_loss_falls() {
    let mut opt = Adam::new(0.02, AdamOptions::default()).unwrap();
    let (first, last) = train(&mut opt, 50);
    assert!(last < first / 10.0, "first {first}, last {last}");
}

#[test]
fn frozen_parameters_get_no_gradient_and_stay() {
    let mut model = mlp();
    model.freeze(Some(&["bias"]));
    let (x, y) = data();
    let (_, grads) = mlx_nn::value_and_grad(&model, |m: &mut Sequential| {
        losses::mse_loss(&m.forward(&x)?, &y, losses::Reduction::Mean)
    })
    .unwrap();
    assert_eq!(grads.flatten_keys(), ["layers.0.weight", "layers.2.weight"]);
    model.unfreeze(None);
    assert_eq!(model.trainable_parameters().leaves().len(), 4);
}

#[test]
fn update_is_partial_and_strict() {
    let mut l = Linear::new(2, 2, true).unwrap();
    let before = l.bias.as_ref().unwrap().to_vec::<f32>().unwrap();
    let w = Tensor::zeros(&[2, 2], Dtype::Float32).unwrap();
    l.update(&Tree::dict([("weight", Tree::leaf(w))])).unwrap();
    assert_eq!(l.weight.to_vec::<f32>().unwrap(), vec![0.0; 4]);
    assert_eq!(l.bias.as_ref().unwrap().to_vec::<f32>().unwrap(), before);
    let bad = Tree::dict([("nope", Tree::leaf(Tensor::scalar(1.0f32)))]);
    assert!(l.update(&bad).is_err());
    assert!(l.update_with(&bad, false).is_ok());
    let wrong_kind = Tree::dict([("weight", Tree::list(vec![]))]);
    assert!(l.update(&wrong_kind).is_err());
}

#[test]
fn train_eval_modes_reach_every_layer() {
    let mut s = Sequential::new()
        .push(Dropout::new(0.5).unwrap())
        .push(LayerNorm::new(4, 1e-5, true, true).unwrap());
    assert!(s.training() && s.layers[0].training());
    s.train(false);
    assert!(!s.training() && !s.layers[0].training() && !s.layers[1].training());
    let x = Tensor::ones(&[2, 4], Dtype::Float32).unwrap();
    // dropout is the identity in eval mode; layer norm of a constant row is 0
    assert_eq!(
        s.forward(&x).unwrap().to_vec::<f32>().unwrap(),
        vec![0.0; 8]
    );
}

#[test]
fn weights_round_trip_with_mlx_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.safetensors");
    let a = mlp();
    a.save_weights(&path).unwrap();
    let (arrays, _) = mlx_io::load_safetensors(&path).unwrap();
    assert_eq!(
        arrays.keys().cloned().collect::<Vec<_>>(),
        [
            "layers.0.bias",
            "layers.0.weight",
            "layers.2.bias",
            "layers.2.weight"
        ]
    );
    let mut b = mlp();
    b.load_weights(&path, true).unwrap();
    for (x, y) in a.parameters().leaves().iter().zip(b.parameters().leaves()) {
        assert_eq!(x.to_vec::<f32>().unwrap(), y.to_vec::<f32>().unwrap());
    }
    // strict loading refuses missing, extra and mis-shaped weights
    let mut fewer = arrays.clone();
    fewer.remove("layers.0.bias");
    assert!(b.load_flat_weights(&fewer, true).is_err());
    assert!(b.load_flat_weights(&fewer, false).is_ok());
    let mut extra = arrays.clone();
    extra.insert("layers.5.weight".into(), Tensor::scalar(1.0f32));
    assert!(b.load_flat_weights(&extra, true).is_err());
    let mut shaped = arrays.clone();
    shaped.insert(
        "layers.0.bias".into(),
        Tensor::zeros(&[3], Dtype::Float32).unwrap(),
    );
    assert!(b.load_flat_weights(&shaped, true).is_err());
}

#[test]
fn batch_norm_running_stats_stay_frozen() {
    let mut bn = mlx_nn::BatchNorm::new(3, 1e-5, 0.1, true, true).unwrap();
    assert_eq!(
        bn.parameters().flatten_keys(),
        ["bias", "running_mean", "running_var", "weight"]
    );
    bn.freeze(None);
    assert!(bn.trainable_parameters().leaves().is_empty());
    bn.unfreeze(None);
    assert_eq!(bn.trainable_parameters().flatten_keys(), ["bias", "weight"]);
}

#[test]
fn set_dtype_casts_floats_only() {
    let mut m = mlp();
    m.set_dtype(Dtype::Float16).unwrap();
    assert!(m
        .parameters()
        .leaves()
        .iter()
        .all(|t| t.dtype() == Dtype::Float16));
    let x = Tensor::ones(&[3, 2], Dtype::Float16).unwrap();
    assert_eq!(m.forward(&x).unwrap().dtype(), Dtype::Float16);
}

#[test]
fn defaults_start_in_training_mode() {
    assert!(mlx_nn::GELU::default().training());
    assert!(Sequential::default().training());
    assert!(mlx_nn::Identity::default().training());
    assert!(mlx_nn::LeakyReLU::default().training());
}

#[test]
fn conv_layers_init_within_mlx_bound_and_learn() {
    random::seed(11);
    let conv = mlx_nn::Conv1d::new(2, 4, 3).unwrap();
    let bound = (1.0f32 / 6.0).sqrt();
    let w = conv.weight.to_vec::<f32>().unwrap();
    assert!(w.iter().all(|v| v.abs() <= bound), "{w:?}");
    assert!(w.iter().any(|v| v.abs() > bound / 2.0));
    assert_eq!(
        conv.bias.as_ref().unwrap().to_vec::<f32>().unwrap(),
        vec![0.0; 4]
    );
    // learn a fixed convolution from data
    let key = random::key(5);
    let x = random::normal(&[16, 10, 2], None, 0.0, 1.0, Some(&key)).unwrap();
    let target_w = random::normal(&[4, 3, 2], None, 0.0, 0.5, Some(&random::key(6))).unwrap();
    let y = x.conv1d(&target_w, 1, 1, 1, 1).unwrap();
    let mut model = conv.padding(1);
    let loss_of =
        |m: &mut mlx_nn::Conv1d| losses::mse_loss(&m.forward(&x)?, &y, losses::Reduction::Mean);
    let first = loss_of(&mut model).unwrap().item::<f32>().unwrap();
    let mut opt = Sgd::new(0.1, SgdOptions::default()).unwrap();
    for _ in 0..60 {
        let (_, grads) = mlx_nn::value_and_grad(&model, loss_of).unwrap();
        let new = opt
            .apply_gradients(&grads, &model.trainable_parameters())
            .unwrap();
        model.update(&new).unwrap();
        eval(&new.leaves().iter().collect::<Vec<_>>()).unwrap();
    }
    let last = loss_of(&mut model).unwrap().item::<f32>().unwrap();
    assert!(last < first / 20.0, "first {first}, last {last}");
}
