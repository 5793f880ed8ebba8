#!/usr/bin/env python3
"""Writes the generated families of the conformance suite (cases/*.json).

The case files are committed data; this script is how most of them are made,
so that many dtype/shape/view combinations stay consistent. Files written here
carry `"generated_by": "python/make_cases.py"`; hand-written case files (any
other name in cases/) are never touched.

It needs only the Python standard library (no MLX): `generate.sh` runs it
before `generate.py`, which evaluates every case with MLX.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(os.path.dirname(HERE), "cases")

BOOL = ["bool"]
UINTS = ["uint8", "uint16", "uint32", "uint64"]
SINTS = ["int8", "int16", "int32", "int64"]
INTS = UINTS + SINTS
FLOATS = ["float16", "bfloat16", "float32", "float64"]
ALL = BOOL + INTS + FLOATS + ["complex64"]
SHORT = {
    "bool": "b",
    "uint8": "u8",
    "uint16": "u16",
    "uint32": "u32",
    "uint64": "u64",
    "int8": "i8",
    "int16": "i16",
    "int32": "i32",
    "int64": "i64",
    "float16": "f16",
    "bfloat16": "bf16",
    "float32": "f32",
    "float64": "f64",
    "complex64": "c64",
}


def T(key, view=None):
    """A tensor argument, optionally seen through a view."""
    a = {"tensor": key}
    if view is not None:
        a["view"] = view
    return a


def dumps_compact(doc):
    """JSON with one input and one case per line (readable, diff-friendly)."""
    one = lambda v: json.dumps(v, separators=(", ", ": "))  # noqa: E731
    lines = ["{", f' "generated_by": {one(doc["generated_by"])},', ' "inputs": {']
    items = list(doc["inputs"].items())
    for i, (k, v) in enumerate(items):
        lines.append(f"  {one(k)}: {one(v)}" + ("," if i + 1 < len(items) else ""))
    lines.append(" },")
    lines.append(' "cases": [')
    for i, c in enumerate(doc["cases"]):
        lines.append("  " + one(c) + ("," if i + 1 < len(doc["cases"]) else ""))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


class Family:
    """One case file: its inputs and cases."""

    def __init__(self, name):
        self.name = name
        self.inputs = {}
        self.cases = []
        self.names = set()

    def inp(self, key, shape, dtype, init, **extra):
        spec = {"shape": list(shape), "dtype": dtype, "init": init}
        spec.update(extra)
        old = self.inputs.get(key)
        if old is not None and old != spec:
            raise ValueError(f"{self.name}: input {key} defined twice differently")
        self.inputs[key] = spec
        return key

    def val(self, key, dtype, domain="any", shape=(3, 4)):
        """A random input of `dtype` whose values suit `domain`."""
        k = f"{key}_{SHORT[dtype]}"
        if tuple(shape) != (3, 4):
            k += "_" + ("x".join(map(str, shape)) or "0d")
        if dtype == "bool":
            return self.inp(k, shape, dtype, "bool")
        if dtype in INTS:
            unsigned = dtype in UINTS
            lo, hi = {
                "any": (0 if unsigned else -5, 10 if unsigned else 6),
                "pos": (1, 10),
                "unit": (0 if unsigned else -1, 2),
                "ge1": (1, 10),
                "small": (0, 4),
                "shift": (0, 7),
                "nonzero": (1, 7),
            }[domain]
            extra = {"nonzero": True} if domain == "nonzero" else {}
            return self.inp(k, shape, dtype, "randint", low=lo, high=hi, **extra)
        if domain in ("any", "nonzero"):
            return self.inp(k, shape, dtype, "normal", scale=2.0)
        lo, hi = {
            "pos": (0.1, 10.0),
            "unit": (-0.95, 0.95),
            "ge1": (1.0, 10.0),
            "small": (0.5, 3.0),
            "shift": (0.0, 7.0),
        }[domain]
        return self.inp(k, shape, dtype, "uniform", low=lo, high=hi)

    def special(self, dtype, shape=(24,), key="sp"):
        return self.inp(f"{key}_{SHORT[dtype]}_{'x'.join(map(str, shape))}", shape, dtype, "special")

    def case(self, name, op, args, kwargs=None):
        full = f"{self.name}/{name}"
        if full in self.names:
            raise ValueError(f"duplicate case name {full}")
        self.names.add(full)
        c = {"name": full, "op": op, "args": args}
        if kwargs:
            c["kwargs"] = kwargs
        self.cases.append(c)

    def write(self):
        doc = {
            "generated_by": "python/make_cases.py",
            "inputs": self.inputs,
            "cases": self.cases,
        }
        path = os.path.join(CASES_DIR, f"{self.name}.json")
        with open(path, "w") as f:
            f.write(dumps_compact(doc))
        return len(self.cases)


# ---------------------------------------------------------------- creation


def creation():
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
    # not yet mapped in the Rust registry: golden data for later
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
    return f


# ---------------------------------------------------------------- unary

UNARY_DOMAIN = {
    "sqrt": "pos",
    "rsqrt": "pos",
    "log": "pos",
    "log2": "pos",
    "log10": "pos",
    "log1p": "pos",
    "arcsin": "unit",
    "arccos": "unit",
    "arctanh": "unit",
    "erfinv": "unit",
    "arccosh": "ge1",
}
UNARY = (
    "abs negative sign square sqrt rsqrt reciprocal exp expm1 log log1p log2 log10 "
    "sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh sigmoid "
    "erf erfinv floor ceil round trunc degrees radians conjugate real imag isnan isinf "
    "isposinf isneginf isfinite logical_not bitwise_invert stop_gradient"
).split()


def unary():
    f = Family("unary")
    for op in UNARY:
        dom = UNARY_DOMAIN.get(op, "any")
        for dt in ALL:
            f.case(f"{op}/{dt}", op, [T(f.val(dom, dt, dom))])
        for dt in ["float32", "int32", "bool", "float16"]:
            f.case(f"{op}/scalar_{dt}", op, [T(f.val(dom + "_s", dt, dom, shape=()))])
        for dt in ["float32", "int32"]:
            f.case(f"{op}/empty_{dt}", op, [T(f.val("e_" + dom, dt, dom, shape=(0, 3)))])
        for dt in FLOATS + ["int8", "uint8", "int32", "int64", "uint64", "complex64"]:
            f.case(f"{op}/special_{dt}", op, [T(f.special(dt))])
        f.case(f"{op}/transposed_f32", op, [T(f.val(dom, "float32", dom), {"transpose": [1, 0]})])
        f.case(
            f"{op}/strided_f16",
            op,
            [T(f.val(dom, "float16", dom), {"slice": [[None, None, 2], [None, None, -1]]})],
        )
        f.case(
            f"{op}/broadcast_i32",
            op,
            [T(f.val(dom + "_row", "int32", dom, shape=(1, 4)), {"broadcast_to": [3, 4]})],
        )
        f.case(
            f"{op}/transposed_3d_bf16",
            op,
            [T(f.val(dom + "_3d", "bfloat16", dom, shape=(2, 3, 4)), {"transpose": [2, 0, 1]})],
        )
    for d in [1, 2, -1]:
        for dt in ["float32", "float16", "float64", "int32"]:
            f.case(f"round/decimals{d}_{dt}", "round", [T(f.val("any", dt))], {"decimals": d})
    f.case("round/half_even", "round", [T(f.inp("halves", (8,), "float32", "values",
                                                 values=[0.5, 1.5, 2.5, -0.5, -1.5, 3.5, -2.5, 4.5]))])
    for op in ["degrees", "radians"]:
        f.case(f"{op}/python_scalar", op, [1.5])
    f.case("nan_to_num/f32", "nan_to_num", [T(f.special("float32"))])
    return f


# ---------------------------------------------------------------- binary

BINARY_DOMAIN = {
    "divide": ("any", "nonzero"),
    "floor_divide": ("any", "nonzero"),
    "remainder": ("any", "nonzero"),
    "divmod": ("any", "nonzero"),
    "power": ("small", "small"),
    "left_shift": ("small", "shift"),
    "right_shift": ("any", "shift"),
}
BINARY = (
    "add subtract multiply divide floor_divide remainder divmod power maximum minimum "
    "arctan2 logaddexp equal not_equal less less_equal greater greater_equal "
    "logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor left_shift right_shift"
).split()
MIXED = [
    ("int8", "uint8"),
    ("uint8", "int16"),
    ("uint16", "int8"),
    ("int32", "float16"),
    ("float16", "bfloat16"),
    ("bool", "int32"),
    ("uint64", "int64"),
    ("float32", "float64"),
    ("bool", "float16"),
    ("uint32", "int32"),
    ("int64", "bfloat16"),
    ("complex64", "float32"),
]
# ops whose integer inputs must avoid a zero divisor (MLX traps) or huge shifts
NO_INT_SPECIAL = {"divide", "floor_divide", "remainder", "divmod", "power", "left_shift", "right_shift"}


def binary():
    f = Family("binary")
    for op in BINARY:
        da, db = BINARY_DOMAIN.get(op, ("any", "any"))
        a = lambda dt, shape=(3, 4), tag="": f.val(f"a{tag}_{da}", dt, da, shape=shape)  # noqa: E731
        b = lambda dt, shape=(3, 4), tag="": f.val(f"b{tag}_{db}", dt, db, shape=shape)  # noqa: E731
        for dt in ALL:
            f.case(f"{op}/{dt}", op, [T(a(dt)), T(b(dt))])
        for x, y in MIXED:
            f.case(f"{op}/{x}_{y}", op, [T(a(x)), T(b(y))])
        # weak Python scalars
        sv = {"power": (2, 0.5), "left_shift": (2, 2.0), "right_shift": (1, 1.0)}.get(op, (3, 2.5))
        for dt in ["float32", "float16", "bfloat16", "int32", "int8", "uint8", "bool"]:
            f.case(f"{op}/{dt}_int_scalar", op, [T(a(dt)), sv[0]])
        for dt in ["float32", "float16", "int16", "uint32"]:
            f.case(f"{op}/{dt}_float_scalar", op, [T(a(dt)), sv[1]])
        f.case(f"{op}/int_scalar_lhs_i16", op, [sv[0], T(b("int16"))])
        f.case(f"{op}/float_scalar_lhs_f16", op, [sv[1], T(b("float16"))])
        f.case(f"{op}/bool_scalar_i32", op, [T(a("int32")), True])
        f.case(f"{op}/scalars", op, [sv[0], sv[1]])
        # broadcasting
        f.case(f"{op}/bcast_col_row", op, [T(a("float32", (3, 1), "c")), T(b("float32", (1, 4), "r"))])
        f.case(f"{op}/bcast_vec", op, [T(a("int32", (4,), "v")), T(b("int32"))])
        f.case(f"{op}/bcast_0d", op, [T(a("float32", (), "s")), T(b("float32"))])
        f.case(f"{op}/bcast_3d", op, [T(a("int16", (2, 1, 4), "3")), T(b("int16", (3, 1), "c"))])
        f.case(f"{op}/empty", op, [T(a("float32", (0, 4), "e")), T(b("float32", (4,), "v"))])
        f.case(f"{op}/empty_bcast", op, [T(a("int32", (0, 4), "e")), T(b("int32", (1, 4), "r"))])
        # non-contiguous inputs
        f.case(f"{op}/transposed", op, [T(a("float32"), {"transpose": [1, 0]}), T(b("float32", (4, 3), "t"))])
        f.case(
            f"{op}/strided",
            op,
            [T(a("int32"), {"slice": [[None, None, 2], [1, None, 1]]}), T(b("int32", (2, 3), "k"))],
        )
        f.case(
            f"{op}/broadcast_view",
            op,
            [T(a("float16", (1, 4), "r"), {"broadcast_to": [3, 4]}), T(b("float16"), {"slice": [[None, None, -1]]})],
        )
        f.case(f"{op}/both_transposed_bf16", op, [T(a("bfloat16"), {"transpose": [1, 0]}), T(b("bfloat16"), {"transpose": [1, 0]})])
        # errors
        f.case(f"{op}/shape_mismatch", op, [T(a("float32", (3,), "v3")), T(b("float32", (4,), "v"))])
        # special values: every pair of the special list
        for dt in FLOATS + ["complex64"]:
            f.case(f"{op}/special_{dt}", op, [T(f.special(dt, (24, 1))), T(f.special(dt, (1, 24)))])
        if op not in NO_INT_SPECIAL:
            for dt in ["int8", "uint8", "int32", "int64", "uint64"]:
                f.case(f"{op}/special_{dt}", op, [T(f.special(dt, (24, 1))), T(f.special(dt, (1, 24)))])
    # where
    cond = f.val("cond", "bool")
    for dt in ALL:
        f.case(f"where/{dt}", "where", [T(cond), T(f.val("a_any", dt)), T(f.val("b_any", dt))])
    for x, y in MIXED:
        f.case(f"where/{x}_{y}", "where", [T(cond), T(f.val("a_any", x)), T(f.val("b_any", y))])
    f.case("where/int_cond", "where", [T(f.val("a_any", "int32")), T(f.val("a_any", "float32")), T(f.val("b_any", "float32"))])
    f.case("where/float_cond", "where", [T(f.val("a_any", "float32")), T(f.val("a_any", "int8")), T(f.val("b_any", "int8"))])
    f.case("where/scalars", "where", [T(cond), 1.5, 0])
    f.case("where/scalar_f16", "where", [T(cond), T(f.val("a_any", "float16")), 2.0])
    f.case("where/int_scalar_u8", "where", [T(cond), 7, T(f.val("b_any", "uint8"))])
    f.case(
        "where/broadcast",
        "where",
        [T(f.val("cond_c", "bool", shape=(3, 1))), T(f.val("a_r", "float32", shape=(1, 4))), T(f.val("b_any", "float32"))],
    )
    f.case("where/transposed", "where", [T(cond), T(f.val("a_any", "float32", shape=(4, 3)), {"transpose": [1, 0]}), 0.0])
    f.case("where/empty", "where", [T(f.val("cond_e", "bool", shape=(0, 4))), 1, 2])
    f.case("where/shape_mismatch", "where", [T(cond), T(f.val("a_v", "float32", shape=(5,))), 0.0])
    # clip
    for dt in ALL:
        f.case(f"clip/{dt}", "clip", [T(f.val("a_any", dt)), -1, 2])
    for dt in ["float32", "float16", "int32"]:
        f.case(f"clip/float_bounds_{dt}", "clip", [T(f.val("a_any", dt)), -1.5, 0.5])
    f.case("clip/min_only", "clip", [T(f.val("a_any", "float32")), 0.0, None])
    f.case("clip/max_only", "clip", [T(f.val("a_any", "int32")), None, 3])
    f.case("clip/both_none", "clip", [T(f.val("a_any", "float32")), None, None])
    f.case(
        "clip/array_bounds",
        "clip",
        [T(f.val("a_any", "float32")), T(f.val("lo", "float32", shape=(4,))), T(f.val("hi", "float32", shape=(3, 1)))],
    )
    f.case("clip/special_f32", "clip", [T(f.special("float32")), -1.0, 1.0])
    f.case("clip/transposed", "clip", [T(f.val("a_any", "float32", shape=(4, 3)), {"transpose": [1, 0]}), -1, 1])
    # isclose / allclose / array_equal
    for op in ["isclose", "allclose"]:
        for dt in FLOATS + ["int32", "bool", "complex64"]:
            f.case(f"{op}/{dt}", op, [T(f.val("a_any", dt)), T(f.val("b_any", dt))], {"rtol": 0.5, "atol": 0.5})
        f.case(f"{op}/default_tol", op, [T(f.val("a_any", "float32")), T(f.val("a_any", "float32"))])
        f.case(f"{op}/same_strided", op, [T(f.val("a_any", "float32"), {"transpose": [1, 0]}), T(f.val("a_any", "float32"), {"transpose": [1, 0]})])
        for en in [False, True]:
            f.case(f"{op}/special_equal_nan_{en}", op, [T(f.special("float32", (24, 1))), T(f.special("float32", (1, 24)))], {"equal_nan": en})
            f.case(f"{op}/special_self_equal_nan_{en}", op, [T(f.special("float32")), T(f.special("float32"))], {"equal_nan": en})
        f.case(f"{op}/broadcast", op, [T(f.val("a_any", "float32")), T(f.val("a_r", "float32", shape=(1, 4)))], {"rtol": 1.0})
        f.case(f"{op}/mixed", op, [T(f.val("a_any", "int32")), T(f.val("a_any", "float16"))], {"atol": 2.0})
        f.case(f"{op}/shape_mismatch", op, [T(f.val("a_v3", "float32", shape=(3,))), T(f.val("b_v", "float32", shape=(4,)))])
    for dt in ALL:
        f.case(f"array_equal/{dt}_same", "array_equal", [T(f.val("a_any", dt)), T(f.val("a_any", dt))])
        f.case(f"array_equal/{dt}_diff", "array_equal", [T(f.val("a_any", dt)), T(f.val("b_any", dt))])
    f.case("array_equal/shape_differs", "array_equal", [T(f.val("a_any", "float32")), T(f.val("a_r", "float32", shape=(1, 4)))])
    f.case("array_equal/dtype_differs", "array_equal", [T(f.val("a_any", "int32")), T(f.val("a_any", "int32"))])
    f.case("array_equal/int_vs_float", "array_equal", [T(f.val("a_small", "int32", "small")), T(f.val("a_small", "float32", "small"))])
    for en in [False, True]:
        f.case(f"array_equal/special_equal_nan_{en}", "array_equal", [T(f.special("float32")), T(f.special("float32"))], {"equal_nan": en})
    f.case("array_equal/view_vs_copy", "array_equal", [T(f.val("a_any", "float32"), {"transpose": [1, 0]}), T(f.val("a_any", "float32"), {"transpose": [1, 0]})])
    f.case("array_equal/scalar", "array_equal", [3, 3])
    return f


# ---------------------------------------------------------------- reductions

REDUCE = "sum prod max min all any mean var std logsumexp".split()


def reduction():
    f = Family("reduction")
    for op in REDUCE + ["argmax", "argmin"]:
        arg = op in ("argmax", "argmin")
        x = lambda dt: f.val("x", dt, "any", shape=(2, 3, 4))  # noqa: E731
        for dt in ALL:
            f.case(f"{op}/{dt}_all", op, [T(x(dt))])
            f.case(f"{op}/{dt}_axis1", op, [T(x(dt))], {"axis": 1})
        axes = [0, -1, 2] if arg else [0, -1, [0, 2], [2, 0, 1], []]
        for ax in axes:
            tag = "_".join(map(str, ax)) if isinstance(ax, list) else str(ax)
            f.case(f"{op}/f32_axis_{tag or 'none'}", op, [T(x("float32"))], {"axis": ax})
            f.case(f"{op}/i32_axis_{tag or 'none'}_keepdims", op, [T(x("int32"))], {"axis": ax, "keepdims": True})
        f.case(f"{op}/f32_all_keepdims", op, [T(x("float32"))], {"keepdims": True})
        f.case(f"{op}/f16_positional", op, [T(x("float16")), 2, True])
        f.case(f"{op}/scalar", op, [T(f.val("s", "float32", shape=()))])
        f.case(f"{op}/scalar_axis_none", op, [T(f.val("s", "int32", shape=()))], {"axis": None})
        f.case(f"{op}/empty_axis0", op, [T(f.val("e", "float32", shape=(0, 3)))], {"axis": 0})
        f.case(f"{op}/empty_axis1", op, [T(f.val("e", "float32", shape=(0, 3)))], {"axis": 1})
        f.case(f"{op}/empty_all", op, [T(f.val("e", "int32", shape=(0, 3)))])
        f.case(f"{op}/transposed", op, [T(x("float32"), {"transpose": [2, 0, 1]})], {"axis": 1 if arg else [0, 1]})
        f.case(f"{op}/strided", op, [T(x("int32"), {"slice": [[None, None, -1], [None, None, 2]]})], {"axis": -1})
        f.case(f"{op}/broadcast_view", op, [T(f.val("r", "float32", shape=(1, 4)), {"broadcast_to": [3, 4]})], {"axis": 0})
        f.case(f"{op}/bad_axis", op, [T(x("float32"))], {"axis": 3})
        f.case(f"{op}/bad_negative_axis", op, [T(x("float32"))], {"axis": -4})
        if not arg:
            f.case(f"{op}/duplicate_axes", op, [T(x("float32"))], {"axis": [0, 0]})
        for dt in FLOATS:
            f.case(f"{op}/special_{dt}", op, [T(f.special(dt, (4, 6)))], {"axis": 1})
        for dt in ["int8", "uint8", "int64", "uint64"]:
            f.case(f"{op}/special_{dt}", op, [T(f.special(dt, (4, 6)))], {"axis": 0})
        f.case(f"{op}/ties_i8", op, [T(f.val("ties", "int8", "unit", shape=(5, 6)))], {"axis": 1})
        f.case(f"{op}/large_f32", op, [T(f.val("big", "float32", shape=(7, 300)))], {"axis": -1})
        f.case(f"{op}/large_f16", op, [T(f.val("big", "float16", shape=(7, 300)))], {"axis": -1})
        f.case(f"{op}/large_i32_axis0", op, [T(f.val("big", "int32", shape=(7, 300)))], {"axis": 0})
    for op in ["var", "std"]:
        for ddof in [1, 2, 3, 4]:
            f.case(f"{op}/ddof{ddof}", op, [T(f.val("x", "float32", shape=(2, 3, 4)))], {"axis": 1, "ddof": ddof})
        f.case(f"{op}/ddof1_all_f16", op, [T(f.val("x", "float16", shape=(2, 3, 4)))], {"ddof": 1})
        f.case(f"{op}/ddof1_int", op, [T(f.val("x", "int32", shape=(2, 3, 4)))], {"axis": [0, 2], "ddof": 1, "keepdims": True})
        f.case(f"{op}/positional_ddof", op, [T(f.val("x", "float64", shape=(2, 3, 4))), 0, False, 1])
    # not yet mapped in the Rust registry: golden data for later
    x = f.val("x", "float32", shape=(2, 3, 4))
    for op in ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"]:
        f.case(f"{op}/axis1", op, [T(x)], {"axis": 1})
        f.case(f"{op}/flat", op, [T(x)])
        f.case(f"{op}/reverse_exclusive", op, [T(x)], {"axis": -1, "reverse": True, "inclusive": False})
    for op in ["median", "count_nonzero"]:
        f.case(f"{op}/axis1", op, [T(x)], {"axis": 1})
        f.case(f"{op}/all", op, [T(f.val("x", "int32", shape=(2, 3, 4)))])
    return f


# ---------------------------------------------------------------- shape


def shape():
    f = Family("shape")
    x = lambda dt="float32", shape=(2, 3, 4): f.val("x", dt, shape=shape)  # noqa: E731
    for dt in ALL:
        f.case(f"reshape/{dt}", "reshape", [T(x(dt)), [4, 6]])
        f.case(f"transpose/{dt}", "transpose", [T(x(dt)), [2, 0, 1]])
        f.case(f"concatenate/{dt}", "concatenate", [[T(x(dt)), T(f.val("y", dt, shape=(2, 1, 4)))]], {"axis": 1})
    for shp, n in [([-1], "flat"), ([3, -1], "infer"), ([2, 3, 2, 2], "4d"), ([], "to_scalar_bad"), ([5, -1], "infer_bad"),
                   ([-1, -1], "two_infer"), ([25], "size_bad"), ([4, 0], "zero_bad")]:
        f.case(f"reshape/{n}", "reshape", [T(x()), shp])
    f.case("reshape/transposed_view", "reshape", [T(x(), {"transpose": [2, 1, 0]}), [4, 6]])
    f.case("reshape/strided_view", "reshape", [T(x("int32"), {"slice": [[None, None, 1], [None, None, 2]]}), [-1]])
    f.case("reshape/scalar", "reshape", [T(f.val("s", "float32", shape=())), [1, 1]])
    f.case("reshape/empty", "reshape", [T(f.val("e", "float32", shape=(0, 3))), [3, 0, 2]])
    f.case("reshape/empty_infer", "reshape", [T(f.val("e", "float32", shape=(0, 3))), [-1, 0]])
    for kw, n in [({}, "all"), ({"start_axis": 1}, "start1"), ({"start_axis": 0, "end_axis": 1}, "0_1"),
                  ({"start_axis": -2}, "neg"), ({"start_axis": 2, "end_axis": 1}, "bad_order"), ({"start_axis": 5}, "bad_axis")]:
        f.case(f"flatten/{n}", "flatten", [T(x())], kw)
    f.case("flatten/scalar", "flatten", [T(f.val("s", "float32", shape=()))])
    f.case("flatten/transposed", "flatten", [T(x("int8"), {"transpose": [1, 0, 2]})])
    for ax, shp, n in [(1, [3, 1], "a"), (-1, [2, -1], "infer"), (0, [1, 2], "front"), (2, [3, 2], "bad"), (3, [1], "bad_axis")]:
        f.case(f"unflatten/{n}", "unflatten", [T(x()), ax, shp])
    for ax, n in [([1, 0, 2], "a"), ([-1, -2, -3], "neg"), (None, "none"), ([0, 1], "too_few"), ([0, 0, 1], "repeat"), ([0, 1, 3], "out")]:
        kw = {} if ax is None else {"axes": ax}
        f.case(f"transpose/{n}", "transpose", [T(x())], kw)
        f.case(f"permute_dims/{n}", "permute_dims", [T(x("int32"))], kw)
    f.case("transpose/scalar", "transpose", [T(f.val("s", "float32", shape=()))])
    f.case("transpose/of_view", "transpose", [T(x(), {"slice": [[None, None, -1]]}), [1, 2, 0]])
    for a1, a2, n in [(0, 2, "a"), (-1, 0, "neg"), (1, 1, "same"), (0, 3, "bad")]:
        f.case(f"swapaxes/{n}", "swapaxes", [T(x("uint16")), a1, a2])
    for a1, a2, n in [(0, 2, "a"), (-1, 0, "neg"), (2, 1, "b"), (0, -4, "bad")]:
        f.case(f"moveaxis/{n}", "moveaxis", [T(x("float16")), a1, a2])
    for ax, n in [(0, "front"), (-1, "back"), ([0, 2], "two"), ([0, -1], "both_ends"), (4, "bad"), ([1, 1], "dup")]:
        f.case(f"expand_dims/{n}", "expand_dims", [T(x("int64")), ax])
    f.case("expand_dims/scalar", "expand_dims", [T(f.val("s", "float32", shape=())), 0])
    sq = f.val("q", "float32", shape=(1, 3, 1, 2))
    for ax, n in [(None, "all"), (0, "first"), ([0, 2], "two"), (-2, "neg"), (1, "bad_size"), (5, "bad_axis")]:
        kw = {} if ax is None else {"axis": ax}
        f.case(f"squeeze/{n}", "squeeze", [T(sq)], kw)
    f.case("squeeze/transposed", "squeeze", [T(sq, {"transpose": [3, 2, 1, 0]})])
    for src, shp, n in [((3,), [2, 3], "vec"), ((3, 1), [3, 4], "col"), ((), [2, 2], "scalar"), ((1, 4), [0, 4], "to_empty"),
                        ((3,), [4], "bad"), ((2, 3), [3], "bad_rank"), ((1, 4), [2, 3, 4], "new_axes")]:
        k = f.val("bt" + "x".join(map(str, src)), "float32", shape=src)
        f.case(f"broadcast_to/{n}", "broadcast_to", [T(k), shp])
    f.case("broadcast_to/int8_view", "broadcast_to", [T(f.val("bt3x1", "int8", shape=(3, 1)), {"transpose": [1, 0]}), [2, 3]])
    f.case("broadcast_to/python_scalar", "broadcast_to", [2.5, [2, 3]])
    for dt in ["float32", "int32", "bool"]:
        f.case(
            f"broadcast_arrays/{dt}",
            "broadcast_arrays",
            [T(f.val("c", dt, shape=(3, 1))), T(f.val("r", dt, shape=(1, 4))), T(f.val("s", dt, shape=()))],
        )
    f.case("broadcast_arrays/single", "broadcast_arrays", [T(x())])
    f.case("broadcast_arrays/mixed_dtypes", "broadcast_arrays", [T(f.val("c", "float16", shape=(3, 1))), T(f.val("r", "int8", shape=(1, 4)))])
    f.case("broadcast_arrays/bad", "broadcast_arrays", [T(f.val("v3", "float32", shape=(3,))), T(f.val("v4", "float32", shape=(4,)))])
    for op in ["atleast_1d", "atleast_2d", "atleast_3d"]:
        for shp in [(), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 1)]:
            n = "x".join(map(str, shp)) or "scalar"
            f.case(f"{op}/{n}", op, [T(f.val("al" + n, "float32", shape=shp))])
        f.case(f"{op}/multi", op, [T(f.val("alscalar", "int32", shape=())), T(f.val("al3", "int32", shape=(3,)))])
    for ax, n in [(0, "axis0"), (-1, "last"), (None, "none")]:
        f.case(f"concatenate/{n}", "concatenate", [[T(x()), T(x())]], {"axis": ax})
    f.case("concatenate/mixed_dtypes", "concatenate", [[T(x("int8")), T(x("float16")), T(x("uint8"))]], {"axis": 0})
    f.case("concatenate/single", "concatenate", [[T(x("int16"))]], {"axis": 2})
    f.case("concatenate/views", "concatenate", [[T(x(), {"transpose": [0, 2, 1]}), T(f.val("y", "float32", shape=(2, 4, 2)))]], {"axis": -1})
    f.case("concatenate/empty_part", "concatenate", [[T(f.val("e", "float32", shape=(0, 3))), T(f.val("r3", "float32", shape=(2, 3)))]], {"axis": 0})
    f.case("concatenate/mismatch", "concatenate", [[T(x()), T(f.val("y", "float32", shape=(2, 1, 4)))]], {"axis": 0})
    f.case("concatenate/rank_mismatch", "concatenate", [[T(x()), T(f.val("r3", "float32", shape=(2, 3)))]], {"axis": 0})
    f.case("concatenate/scalars", "concatenate", [[T(f.val("s", "float32", shape=())), T(f.val("s", "float32", shape=()))]], {"axis": 0})
    f.case("concatenate/bad_axis", "concatenate", [[T(x()), T(x())]], {"axis": 3})
    f.case("concatenate/positional_axis", "concatenate", [[T(x()), T(x())], 1])
    for ax, n in [(0, "axis0"), (1, "axis1"), (-1, "last"), (3, "axis3"), (4, "bad_axis")]:
        f.case(f"stack/{n}", "stack", [[T(x()), T(x()), T(x())]], {"axis": ax})
    for dt in ["int32", "bool", "bfloat16", "complex64"]:
        f.case(f"stack/{dt}", "stack", [[T(x(dt)), T(x(dt))]])
    f.case("stack/mixed", "stack", [[T(x("int32")), T(x("float16"))]], {"axis": 1})
    f.case("stack/scalars", "stack", [[T(f.val("s", "float32", shape=())), T(f.val("s", "float32", shape=()))]])
    f.case("stack/mismatch", "stack", [[T(x()), T(f.val("y", "float32", shape=(2, 1, 4)))]])
    f.case("stack/views", "stack", [[T(x(), {"transpose": [0, 2, 1]}), T(f.val("y2", "float32", shape=(2, 4, 3)))]], {"axis": 0})
    sp = f.val("sp", "float32", shape=(6, 4))
    for ios, kw, n in [(2, {}, "two"), (3, {}, "three"), (2, {"axis": 1}, "axis1"), ([1, 4], {}, "indices"), ([2], {"axis": -1}, "one_index"),
                       ([5, 2], {}, "decreasing"), ([0, 10], {}, "out_of_range"), (4, {}, "uneven"), (1, {}, "one"), (2, {"axis": 2}, "bad_axis")]:
        f.case(f"split/{n}", "split", [T(sp), ios], kw)
    f.case("split/transposed", "split", [T(sp, {"transpose": [1, 0]}), 2], {"axis": 1})
    f.case("split/int8", "split", [T(f.val("sp", "int8", shape=(6, 4))), 3])
    for pw, kw, n in [(1, {}, "int"), ([1, 2], {}, "pair"), ([[1, 2], [0, 1], [2, 0]], {}, "per_axis"), (0, {}, "zero"),
                      ([[1, 0], [0, 0], [0, 3]], {"constant_values": 7}, "value_int"), (1, {"constant_values": -2.5}, "value_float"),
                      ([[1, 2], [0, 1]], {}, "too_few"), (-1, {}, "negative"), (1, {"mode": "constant"}, "mode_constant")]:
        f.case(f"pad/{n}", "pad", [T(x()), pw], kw)
    for dt in ["int8", "uint16", "bool", "float16", "bfloat16", "float64", "complex64"]:
        f.case(f"pad/{dt}", "pad", [T(x(dt)), [1, 1]], {"constant_values": 1})
    f.case("pad/scalar_input", "pad", [T(f.val("s", "float32", shape=())), 1])
    f.case("pad/empty_input", "pad", [T(f.val("e", "float32", shape=(0, 3))), [1, 2]])
    f.case("pad/transposed", "pad", [T(x(), {"transpose": [2, 1, 0]}), [[0, 1], [1, 0], [2, 2]]])
    # not yet mapped in the Rust registry: golden data for later
    f.case("repeat/axis0", "repeat", [T(x()), 2], {"axis": 0})
    f.case("repeat/flat", "repeat", [T(x()), 3])
    f.case("tile/reps", "tile", [T(x()), [2, 1, 1]])
    f.case("roll/axis1", "roll", [T(x()), 2], {"axis": 1})
    f.case("roll/flat", "roll", [T(x()), -5])
    f.case("flip/axis0", "flip", [T(x())], {"axis": 0})
    f.case("flip/all", "flip", [T(x())])
    f.case("unstack/axis0", "unstack", [T(x())])
    f.case("as_strided/window", "as_strided", [T(f.val("v", "float32", shape=(10,))), [4, 3], [2, 1]])
    f.case("contiguous/transposed", "contiguous", [T(x(), {"transpose": [2, 1, 0]})])
    f.case("view/f32_as_i32", "view", [T(x()), {"dtype": "int32"}])
    return f


# ---------------------------------------------------------------- indexing


def indexing():
    f = Family("indexing")
    x = f.val("x", "float32", shape=(5, 6))
    # Python-style strided slicing (`a[s0, s1]`) through the view mechanism,
    # carried by the identity op stop_gradient.
    slices = [
        ([[1, 4, 1]], "rows"),
        ([[None, None, 2], [1, None, 3]], "steps"),
        ([[None, None, -1]], "reverse"),
        ([[4, 0, -2], [None, None, -3]], "neg_steps"),
        ([[-3, None, 1], [-100, 100, 1]], "clamped"),
        ([[3, 1, 1]], "empty_forward"),
        ([[1, 3, -1]], "empty_backward"),
        ([[10, 20, 1]], "past_end"),
        ([[-1, -7, -1], [5, None, -2]], "neg_all"),
        ([[None, None, 1], [2, 3, 1]], "one_col"),
    ]
    for sl, n in slices:
        f.case(f"getitem/{n}", "stop_gradient", [T(x, {"slice": sl})])
    for dt in ALL:
        f.case(f"getitem/{dt}", "stop_gradient", [T(f.val("x", dt, shape=(5, 6)), {"slice": [[None, None, 2], [None, None, -2]]})])
    f.case("getitem/of_transposed", "stop_gradient", [T(x, [{"transpose": [1, 0]}, {"slice": [[1, None, 2], [None, 3, 1]]}])])
    f.case("getitem/of_broadcast", "stop_gradient", [T(f.val("r", "int32", shape=(1, 6)), [{"broadcast_to": [4, 6]}, {"slice": [[1, 3, 1], [None, None, -1]]}])])
    f.case("getitem/then_add", "add", [T(x, {"slice": [[None, None, -1], [None, None, 2]]}), T(x, {"slice": [[None, None, 1], [1, None, 2]]})])
    f.case("getitem/then_sum", "sum", [T(x, {"slice": [[4, 0, -2], [None, None, -1]]})], {"axis": 0})
    f.case("getitem/then_matmul", "matmul", [T(x, {"slice": [[None, None, 2]]}), T(x, [{"transpose": [1, 0]}, {"slice": [[None, None, -1], [None, None, 2]]}])])
    # mx.slice: dynamic start, static sizes
    for start, axes, size, n in [
        ([1, 2], [0, 1], [3, 2], "both"),
        ([2], [1], [5, 4], "axis1"),
        ([0], [0], [5, 6], "whole"),
        ([3], [-1], [5, 2], "neg_axis"),
        ([1], [0], [3], "bad_size_rank"),
    ]:
        s = f.inp(f"start_{n}", (len(start),), "int32", "values", values=start)
        f.case(f"slice/{n}", "slice", [T(x), T(s), axes, size])
    f.case("slice/int64_start", "slice", [T(x), T(f.inp("start64", (1,), "int64", "values", values=[1])), [0], [2, 6]])
    f.case("slice/uint32_start", "slice", [T(x), T(f.inp("startu32", (1,), "uint32", "values", values=[2])), [1], [5, 3]])
    f.case("slice/int8_data", "slice", [T(f.val("x", "int8", shape=(5, 6))), T(f.inp("start_both", (2,), "int32", "values", values=[1, 2])), [0, 1], [3, 2]])
    f.case("slice/of_view", "slice", [T(x, {"transpose": [1, 0]}), T(f.inp("start_both", (2,), "int32", "values", values=[1, 2])), [0, 1], [3, 2]])
    # not yet mapped in the Rust registry: golden data for later
    idx = f.inp("idx", (4,), "int32", "values", values=[0, 4, 2, 2])
    f.case("take/axis0", "take", [T(x), T(idx)], {"axis": 0})
    f.case("take/flat", "take", [T(x), T(idx)])
    ta = f.inp("ta_idx", (5, 2), "int32", "randint", low=0, high=6)
    f.case("take_along_axis/axis1", "take_along_axis", [T(x), T(ta)], {"axis": 1})
    srt = f.inp("sorted", (6,), "float32", "values", values=[-2.0, -1.0, 0.0, 0.5, 1.0, 3.0])
    f.case("searchsorted/left", "searchsorted", [T(srt), T(f.val("q", "float32", shape=(7,)))])
    f.case("searchsorted/right", "searchsorted", [T(srt), T(f.val("q", "float32", shape=(7,)))], {"side": "right"})
    for op in ["sort", "argsort"]:
        f.case(f"{op}/last", op, [T(x)])
        f.case(f"{op}/axis0", op, [T(x)], {"axis": 0})
        f.case(f"{op}/flat", op, [T(x)], {"axis": None})
    f.case("topk/k2", "topk", [T(x), 2])
    f.case("slice_update/basic", "slice_update",
           [T(x), T(f.val("u", "float32", shape=(2, 3))), T(f.inp("start_both", (2,), "int32", "values", values=[1, 2])), [0, 1]])
    return f


# ---------------------------------------------------------------- linalg


def linalg():
    f = Family("linalg")
    m = lambda key, shape, dt="float32": f.val(key, dt, shape=shape)  # noqa: E731
    shapes = [
        ((4,), (4,), "vec_vec"),
        ((4,), (4, 3), "vec_mat"),
        ((3, 4), (4,), "mat_vec"),
        ((3, 4), (4, 5), "mat_mat"),
        ((1, 4), (4, 1), "outer_one"),
        ((4, 1), (1, 5), "rank1"),
        ((2, 3, 4), (2, 4, 5), "batched"),
        ((2, 1, 3, 4), (5, 4, 2), "broadcast_batch"),
        ((4,), (2, 4, 3), "vec_batched"),
        ((2, 3, 4), (4,), "batched_vec"),
        ((3, 4), (2, 4, 5), "mat_batched"),
        ((3, 0), (0, 4), "k0"),
        ((0, 4), (4, 3), "m0"),
        ((2, 0, 4), (4, 3), "batch_empty"),
        ((3, 4), (5, 6), "k_mismatch"),
        ((2, 3, 4), (3, 4, 5), "batch_mismatch"),
        ((17, 33), (33, 19), "odd_sizes"),
        ((64, 65), (65, 31), "larger"),
    ]
    for sa, sb, n in shapes:
        f.case(f"matmul/{n}", "matmul", [T(m("a" + "x".join(map(str, sa)), sa)), T(m("b" + "x".join(map(str, sb)), sb))])
    for dt in ALL:
        f.case(f"matmul/{dt}", "matmul", [T(m("a3x4", (3, 4), dt)), T(m("b4x5", (4, 5), dt))])
    for x, y in [("float16", "float32"), ("int32", "float32"), ("bfloat16", "float16"), ("int8", "float16"), ("float64", "float32")]:
        f.case(f"matmul/{x}_{y}", "matmul", [T(m("a3x4", (3, 4), x)), T(m("b4x5", (4, 5), y))])
    f.case("matmul/scalar", "matmul", [T(m("s", (), "float32")), T(m("b4x5", (4, 5)))])
    f.case("matmul/a_transposed", "matmul", [T(m("a4x3", (4, 3)), {"transpose": [1, 0]}), T(m("b4x5", (4, 5)))])
    f.case("matmul/b_transposed", "matmul", [T(m("a3x4", (3, 4))), T(m("b5x4", (5, 4)), {"transpose": [1, 0]})])
    f.case("matmul/both_transposed", "matmul", [T(m("a4x3", (4, 3)), {"transpose": [1, 0]}), T(m("b5x4", (5, 4)), {"transpose": [1, 0]})])
    f.case("matmul/batch_transposed", "matmul", [T(m("a2x3x4", (2, 3, 4)), {"transpose": [1, 0, 2]}), T(m("b4x5", (4, 5)))])
    f.case("matmul/strided", "matmul", [T(m("a6x8", (6, 8)), {"slice": [[None, None, 2], [None, None, 2]]}), T(m("b4x5", (4, 5)))])
    f.case("matmul/broadcast_view", "matmul", [T(m("a3x4", (3, 4)), {"broadcast_to": [2, 3, 4]}), T(m("b2x4x5", (2, 4, 5)))])
    f.case("matmul/transposed_f16", "matmul", [T(m("a4x3", (4, 3), "float16"), {"transpose": [1, 0]}), T(m("b4x5", (4, 5), "float16"))])
    f.case("matmul/special_f32", "matmul", [T(f.special("float32", (4, 6))), T(f.special("float32", (6, 4)))])
    # not yet mapped in the Rust registry: golden data for later
    a, b = m("a3x4", (3, 4)), m("b4x5", (4, 5))
    f.case("addmm/basic", "addmm", [T(m("c3x5", (3, 5))), T(a), T(b)], {"alpha": 0.5, "beta": 2.0})
    f.case("inner/vec", "inner", [T(m("a4", (4,))), T(m("b4", (4,)))])
    f.case("outer/vec", "outer", [T(m("a4", (4,))), T(m("b4", (4,)))])
    f.case("tensordot/axes1", "tensordot", [T(a), T(b)], {"axes": 1})
    f.case("einsum/ij_jk", "einsum", ["ij,jk->ik", T(a), T(b)])
    f.case("kron/basic", "kron", [T(a), T(m("b2x2", (2, 2)))])
    f.case("vecdot/basic", "vecdot", [T(a), T(m("a3x4b", (3, 4)))])
    return f


# ---------------------------------------------------------------- random


def random():
    f = Family("random")
    keys = {}
    for seed in [0, 1, 42, 2**32 + 7, 123456789]:
        f.case(f"key/{seed}", "random.key", [seed])
    for seed, vals in [(0, [0, 0]), (1, [0, 1]), (42, [0, 42]), (7, [1, 7])]:
        keys[seed] = f.inp(f"key{seed}", (2,), "uint32", "values", values=vals)
    for seed, k in keys.items():
        f.case(f"split/key{seed}", "random.split", [T(k)])
        f.case(f"split/key{seed}_num5", "random.split", [T(k)], {"num": 5})
    f.case("split/num1", "random.split", [T(keys[0]), 1])
    f.case("split/num0", "random.split", [T(keys[0]), 0])
    for seed, k in keys.items():
        f.case(f"uniform/key{seed}", "random.uniform", [], {"shape": [3, 5], "key": T(k)})
        f.case(f"normal/key{seed}", "random.normal", [], {"shape": [3, 5], "key": T(k)})
        f.case(f"randint/key{seed}", "random.randint", [-10, 10], {"shape": [3, 5], "key": T(k)})
        f.case(f"bernoulli/key{seed}", "random.bernoulli", [], {"shape": [3, 5], "key": T(k)})
    k = keys[42]
    for dt in FLOATS + ["int32", "complex64"]:
        f.case(f"uniform/{dt}", "random.uniform", [], {"shape": [4, 4], "dtype": dt, "key": T(k)})
        f.case(f"normal/{dt}", "random.normal", [], {"shape": [4, 4], "dtype": dt, "key": T(k)})
    f.case("uniform/bounds", "random.uniform", [-3.0, 5.0, [2, 3]], {"key": T(k)})
    f.case("uniform/int_bounds", "random.uniform", [1, 4], {"shape": [7], "key": T(k)})
    f.case("uniform/array_bounds", "random.uniform", [T(f.val("lo", "float32", shape=(3,))), 10.0, [2, 3]], {"key": T(k)})
    f.case("uniform/bad_shape", "random.uniform", [T(f.val("lo", "float32", shape=(3,))), 10.0, [2, 4]], {"key": T(k)})
    f.case("uniform/scalar_shape", "random.uniform", [], {"key": T(k)})
    f.case("uniform/empty", "random.uniform", [], {"shape": [0, 3], "key": T(k)})
    f.case("uniform/odd_count", "random.uniform", [], {"shape": [7], "key": T(k)})
    f.case("uniform/large", "random.uniform", [], {"shape": [33, 17], "key": T(k)})
    f.case("uniform/odd_count_f16", "random.uniform", [], {"shape": [5], "dtype": "float16", "key": T(k)})
    f.case("normal/loc_scale", "random.normal", [[3, 4]], {"loc": 2.0, "scale": 0.5, "key": T(k)})
    f.case("normal/odd_count", "random.normal", [[9]], {"key": T(k)})
    f.case("normal/large", "random.normal", [[40, 41]], {"key": T(k)})
    for dt in ["int8", "uint8", "int16", "uint32", "int64", "uint64"]:
        f.case(f"randint/{dt}", "random.randint", [0, 100], {"shape": [4, 4], "dtype": dt, "key": T(k)})
    f.case("randint/float_dtype", "random.randint", [0, 10], {"shape": [3], "dtype": "float32", "key": T(k)})
    f.case("randint/wide", "random.randint", [-1000000, 1000000], {"shape": [50], "key": T(k)})
    f.case("randint/empty_range", "random.randint", [5, 5], {"shape": [4], "key": T(k)})
    f.case("randint/reversed_range", "random.randint", [5, 0], {"shape": [4], "key": T(k)})
    for p in [0.0, 0.3, 0.9, 1.0]:
        f.case(f"bernoulli/p{p}", "random.bernoulli", [p, [6, 5]], {"key": T(k)})
    f.case("bernoulli/array_p", "random.bernoulli", [T(f.inp("p", (5,), "float32", "uniform", low=0.0, high=1.0))], {"key": T(k)})
    f.case("bernoulli/array_p_shape", "random.bernoulli", [T(f.inp("p", (5,), "float32", "uniform", low=0.0, high=1.0)), [3, 5]], {"key": T(k)})
    f.case("bernoulli/p_f16", "random.bernoulli", [T(f.inp("p16", (4,), "float16", "uniform", low=0.0, high=1.0))], {"key": T(k)})
    f.case("bernoulli/bad_shape", "random.bernoulli", [T(f.inp("p", (5,), "float32", "uniform", low=0.0, high=1.0)), [3, 4]], {"key": T(k)})
    f.case("bernoulli/default", "random.bernoulli", [], {"key": T(k)})
    # not yet mapped in the Rust registry: golden data for later
    f.case("categorical/logits", "random.categorical", [T(f.val("logits", "float32", shape=(3, 6)))], {"key": T(k)})
    return f


# ---------------------------------------------------------------- nn


def nn():
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


def main():
    os.makedirs(CASES_DIR, exist_ok=True)
    total = 0
    for fam in [creation, unary, binary, reduction, shape, indexing, linalg, random, nn]:
        n = fam().write()
        total += n
        print(f"{fam.__name__}: {n} cases", file=sys.stderr)
    print(f"make_cases: {total} cases written to {CASES_DIR}", file=sys.stderr)


if __name__ == "__main__":
    main()
