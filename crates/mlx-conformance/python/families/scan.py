"""The `scan` family of the conformance suite (writes cases/scan.json):
cumsum, cumprod, cummax, cummin, logcumsumexp over dtypes, axes,
directions, views and special values, plus their gradients."""

from suite import *  # noqa: F401,F403

SCANS = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"]


def build():
    f = Family("scan")
    for op in SCANS:
        x = lambda dt: f.val("xu" if op == "cumprod" else "x", dt, "unit" if op == "cumprod" else "any", shape=(2, 3, 4))  # noqa: E731
        for dt in ALL:
            if op == "logcumsumexp" and dt == "complex64":
                continue
            f.case(f"{op}/{dt}_axis1", op, [T(x(dt))], {"axis": 1})
            f.case(f"{op}/{dt}_flat", op, [T(x(dt))])
        for ax in [0, 2, -1, -3]:
            for rev in [False, True]:
                for inc in [False, True]:
                    tag = f"axis{ax}_{'rev' if rev else 'fwd'}_{'inc' if inc else 'exc'}"
                    f.case(f"{op}/{tag}", op, [T(x("float32"))], {"axis": ax, "reverse": rev, "inclusive": inc})
        f.case(f"{op}/i32_rev_exc", op, [T(x("int32"))], {"axis": 2, "reverse": True, "inclusive": False})
        f.case(f"{op}/u8_exc", op, [T(x("uint8"))], {"axis": 0, "inclusive": False})
        f.case(f"{op}/transposed", op, [T(x("float32"), {"transpose": [2, 0, 1]})], {"axis": 1})
        f.case(f"{op}/strided", op, [T(x("int32"), {"slice": [[None, None, -1], [None, None, 2]]})], {"axis": -1})
        f.case(f"{op}/broadcast_view", op, [T(f.val("r", "float32", shape=(1, 4)), {"broadcast_to": [3, 4]})], {"axis": 0})
        f.case(f"{op}/scalar", op, [T(f.val("s", "float32", shape=()))])
        f.case(f"{op}/scalar_axis0", op, [T(f.val("s", "float32", shape=()))], {"axis": 0})
        f.case(f"{op}/empty", op, [T(f.val("e", "float32", shape=(2, 0, 3)))], {"axis": 1})
        f.case(f"{op}/bad_axis", op, [T(x("float32"))], {"axis": 3})
        f.case(f"{op}/large_last", op, [T(f.val("big", "float32", "unit", shape=(7, 300)))], {"axis": -1})
        f.case(f"{op}/large_outer", op, [T(f.val("big", "float32", "unit", shape=(7, 300)))], {"axis": 0, "reverse": True})
        for dt in FLOATS:
            f.case(f"{op}/special_{dt}", op, [T(f.special(dt, (4, 6)))], {"axis": 1})
        for dt in ["int8", "uint8", "int64"]:
            if op != "logcumsumexp":
                f.case(f"{op}/special_{dt}", op, [T(f.special(dt, (4, 6)))], {"axis": 0})
        f.case(f"{op}/f16_long", op, [T(f.val("long", "float16", "unit", shape=(3, 50)))], {"axis": 1})
    for op in ["cumsum", "cumprod"]:
        f.case(f"{op}/dtype_f32", op, [T(f.val("x", "int32", shape=(2, 3, 4)))], {"axis": 1, "dtype": "float32"})
    # gradients (the running max/min of ties goes to the latest element)
    g = f.val("g", "float32", "unit", shape=(3, 5))
    ties = f.inp("ties", (3, 5), "float32", "values", values=[1, 3, 3, 2, 5, 4, 4, 1, 4, 0, 2, 2, 2, 2, 2])
    for op in SCANS:
        for rev in [False, True]:
            for inc in [False, True]:
                tag = f"{'rev' if rev else 'fwd'}_{'inc' if inc else 'exc'}"
                f.case(f"grad/{op}/{tag}", op, [T(g)], {"axis": 1, "reverse": rev, "inclusive": inc}, grad=[0])
        f.case(f"grad/{op}/axis0", op, [T(g)], {"axis": 0}, grad=[0])
        f.case(f"grad/{op}/flat", op, [T(g)], grad=[0])
    for op in ["cummax", "cummin"]:
        for rev in [False, True]:
            for inc in [False, True]:
                tag = f"{'rev' if rev else 'fwd'}_{'inc' if inc else 'exc'}"
                f.case(f"grad/{op}/ties_{tag}", op, [T(ties)], {"axis": 1, "reverse": rev, "inclusive": inc}, grad=[0])
    zeros = f.inp("with_zeros", (2, 5), "float32", "values", values=[1, 2, 0, 3, 4, 0, 2, 0, 3, 1])
    for rev in [False, True]:
        for inc in [False, True]:
            tag = f"{'rev' if rev else 'fwd'}_{'inc' if inc else 'exc'}"
            f.case(f"grad/cumprod/zeros_{tag}", "cumprod", [T(zeros)], {"axis": 1, "reverse": rev, "inclusive": inc}, grad=[0])
    return f
