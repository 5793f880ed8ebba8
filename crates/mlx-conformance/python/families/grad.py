"""The `grad` family: one gradient case per differentiable mapped op
(writes cases/grad.json). Each case compares mx.grad of sum(op(args)) with
respect to the float32 tensor arguments listed in `grad=`, inputs drawn from
the op's domain."""

from suite import *  # noqa: F401,F403

UNARY_DOMAIN = {
    "sqrt": "pos", "rsqrt": "pos", "log": "pos", "log2": "pos", "log10": "pos", "log1p": "pos",
    "reciprocal": "pos", "arcsin": "unit", "arccos": "unit", "arctanh": "unit", "erfinv": "unit",
    "arccosh": "ge1",
}
UNARY = (
    "abs negative sign square sqrt rsqrt reciprocal exp expm1 log log1p log2 log10 sin cos tan "
    "arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh sigmoid erf erfinv floor ceil "
    "round trunc degrees radians stop_gradient"
).split()
BINARY = {
    "add": ("any", "any"), "subtract": ("any", "any"), "multiply": ("any", "any"),
    "divide": ("any", "pos"), "power": ("pos", "small"), "maximum": ("any", "any"),
    "minimum": ("any", "any"), "arctan2": ("any", "any"), "logaddexp": ("any", "any"),
    "remainder": ("any", "pos"), "floor_divide": ("any", "pos"),
}


