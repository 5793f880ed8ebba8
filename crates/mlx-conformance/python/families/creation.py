"""The `creation` family of the conformance suite (writes cases/creation.json)."""

from suite import *  # noqa: F401,F403

# ---------------------------------------------------------------- creation


def build():
    f = Family("creation")
    for args, kw, n in [
        ([10], {}, "stop_int"),
        ([2, 10], {}, "start_stop_int"),
        ([0, 10, 3], {}, "step3_int"),
        ([10, 0, -3], {}, "negative_step"),
        ([0.0, 1.0, 0.1], {}, "float_step"),
        ([0.0, 10.0, 3.0], {}, "float_integral"),
        ([5, 2], {}, "empty_range"),
        ([-3.5, 2.25, 0.75], {}, "float_neg_start"),
        ([0, 10, 0], {}, "zero_step"),
        ([0, 10], {"step": 2}, "step_kw"),
    ]:
        f.case(f"arange/{n}", "arange", args, kw)
    for dt in ALL:
        f.case(f"arange/dtype_{dt}", "arange", [0, 7, 2], {"dtype": dt})
    f.case("arange/float_dtype_int8", "arange", [0.5, 5.5, 1.5], {"dtype": "int8"})
    f.case("arange/float16_frac", "arange", [0.0, 2.0, 0.3], {"dtype": "float16"})
    for args, kw, n in [
        ([0.0, 1.0, 5], {}, "basic"),
        ([-2.0, 3.0, 11], {}, "neg"),
        ([1.0, 0.0, 4], {}, "reverse"),
        ([3.0, 7.0, 1], {}, "one"),
        ([3.0, 7.0, 0], {}, "zero"),
        ([0, 10, 7], {"dtype": "int32"}, "int32"),
        ([0, 1, 6], {"dtype": "float16"}, "f16"),
        ([0, 1, 6], {"dtype": "bfloat16"}, "bf16"),
        ([0, 1, 6], {"dtype": "float64"}, "f64"),
        ([0.0, 1.0], {}, "default_num"),
        ([0.0, 1.0, -1], {}, "negative_num"),
    ]:
        f.case(f"linspace/{n}", "linspace", args, kw)
    for op in ["zeros", "ones"]:
        for dt in ALL:
            f.case(f"{op}/{dt}", op, [[2, 3]], {"dtype": dt})
        f.case(f"{op}/default", op, [[3]])
        f.case(f"{op}/int_shape", op, [4])
        f.case(f"{op}/scalar_shape", op, [[]])
        f.case(f"{op}/empty", op, [[0, 2]])
        f.case(f"{op}/negative_dim", op, [[-1, 2]])
    for v, n in [(3, "int"), (2.5, "float"), (True, "bool_value"), (-7, "negint")]:
        f.case(f"full/{n}", "full", [[2, 2], v])
    for dt in ALL:
        f.case(f"full/{dt}", "full", [[2, 3], 3.75], {"dtype": dt})
    f.case("full/array_vals", "full", [[2, 3], T(f.val("v", "float32", shape=(3,)))])
    f.case("full/array_vals_bad", "full", [[2, 3], T(f.val("v", "float32", shape=(4,)))])
    for op in ["zeros_like", "ones_like"]:
        for dt in ALL:
            f.case(f"{op}/{dt}", op, [T(f.val("x", dt))])
        f.case(f"{op}/dtype_kw", op, [T(f.val("x", "int32"))], {"dtype": "float16"})
        f.case(f"{op}/scalar", op, [T(f.val("s", "float32", shape=()))])
    for dt in ALL:
        f.case(f"full_like/{dt}", "full_like", [T(f.val("x", dt)), 2.5])
    f.case("full_like/dtype_kw", "full_like", [T(f.val("x", "int8")), 2.5], {"dtype": "float32"})
    f.case("full_like/int_value", "full_like", [T(f.val("x", "float16")), 3])
    for args, kw, n in [
        ([3], {}, "n3"),
        ([2, 4], {}, "n2_m4"),
        ([4, 2], {"k": 1}, "k1"),
        ([4, 5], {"k": -2}, "k_neg2"),
        ([3, 3], {"k": 5}, "k_out"),
        ([0], {}, "n0"),
        ([3], {"dtype": "int32"}, "int32"),
        ([3], {"dtype": "bool"}, "bool"),
        ([3], {"dtype": "float16"}, "f16"),
        ([3], {"dtype": "complex64"}, "c64"),
        ([-1], {}, "negative_n"),
    ]:
        f.case(f"eye/{n}", "eye", args, kw)
    for dt in ["float32", "int64", "bfloat16", "bool", "uint8"]:
        f.case(f"identity/{dt}", "identity", [3], {"dtype": dt})
    f.case("identity/default", "identity", [4])
    for args, kw, n in [
        ([3], {}, "n3"),
        ([2, 4], {}, "n2_m4"),
        ([4, 3], {"k": 1}, "k1"),
        ([4, 3], {"k": -1}, "k_neg1"),
        ([3], {"dtype": "int32"}, "int32"),
        ([3], {"dtype": "bool"}, "bool"),
        ([0, 3], {}, "empty"),
    ]:
        f.case(f"tri/{n}", "tri", args, kw)
    for k in [0, 1, -1]:
        f.case(f"tril/k{k}", "tril", [T(f.val("m", "float32", shape=(4, 5)))], {"k": k})
        f.case(f"triu/k{k}", "triu", [T(f.val("m", "float32", shape=(4, 5)))], {"k": k})
    f.case("diag/vector", "diag", [T(f.val("v", "float32", shape=(3,)))])
    f.case("diag/matrix_k1", "diag", [T(f.val("m", "float32", shape=(4, 5)))], {"k": 1})
    f.case("diagonal/basic", "diagonal", [T(f.val("m", "float32", shape=(4, 5)))])
    f.case("trace/basic", "trace", [T(f.val("m", "float32", shape=(4, 5)))])
    f.case(
        "meshgrid/xy",
        "meshgrid",
        [T(f.val("v", "float32", shape=(3,))), T(f.val("w", "float32", shape=(2,)))],
    )
    v, w = f.val("v", "float32", shape=(3,)), f.val("w", "float32", shape=(2,))
    m3 = f.val("m3", "float32", shape=(2, 3, 4))
    for k in [2, -3, 10]:
        f.case(f"tril/batched_k{k}", "tril", [T(m3)], {"k": k})
        f.case(f"triu/batched_k{k}", "triu", [T(m3)], {"k": k})
    for dt in ["int32", "bool", "float16", "complex64"]:
        f.case(f"tril/{dt}", "tril", [T(f.val("m", dt, shape=(4, 5)))])
        f.case(f"triu/{dt}", "triu", [T(f.val("m", dt, shape=(4, 5)))], {"k": 1})
    f.case("tril/1d", "tril", [T(v)])
    f.case("triu/transposed", "triu", [T(m3, {"transpose": [2, 0, 1]})])
    f.case("meshgrid/ij", "meshgrid", [T(v), T(w)], {"indexing": "ij"})
    f.case("meshgrid/three", "meshgrid", [T(v), T(w), T(f.val("u", "int32", shape=(4,)))])
    f.case("meshgrid/sparse", "meshgrid", [T(v), T(w), T(f.val("u", "int32", shape=(4,)))], {"sparse": True})
    f.case("meshgrid/sparse_ij", "meshgrid", [T(v), T(w)], {"sparse": True, "indexing": "ij"})
    f.case("meshgrid/2d_input", "meshgrid", [T(f.val("m", "float32", shape=(2, 2))), T(w)])
    f.case("meshgrid/one", "meshgrid", [T(v)])
    f.case("meshgrid/bad_indexing", "meshgrid", [T(v), T(w)], {"indexing": "yx"})
    for k in [0, 2, -2]:
        f.case(f"diag/vector_k{k}", "diag", [T(v)], {"k": k})
        f.case(f"diag/matrix_k{k}", "diag", [T(f.val("m", "float32", shape=(4, 5)))], {"k": k})
    f.case("diag/int", "diag", [T(f.val("v", "int32", shape=(3,)))], {"k": 1})
    f.case("diag/bool", "diag", [T(f.val("v", "bool", shape=(3,)))])
    f.case("diag/empty", "diag", [T(f.val("e", "float32", shape=(0,)))], {"k": 2})
    f.case("diag/3d", "diag", [T(m3)])
    f.case("diag/0d", "diag", [T(f.val("s", "float32", shape=()))])
    for off, a1, a2 in [(1, 0, 1), (-1, 0, 1), (0, 2, 0), (2, 1, 2), (-1, -1, -3), (9, 0, 1)]:
        f.case(f"diagonal/3d_o{off}_{a1}_{a2}", "diagonal", [T(m3), off, a1, a2])
        f.case(f"trace/3d_o{off}_{a1}_{a2}", "trace", [T(m3), off, a1, a2])
    f.case("diagonal/same_axis", "diagonal", [T(m3), 0, 1, 1])
    f.case("diagonal/bad_axis", "diagonal", [T(m3), 0, 0, 3])
    f.case("diagonal/1d", "diagonal", [T(v)])
    f.case("diagonal/strided", "diagonal", [T(m3, {"slice": [[None, None, -1], [None, None, 2]]}), 0, 1, 2])
    f.case("trace/dtype", "trace", [T(f.val("m", "float32", shape=(4, 5)))], {"dtype": "int32"})
    for dt in ["int8", "uint8", "bool", "float16"]:
        f.case(f"trace/{dt}", "trace", [T(f.val("m", dt, shape=(4, 5)))])
    return f
