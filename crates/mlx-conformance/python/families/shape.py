"""The `shape` family of the conformance suite (writes cases/shape.json)."""

from suite import *  # noqa: F401,F403

# ---------------------------------------------------------------- shape


def build():
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
    xx = x()
    f.case("repeat/axis_neg", "repeat", [T(xx), 3], {"axis": -1})
    f.case("repeat/zero", "repeat", [T(xx), 0], {"axis": 1})
    f.case("repeat/one", "repeat", [T(xx), 1], {"axis": 1})
    f.case("repeat/negative", "repeat", [T(xx), -1])
    f.case("repeat/bad_axis", "repeat", [T(xx), 2], {"axis": 3})
    f.case("repeat/transposed", "repeat", [T(xx, {"transpose": [2, 1, 0]}), 2], {"axis": 0})
    f.case("repeat/int", "repeat", [T(f.val("x", "int32", shape=(2, 3, 4))), 2], {"axis": 2})
    f.case("tile/int_reps", "tile", [T(xx), 2])
    f.case("tile/longer_reps", "tile", [T(xx), [2, 1, 1, 3]])
    f.case("tile/shorter_reps", "tile", [T(xx), [3, 2]])
    f.case("tile/zero", "tile", [T(xx), [1, 0, 1]])
    f.case("tile/scalar", "tile", [T(f.val("s", "float32", shape=())), [2, 3]])
    f.case("tile/negative", "tile", [T(xx), [-1]])
    f.case("roll/axes", "roll", [T(xx), [1, -2]], {"axis": [0, 2]})
    f.case("roll/shift_all_axes", "roll", [T(xx), 1], {"axis": [0, 1]})
    f.case("roll/shifts_one_axis", "roll", [T(xx), [1, 2]], {"axis": 1})
    f.case("roll/tuple_flat", "roll", [T(xx), [1, 2]])
    f.case("roll/big", "roll", [T(xx), 100], {"axis": -1})
    f.case("roll/too_few_shifts", "roll", [T(xx), [1]], {"axis": [0, 1]})
    f.case("roll/bad_axis", "roll", [T(xx), 1], {"axis": 3})
    f.case("roll/empty", "roll", [T(f.val("e", "float32", shape=(0, 3))), 2], {"axis": 0})
    f.case("roll/strided", "roll", [T(xx, {"slice": [[None, None, -1], [None, None, 2]]}), 1], {"axis": 1})
    f.case("flip/axes", "flip", [T(xx)], {"axis": [0, -1]})
    f.case("flip/bad_axis", "flip", [T(xx)], {"axis": 4})
    f.case("flip/bool", "flip", [T(f.val("x", "bool", shape=(2, 3, 4)))], {"axis": 1})
    f.case("unstack/axis_neg", "unstack", [T(xx)], {"axis": -1})
    f.case("unstack/bad_axis", "unstack", [T(xx)], {"axis": 3})
    f.case("unstack/empty", "unstack", [T(f.val("e", "float32", shape=(0, 3)))])
    v10 = f.val("v", "float32", shape=(10,))
    f.case("as_strided/offset", "as_strided", [T(v10), [3, 2], [3, 1], 2])
    f.case("as_strided/defaults", "as_strided", [T(xx, {"transpose": [2, 1, 0]})])
    f.case("as_strided/shape_only", "as_strided", [T(xx), [4, 6]])
    f.case("as_strided/zero_stride", "as_strided", [T(v10), [2, 5], [0, 2]])
    f.case("as_strided/int", "as_strided", [T(f.val("x", "int32", shape=(2, 3, 4))), [2, 2], [5, 7], 1])
    f.case("contiguous/strided", "contiguous", [T(xx, {"slice": [[None, None, -1], [None, None, 2]]})])
    f.case("contiguous/broadcast", "contiguous", [T(f.val("r", "float32", shape=(1, 5)), {"broadcast_to": [4, 5]})])
    f.case("contiguous/col_major", "contiguous", [T(xx, {"transpose": [2, 1, 0]})], {"allow_col_major": True})
    for src, dst in [("float32", "uint8"), ("float32", "float16"), ("int16", "int32"), ("uint8", "int8"),
                     ("float16", "bfloat16"), ("int32", "float32"), ("bool", "uint8"), ("float64", "int32"),
                     ("int8", "uint32"), ("complex64", "float32")]:
        f.case(f"view/{src}_as_{dst}", "view", [T(f.val("x", src, shape=(2, 3, 4))), {"dtype": dst}])
    f.case("view/transposed", "view", [T(f.val("x", "int16", shape=(2, 3, 4)), {"transpose": [2, 1, 0]}), {"dtype": "int32"}])
    f.case("view/bad_last_axis", "view", [T(f.val("x", "int16", shape=(2, 3))), {"dtype": "int32"}])
    f.case("view/scalar_same_size", "view", [T(f.val("s", "float32", shape=())), {"dtype": "uint32"}])
    f.case("view/scalar_other_size", "view", [T(f.val("s", "float32", shape=())), {"dtype": "uint16"}])
    return f
