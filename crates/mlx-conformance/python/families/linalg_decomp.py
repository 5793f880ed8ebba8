"""The `linalg_decomp` family of the conformance suite (writes
cases/linalg_decomp.json): `mx.linalg`'s factorizations, inverses, solves,
determinants, norms and cross products: float32/float64, batched, 1x1,
empty where MLX allows it, non-contiguous inputs, and MLX's errors (wrong
dtype, rank or squareness, singular matrices, bad `ord`/axis).

Singular vectors and eigenvectors are unique only up to sign: the runner
compares them by absolute value (see `compare::sign_free`); the inputs have
distinct singular values and eigenvalues, so the columns are otherwise
determined. Matrices with structure (symmetric positive definite,
triangular) are given as values computed here with a seeded
`random.Random`, so this file needs only the standard library.
"""

import random

from suite import *  # noqa: F401,F403


def _rng(key):
    return random.Random(sum(ord(c) * (i + 1) for i, c in enumerate(key)))


def _gauss(key, rows, cols):
    r = _rng(key)
    return [[r.gauss(0.0, 1.0) for _ in range(cols)] for _ in range(rows)]


def _spd(key, n):
    """B Bᵀ + n I: symmetric positive definite, well conditioned."""
    b = _gauss(key, n, n)
    return [[sum(b[i][k] * b[j][k] for k in range(n)) + (n if i == j else 0.0) for j in range(n)] for i in range(n)]


def _lower(key, n):
    """Lower triangular with a diagonal of magnitude in [1, 2]; garbage
    above the diagonal (the kernels must not read it)."""
    r = _rng(key)
    out = []
    for i in range(n):
        row = []
        for j in range(n):
            if j < i:
                row.append(r.gauss(0.0, 1.0))
            elif j == i:
                row.append(r.choice([-1, 1]) * r.uniform(1.0, 2.0))
            else:
                row.append(100.0 + r.gauss(0.0, 1.0))
        out.append(row)
    return out


def _flat(rows):
    return [x for row in rows for x in row]


