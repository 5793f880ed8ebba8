//! mlx-nn against MLX 0.32.4: the goldens under
//! `crates/mlx-conformance/golden/nn_layers/` were written by
//! `crates/mlx-conformance/python/nn_layers.py` (MLX's layer with its
//! weights, inputs and outputs); each test rebuilds the layer here, loads
//! the same weights by their MLX keys (strict) and compares the outputs.

use mlx_nn::losses::{self, Reduction};
use mlx_nn::*;
use mlx_ops::fast::AttentionMask;
use mlx_ops::{Dtype, Tensor};
use std::collections::BTreeMap;
use std::path::PathBuf;

struct Golden {
    name: String,
    arrays: BTreeMap<String, Tensor>,
}

fn golden(name: &str) -> Golden {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../mlx-conformance/golden/nn_layers")
        .join(format!("{name}.safetensors"));
    let (arrays, _) =
        mlx_io::load_safetensors(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Golden {
        name: name.to_string(),
        arrays,
    }
}

impl Golden {
    fn input(&self, k: &str) -> Tensor {
        self.arrays[&format!("input.{k}")].clone()
    }
    fn output(&self, k: &str) -> Tensor {
        self.arrays[&format!("output.{k}")].clone()
    }
    fn weights(&self) -> BTreeMap<String, Tensor> {
        self.arrays
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("weights.")
                    .map(|k| (k.to_string(), v.clone()))
            })
            .collect()
    }
    fn load(&self, m: &mut dyn Module) {
        m.load_flat_weights(&self.weights(), true)
            .unwrap_or_else(|e| panic!("{}: load_weights: {e}", self.name));
    }
    fn check(&self, key: &str, got: &Tensor) {
        self.check_tol(key, got, 1.0)
    }
    /// Compares within the output dtype's tolerance times `scale`.
    fn check_tol(&self, key: &str, got: &Tensor, scale: f64) {
        let want = self.output(key);
        let ctx = format!("{}/{key}", self.name);
        assert_eq!(got.shape(), want.shape(), "{ctx}: shape");
        assert_eq!(got.dtype(), want.dtype(), "{ctx}: dtype");
        let tol = scale
            * match want.dtype() {
                Dtype::Bfloat16 => 2e-2,
                Dtype::Float16 => 2e-3,
                _ => 2e-5,
            };
        let g = got.astype(Dtype::Float64).unwrap().to_vec::<f64>().unwrap();
        let w = want
            .astype(Dtype::Float64)
            .unwrap()
            .to_vec::<f64>()
            .unwrap();
        for (i, (a, b)) in g.iter().zip(&w).enumerate() {
            let ok = (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= tol * (1.0 + b.abs());
            assert!(ok, "{ctx}: index {i}: got {a}, MLX {b} (tol {tol})");
        }
    }
}

fn run_layer<M: Module + Forward>(name: &str, mut m: M, input: &str) {
    let g = golden(name);
    g.load(&mut m);
    let y = m.forward(&g.input(input)).unwrap();
    g.check("y", &y);
}

#[test]
fn linear_family() {
    run_layer("linear", Linear::new(8, 6, true).unwrap(), "x");
    run_layer("linear_nobias", Linear::new(8, 6, false).unwrap(), "x");
    run_layer("embedding", Embedding::new(10, 8).unwrap(), "x");
    let g = golden("embedding_as_linear");
    let mut e = Embedding::new(10, 8).unwrap();
    g.load(&mut e);
    g.check("y", &e.as_linear(&g.input("x")).unwrap());
    let g = golden("bilinear");
    let mut b = Bilinear::new(8, 4, 3, true).unwrap();
    g.load(&mut b);
    g.check("y", &b.forward2(&g.input("x1"), &g.input("x2")).unwrap());
    run_layer("prelu", PReLU::new(8, 0.25).unwrap(), "x");
}

