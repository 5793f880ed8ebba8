"""The `gather` family of the conformance suite (writes cases/gather.json):
take, take_along_axis, put_along_axis, slice_update and searchsorted over
dtypes, axes, negative indices and views, plus gradients."""

from suite import *  # noqa: F401,F403


def build():
    f = Family("gather")
    x = lambda dt, shape=(5, 6): f.val("x", dt, shape=shape)  # noqa: E731
    idx = f.inp("idx", (4,), "int32", "values", values=[0, 4, -1, 2])
    idx2 = f.inp("idx2", (2, 3), "int64", "values", values=[1, -2, 0, 3, 3, 5])
    for dt in ALL:
        f.case(f"take/{dt}_axis0", "take", [T(x(dt)), T(idx)], {"axis": 0})
        f.case(f"take/{dt}_flat", "take", [T(x(dt)), T(idx2)])
    for it in INTS:
        f.case(f"take/idx_{it}", "take", [T(x("float32")), T(f.val("ix", it, "small", shape=(3,)))], {"axis": 1})
    f.case("take/2d_idx_axis1", "take", [T(x("float32", (2, 6, 3))), T(idx2)], {"axis": 1})
    f.case("take/neg_axis", "take", [T(x("float32", (2, 6, 3))), T(idx2)], {"axis": -2})
    f.case("take/scalar_idx", "take", [T(x("float32")), T(f.inp("i0", (), "int32", "values", values=[3]))], {"axis": 1})
    f.case("take/transposed", "take", [T(x("float32"), {"transpose": [1, 0]}), T(idx)], {"axis": 1})
    f.case("take/idx_view", "take", [T(x("float32")), T(idx2, {"transpose": [1, 0]})], {"axis": 1})
    f.case("take/float_idx", "take", [T(x("float32")), T(f.val("fi", "float32", shape=(2,)))])
    f.case("take/bad_axis", "take", [T(x("float32")), T(idx)], {"axis": 2})
    f.case("take/empty_idx", "take", [T(x("float32")), T(f.inp("none", (0,), "int32", "values", values=[]))], {"axis": 0})
    f.case("take/large", "take", [T(f.val("big", "float32", shape=(300, 40))), T(f.val("bix", "int32", "small", shape=(50, 7)))], {"axis": 0})
    ta = f.inp("ta_idx", (5, 2), "int32", "randint", low=-6, high=6)
    ta0 = f.inp("ta0_idx", (3, 6), "uint8", "randint", low=0, high=5)
    for dt in ALL:
        f.case(f"take_along_axis/{dt}", "take_along_axis", [T(x(dt)), T(ta)], {"axis": 1})
    f.case("take_along_axis/axis0", "take_along_axis", [T(x("float32")), T(ta0)], {"axis": 0})
    f.case("take_along_axis/default_axis", "take_along_axis", [T(x("float32")), T(ta)])
    f.case("take_along_axis/flat", "take_along_axis", [T(x("float32")), T(idx)], {"axis": None})
    f.case("take_along_axis/bcast_idx", "take_along_axis", [T(x("float32")), T(f.inp("tb", (1, 3), "int32", "values", values=[5, 0, -1]))], {"axis": 1})
    f.case("take_along_axis/bcast_both", "take_along_axis", [T(x("float32", (1, 6))), T(ta0)], {"axis": 1})
    f.case("take_along_axis/rank_mismatch", "take_along_axis", [T(x("float32")), T(idx)], {"axis": 0})
    f.case("take_along_axis/transposed", "take_along_axis", [T(x("float32"), {"transpose": [1, 0]}), T(ta0)], {"axis": 0})
    for dt in ALL:
        f.case(f"put_along_axis/{dt}", "put_along_axis", [T(x(dt)), T(ta), T(f.val("pv", dt, shape=(5, 2)))], {"axis": 1})
    f.case("put_along_axis/axis0", "put_along_axis", [T(x("float32")), T(ta0), T(f.val("pv", "float32", shape=(3, 6)))], {"axis": 0})
    f.case("put_along_axis/scalar_value", "put_along_axis", [T(x("int32")), T(ta), T(f.inp("v7", (), "int32", "values", values=[7]))], {"axis": 1})
    f.case("put_along_axis/bcast_value", "put_along_axis", [T(x("float32")), T(ta), T(f.val("pv", "float32", shape=(1, 2)))], {"axis": 1})
    f.case("put_along_axis/flat", "put_along_axis", [T(x("float32")), T(idx), T(f.val("pv", "float32", shape=(4,)))])
    f.case("put_along_axis/dup_last_wins", "put_along_axis", [T(x("float32")), T(f.inp("dup", (1, 3), "int32", "values", values=[2, 2, 2])), T(f.val("pv", "float32", shape=(5, 3)))], {"axis": 1})
    f.case("put_along_axis/cast_value", "put_along_axis", [T(x("int32")), T(ta), T(f.val("pv", "float32", shape=(5, 2)))], {"axis": 1})
    f.case("put_along_axis/rank_mismatch", "put_along_axis", [T(x("float32")), T(idx), T(f.val("pv", "float32", shape=(4,)))], {"axis": 0})
    f.case("put_along_axis/transposed", "put_along_axis", [T(x("float32"), {"transpose": [1, 0]}), T(ta0), T(f.val("pv", "float32", shape=(3, 6)))], {"axis": 0})
    for start, axes, ushape, n in [([1, 2], [0, 1], (2, 3), "both"), ([3], [1], (5, 2), "axis1"), ([0], [0], (5, 6), "whole"), ([2], [-1], (5, 1), "neg_axis"), ([4, 0], [0, 1], (1, 6), "last_row")]:
        s = f.inp(f"su_start_{n}", (len(start),), "int32", "values", values=start)
        for dt in (["float32"] if n != "both" else ALL):
            f.case(f"slice_update/{n}_{dt}", "slice_update", [T(x(dt)), T(f.val("u", dt, shape=ushape)), T(s), axes])
    f.case("slice_update/cast", "slice_update", [T(x("float32")), T(f.val("u", "int32", shape=(2, 3))), T(f.inp("su_start_both", (2,), "int32", "values", values=[1, 2])), [0, 1]])
    srt = f.inp("sorted", (6,), "float32", "values", values=[-2.0, -1.0, 0.0, 0.5, 1.0, 3.0])
    isrt = f.inp("isorted", (7,), "int32", "values", values=[-3, 0, 0, 1, 4, 4, 9])
    for side in ["left", "right"]:
        f.case(f"searchsorted/{side}", "searchsorted", [T(srt), T(f.val("q", "float32", shape=(3, 7)))], {"side": side})
        f.case(f"searchsorted/int_{side}", "searchsorted", [T(isrt), T(f.val("qi", "int32", shape=(12,)))], {"side": side})
        f.case(f"searchsorted/mixed_{side}", "searchsorted", [T(isrt), T(f.val("q", "float32", shape=(3, 7)))], {"side": side})
        f.case(f"searchsorted/special_{side}", "searchsorted", [T(f.inp("nsorted", (4,), "float32", "values", values=[-1.0, 2.0, 1e30, 3e38])), T(f.special("float32", (12,)))], {"side": side})
    f.case("searchsorted/bad_side", "searchsorted", [T(srt), T(f.val("q", "float32", shape=(3, 7)))], {"side": "middle"})
    f.case("searchsorted/not_1d", "searchsorted", [T(x("float32")), T(f.val("q", "float32", shape=(3, 7)))])
    f.case("searchsorted/empty", "searchsorted", [T(f.inp("nothing", (0,), "float32", "values", values=[])), T(f.val("q", "float32", shape=(3, 7)))])
    # scatter / scatter_add (MLX's C++ ops; Python reaches them through
    # `a[idx] = v` and `a.at[idx].add(v)`, see EXTRA_OPS in generate.py)
    rows = f.inp("sc_rows", (3,), "int32", "values", values=[4, 0, 2])
    dup = f.inp("sc_dup", (4,), "int32", "values", values=[1, 3, 1, -4])
    i0 = f.inp("sc_i0", (2, 2), "int32", "values", values=[0, -1, 3, 2])
    i1 = f.inp("sc_i1", (2, 2), "int64", "values", values=[5, 0, 1, -2])
    c0 = f.inp("sc_c0", (2, 1), "uint8", "values", values=[1, 3])
    c1 = f.inp("sc_c1", (1, 3), "int32", "values", values=[0, 2, 5])
    for op in ["scatter", "scatter_add"]:
        for dt in ALL:
            f.case(f"{op}/{dt}_rows", op, [T(x(dt)), [T(rows)], T(f.val("su", dt, shape=(3, 1, 6))), [0]])
        f.case(f"{op}/dup", op, [T(x("float32")), [T(dup)], T(f.val("su", "float32", shape=(4, 1, 6))), [0]])
        f.case(f"{op}/int_dup", op, [T(x("int32")), [T(dup)], T(f.val("su", "int32", shape=(4, 5, 1))), [1]])
        f.case(f"{op}/two_axes", op, [T(x("float32")), [T(i0), T(i1)], T(f.val("su", "float32", shape=(2, 2, 1, 1))), [0, 1]])
        f.case(f"{op}/axes_reversed", op, [T(x("float32")), [T(i1), T(i0)], T(f.val("su", "float32", shape=(2, 2, 1, 1))), [1, 0]])
        f.case(f"{op}/bcast_idx", op, [T(x("float32")), [T(c0), T(c1)], T(f.val("su", "float32", shape=(2, 3, 1, 1))), [0, -1]])
        f.case(f"{op}/middle_axis", op, [T(x("float32", (2, 6, 3))), [T(rows)], T(f.val("su", "float32", shape=(3, 2, 1, 3))), [1]])
        f.case(f"{op}/transposed", op, [T(x("float32"), {"transpose": [1, 0]}), [T(rows)], T(f.val("su", "float32", shape=(3, 6, 1))), [1]])
        f.case(f"{op}/cast_updates", op, [T(x("float32")), [T(rows)], T(f.val("su", "int32", shape=(3, 1, 6))), [0]])
        f.case(f"{op}/bad_updates", op, [T(x("float32")), [T(rows)], T(f.val("su", "float32", shape=(3, 6))), [0]])
        f.case(f"{op}/axes_count", op, [T(x("float32")), [T(rows)], T(f.val("su", "float32", shape=(3, 1, 1))), [0, 1]])
        f.case(f"grad/{op}", op, [T(f.val("g", "float32", shape=(5, 6))), [T(dup)], T(f.val("su", "float32", shape=(4, 1, 6))), [0]], grad=[0, 2])
    # gradients
    g = f.val("g", "float32", shape=(5, 6))
    f.case("grad/take", "take", [T(g), T(idx)], {"axis": 0}, grad=[0])
    f.case("grad/take_dup", "take", [T(g), T(f.inp("tdup", (5,), "int32", "values", values=[1, 1, -5, 3, 1]))], {"axis": 1}, grad=[0])
    f.case("grad/take_flat", "take", [T(g), T(idx2)], grad=[0])
    f.case("grad/take_along_axis", "take_along_axis", [T(g), T(ta)], {"axis": 1}, grad=[0])
    f.case("grad/put_along_axis", "put_along_axis", [T(g), T(ta0), T(f.val("pv", "float32", shape=(3, 6)))], {"axis": 0}, grad=[0, 2])
    f.case("grad/slice_update", "slice_update", [T(g), T(f.val("u", "float32", shape=(2, 3))), T(f.inp("su_start_both", (2,), "int32", "values", values=[1, 2])), [0, 1]], grad=[0, 1])
    return f
