"""The `nan_to_num` family of the conformance suite (writes
cases/nan_to_num.json): `mx.nan_to_num` over every dtype and its keywords,
kept apart from the large `unary` family."""

from suite import *  # noqa: F401,F403


def build():
    f = Family("nan_to_num")
    for dt in ["float32", "float16", "bfloat16", "float64", "complex64", "int32", "bool"]:
        f.case(dt, "nan_to_num", [T(f.special(dt))])
    f.case("values", "nan_to_num", [T(f.special("float32"))], {"nan": 1.5, "posinf": 7.0, "neginf": -3.0})
    f.case("f16_overflow", "nan_to_num", [T(f.special("float16"))], {"posinf": 1e10})
    f.case("positional", "nan_to_num", [T(f.special("bfloat16")), -1.0, None, 2.0])
    f.case("transposed", "nan_to_num", [T(f.special("float32", (4, 6)), {"transpose": [1, 0]})], {"nan": -2.0})
    return f
