"""The `minmax` family of the conformance suite (writes cases/minmax.json):
`mx.minmax`, kept apart from `reduction` so that both can change at once."""

from suite import *  # noqa: F401,F403


def build():
    f = Family("minmax")
    for dt in ["float32", "float16", "int32", "uint8", "bool"]:
        x = f.val("x", dt, shape=(2, 3, 4))
        f.case(f"all/{dt}", "minmax", [T(x)])
    x = f.val("x", "float32", shape=(2, 3, 4))
    f.case("axis1", "minmax", [T(x)], {"axis": 1})
    f.case("axes_keepdims", "minmax", [T(x)], {"axis": [0, 2], "keepdims": True})
    f.case("transposed", "minmax", [T(x, {"transpose": [2, 0, 1]})], {"axis": -1})
    f.case("special", "minmax", [T(f.special("float32", (4, 6)))], {"axis": 0})
    f.case("empty_axis", "minmax", [T(f.val("e", "float32", shape=(0, 3)))], {"axis": 0})
    f.case("bad_axis", "minmax", [T(x)], {"axis": 3})
    return f
