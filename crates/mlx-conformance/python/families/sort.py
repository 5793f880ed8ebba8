"""The `sort` family of the conformance suite (writes cases/sort.json):
sort, argsort, partition, argpartition, topk, median, plus gradients."""

from suite import *  # noqa: F401,F403


def build():
    f = Family("sort")
    x = lambda dt, shape=(5, 6): f.val("x", dt, shape=shape)  # noqa: E731
    for op in ["sort", "argsort"]:
        for dt in ALL:
            f.case(f"{op}/{dt}", op, [T(x(dt))])
        for ax in [0, 1, -1, -2, None]:
            f.case(f"{op}/axis_{ax}", op, [T(x("float32"))], {"axis": ax})
        f.case(f"{op}/ties_i8", op, [T(f.val("ties", "int8", "unit", shape=(5, 6)))], {"axis": 0})
        f.case(f"{op}/transposed", op, [T(x("float32"), {"transpose": [1, 0]})])
        f.case(f"{op}/strided", op, [T(x("int32"), {"slice": [[None, None, -1], [None, None, 2]]})], {"axis": 0})
        f.case(f"{op}/scalar", op, [T(f.val("s", "float32", shape=()))], {"axis": None})
        f.case(f"{op}/empty", op, [T(f.val("e", "float32", shape=(0, 3)))], {"axis": 0})
        f.case(f"{op}/bad_axis", op, [T(x("float32"))], {"axis": 2})
        f.case(f"{op}/large", op, [T(f.val("big", "float32", shape=(3, 500)))])
        f.case(f"{op}/large_outer", op, [T(f.val("big", "int32", shape=(60, 40)))], {"axis": 0})
        for dt in FLOATS:
            f.case(f"{op}/special_{dt}", op, [T(f.special(dt, (4, 6)))], {"axis": 1})
    for op in ["partition", "argpartition"]:
        for dt in ALL:
            f.case(f"{op}/{dt}", op, [T(x(dt)), 2])
        for kth, ax in [(0, -1), (5, 1), (-1, 1), (3, 0), (-5, 0), (7, None), (29, None)]:
            f.case(f"{op}/k{kth}_axis_{ax}", op, [T(x("float32")), kth], {"axis": ax})
        f.case(f"{op}/bad_kth", op, [T(x("float32")), 6])
        f.case(f"{op}/bad_neg_kth", op, [T(x("float32")), -7])
        f.case(f"{op}/ties_i8", op, [T(f.val("ties", "int8", "unit", shape=(5, 6))), 3])
        f.case(f"{op}/transposed", op, [T(x("float32"), {"transpose": [1, 0]}), 1])
        f.case(f"{op}/large", op, [T(f.val("big", "float32", shape=(3, 500))), 250])
        f.case(f"{op}/large_k_small", op, [T(f.val("big", "int32", shape=(60, 40))), 3], {"axis": 0})
        for dt in FLOATS:
            f.case(f"{op}/special_{dt}", op, [T(f.special(dt, (4, 24)))], {"kth": 5})
    for dt in ALL:
        f.case(f"topk/{dt}", "topk", [T(x(dt)), 3])
    for k, ax in [(0, -1), (1, 0), (6, 1), (4, None), (30, None)]:
        f.case(f"topk/k{k}_axis_{ax}", "topk", [T(x("float32")), k], {"axis": ax})
    f.case("topk/bad_k", "topk", [T(x("float32")), 7])
    f.case("topk/large", "topk", [T(f.val("big", "float32", shape=(3, 500))), 10])
    f.case("topk/ties_i8", "topk", [T(f.val("ties", "int8", "unit", shape=(5, 6))), 4])
    for dt in ALL:
        if dt != "complex64":
            f.case(f"median/{dt}", "median", [T(x(dt))], {"axis": 1})
    for ax, kd in [(None, False), (0, True), ([0, 1], False), ([-1], True), ([], False)]:
        f.case(f"median/axis_{ax}_{kd}", "median", [T(x("float32", (2, 3, 4)))], {"axis": ax, "keepdims": kd})
    f.case("median/even", "median", [T(x("int32", (4, 6)))], {"axis": 0})
    f.case("median/dup_axes", "median", [T(x("float32"))], {"axis": [0, 0]})
    f.case("median/empty", "median", [T(f.val("e", "float32", shape=(0, 3)))], {"axis": 0})
    for dt in FLOATS:
        f.case(f"median/special_{dt}", "median", [T(f.special(dt, (4, 6)))], {"axis": 1})
    u = f.inp("uvals", (3, 4), "int32", "values", values=[2, 1, 2, 3, 1, 5, 5, 0, 2, 7, 1, 1])
    for size in [0, 1, 4, 6, 9]:
        f.case(f"unique/i32_size{size}", "unique", [T(u), size], {"return_index": True, "return_inverse": True, "return_counts": True})
    f.case("unique/values_only", "unique", [T(u), 5])
    f.case("unique/fill", "unique", [T(u), 8], {"fill_value": -1, "return_counts": True})
    f.case("unique/positional", "unique", [T(u), 7, False, True, False, 9])
    for dt in ALL:
        if dt not in ("bool", "complex64"):
            f.case(f"unique/{dt}", "unique", [T(f.val("ux", dt, "small", shape=(4, 5))), 6], {"return_index": True, "return_inverse": True, "return_counts": True})
    for dt in FLOATS:
        f.case(f"unique/special_{dt}", "unique", [T(f.special(dt, (24,))), 20], {"return_index": True, "return_inverse": True, "return_counts": True})
    f.case("unique/transposed", "unique", [T(f.val("ux", "int32", "small", shape=(4, 5)), {"transpose": [1, 0]}), 4], {"return_inverse": True})
    f.case("unique/empty", "unique", [T(f.inp("uempty", (0,), "int32", "values", values=[])), 3], {"fill_value": 4, "return_counts": True})
    # gradients
    g = f.val("g", "float32", shape=(4, 5))
    f.case("grad/sort", "sort", [T(g)], grad=[0])
    f.case("grad/sort_axis0", "sort", [T(g)], {"axis": 0}, grad=[0])
    f.case("grad/partition", "partition", [T(g), 2], grad=[0])
    f.case("grad/topk", "topk", [T(g), 2], grad=[0])
    f.case("grad/topk_axis0", "topk", [T(g), 3], {"axis": 0}, grad=[0])
    f.case("grad/median", "median", [T(g)], {"axis": 1}, grad=[0])
    return f
