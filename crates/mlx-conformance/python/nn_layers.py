"""Golden data for mlx-nn's layers and losses against MLX 0.32.4.

Each case builds an MLX layer (or calls a loss/activation) with weights drawn
from a fixed seed, and writes one safetensors file
`golden/nn_layers/<case>.safetensors` holding the layer's parameters under
`weights.<MLX flat key>`, the inputs under `input.<name>` and the outputs
under `output.<name>`. The Rust test `crates/mlx-nn/tests/conformance.rs`
rebuilds the same layer, loads the weights with `load_flat_weights`
(strict), runs it and compares.

Run: /root/mlxvenv/bin/python crates/mlx-conformance/python/nn_layers.py
"""

import os

import mlx.core as mx
import mlx.nn as nn
import mlx.nn.losses as L
from mlx.utils import tree_flatten

OUT = os.path.join(os.path.dirname(__file__), "..", "golden", "nn_layers")


def save(name, inputs, outputs, weights=()):
    arrays = {}
    for k, v in weights:
        arrays["weights." + k] = v
    for k, v in inputs.items():
        arrays["input." + k] = v
    for k, v in outputs.items():
        arrays["output." + k] = v
    mx.eval(arrays)
    mx.save_safetensors(os.path.join(OUT, name + ".safetensors"), arrays)


def rand(*shape, key=0, scale=1.0, dtype=mx.float32):
    return (mx.random.normal(shape, key=mx.random.key(key)) * scale).astype(dtype)


def layer(name, model, inputs, call=None):
    """A layer case: the weights are re-drawn from the seed so that every
    parameter (also ones/zeros defaults) is non-trivial."""
    params = tree_flatten(model.parameters())
    new = [(k, rand(*v.shape, key=100 + i, scale=0.5)) for i, (k, v) in enumerate(params)]
    # running variances must stay positive
    new = [(k, mx.abs(v) + 0.5 if k.endswith("running_var") else v) for k, v in new]
    model.load_weights(new)
    # the weights as loaded (BatchNorm's call updates its running stats)
    weights = tree_flatten(model.parameters())
    out = call(model, **inputs) if call else model(*inputs.values())
    outs = out if isinstance(out, dict) else {"y": out}
    save(name, inputs, outs, weights)