#[test]
fn norms() {
    run_layer(
        "layer_norm",
        LayerNorm::new(8, 1e-5, true, true).unwrap(),
        "x",
    );
    run_layer(
        "layer_norm_noaffine",
        LayerNorm::new(8, 1e-5, false, true).unwrap(),
        "x",
    );
    run_layer(
        "layer_norm_nobias",
        LayerNorm::new(8, 1e-5, true, false).unwrap(),
        "x",
    );
    run_layer("rms_norm", RMSNorm::new(8, 1e-6).unwrap(), "x");
    run_layer(
        "group_norm",
        GroupNorm::new(4, 8, 1e-5, true, false).unwrap(),
        "x",
    );
    run_layer(
        "group_norm_pt",
        GroupNorm::new(2, 8, 1e-5, true, true).unwrap(),
        "x",
    );
    run_layer(
        "instance_norm",
        InstanceNorm::new(8, 1e-5, true).unwrap(),
        "x",
    );
    let g = golden("batch_norm_train");
    let mut bn = BatchNorm::new(8, 1e-5, 0.1, true, true).unwrap();
    g.load(&mut bn);
    g.check("y", &bn.forward(&g.input("x")).unwrap());
    g.check("running_mean", bn.running_mean.as_ref().unwrap());
    g.check("running_var", bn.running_var.as_ref().unwrap());
    let mut bn = BatchNorm::new(8, 1e-5, 0.1, true, true).unwrap();
    bn.train(false);
    run_layer("batch_norm_eval", bn, "x");
}

#[test]
fn activations() {
    type F = Box<dyn Fn(&Tensor) -> mlx_core::Result<Tensor>>;
    let fns: Vec<(&str, F)> = vec![
        ("sigmoid", Box::new(sigmoid)),
        ("relu", Box::new(relu)),
        ("relu6", Box::new(relu6)),
        ("relu2", Box::new(relu2)),
        ("leaky_relu", Box::new(|x| leaky_relu(x, 0.2))),
        ("elu", Box::new(|x| elu(x, 0.7))),
        ("selu", Box::new(selu)),
        ("celu", Box::new(|x| celu(x, 1.3))),
        ("gelu", Box::new(gelu)),
        ("gelu_approx", Box::new(gelu_approx)),
        ("gelu_fast_approx", Box::new(gelu_fast_approx)),
        ("silu", Box::new(silu)),
        ("mish", Box::new(mish)),
        ("softplus", Box::new(softplus)),
        ("softsign", Box::new(softsign)),
        ("hardswish", Box::new(hardswish)),
        ("tanh", Box::new(tanh)),
        ("log_sigmoid", Box::new(log_sigmoid)),
        ("step", Box::new(|x| step(x, 0.5))),
        ("glu", Box::new(|x| glu(x, -1))),
        ("log_softmax", Box::new(|x| log_softmax(x, -1))),
        ("softshrink", Box::new(|x| softshrink(x, 0.5))),
        ("hard_tanh", Box::new(|x| hard_tanh(x, -1.0, 1.0))),
        ("hard_shrink", Box::new(|x| hard_shrink(x, 0.5))),
    ];
    for suffix in ["f32", "bf16", "f16"] {
        let g = golden(&format!("activations_{suffix}"));
        let x = g.input("x");
        for (name, f) in &fns {
            g.check(name, &f(&x).unwrap());
        }
    }
    // the module forms run the same functions
    let g = golden("activations_f32");
    let x = g.input("x");
    g.check(
        "gelu_approx",
        &GELU::new(GeluApprox::parse("precise").unwrap())
            .forward(&x)
            .unwrap(),
    );
    g.check(
        "gelu_fast_approx",
        &GELU::new(GeluApprox::Fast).forward(&x).unwrap(),
    );
    g.check("elu", &ELU::new(0.7).forward(&x).unwrap());
    g.check("step", &Step::new(0.5).forward(&x).unwrap());
    g.check("mish", &Mish::new().forward(&x).unwrap());
}

#[test]
fn sequential() {
    let s = Sequential::new()
        .push(Linear::new(8, 16, true).unwrap())
        .push(ReLU::new())
        .push(Linear::new(16, 4, true).unwrap())
        .push(GELU::default());
    run_layer("sequential", s, "x");
}

