"""The `unary` family of the conformance suite (writes cases/unary.json)."""

from suite import *  # noqa: F401,F403

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


def build():
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
