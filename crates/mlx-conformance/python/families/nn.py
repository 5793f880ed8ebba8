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
    # not yet mapped in the Rust registry: golden data for later
    w = f.val("w", "float32", shape=(5,))
    f.case("rms_norm/basic", "fast.rms_norm", [T(x()), T(w), 1e-5])
    f.case("layer_norm/basic", "fast.layer_norm", [T(x()), T(w), T(f.val("bias", "float32", shape=(5,))), 1e-5])
    f.case("rope/basic", "fast.rope", [T(f.val("q", "float32", shape=(1, 2, 4, 8))), 8],
           {"traditional": False, "base": 10000.0, "scale": 1.0, "offset": 0})
    q = f.val("q", "float32", shape=(1, 2, 4, 8))
    f.case("sdpa/basic", "fast.scaled_dot_product_attention", [T(q), T(q), T(q)], {"scale": 0.35})
    return f
