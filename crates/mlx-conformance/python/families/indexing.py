"""The `indexing` family of the conformance suite (writes cases/indexing.json)."""

from suite import *  # noqa: F401,F403

# ---------------------------------------------------------------- indexing


def build():
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