def build():
    f = Family("linalg_decomp")
    t = lambda key, shape, dt="float32": T(f.val(key, dt, shape=shape))  # noqa: E731

    def values(key, shape, dt, mats):
        return T(f.inp(f"{key}_{SHORT[dt]}", shape, dt, "values", values=[x for m in mats for x in _flat(m)]))

    def spd(key, n, dt="float32", batch=()):
        count = 1
        for b in batch:
            count *= b
        tag = f"{key}{n}" + "".join(f"b{b}" for b in batch)
        return values(tag, (*batch, n, n), dt, [_spd(f"{key}{n}/{i}", n) for i in range(count)])

    def lower(key, n, dt="float32", batch=()):
        count = 1
        for b in batch:
            count *= b
        tag = f"{key}{n}" + "".join(f"b{b}" for b in batch)
        return values(tag, (*batch, n, n), dt, [_lower(f"{key}{n}/{i}", n) for i in range(count)])

    sing = T(f.inp("singular", (2, 2), "float32", "values", values=[1.0, 2.0, 2.0, 4.0]))
    sing3 = T(f.inp("singular3", (3, 3), "float32", "values", values=[1.0, 2.0, 3.0, 2.0, 4.0, 6.0, 1.0, 0.0, 1.0]))
    perm3 = T(f.inp("perm3", (3, 3), "float32", "values", values=[1.0, 2.0, 0.0, 3.0, 4.0, 1.0, 5.0, 6.0, 9.0]))
    zero_diag = T(f.inp("zero_diag", (2, 2), "float32", "values", values=[0.0, 0.0, 1.0, 3.0]))
    one = T(f.inp("one", (1, 1), "float32", "values", values=[2.5]))
    empty = t("e", (0, 0))
    vec = t("v", (4,))
    sq_f32, sq_f64 = t("a", (4, 4)), t("a", (4, 4), "float64")
    batch = t("b", (2, 3, 3, 3))
    transposed = T(f.val("at", "float32", shape=(4, 4)), {"transpose": [1, 0]})
    strided = T(f.val("as", "float32", shape=(8, 4)), {"slice": [[None, None, 2], [None, None, 1]]})
    tall, wide = t("tall", (5, 3)), t("wide", (3, 5))

    # -------------------------------------------------- inv / tri_inv / pinv
    for name, a in [("f32", sq_f32), ("f64", sq_f64), ("batched", batch), ("1x1", one),
                    ("transposed", transposed), ("strided", strided), ("perm", perm3)]:
        f.case(f"inv/{name}", "linalg.inv", [a])
    f.case("inv/singular", "linalg.inv", [sing])
    f.case("inv/singular3", "linalg.inv", [sing3])
    f.case("inv/err_nonsquare", "linalg.inv", [wide])
    f.case("inv/err_1d", "linalg.inv", [vec])
    for dt in ["float16", "bfloat16", "int32", "complex64"]:
        f.case(f"inv/err_{dt}", "linalg.inv", [t("a", (4, 4), dt)])
    for up in [False, True]:
        u = "upper" if up else "lower"
        f.case(f"tri_inv/{u}", "linalg.tri_inv", [lower("lo", 4)], {"upper": up})
        f.case(f"tri_inv/{u}_f64", "linalg.tri_inv", [lower("lo", 4, "float64")], {"upper": up})
        f.case(f"tri_inv/{u}_batched", "linalg.tri_inv", [lower("lo", 3, batch=(2, 2))], {"upper": up})
    f.case("tri_inv/transposed", "linalg.tri_inv", [T(lower("lo", 4)["tensor"], {"transpose": [1, 0]})], {"upper": True})
    f.case("tri_inv/1x1", "linalg.tri_inv", [one])
    f.case("tri_inv/singular", "linalg.tri_inv", [zero_diag])
    f.case("tri_inv/err_nonsquare", "linalg.tri_inv", [wide])
    f.case("tri_inv/err_int", "linalg.tri_inv", [t("a", (4, 4), "int32")])
    for name, a in [("square", sq_f32), ("f64", sq_f64), ("tall", tall), ("wide", wide), ("batched", batch),
                    ("singular", sing), ("1x1", one), ("transposed", transposed)]:
        f.case(f"pinv/{name}", "linalg.pinv", [a])
    f.case("pinv/err_1d", "linalg.pinv", [vec])
    f.case("pinv/err_f16", "linalg.pinv", [t("a", (4, 4), "float16")])

    # -------------------------------------------------- cholesky
    for up in [False, True]:
        u = "upper" if up else "lower"
        f.case(f"cholesky/{u}", "linalg.cholesky", [spd("spd", 4)], {"upper": up})
        f.case(f"cholesky/{u}_f64", "linalg.cholesky", [spd("spd", 4, "float64")], {"upper": up})
        f.case(f"cholesky/{u}_batched", "linalg.cholesky", [spd("spd", 3, batch=(2, 3))], {"upper": up})
        f.case(f"cholesky_inv/{u}", "linalg.cholesky_inv", [lower("lo", 4)] if not up else
               [T(lower("lo", 4)["tensor"], {"transpose": [1, 0]})], {"upper": up})
    f.case("cholesky/positional_upper", "linalg.cholesky", [spd("spd", 4), True])
    f.case("cholesky/larger", "linalg.cholesky", [spd("spd", 12, "float64")])
    f.case("cholesky/1x1", "linalg.cholesky", [one])
    f.case("cholesky/empty", "linalg.cholesky", [empty])
    f.case("cholesky/reads_lower", "linalg.cholesky", [T(f.inp("lower_only", (2, 2), "float32", "values", values=[4.0, 100.0, 2.0, 3.0]))])
    f.case("cholesky/err_nonsquare", "linalg.cholesky", [wide])
    f.case("cholesky/err_1d", "linalg.cholesky", [vec])
    f.case("cholesky/err_int", "linalg.cholesky", [t("a", (4, 4), "int32")])
    f.case("cholesky/err_f16", "linalg.cholesky", [t("a", (4, 4), "float16")])
    f.case("cholesky_inv/f64_batched", "linalg.cholesky_inv", [lower("lo", 3, "float64", batch=(2,))])
    f.case("cholesky_inv/err_nonsquare", "linalg.cholesky_inv", [wide])

    # -------------------------------------------------- qr / svd / eigh
    for name, a in [("square", sq_f32), ("f64", sq_f64), ("tall", tall), ("wide", wide), ("batched", batch),
                    ("1x1", one), ("transposed", transposed), ("strided", strided), ("empty", empty)]:
        f.case(f"qr/{name}", "linalg.qr", [a])
        f.case(f"svd/{name}", "linalg.svd", [a])
        f.case(f"svd/{name}_values", "linalg.svd", [a], {"compute_uv": False})
    f.case("qr/err_1d", "linalg.qr", [vec])
    f.case("qr/err_int", "linalg.qr", [t("a", (4, 4), "int32")])
    f.case("svd/larger", "linalg.svd", [t("big", (10, 10), "float64")])
    f.case("svd/singular_values", "linalg.svd", [sing, False])
    f.case("svd/err_1d", "linalg.svd", [vec])
    f.case("svd/err_int", "linalg.svd", [t("a", (4, 4), "int32")])
    f.case("svd/err_f16", "linalg.svd", [t("a", (4, 4), "float16")])
    for name, a in [("f32", spd("spd", 4)), ("f64", spd("spd", 4, "float64")), ("general", sq_f32),
                    ("batched", batch), ("1x1", one), ("empty", empty), ("transposed", transposed)]:
        f.case(f"eigh/{name}", "linalg.eigh", [a])
        f.case(f"eigvalsh/{name}", "linalg.eigvalsh", [a])
    f.case("eigh/upper", "linalg.eigh", [sq_f32], {"UPLO": "U"})
    f.case("eigh/upper_f64", "linalg.eigh", [sq_f64], {"UPLO": "U"})
    f.case("eigvalsh/upper", "linalg.eigvalsh", [sq_f32], {"UPLO": "U"})
    f.case("eigh/larger", "linalg.eigh", [spd("spd", 10, "float64")])
    f.case("eigh/err_nonsquare", "linalg.eigh", [wide])
    f.case("eigh/err_1d", "linalg.eigh", [vec])
    f.case("eigh/err_int", "linalg.eigh", [t("a", (4, 4), "int32")])
    f.case("eigvalsh/err_nonsquare", "linalg.eigvalsh", [wide])
    f.case("eigvalsh/err_bf16", "linalg.eigvalsh", [t("a", (4, 4), "bfloat16")])

    # -------------------------------------------------- lu / lu_factor
    for name, a in [("square", sq_f32), ("f64", sq_f64), ("tall", tall), ("wide", wide), ("batched", batch),
                    ("1x1", one), ("perm", perm3), ("singular", sing), ("transposed", transposed)]:
        f.case(f"lu/{name}", "linalg.lu", [a])
        f.case(f"lu_factor/{name}", "linalg.lu_factor", [a])
    f.case("lu/err_1d", "linalg.lu", [vec])
    f.case("lu/err_int", "linalg.lu", [t("a", (4, 4), "int32")])
    f.case("lu_factor/err_f16", "linalg.lu_factor", [t("a", (4, 4), "float16")])

    # -------------------------------------------------- det / slogdet
    for name, a in [("f32", sq_f32), ("f64", sq_f64), ("batched", batch), ("1x1", one), ("singular", sing),
                    ("perm", perm3), ("empty", empty), ("int", t("a", (4, 4), "int32")), ("transposed", transposed)]:
        f.case(f"det/{name}", "linalg.det", [a])
        f.case(f"slogdet/{name}", "linalg.slogdet", [a])
    for n in [1, 2, 3]:
        f.case(f"det/f16_{n}x{n}", "linalg.det", [t("h", (n, n), "float16")])
        f.case(f"det/bf16_{n}x{n}", "linalg.det", [t("h", (n, n), "bfloat16")])
        f.case(f"det/f64_{n}x{n}", "linalg.det", [t("h", (2, n, n), "float64")])
        f.case(f"slogdet/f16_{n}x{n}", "linalg.slogdet", [t("h", (n, n), "float16")])
        f.case(f"det/grad_{n}x{n}", "linalg.det", [t("h", (2, n, n))], grad=[0])
        f.case(f"slogdet/grad_{n}x{n}", "linalg.slogdet", [t("h", (2, n, n))], grad=[0])
    f.case("det/err_f16_4x4", "linalg.det", [t("a", (4, 4), "float16")])
    f.case("det/bool", "linalg.det", [T(f.inp("bm", (2, 2), "bool", "bool"))])
    f.case("det/err_nonsquare", "linalg.det", [wide])
    f.case("det/err_1d", "linalg.det", [vec])
    f.case("det/err_complex", "linalg.det", [t("a", (4, 4), "complex64")])
    f.case("slogdet/err_nonsquare", "linalg.slogdet", [wide])

    # -------------------------------------------------- solve / solve_triangular
    b_vec, b_mat = t("rhs", (4,)), t("rhs", (4, 2))
    f.case("solve/vector", "linalg.solve", [sq_f32, b_vec])
    f.case("solve/matrix", "linalg.solve", [sq_f32, b_mat])
    f.case("solve/f64", "linalg.solve", [sq_f64, t("rhs", (4, 2), "float64")])
    f.case("solve/mixed_dtype", "linalg.solve", [sq_f32, t("rhs", (4, 2), "float64")])
    f.case("solve/int_rhs", "linalg.solve", [sq_f32, t("rhs", (4,), "int32")])
    f.case("solve/batched", "linalg.solve", [batch, t("rhs", (2, 3, 3, 2))])
    f.case("solve/transposed", "linalg.solve", [transposed, b_mat])
    f.case("solve/perm", "linalg.solve", [perm3, t("rhs", (3,))])
    f.case("solve/singular", "linalg.solve", [sing, t("rhs", (2,))])
    f.case("solve/err_shape", "linalg.solve", [sq_f32, t("rhs", (3,))])
    f.case("solve/err_nonsquare", "linalg.solve", [wide, t("rhs", (3,))])
    f.case("solve/err_int", "linalg.solve", [t("a", (4, 4), "int32"), t("rhs", (4,), "int32")])
    f.case("solve/err_f16", "linalg.solve", [t("a", (4, 4), "float16"), t("rhs", (4,), "float16")])
    for up in [False, True]:
        u = "upper" if up else "lower"
        tri = lower("lo", 4) if not up else T(lower("lo", 4)["tensor"], {"transpose": [1, 0]})
        f.case(f"solve_triangular/{u}_vector", "linalg.solve_triangular", [tri, b_vec], {"upper": up})
        f.case(f"solve_triangular/{u}_matrix", "linalg.solve_triangular", [tri, b_mat], {"upper": up})
    f.case("solve_triangular/f64", "linalg.solve_triangular", [lower("lo", 4, "float64"), t("rhs", (4, 2), "float64")])
    f.case("solve_triangular/broadcast", "linalg.solve_triangular", [lower("lo", 3, batch=(2,)), t("rhs", (3, 2))])
    f.case("solve_triangular/broadcast_rhs", "linalg.solve_triangular", [lower("lo", 3), t("rhs", (2, 3, 2))])
    f.case("solve_triangular/singular", "linalg.solve_triangular", [zero_diag, t("rhs", (2,))])
    f.case("solve_triangular/err_shape", "linalg.solve_triangular", [lower("lo", 4), t("rhs", (3,))])
    f.case("solve_triangular/err_int", "linalg.solve_triangular", [t("a", (4, 4), "int32"), t("rhs", (4,), "int32")])

    # -------------------------------------------------- norm
    x, v3 = t("x", (3, 4)), t("v", (5,))
    x3 = t("x", (2, 3, 4))
    inf = float("inf")
    enc = lambda o: {"float": str(o)} if o in (inf, -inf) else o  # noqa: E731
    for o in [None, 1, -1, 2, -2, inf, -inf, 0, 3, 0.5]:
        name = {None: "default", inf: "inf", -inf: "neg_inf", 0.5: "half"}.get(o, str(o).replace("-", "neg"))
        f.case(f"norm/vec_{name}", "linalg.norm", [v3, enc(o)])
    for o in [None, "fro", "nuc", 1, -1, 2, -2, inf, -inf]:
        name = {None: "default", inf: "inf", -inf: "neg_inf"}.get(o, str(o).replace("-", "neg"))
        f.case(f"norm/mat_{name}", "linalg.norm", [x, enc(o)])
        f.case(f"norm/mat_{name}_keepdims", "linalg.norm", [x, enc(o)], {"keepdims": True})
        f.case(f"norm/batched_{name}", "linalg.norm", [x3, enc(o), [2, 0]])
        f.case(f"norm/batched_{name}_keepdims", "linalg.norm", [x3, enc(o), [0, 2]], {"keepdims": True})
    f.case("norm/f64_nuc", "linalg.norm", [t("x", (3, 4), "float64"), "nuc"])
    f.case("norm/f16", "linalg.norm", [t("x", (3, 4), "float16")])
    f.case("norm/f16_ord0", "linalg.norm", [t("v", (5,), "float16"), 0])
    f.case("norm/int", "linalg.norm", [t("x", (3, 4), "int32")])
    f.case("norm/int_ord1", "linalg.norm", [t("v", (5,), "int32"), 1])
    f.case("norm/int_mat_inf", "linalg.norm", [t("x", (3, 4), "int32"), enc(inf)])
    f.case("norm/complex", "linalg.norm", [t("v", (5,), "complex64")])
    f.case("norm/axis", "linalg.norm", [x3], {"axis": 1})
    f.case("norm/axes3", "linalg.norm", [x3], {"axis": [0, 1, 2]})
    f.case("norm/all_3d", "linalg.norm", [x3])
    f.case("norm/all_3d_keepdims", "linalg.norm", [x3], {"keepdims": True})
    f.case("norm/vec_axis_neg", "linalg.norm", [x, 3], {"axis": -1})
    f.case("norm/transposed", "linalg.norm", [transposed, 2])
    f.case("norm/scalar", "linalg.norm", [T(f.inp("s", (), "float32", "values", values=[-3.0]))])
    f.case("norm/empty", "linalg.norm", [t("e", (0,))])
    f.case("norm/err_fro_vec", "linalg.norm", [v3, "fro"])
    f.case("norm/err_nuc_vec", "linalg.norm", [v3, "nuc"])
    f.case("norm/err_bad_str", "linalg.norm", [x, "abc"])
    f.case("norm/err_mat_ord3", "linalg.norm", [x, 3])
    f.case("norm/err_mat_ord0", "linalg.norm", [x, 0])
    f.case("norm/err_too_many_axes", "linalg.norm", [x3, 2])
    f.case("norm/err_dup_axes", "linalg.norm", [x], {"axis": [0, 0]})
    f.case("norm/err_bad_axis", "linalg.norm", [x], {"axis": 2})
    f.case("norm/err_int_nuc", "linalg.norm", [t("x", (3, 4), "int32"), "nuc"])
    f.case("norm/err_empty_inf", "linalg.norm", [t("e", (0,)), enc(inf)])

    # -------------------------------------------------- cross
    a3, b3 = t("c", (4, 3)), t("d", (4, 3))
    f.case("cross/basic", "linalg.cross", [a3, b3])
    f.case("cross/f64", "linalg.cross", [t("c", (4, 3), "float64"), t("d", (4, 3), "float64")])
    f.case("cross/axis0", "linalg.cross", [t("c", (3, 5)), t("d", (3, 5))], {"axis": 0})
    f.case("cross/broadcast", "linalg.cross", [a3, t("d", (1, 3))])
    f.case("cross/two", "linalg.cross", [t("c", (4, 2)), t("d", (4, 2))])
    f.case("cross/two_three", "linalg.cross", [t("c", (4, 2)), b3])
    f.case("cross/three_two", "linalg.cross", [a3, t("d", (4, 2))])
    f.case("cross/int", "linalg.cross", [t("c", (4, 3), "int32"), t("d", (4, 3), "int32")])
    f.case("cross/uint8", "linalg.cross", [t("c", (4, 3), "uint8"), t("d", (4, 3), "uint8")])
    f.case("cross/mixed", "linalg.cross", [t("c", (4, 3), "int32"), b3])
    f.case("cross/f16", "linalg.cross", [t("c", (4, 3), "float16"), t("d", (4, 3), "float16")])
    f.case("cross/complex", "linalg.cross", [t("c", (4, 3), "complex64"), b3])
    f.case("cross/transposed", "linalg.cross", [T(f.val("ct", "float32", shape=(3, 4)), {"transpose": [1, 0]}), b3])
    f.case("cross/err_size4", "linalg.cross", [t("c", (4, 4)), t("d", (4, 4))])
    f.case("cross/err_axis", "linalg.cross", [a3, b3], {"axis": 2})
    f.case("cross/err_broadcast", "linalg.cross", [a3, t("d", (2, 3))])
    f.case("cross/err_0d", "linalg.cross", [T(f.inp("s", (), "float32", "values", values=[-3.0])),
                                             T(f.inp("s", (), "float32", "values", values=[-3.0]))])

    # -------------------------------------------------- gradients
    # MLX 0.32.4 differentiates det and slogdet (and the cross product, a
    # composition) but none of the factorizations: those must raise
    for name, a in [("f32", sq_f32), ("f64", sq_f64), ("batched", batch), ("perm", perm3)]:
        f.case(f"det/grad_{name}", "linalg.det", [a], grad=[0])
        f.case(f"slogdet/grad_{name}", "linalg.slogdet", [a], grad=[0])
    f.case("cross/grad", "linalg.cross", [a3, b3], grad=[0, 1])
    f.case("cross/grad_two", "linalg.cross", [t("c", (4, 2)), b3], grad=[0, 1])
    f.case("norm/grad_default", "linalg.norm", [x], grad=[0])
    f.case("norm/grad_inf", "linalg.norm", [v3, enc(inf)], grad=[0])
    for op, a in [("inv", sq_f32), ("cholesky", spd("spd", 4)), ("qr", sq_f32), ("svd", sq_f32), ("eigh", sq_f32),
                  ("eigvalsh", sq_f32), ("pinv", sq_f32), ("tri_inv", sq_f32), ("cholesky_inv", sq_f32)]:
        f.case(f"{op}/err_grad", f"linalg.{op}", [a], grad=[0])
    f.case("solve_triangular/err_grad", "linalg.solve_triangular", [lower("lo", 4), b_vec], grad=[0, 1])
    return f