def build():
    f = Family("grad")
    v = lambda key, dom="any", shape=(3, 4): f.val(key, "float32", dom, shape=shape)  # noqa: E731
    for op in UNARY:
        dom = UNARY_DOMAIN.get(op, "any")
        f.case(f"{op}", op, [T(v("x_" + dom, dom))], grad=[0])
    for op, (da, db) in BINARY.items():
        f.case(f"{op}", op, [T(v("a_" + da, da)), T(v("b_" + db, db))], grad=[0, 1])
        f.case(f"{op}/bcast", op, [T(v("a_" + da, da)), T(v("r_" + db, db, (1, 4)))], grad=[0, 1])
    f.case("where", "where", [T(f.val("cond", "bool")), T(v("a_any")), T(v("b_any"))], grad=[1, 2])
    f.case("clip", "clip", [T(v("a_any")), -0.5, 0.5], grad=[0])
    x3 = v("x3", shape=(2, 3, 4))
    for op in "sum prod max min mean logsumexp var std".split():
        f.case(f"{op}/all", op, [T(x3)], grad=[0])
        f.case(f"{op}/axis1", op, [T(x3)], {"axis": 1}, grad=[0])
    f.case("var/ddof1", "var", [T(x3)], {"axis": [0, 2], "ddof": 1}, grad=[0])
    f.case("softmax", "softmax", [T(x3)], {"axis": -1}, grad=[0])
    f.case("log_softmax", "log_softmax", [T(x3)], {"axis": -1}, grad=[0])
    f.case("softmax/weighted", "multiply", [T(v("w", shape=(4,))), T(x3)], grad=[1])
    f.case("reshape", "reshape", [T(x3), [4, 6]], grad=[0])
    f.case("flatten", "flatten", [T(x3)], grad=[0])
    f.case("unflatten", "unflatten", [T(x3), 2, [2, 2]], grad=[0])
    f.case("transpose", "transpose", [T(x3), [2, 0, 1]], grad=[0])
    f.case("permute_dims", "permute_dims", [T(x3), [1, 2, 0]], grad=[0])
    f.case("swapaxes", "swapaxes", [T(x3), 0, 2], grad=[0])
    f.case("moveaxis", "moveaxis", [T(x3), 0, -1], grad=[0])
    f.case("expand_dims", "expand_dims", [T(x3), 1], grad=[0])
    f.case("squeeze", "squeeze", [T(v("s1", shape=(3, 1, 4)))], grad=[0])
    f.case("broadcast_to", "broadcast_to", [T(v("r_any", shape=(1, 4))), [3, 4]], grad=[0])
    f.case("broadcast_arrays", "broadcast_arrays", [T(v("r_any", shape=(1, 4))), T(v("c", shape=(3, 1)))], grad=[0, 1])
    for op in ["atleast_1d", "atleast_2d", "atleast_3d"]:
        f.case(op, op, [T(v("s0", shape=()))], grad=[0])
    f.case("split", "split", [T(x3), 2], {"axis": 0}, grad=[0])
    f.case("split/indices", "split", [T(x3), [1, 3]], {"axis": 2}, grad=[0])
    f.case("pad", "pad", [T(x3), [[0, 1], [1, 0], [2, 2]]], grad=[0])
    f.case("slice", "slice", [T(x3), T(f.inp("start", (2,), "int32", "values", values=[1, 2])), [1, 2], [2, 2, 2]], grad=[0])
    f.case("getitem/then_sin", "sin", [T(x3, {"slice": [[None, None, -1], [1, None, 2]]})], grad=[0])
    f.case("matmul", "matmul", [T(v("m3x4")), T(v("m4x5", shape=(4, 5)))], grad=[0, 1])
    f.case("matmul/batched", "matmul", [T(v("b2x3x4", shape=(2, 3, 4))), T(v("m4x5", shape=(4, 5)))], grad=[0, 1])
    f.case("matmul/vec", "matmul", [T(v("v4", shape=(4,))), T(v("m4x5", shape=(4, 5)))], grad=[0, 1])
    m45 = v("m4x5", shape=(4, 5))
    f.case("tril", "tril", [T(x3)], {"k": 1}, grad=[0])
    f.case("triu", "triu", [T(m45)], {"k": -1}, grad=[0])
    f.case("diag/vector", "diag", [T(v("v4", shape=(4,)))], {"k": -1}, grad=[0])
    f.case("diag/matrix", "diag", [T(m45)], {"k": 1}, grad=[0])
    f.case("diagonal", "diagonal", [T(x3), 1, 2, 0], grad=[0])
    f.case("trace", "trace", [T(m45)], {"offset": -1}, grad=[0])
    f.case("unstack", "unstack", [T(x3)], {"axis": 1}, grad=[0])
    f.case("repeat", "repeat", [T(x3), 2], {"axis": 1}, grad=[0])
    f.case("tile", "tile", [T(x3), [2, 1, 2]], grad=[0])
    f.case("roll", "roll", [T(x3), [1, -2]], {"axis": [0, 2]}, grad=[0])
    f.case("flip", "flip", [T(x3)], {"axis": 1}, grad=[0])
    f.case("meshgrid", "meshgrid", [T(v("v4", shape=(4,))), T(v("v3", shape=(3,)))], grad=[0, 1])
    f.case("nan_to_num", "nan_to_num", [T(x3)], grad=[0])
    f.case("addmm", "addmm", [T(v("c3x5", shape=(3, 5))), T(v("m3x4")), T(m45)], {"alpha": 0.5, "beta": 2.0}, grad=[0, 1, 2])
    f.case("inner", "inner", [T(v("m3x4")), T(v("a_any"))], grad=[0, 1])
    f.case("outer", "outer", [T(v("v4", shape=(4,))), T(v("v3", shape=(3,)))], grad=[0, 1])
    f.case("tensordot", "tensordot", [T(x3), T(v("m4x3", shape=(4, 3)))], {"axes": [[1, 2], [1, 0]]}, grad=[0, 1])
    f.case("einsum/bmm", "einsum", ["bij,jk->bki", T(x3), T(m45)], grad=[1, 2])
    f.case("einsum/diag_sum", "einsum", ["ii->", T(v("sq", shape=(4, 4)))], grad=[1])
    f.case("kron", "kron", [T(v("m2x2", shape=(2, 2))), T(v("v3", shape=(3,)))], grad=[0, 1])
    f.case("vecdot", "vecdot", [T(x3), T(x3)], {"axis": 1}, grad=[0, 1])
    f.case("rms_norm", "fast.rms_norm", [T(x3), T(v("w4", shape=(4,))), 1e-5], grad=[0, 1])
    f.case("layer_norm", "fast.layer_norm", [T(x3), T(v("w4", shape=(4,))), T(v("b4", shape=(4,))), 1e-5], grad=[0, 1, 2])
    f.case("rope", "fast.rope", [T(v("q", shape=(1, 2, 3, 8))), 6], {"traditional": False, "base": 10000.0, "scale": 1.0, "offset": 2}, grad=[0])
    f.case("rope/traditional", "fast.rope", [T(v("q", shape=(1, 2, 3, 8))), 8], {"traditional": True, "base": 10000.0, "scale": 1.0, "offset": 0}, grad=[0])
    qh = v("qh", shape=(1, 4, 3, 8))
    kv = v("kv", shape=(1, 2, 5, 8))
    f.case("sdpa/gqa_causal", "fast.scaled_dot_product_attention", [T(qh), T(kv), T(kv)], {"scale": 0.3, "mask": "causal"}, grad=[0, 1, 2])
    # ops added since the first gradient cases
    f.case("as_strided/overlapping", "as_strided", [T(v("v10", shape=(10,))), [4, 3], [2, 1], 1], grad=[0])
    f.case("contiguous", "contiguous", [T(x3, {"transpose": [2, 1, 0]})], grad=[0])
    f.case("divmod", "divmod", [T(v("a_any")), T(v("b_pos", "pos"))], grad=[0, 1])
    f.case("minmax", "minmax", [T(x3)], {"axis": 1}, grad=[0])
    f.case("full/array_vals", "full", [[3, 4], T(v("v4", shape=(4,)))], grad=[1])
    f.case("conv_transpose3d", "conv_transpose3d", [T(v("x5", shape=(1, 3, 3, 3, 2))), T(v("w5", shape=(2, 2, 2, 2, 2)))], {"stride": 2, "padding": 1}, grad=[0, 1])
    qw = f.inp("qw", (16, 16), "uint32", "randint", low=0, high=2**32)
    qs = f.inp("qs", (16, 2), "float32", "normal", scale=0.05)
    qb = f.inp("qb", (16, 2), "float32", "normal", scale=0.2)
    f.case("dequantize", "dequantize", [T(qw), T(qs), T(qb)], {"group_size": 64, "bits": 4}, grad=[1, 2])
    f.case("quantize", "quantize", [T(v("wq", shape=(4, 64)))], {"group_size": 64, "bits": 4}, grad=[0])
    # complex inputs: MLX's cotangent is dL/dre + i dL/dim (conjugated
    # derivative factors)
    z = lambda key, shape=(3, 4): T(f.val(key, "complex64", shape=shape))  # noqa: E731
    for op in ["real", "imag", "conjugate", "abs", "exp", "square", "sin"]:
        f.case(f"complex/{op}", op, [z("z")], grad=[0])
    for op in ["multiply", "divide", "add", "subtract"]:
        f.case(f"complex/{op}", op, [z("z"), z("z2")], grad=[0, 1])
    f.case("complex/multiply_real", "multiply", [z("z"), T(v("a_any"))], grad=[0, 1])
    f.case("complex/matmul", "matmul", [z("z"), z("z4x2", (4, 2))], grad=[0, 1])
    f.case("complex/prod", "prod", [z("z")], {"axis": 1}, grad=[0])
    # MLX 0.32.4 raises on these gradients, and so must we
    sq = v("sq", shape=(4, 4))
    f.case("lu_raises", "linalg.lu", [T(sq)], grad=[0])
    f.case("lu_factor_raises", "linalg.lu_factor", [T(sq)], grad=[0])
    f.case("solve_raises", "linalg.solve", [T(sq), T(v("v4", shape=(4,)))], grad=[0, 1])
    f.case("view_raises", "view", [T(v("a_any")), {"dtype": "int32"}], grad=[0])
    return f
