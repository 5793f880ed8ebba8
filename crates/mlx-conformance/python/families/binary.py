"""The `binary` family of the conformance suite (writes cases/binary.json)."""

from suite import *  # noqa: F401,F403

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


def build():
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
