"""The `nn` family of the conformance suite (writes cases/nn.json)."""

from suite import *  # noqa: F401,F403

# ---------------------------------------------------------------- nn


def build():
    f = Family("nn")
    x = lambda dt="float32", shape=(2, 3, 5): f.val("x", dt, shape=shape)  # noqa: E731
    for op in ["softmax", "log_softmax"]:
        for dt in FLOATS + ["int32", "bool", "complex64"]:
            f.case(f"{op}/{dt}", op, [T(x(dt))], {"axis": -1})
        for ax, n in [(0, "axis0"), (1, "axis1"), ([0, 2], "two_axes"), (-3, "neg"), (3, "bad_axis")]:
            f.case(f"{op}/{n}", op, [T(x())], {"axis": ax})
        f.case(f"{op}/scalar", op, [T(f.val("s", "float32", shape=()))])
        f.case(f"{op}/empty", op, [T(f.val("e", "float32", shape=(0, 3)))], {"axis": -1})
        f.case(f"{op}/transposed", op, [T(x(), {"transpose": [2, 1, 0]})], {"axis": -1})
        f.case(f"{op}/strided", op, [T(x(), {"slice": [[None, None, 1], [None, None, -2]]})], {"axis": -1})
        f.case(f"{op}/broadcast_view", op, [T(f.val("r", "float32", shape=(1, 5)), {"broadcast_to": [4, 5]})], {"axis": -1})
        for dt in ["float16", "bfloat16", "float32"]:
            f.case(f"{op}/special_{dt}", op, [T(f.special(dt, (4, 6)))], {"axis": -1})
        f.case(f"{op}/large_rows", op, [T(f.val("big", "float32", shape=(5, 300)))], {"axis": -1})
        f.case(f"{op}/large_rows_f16", op, [T(f.val("big", "float16", shape=(5, 300)))], {"axis": -1})
    f.case("softmax/all_axes", "softmax", [T(x())])
    for dt in ["float16", "bfloat16"]:
        f.case(f"softmax/precise_{dt}", "softmax", [T(x(dt))], {"axis": -1, "precise": True})
    f.case("log_softmax/default_axis", "log_softmax", [T(x())])
    w = f.val("w", "float32", shape=(5,))
    bias = f.val("bias", "float32", shape=(5,))
    f.case("rms_norm/basic", "fast.rms_norm", [T(x()), T(w), 1e-5])
    f.case("rms_norm/no_weight", "fast.rms_norm", [T(x()), None, 1e-5])
    f.case("rms_norm/f16", "fast.rms_norm", [T(x("float16")), T(f.val("w", "float16", shape=(5,))), 1e-5])
    f.case("rms_norm/bf16_f32_weight", "fast.rms_norm", [T(x("bfloat16")), T(w), 1e-6])
    f.case("rms_norm/transposed", "fast.rms_norm", [T(x(), {"transpose": [2, 1, 0]}), T(f.val("w", "float32", shape=(2,))), 1e-5])
    f.case("rms_norm/bad_weight", "fast.rms_norm", [T(x()), T(f.val("w", "float32", shape=(4,))), 1e-5])
    f.case("rms_norm/int", "fast.rms_norm", [T(x("int32")), None, 1e-5])
    f.case("rms_norm/large_rows", "fast.rms_norm", [T(f.val("big", "float32", shape=(5, 300))), None, 1e-5])
    f.case("layer_norm/basic", "fast.layer_norm", [T(x()), T(w), T(bias), 1e-5])
    f.case("layer_norm/no_affine", "fast.layer_norm", [T(x()), None, None, 1e-5])
    f.case("layer_norm/weight_only", "fast.layer_norm", [T(x()), T(w), None, 1e-5])
    f.case("layer_norm/bias_only", "fast.layer_norm", [T(x()), None, T(bias), 1e-5])
    f.case("layer_norm/f16", "fast.layer_norm", [T(x("float16")), T(f.val("w", "float16", shape=(5,))), T(f.val("bias", "float16", shape=(5,))), 1e-5])
    f.case("layer_norm/bad_bias", "fast.layer_norm", [T(x()), T(w), T(f.val("bias", "float32", shape=(3,))), 1e-5])
    q = f.val("q", "float32", shape=(1, 2, 4, 8))
    rope = {"traditional": False, "base": 10000.0, "scale": 1.0, "offset": 0}
    f.case("rope/basic", "fast.rope", [T(q), 8], rope)
    f.case("rope/traditional", "fast.rope", [T(q), 8], dict(rope, traditional=True))
    f.case("rope/partial_offset", "fast.rope", [T(q), 4], dict(rope, offset=3, scale=0.5))
    f.case("rope/partial_traditional", "fast.rope", [T(q), 6], dict(rope, traditional=True, offset=5, base=500.0))
    f.case("rope/3d", "fast.rope", [T(f.val("q", "float32", shape=(2, 5, 8))), 8], dict(rope, offset=2))
    f.case("rope/5d", "fast.rope", [T(f.val("q", "float32", shape=(2, 2, 3, 4, 8))), 8], rope)
    f.case("rope/f16", "fast.rope", [T(f.val("q", "float16", shape=(1, 2, 4, 8))), 8], dict(rope, offset=7))
    f.case("rope/offset_array", "fast.rope", [T(f.val("q", "float32", shape=(3, 2, 4, 8))), 8],
           dict(rope, offset=T(f.inp("offs", (3,), "int32", "values", values=[0, 2, 9]))))
    f.case("rope/freqs", "fast.rope", [T(q), 8], {"traditional": False, "base": None, "scale": 1.0, "offset": 1,
                                                  "freqs": T(f.val("freqs", "float32", "pos", shape=(4,)))})
    f.case("rope/odd_dims", "fast.rope", [T(q), 5], rope)
    f.case("rope/2d", "fast.rope", [T(f.val("q", "float32", shape=(4, 8))), 8], rope)
    f.case("rope/int", "fast.rope", [T(f.val("q", "int32", shape=(1, 2, 4, 8))), 8], rope)
    sdpa = "fast.scaled_dot_product_attention"
    f.case("sdpa/basic", sdpa, [T(q), T(q), T(q)], {"scale": 0.35})
    qh = f.val("qh", "float32", shape=(2, 4, 3, 8))
    kv = f.val("kv", "float32", shape=(2, 2, 5, 8))
    vv = f.val("vv", "float32", shape=(2, 2, 5, 6))
    f.case("sdpa/gqa", sdpa, [T(qh), T(kv), T(vv)], {"scale": 0.2})
    f.case("sdpa/causal", sdpa, [T(q), T(q), T(q)], {"scale": 0.35, "mask": "causal"})
    f.case("sdpa/gqa_causal", sdpa, [T(qh), T(kv), T(vv)], {"scale": 0.2, "mask": "causal"})
    f.case("sdpa/bool_mask", sdpa, [T(qh), T(kv), T(vv)], {"scale": 0.2, "mask": T(f.val("m", "bool", shape=(3, 5)))})
    f.case("sdpa/bool_mask_heads", sdpa, [T(qh), T(kv), T(vv)], {"scale": 0.2, "mask": T(f.val("m", "bool", shape=(2, 4, 3, 5)))})
    f.case("sdpa/additive_mask", sdpa, [T(qh), T(kv), T(vv)], {"scale": 0.2, "mask": T(f.val("madd", "float32", shape=(1, 1, 3, 5)))})
    f.case("sdpa/sinks", sdpa, [T(qh), T(kv), T(vv)], {"scale": 0.2, "sinks": T(f.val("sinks", "float32", shape=(4,)))})
    f.case("sdpa/f16", sdpa, [T(f.val("qh", "float16", shape=(2, 4, 3, 8))), T(f.val("kv", "float16", shape=(2, 2, 5, 8))),
                              T(f.val("vv", "float16", shape=(2, 2, 5, 6)))], {"scale": 0.2, "mask": "causal"})
    kv1 = f.val("kv", "float32", shape=(1, 2, 5, 8))
    f.case("sdpa/bad_heads", sdpa, [T(f.val("q3", "float32", shape=(1, 3, 4, 8))), T(kv1), T(kv1)], {"scale": 1.0})
    f.case("sdpa/rank3", sdpa, [T(x()), T(x()), T(x())], {"scale": 1.0})
    return f