def main():
    os.makedirs(OUT, exist_ok=True)
    mx.random.seed(0)
    x3 = rand(2, 5, 8, key=1)
    # --- linear family
    layer("linear", nn.Linear(8, 6), {"x": x3})
    layer("linear_nobias", nn.Linear(8, 6, bias=False), {"x": x3})
    layer("bilinear", nn.Bilinear(8, 4, 3), {"x1": rand(2, 5, 8, key=2), "x2": rand(2, 5, 4, key=3)})
    idx = mx.array([[0, 3, 9], [2, 2, 7]], dtype=mx.int32)
    layer("embedding", nn.Embedding(10, 8), {"x": idx})
    layer("embedding_as_linear", nn.Embedding(10, 8), {"x": x3}, call=lambda m, x: m.as_linear(x))
    # --- norms
    layer("layer_norm", nn.LayerNorm(8), {"x": x3})
    layer("layer_norm_noaffine", nn.LayerNorm(8, affine=False), {"x": x3})
    layer("layer_norm_nobias", nn.LayerNorm(8, bias=False), {"x": x3})
    layer("rms_norm", nn.RMSNorm(8, eps=1e-6), {"x": x3})
    x4 = rand(2, 3, 4, 8, key=4)
    layer("group_norm", nn.GroupNorm(4, 8), {"x": x4})
    layer("group_norm_pt", nn.GroupNorm(2, 8, pytorch_compatible=True), {"x": x4})
    layer("instance_norm", nn.InstanceNorm(8, affine=True), {"x": x4})

    def bn_train(m, x):
        y = m(x)
        return {"y": y, "running_mean": m.running_mean, "running_var": m.running_var}

    layer("batch_norm_train", nn.BatchNorm(8), {"x": x4}, call=bn_train)
    bn = nn.BatchNorm(8)
    bn.eval()
    layer("batch_norm_eval", bn, {"x": x3})
    # --- activations (functions and modules share formulas)
    xa = mx.concatenate([rand(40, key=5, scale=3.0), mx.array([0.0, -1.0, 1.0, 3.0, -3.0, 6.0, 7.0, 20.0])])
    acts = {
        "sigmoid": nn.sigmoid, "relu": nn.relu, "relu6": nn.relu6,
        "leaky_relu": lambda x: nn.leaky_relu(x, 0.2), "elu": lambda x: nn.elu(x, 0.7),
        "selu": nn.selu, "celu": lambda x: nn.celu(x, 1.3), "gelu": nn.gelu,
        "gelu_approx": nn.gelu_approx, "gelu_fast_approx": nn.gelu_fast_approx,
        "silu": nn.silu, "mish": nn.mish, "softplus": nn.softplus, "softsign": nn.softsign,
        "hardswish": nn.hardswish, "tanh": nn.tanh, "log_sigmoid": nn.log_sigmoid,
        "step": lambda x: nn.step(x, 0.5), "glu": lambda x: nn.glu(x, -1),
        "log_softmax": lambda x: nn.log_softmax(x, -1), "softshrink": lambda x: nn.softshrink(x, 0.5),
        "hard_tanh": nn.hard_tanh, "hard_shrink": nn.hard_shrink, "relu2": nn.relu2,
    }
    for dt, suffix in [(mx.float32, "f32"), (mx.bfloat16, "bf16"), (mx.float16, "f16")]:
        xd = xa.astype(dt)
        outs = {k: f(xd) for k, f in acts.items()}
        save(f"activations_{suffix}", {"x": xd}, outs)
    layer("prelu", nn.PReLU(8), {"x": x3})
    # --- containers
    layer("sequential", nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4), nn.GELU()), {"x": x3})
    # --- attention and transformers
    mask = nn.MultiHeadAttention.create_additive_causal_mask(5)
    layer("mha", nn.MultiHeadAttention(8, 2), {"q": x3, "kv": rand(2, 7, 8, key=6)},
          call=lambda m, q, kv: m(q, kv, kv))
    layer("mha_bias_mask", nn.MultiHeadAttention(8, 4, bias=True), {"x": x3, "mask": mask},
          call=lambda m, x, mask: m(x, x, x, mask))
    layer("encoder", nn.TransformerEncoder(2, 8, 2, mlp_dims=16), {"x": x3, "mask": mask})
    layer("encoder_post_norm", nn.TransformerEncoder(1, 8, 2, norm_first=False), {"x": x3, "mask": mask})
    mem = rand(2, 6, 8, key=7)
    layer("decoder", nn.TransformerDecoder(2, 8, 2, mlp_dims=16), {"x": x3, "memory": mem, "mask": mask},
          call=lambda m, x, memory, mask: m(x, memory, mask, None))
    layer("transformer", nn.Transformer(8, 2, 1, 2, mlp_dims=12), {"src": mem, "tgt": x3, "mask": mask},
          call=lambda m, src, tgt, mask: m(src, tgt, None, mask, None))
    # --- positional
    layer("rope", nn.RoPE(8), {"x": rand(2, 2, 5, 8, key=8)})
    layer("rope_traditional_offset", nn.RoPE(6, traditional=True, base=500.0, scale=0.5),
          {"x": rand(2, 2, 5, 8, key=8)}, call=lambda m, x: m(x, offset=3))
    layer("sinusoidal", nn.SinusoidalPositionalEncoding(16), {"x": mx.arange(6).astype(mx.float32)})
    layer("sinusoidal_cos_first", nn.SinusoidalPositionalEncoding(8, cos_first=True, full_turns=True, scale=1.0),
          {"x": rand(3, key=9)})
    layer("alibi", nn.ALiBi(), {"scores": rand(2, 3, 4, 6, key=10)}, call=lambda m, scores: m(scores, offset=2))
    # --- pooling / upsampling
    xp = rand(2, 7, 9, 3, key=11)
    layer("max_pool2d", nn.MaxPool2d(2), {"x": xp})
    layer("max_pool2d_stride_pad", nn.MaxPool2d((3, 2), stride=(2, 1), padding=1), {"x": xp})
    layer("avg_pool2d", nn.AvgPool2d(3, stride=2, padding=(1, 0)), {"x": xp})
    xp1 = rand(2, 10, 3, key=12)
    layer("max_pool1d", nn.MaxPool1d(3, stride=2), {"x": xp1})
    layer("avg_pool1d", nn.AvgPool1d(2), {"x": xp1})
    xu = rand(2, 3, 4, 2, key=13)
    layer("upsample_nearest", nn.Upsample(2.0), {"x": xu})
    layer("upsample_nearest_frac", nn.Upsample((1.5, 2.5)), {"x": xu})
    layer("upsample_linear", nn.Upsample(2.0, mode="linear"), {"x": xu})
    layer("upsample_linear_ac", nn.Upsample((2.0, 1.5), mode="linear", align_corners=True), {"x": xu})
    # --- convolutions
    xc1 = rand(2, 9, 4, key=21)
    layer("conv1d", nn.Conv1d(4, 6, 3, stride=2, padding=1), {"x": xc1})
    layer("conv1d_groups_dilation", nn.Conv1d(4, 6, 3, dilation=2, groups=2, bias=False), {"x": xc1})
    xc2 = rand(2, 7, 6, 3, key=22)
    layer("conv2d", nn.Conv2d(3, 5, (3, 2), stride=(2, 1), padding=1), {"x": xc2})
    layer("conv3d", nn.Conv3d(2, 3, 2, padding=1), {"x": rand(1, 4, 5, 3, 2, key=23)})
    layer("conv_transpose1d", nn.ConvTranspose1d(4, 3, 3, stride=2, padding=1, output_padding=1), {"x": xc1})
    layer("conv_transpose2d", nn.ConvTranspose2d(3, 2, (3, 2), stride=2, dilation=(1, 2)), {"x": xc2})
    layer("conv_transpose3d", nn.ConvTranspose3d(2, 3, 2, stride=2, bias=False), {"x": rand(1, 3, 2, 2, 2, key=24)})
    # --- initializers, each right after mx.random.seed(<i>)
    a = mx.zeros((6, 3, 4))
    inits = {
        "normal": lambda: nn.init.normal(0.5, 2.0)(a),
        "uniform": lambda: nn.init.uniform(-0.3, 0.7)(a),
        "glorot_normal": lambda: nn.init.glorot_normal()(a, gain=1.5),
        "glorot_uniform": lambda: nn.init.glorot_uniform()(a),
        "he_normal": lambda: nn.init.he_normal()(a, mode="fan_out"),
        "he_uniform": lambda: nn.init.he_uniform()(a, gain=0.5),
    }
    outs = {}
    for i, (k, f) in enumerate(inits.items()):
        mx.random.seed(40 + i)
        outs[k] = f()
    save("init", {}, outs)
    mx.random.seed(0)
    layer("upsample_cubic", nn.Upsample(2.0, mode="cubic"), {"x": xu})
    layer("upsample_cubic_ac", nn.Upsample((1.5, 2.0), mode="cubic", align_corners=True), {"x": xu})
    # --- losses
    logits = rand(4, 5, key=20, scale=2.0)
    tgt = mx.array([0, 3, 4, 1], dtype=mx.int32)
    probs = mx.softmax(rand(4, 5, key=21), axis=-1)
    w = mx.abs(rand(4, key=22)) + 0.1
    p = rand(4, 5, key=23)
    t = rand(4, 5, key=24)
    pos = mx.abs(rand(4, 5, key=25)) + 0.1
    prob = mx.sigmoid(rand(4, 5, key=26))
    bin_t = (rand(4, 5, key=27) > 0).astype(mx.float32)
    sign_t = bin_t * 2 - 1
    outs = {
        "ce_idx": L.cross_entropy(logits, tgt),
        "ce_idx_smooth_mean": L.cross_entropy(logits, tgt, label_smoothing=0.2, reduction="mean"),
        "ce_probs_sum": L.cross_entropy(logits, probs, reduction="sum"),
        "ce_weights": L.cross_entropy(logits, tgt, weights=w),
        "ce_axis0": L.cross_entropy(logits, mx.array([1, 0, 2, 3, 0], dtype=mx.int32), axis=0),
        "bce_logits": L.binary_cross_entropy(p, bin_t),
        "bce_probs_none": L.binary_cross_entropy(prob, bin_t, with_logits=False, reduction="none"),
        "bce_weights_sum": L.binary_cross_entropy(p, bin_t, weights=pos, reduction="sum"),
        "nll": L.nll_loss(nn.log_softmax(logits), tgt),
        "mse": L.mse_loss(p, t),
        "mse_none": L.mse_loss(p, t, reduction="none"),
        "l1_sum": L.l1_loss(p, t, reduction="sum"),
        "smooth_l1": L.smooth_l1_loss(p, t, beta=0.7),
        "huber": L.huber_loss(p, t, delta=0.8),
        "kl_div": L.kl_div_loss(nn.log_softmax(p), nn.log_softmax(t)),
        "cosine": L.cosine_similarity_loss(p, t),
        "triplet": L.triplet_loss(p, t, rand(4, 5, key=28), margin=0.5),
        "triplet_p1": L.triplet_loss(p, t, rand(4, 5, key=28), p=1, reduction="mean"),
        "hinge": L.hinge_loss(p, sign_t),
        "log_cosh": L.log_cosh_loss(p, t),
        "gaussian_nll": L.gaussian_nll_loss(p, t, pos),
        "gaussian_nll_full": L.gaussian_nll_loss(p, t, pos, full=True, reduction="none"),
        "margin_ranking": L.margin_ranking_loss(p, t, sign_t, margin=0.1),
    }
    save("losses", {"logits": logits, "tgt": tgt, "probs": probs, "w": w, "p": p, "t": t, "pos": pos,
                    "prob": prob, "bin_t": bin_t, "sign_t": sign_t, "neg": rand(4, 5, key=28)}, outs)


if __name__ == "__main__":
    main()
