"""The `linalg` family of the conformance suite (writes cases/linalg.json)."""

from suite import *  # noqa: F401,F403

# ---------------------------------------------------------------- linalg


def build():
    f = Family("linalg")
    m = lambda key, shape, dt="float32": f.val(key, dt, shape=shape)  # noqa: E731
    shapes = [
        ((4,), (4,), "vec_vec"),
        ((4,), (4, 3), "vec_mat"),
        ((3, 4), (4,), "mat_vec"),
        ((3, 4), (4, 5), "mat_mat"),
        ((1, 4), (4, 1), "outer_one"),
        ((4, 1), (1, 5), "rank1"),
        ((2, 3, 4), (2, 4, 5), "batched"),
        ((2, 1, 3, 4), (5, 4, 2), "broadcast_batch"),
        ((4,), (2, 4, 3), "vec_batched"),
        ((2, 3, 4), (4,), "batched_vec"),
        ((3, 4), (2, 4, 5), "mat_batched"),
        ((3, 0), (0, 4), "k0"),
        ((0, 4), (4, 3), "m0"),
        ((2, 0, 4), (4, 3), "batch_empty"),
        ((3, 4), (5, 6), "k_mismatch"),
        ((2, 3, 4), (3, 4, 5), "batch_mismatch"),
        ((17, 33), (33, 19), "odd_sizes"),
        ((64, 65), (65, 31), "larger"),
    ]
    for sa, sb, n in shapes:
        f.case(f"matmul/{n}", "matmul", [T(m("a" + "x".join(map(str, sa)), sa)), T(m("b" + "x".join(map(str, sb)), sb))])
    for dt in ALL:
        f.case(f"matmul/{dt}", "matmul", [T(m("a3x4", (3, 4), dt)), T(m("b4x5", (4, 5), dt))])
    for x, y in [("float16", "float32"), ("int32", "float32"), ("bfloat16", "float16"), ("int8", "float16"), ("float64", "float32")]:
        f.case(f"matmul/{x}_{y}", "matmul", [T(m("a3x4", (3, 4), x)), T(m("b4x5", (4, 5), y))])
    f.case("matmul/scalar", "matmul", [T(m("s", (), "float32")), T(m("b4x5", (4, 5)))])
    f.case("matmul/a_transposed", "matmul", [T(m("a4x3", (4, 3)), {"transpose": [1, 0]}), T(m("b4x5", (4, 5)))])
    f.case("matmul/b_transposed", "matmul", [T(m("a3x4", (3, 4))), T(m("b5x4", (5, 4)), {"transpose": [1, 0]})])
    f.case("matmul/both_transposed", "matmul", [T(m("a4x3", (4, 3)), {"transpose": [1, 0]}), T(m("b5x4", (5, 4)), {"transpose": [1, 0]})])
    f.case("matmul/batch_transposed", "matmul", [T(m("a2x3x4", (2, 3, 4)), {"transpose": [1, 0, 2]}), T(m("b4x5", (4, 5)))])
    f.case("matmul/strided", "matmul", [T(m("a6x8", (6, 8)), {"slice": [[None, None, 2], [None, None, 2]]}), T(m("b4x5", (4, 5)))])
    f.case("matmul/broadcast_view", "matmul", [T(m("a3x4", (3, 4)), {"broadcast_to": [2, 3, 4]}), T(m("b2x4x5", (2, 4, 5)))])
    f.case("matmul/transposed_f16", "matmul", [T(m("a4x3", (4, 3), "float16"), {"transpose": [1, 0]}), T(m("b4x5", (4, 5), "float16"))])
    f.case("matmul/special_f32", "matmul", [T(f.special("float32", (4, 6))), T(f.special("float32", (6, 4)))])
    # not yet mapped in the Rust registry: golden data for later
    a, b = m("a3x4", (3, 4)), m("b4x5", (4, 5))
    f.case("addmm/basic", "addmm", [T(m("c3x5", (3, 5))), T(a), T(b)], {"alpha": 0.5, "beta": 2.0})
    f.case("inner/vec", "inner", [T(m("a4", (4,))), T(m("b4", (4,)))])
    f.case("outer/vec", "outer", [T(m("a4", (4,))), T(m("b4", (4,)))])
    f.case("tensordot/axes1", "tensordot", [T(a), T(b)], {"axes": 1})
    f.case("einsum/ij_jk", "einsum", ["ij,jk->ik", T(a), T(b)])
    f.case("kron/basic", "kron", [T(a), T(m("b2x2", (2, 2)))])
    f.case("vecdot/basic", "vecdot", [T(a), T(m("a3x4b", (3, 4)))])
    return f
