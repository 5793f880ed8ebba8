"""The `reduction` family of the conformance suite (writes cases/reduction.json)."""

from suite import *  # noqa: F401,F403

# ---------------------------------------------------------------- reductions

REDUCE = "sum prod max min all any mean var std logsumexp".split()


def build():
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