#[test]
fn attention_and_transformers() {
    let g = golden("mha");
    let mut m = MultiHeadAttention::new(8, 2, false).unwrap();
    g.load(&mut m);
    let kv = g.input("kv");
    g.check_tol(
        "y",
        &m.forward3(&g.input("q"), &kv, &kv, AttentionMask::None)
            .unwrap(),
        5.0,
    );

    let g = golden("mha_bias_mask");
    let mut m = MultiHeadAttention::new(8, 4, true).unwrap();
    g.load(&mut m);
    let (x, mask) = (g.input("x"), g.input("mask"));
    g.check_tol(
        "y",
        &m.forward3(&x, &x, &x, AttentionMask::Array(&mask)).unwrap(),
        5.0,
    );

    let g = golden("encoder");
    let mut e = TransformerEncoder::new(2, 8, 2, Some(16), 0.0, relu, true).unwrap();
    g.load(&mut e);
    let mask = g.input("mask");
    g.check_tol(
        "y",
        &e.forward_mask(&g.input("x"), AttentionMask::Array(&mask))
            .unwrap(),
        10.0,
    );

    let g = golden("encoder_post_norm");
    let mut e = TransformerEncoder::new(1, 8, 2, None, 0.0, relu, false).unwrap();
    g.load(&mut e);
    let mask = g.input("mask");
    g.check_tol(
        "y",
        &e.forward_mask(&g.input("x"), AttentionMask::Array(&mask))
            .unwrap(),
        10.0,
    );

    let g = golden("decoder");
    let mut d = TransformerDecoder::new(2, 8, 2, Some(16), 0.0, relu, true).unwrap();
    g.load(&mut d);
    let mask = g.input("mask");
    let y = d
        .forward_mask(
            &g.input("x"),
            &g.input("memory"),
            AttentionMask::Array(&mask),
            AttentionMask::None,
        )
        .unwrap();
    g.check_tol("y", &y, 10.0);

    let g = golden("transformer");
    let mut t = Transformer::new(8, 2, 1, 2, Some(12), 0.0, relu, true).unwrap();
    g.load(&mut t);
    let mask = g.input("mask");
    let y = t
        .forward_mask(
            &g.input("src"),
            &g.input("tgt"),
            AttentionMask::None,
            AttentionMask::Array(&mask),
            AttentionMask::None,
        )
        .unwrap();
    g.check_tol("y", &y, 10.0);
}

#[test]
fn positional() {
    run_layer("rope", RoPE::new(8, false, 10000.0, 1.0), "x");
    let g = golden("rope_traditional_offset");
    g.check(
        "y",
        &RoPE::new(6, true, 500.0, 0.5)
            .forward_offset(&g.input("x"), 3)
            .unwrap(),
    );
    run_layer(
        "sinusoidal",
        SinusoidalPositionalEncoding::new(16, 1e-4, 1.0, None, false, false).unwrap(),
        "x",
    );
    run_layer(
        "sinusoidal_cos_first",
        SinusoidalPositionalEncoding::new(8, 1e-4, 1.0, Some(1.0), true, true).unwrap(),
        "x",
    );
    let g = golden("alibi");
    g.check(
        "y",
        &ALiBi::new()
            .forward_scores(&g.input("scores"), 2, None)
            .unwrap(),
    );
}

#[test]
fn pooling_and_upsampling() {
    run_layer("max_pool2d", MaxPool2d::new(2, None, 0).unwrap(), "x");
    run_layer(
        "max_pool2d_stride_pad",
        MaxPool2d::new((3, 2), Some((2, 1).into()), 1).unwrap(),
        "x",
    );
    run_layer(
        "avg_pool2d",
        AvgPool2d::new(3, Some(2.into()), (1, 0)).unwrap(),
        "x",
    );
    run_layer("max_pool1d", MaxPool1d::new(3, Some(2), 0).unwrap(), "x");
    run_layer("avg_pool1d", AvgPool1d::new(2, None, 0).unwrap(), "x");
    run_layer(
        "upsample_nearest",
        Upsample::new(vec![2.0], UpsampleMode::Nearest, false),
        "x",
    );
    run_layer(
        "upsample_nearest_frac",
        Upsample::new(vec![1.5, 2.5], UpsampleMode::Nearest, false),
        "x",
    );
    run_layer(
        "upsample_linear",
        Upsample::new(vec![2.0], UpsampleMode::Linear, false),
        "x",
    );
    run_layer(
        "upsample_linear_ac",
        Upsample::new(vec![2.0, 1.5], UpsampleMode::Linear, true),
        "x",
    );
    run_layer(
        "upsample_cubic",
        Upsample::new(vec![2.0], UpsampleMode::Cubic, false),
        "x",
    );
    run_layer(
        "upsample_cubic_ac",
        Upsample::new(vec![1.5, 2.0], UpsampleMode::Cubic, true),
        "x",
    );
}

