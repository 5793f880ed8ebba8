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
    a, b = m("a3x4", (3, 4)), m("b4x5", (4, 5))
    f.case("addmm/basic", "addmm", [T(m("c3x5", (3, 5))), T(a), T(b)], {"alpha": 0.5, "beta": 2.0})
    f.case("inner/vec", "inner", [T(m("a4", (4,))), T(m("b4", (4,)))])
    f.case("outer/vec", "outer", [T(m("a4", (4,))), T(m("b4", (4,)))])
    f.case("tensordot/axes1", "tensordot", [T(a), T(b)], {"axes": 1})
    f.case("einsum/ij_jk", "einsum", ["ij,jk->ik", T(a), T(b)])
    f.case("kron/basic", "kron", [T(a), T(m("b2x2", (2, 2)))])
    f.case("vecdot/basic", "vecdot", [T(a), T(m("a3x4b", (3, 4)))])
    c3, v4, v3 = m("c3x5", (3, 5)), m("a4", (4,)), m("v3", (3,))
    b3 = m("b2x3x4", (2, 3, 4))
    f.case("addmm/defaults", "addmm", [T(c3), T(a), T(b)])
    f.case("addmm/c_row", "addmm", [T(m("r5", (5,))), T(a), T(b)], {"alpha": -1.0, "beta": 0.25})
    f.case("addmm/vec_a", "addmm", [T(m("r5", (5,))), T(v4), T(b)])
    f.case("addmm/vec_b", "addmm", [T(v3), T(a), T(v4)], {"beta": 0.0})
    f.case("addmm/batched", "addmm", [T(m("c2x3x5", (2, 3, 5))), T(b3), T(b)], {"alpha": 2.0})
    f.case("addmm/f16", "addmm", [T(f.val("c3x5", "float16", shape=(3, 5))), T(f.val("a3x4", "float16", shape=(3, 4))), T(f.val("b4x5", "float16", shape=(4, 5)))])
    f.case("addmm/bad_c", "addmm", [T(m("c2x2x3x5", (2, 2, 3, 5))), T(a), T(b)])
    f.case("addmm/int", "addmm", [T(f.val("c", "int32", shape=(3, 5))), T(f.val("a", "int32", shape=(3, 4))), T(f.val("b", "int32", shape=(4, 5)))])
    f.case("addmm/bad_k", "addmm", [T(c3), T(a), T(m("b3x5", (3, 5)))])
    f.case("inner/matrices", "inner", [T(b3), T(a)])
    f.case("inner/scalar", "inner", [T(m("s", ())), T(a)])
    f.case("inner/mismatch", "inner", [T(a), T(b)])
    f.case("outer/matrices", "outer", [T(a), T(v3)])
    f.case("outer/int", "outer", [T(f.val("a", "int32", shape=(3, 4))), T(f.val("v", "int32", shape=(3,)))])
    f.case("tensordot/default", "tensordot", [T(b3), T(m("m3x4x2", (3, 4, 2)))])
    f.case("tensordot/axes0", "tensordot", [T(v4), T(v3)], {"axes": 0})
    f.case("tensordot/lists", "tensordot", [T(b3), T(m("m4x3", (4, 3)))], {"axes": [[1, 2], [1, 0]]})
    f.case("tensordot/neg_axes", "tensordot", [T(b3), T(a)], {"axes": [[-1], [1]]})
    f.case("tensordot/mismatch", "tensordot", [T(a), T(b)], {"axes": [[0], [0]]})
    f.case("tensordot/too_many", "tensordot", [T(a), T(b)], {"axes": 3})
    f.case("kron/3d_2d", "kron", [T(m("k2x1x2", (2, 1, 2))), T(m("b2x2", (2, 2)))])
    f.case("kron/int", "kron", [T(f.val("a", "int32", shape=(3, 4))), T(f.val("v", "int32", shape=(3,)))])
    f.case("kron/empty", "kron", [T(m("e0", (0,))), T(a)])
    f.case("vecdot/axis0", "vecdot", [T(a), T(m("a3x4b", (3, 4)))], {"axis": 0})
    f.case("vecdot/broadcast", "vecdot", [T(b3), T(m("r1x4", (1, 4)))], {"axis": -1})
    f.case("vecdot/complex", "vecdot", [T(f.val("z", "complex64", shape=(3, 4))), T(f.val("w", "complex64", shape=(3, 4)))])
    f.case("vecdot/int", "vecdot", [T(f.val("a", "int32", shape=(3, 4))), T(f.val("b", "int32", shape=(3, 4)))])
    f.case("vecdot/size_mismatch", "vecdot", [T(a), T(b)], {"axis": 0})
    ein = [
        ("ij_jk_implicit", "ij,jk", [a, b]),
        ("bmm", "bij,bjk->bik", [b3, m("b2x4x5", (2, 4, 5))]),
        ("transpose", "ij->ji", [a]),
        ("trace", "ii", [m("sq4", (4, 4))]),
        ("diag", "ii->i", [m("sq4", (4, 4))]),
        ("diag3", "iji->j", [m("d2x3x2", (2, 3, 2))]),
        ("sum_all", "ijk->", [b3]),
        ("sum_axis", "ijk->kj", [b3]),
        ("dot", "i,i->", [v4, m("b4", (4,))]),
        ("outer", "i,j->ij", [v4, v3]),
        ("outer3", "i,j,k->kji", [v4, v3, m("v2", (2,))]),
        ("chain", "ij,jk,kl->il", [a, b, m("m5x2", (5, 2))]),
        ("ellipsis", "...ij,...jk->...ik", [m("e2x1x3x4", (2, 1, 3, 4)), m("e5x4x2", (5, 4, 2))]),
        ("ellipsis_mid", "i...,i->i...", [b3, m("v2", (2,))]),
        ("ellipsis_implicit", "...,...", [v3, v3]),
        ("ellipsis_sorted", "b...a", [b3]),
        ("broadcast_one", "i,i", [v3, m("v1", (1,))]),
        ("bilinear", "bn,anm,bm->ba", [m("bl2x3", (2, 3)), m("bl4x3x5", (4, 3, 5)), m("bl2x5", (2, 5))]),
        ("batch_diag", "bii->bi", [m("bd2x3x3", (2, 3, 3))]),
        ("hadamard", "ij,ij->ij", [a, m("a3x4b", (3, 4))]),
        ("contract_two", "ijk,jkl->il", [b3.replace("b2x3x4", "b2x3x4") if False else b3, m("m3x4x2", (3, 4, 2))]),
        ("bad_shape", "ij,jk->ik", [a, a]),
        ("bad_count", "ij,jk->ik", [a]),
        ("repeat_out", "ij->ii", [a]),
        ("bad_out", "ij->k", [a]),
        ("bad_ndim", "ijk", [a]),
    ]
    for name, spec, ops in ein:
        f.case(f"einsum/{name}", "einsum", [spec] + [T(o) for o in ops])
    f.case("einsum/f16_mixed", "einsum", ["ij,jk->ik", T(f.val("a3x4", "float16", shape=(3, 4))), T(b)])
    f.case("einsum/int_outer", "einsum", ["i,j->ij", T(f.val("v", "int32", shape=(3,))), T(f.val("v", "int32", shape=(3,)))])
    f.case("einsum/int_contract", "einsum", ["ij,jk->ik", T(f.val("a", "int32", shape=(3, 4))), T(f.val("b", "int32", shape=(4, 5)))])
    f.case("einsum/transposed_view", "einsum", ["ij,jk->ik", T(b, {"transpose": [1, 0]}), T(a)])
    return f