#[test]
fn losses_match_mlx() {
    use Reduction as R;
    let g = golden("losses");
    let i = |k: &str| g.input(k);
    let (logits, tgt, p, t, pos, bin_t, sign_t) = (
        i("logits"),
        i("tgt"),
        i("p"),
        i("t"),
        i("pos"),
        i("bin_t"),
        i("sign_t"),
    );
    let ce = |t: &Tensor, w: Option<&Tensor>, axis, ls, r| {
        losses::cross_entropy(&logits, t, w, axis, ls, r).unwrap()
    };
    g.check("ce_idx", &ce(&tgt, None, -1, 0.0, R::None));
    g.check("ce_idx_smooth_mean", &ce(&tgt, None, -1, 0.2, R::Mean));
    g.check("ce_probs_sum", &ce(&i("probs"), None, -1, 0.0, R::Sum));
    g.check("ce_weights", &ce(&tgt, Some(&i("w")), -1, 0.0, R::None));
    let t0 = Tensor::from_slice(&[1i32, 0, 2, 3, 0], &[5]).unwrap();
    g.check("ce_axis0", &ce(&t0, None, 0, 0.0, R::None));
    g.check(
        "bce_logits",
        &losses::binary_cross_entropy(&p, &bin_t, None, true, R::Mean).unwrap(),
    );
    g.check(
        "bce_probs_none",
        &losses::binary_cross_entropy(&i("prob"), &bin_t, None, false, R::None).unwrap(),
    );
    g.check(
        "bce_weights_sum",
        &losses::binary_cross_entropy(&p, &bin_t, Some(&pos), true, R::Sum).unwrap(),
    );
    g.check(
        "nll",
        &losses::nll_loss(&log_softmax(&logits, -1).unwrap(), &tgt, -1, R::None).unwrap(),
    );
    g.check("mse", &losses::mse_loss(&p, &t, R::Mean).unwrap());
    g.check("mse_none", &losses::mse_loss(&p, &t, R::None).unwrap());
    g.check("l1_sum", &losses::l1_loss(&p, &t, R::Sum).unwrap());
    g.check(
        "smooth_l1",
        &losses::smooth_l1_loss(&p, &t, 0.7, R::Mean).unwrap(),
    );
    g.check("huber", &losses::huber_loss(&p, &t, 0.8, R::None).unwrap());
    let (lp, lt) = (log_softmax(&p, -1).unwrap(), log_softmax(&t, -1).unwrap());
    g.check(
        "kl_div",
        &losses::kl_div_loss(&lp, &lt, -1, R::None).unwrap(),
    );
    g.check(
        "cosine",
        &losses::cosine_similarity_loss(&p, &t, 1, 1e-8, R::None).unwrap(),
    );
    let neg = i("neg");
    g.check(
        "triplet",
        &losses::triplet_loss(&p, &t, &neg, -1, 2, 0.5, 1e-6, R::None).unwrap(),
    );
    g.check(
        "triplet_p1",
        &losses::triplet_loss(&p, &t, &neg, -1, 1, 1.0, 1e-6, R::Mean).unwrap(),
    );
    g.check("hinge", &losses::hinge_loss(&p, &sign_t, R::None).unwrap());
    g.check("log_cosh", &losses::log_cosh_loss(&p, &t, R::None).unwrap());
    g.check(
        "gaussian_nll",
        &losses::gaussian_nll_loss(&p, &t, &pos, false, 1e-6, R::Mean).unwrap(),
    );
    g.check(
        "gaussian_nll_full",
        &losses::gaussian_nll_loss(&p, &t, &pos, true, 1e-6, R::None).unwrap(),
    );
    g.check(
        "margin_ranking",
        &losses::margin_ranking_loss(&p, &t, &sign_t, 0.1, R::None).unwrap(),
    );
}

#[test]
fn convolutions() {
    run_layer(
        "conv1d",
        Conv1d::new(4, 6, 3).unwrap().stride(2).padding(1),
        "x",
    );
    run_layer(
        "conv1d_groups_dilation",
        Conv1d::with_groups(4, 6, 3, 2, false).unwrap().dilation(2),
        "x",
    );
    run_layer(
        "conv2d",
        Conv2d::new(3, 5, (3, 2)).unwrap().stride((2, 1)).padding(1),
        "x",
    );
    run_layer("conv3d", Conv3d::new(2, 3, 2).unwrap().padding(1), "x");
    run_layer(
        "conv_transpose1d",
        ConvTranspose1d::new(4, 3, 3)
            .unwrap()
            .stride(2)
            .padding(1)
            .output_padding(1),
        "x",
    );
    run_layer(
        "conv_transpose2d",
        ConvTranspose2d::new(3, 2, (3, 2))
            .unwrap()
            .stride(2)
            .dilation((1, 2)),
        "x",
    );
    run_layer(
        "conv_transpose3d",
        ConvTranspose3d::with_bias(2, 3, 2, false)
            .unwrap()
            .stride(2),
        "x",
    );
}
