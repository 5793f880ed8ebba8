"""The `quantized` family: affine quantization in MLX's packed format and the
expert-indexed products (writes cases/quantized.json)."""

from suite import *  # noqa: F401,F403

BITS = [1, 2, 3, 4, 5, 6, 8]
GROUPS = [32, 64, 128]


def build():
    f = Family("quantized")
    # quantize: words (exact), scales and biases, every width and group size
    w32 = f.inp("w_f32", (8, 256), "float32", "normal", scale=1.0)
    for bits in BITS:
        for gs in GROUPS:
            f.case(f"quantize/b{bits}_g{gs}", "quantize", [T(w32)], {"group_size": gs, "bits": bits})
    for dt in ["float16", "bfloat16"]:
        wd = f.inp(f"w_{SHORT[dt]}", (4, 128), dt, "normal", scale=1.0)
        for bits in [2, 3, 4, 6, 8]:
            f.case(f"quantize/{SHORT[dt]}_b{bits}", "quantize", [T(wd)], {"group_size": 64, "bits": bits})
    wb = f.inp("w_batched", (2, 3, 64), "float32", "uniform", low=-2.0, high=3.0)
    f.case("quantize/batched", "quantize", [T(wb)], {"group_size": 32, "bits": 4})
    f.case("quantize/defaults", "quantize", [T(w32)])
    f.case("quantize/transposed_view", "quantize", [T(f.inp("w_sq", (64, 64), "float32", "normal"), {"transpose": [1, 0]})])
    f.case("quantize/empty", "quantize", [T(f.inp("w_empty", (0, 64), "float32", "normal"))])
    f.case("quantize/err_bits7", "quantize", [T(w32)], {"bits": 7})
    f.case("quantize/err_group48", "quantize", [T(w32)], {"group_size": 48})
    f.case("quantize/err_1d", "quantize", [T(f.inp("w_1d", (64,), "float32", "normal"))])
    f.case("quantize/err_indivisible", "quantize", [T(f.inp("w_odd", (2, 96), "float32", "normal"))], {"group_size": 64})
    f.case("quantize/err_int", "quantize", [T(f.inp("w_int", (2, 64), "int32", "randint"))])

    # dequantize of arbitrary packed words (as MLX would have written them)
    for bits in BITS:
        for gs in GROUPS:
            words = 256 * bits // 32
            wq = f.inp(f"wq_b{bits}", (6, words), "uint32", "randint", low=0, high=2**32)
            s = f.inp(f"s_g{gs}", (6, 256 // gs), "float32", "normal", scale=0.1)
            b = f.inp(f"b_g{gs}", (6, 256 // gs), "float32", "normal", scale=0.5)
            f.case(f"dequantize/b{bits}_g{gs}", "dequantize", [T(wq), T(s), T(b)], {"group_size": gs, "bits": bits})
    wq4 = f.inp("wq_b4", (6, 32), "uint32", "randint", low=0, high=2**32)
    for dt in ["float16", "bfloat16"]:
        s = f.inp(f"s_{SHORT[dt]}", (6, 4), dt, "normal", scale=0.1)
        b = f.inp(f"b_{SHORT[dt]}", (6, 4), dt, "normal", scale=0.5)
        f.case(f"dequantize/{SHORT[dt]}", "dequantize", [T(wq4), T(s), T(b)], {"group_size": 64, "bits": 4})
    s4 = f.inp("s_g64", (6, 4), "float32", "normal", scale=0.1)
    b4 = f.inp("b_g64", (6, 4), "float32", "normal", scale=0.5)
    f.case("dequantize/dtype_f16", "dequantize", [T(wq4), T(s4), T(b4)], {"group_size": 64, "bits": 4, "dtype": "float16"})
    f.case("dequantize/err_shape", "dequantize", [T(wq4), T(s4), T(b4)], {"group_size": 32, "bits": 4})
    f.case("dequantize/err_not_uint32", "dequantize", [T(s4), T(s4), T(b4)], {"group_size": 64, "bits": 4})

    # quantized_matmul: random packed words, x of several shapes
    for bits in [2, 3, 4, 6, 8]:
        for gs in [32, 64, 128]:
            words = 128 * bits // 32
            wq = f.inp(f"qw_b{bits}", (16, words), "uint32", "randint", low=0, high=2**32)
            s = f.inp(f"qs_g{gs}", (16, 128 // gs), "float32", "normal", scale=0.05)
            b = f.inp(f"qb_g{gs}", (16, 128 // gs), "float32", "normal", scale=0.2)
            x = f.inp("qx", (3, 128), "float32", "normal")
            f.case(f"qmm/b{bits}_g{gs}", "quantized_matmul", [T(x), T(wq), T(s), T(b)], {"group_size": gs, "bits": bits})
    # untransposed: w is [k, n]
    wqn = f.inp("qw_nt", (32, 16), "uint32", "randint", low=0, high=2**32)
    sn = f.inp("qs_nt", (32, 2), "float32", "normal", scale=0.05)
    bn = f.inp("qb_nt", (32, 2), "float32", "normal", scale=0.2)
    for m in [1, 5, 20]:
        xn = f.inp(f"qx_nt{m}", (m, 32), "float32", "normal")
        f.case(f"qmm/untransposed_m{m}", "quantized_matmul", [T(xn), T(wqn), T(sn), T(bn)], {"transpose": False, "group_size": 64, "bits": 4})
    qw = f.inp("qw_b4", (16, 16), "uint32", "randint", low=0, high=2**32)
    qs = f.inp("qs_g64", (16, 2), "float32", "normal", scale=0.05)
    qb = f.inp("qb_g64", (16, 2), "float32", "normal", scale=0.2)
    for m in [1, 9, 33]:
        xm = f.inp(f"qx_m{m}", (m, 128), "float32", "normal")
        f.case(f"qmm/m{m}", "quantized_matmul", [T(xm), T(qw), T(qs), T(qb)])
    f.case("qmm/vector_x", "quantized_matmul", [T(f.inp("qx_vec", (128,), "float32", "normal")), T(qw), T(qs), T(qb)])
    f.case("qmm/batched_x", "quantized_matmul", [T(f.inp("qx_b", (2, 3, 128), "float32", "normal")), T(qw), T(qs), T(qb)])
    for dt in ["float16", "bfloat16"]:
        xd = f.inp(f"qx_{SHORT[dt]}", (2, 128), dt, "normal")
        sd = f.inp(f"qs_{SHORT[dt]}", (16, 2), dt, "normal", scale=0.05)
        bd = f.inp(f"qb_{SHORT[dt]}", (16, 2), dt, "normal", scale=0.2)
        f.case(f"qmm/{SHORT[dt]}", "quantized_matmul", [T(xd), T(qw), T(sd), T(bd)])
        f.case(f"qmm/{SHORT[dt]}_x_f32_scales", "quantized_matmul", [T(xd), T(qw), T(qs), T(qb)])
    wqb = f.inp("qw_batched", (2, 16, 16), "uint32", "randint", low=0, high=2**32)
    sb = f.inp("qs_batched", (2, 16, 2), "float32", "normal", scale=0.05)
    bb = f.inp("qb_batched", (2, 16, 2), "float32", "normal", scale=0.2)
    f.case("qmm/batched_w", "quantized_matmul", [T(f.inp("qx_b1", (1, 3, 128), "float32", "normal")), T(wqb), T(sb), T(bb)])
    f.case("qmm/batched_w_2d_x", "quantized_matmul", [T(xm), T(wqb), T(sb), T(bb)])
    f.case("qmm/x_view", "quantized_matmul", [T(f.inp("qx_t", (128, 4), "float32", "normal"), {"transpose": [1, 0]}), T(qw), T(qs), T(qb)])
    f.case("qmm/err_k", "quantized_matmul", [T(f.inp("qx_bad", (2, 64), "float32", "normal")), T(qw), T(qs), T(qb)])
    f.case("qmm/err_bits", "quantized_matmul", [T(xm), T(qw), T(qs), T(qb)], {"bits": 3})
    f.case("qmm/grad_x", "quantized_matmul", [T(xm), T(qw), T(qs), T(qb)], grad=[0])
    f.case("qmm/grad_scales_biases", "quantized_matmul", [T(f.inp("qx_m9", (9, 128), "float32", "normal")), T(qw), T(qs), T(qb)], grad=[0, 2, 3])

    # gather_mm: experts and top-k routing
    a = f.inp("ga", (6, 1, 16), "float32", "normal")
    a4 = f.inp("ga4d", (6, 1, 1, 16), "float32", "normal")
    bx = f.inp("gb", (4, 16, 8), "float32", "normal")
    ri = f.inp("gri", (6, 2), "uint32", "randint", low=0, high=4)
    li = f.inp("gli", (6, 2), "uint32", "randint", low=0, high=6)
    f.case("gather_mm/rhs", "gather_mm", [T(a4), T(bx)], {"rhs_indices": T(ri)})
    f.case("gather_mm/lhs_rhs", "gather_mm", [T(a), T(bx), T(li), T(ri)])
    f.case("gather_mm/sorted", "gather_mm", [T(a), T(bx)], {"rhs_indices": T(f.inp("gri_sorted", (6,), "uint32", "values", values=[0, 0, 1, 2, 2, 3])), "sorted_indices": True})
    f.case("gather_mm/lhs_only", "gather_mm", [T(f.inp("ga4", (4, 3, 16), "float32", "normal")), T(f.inp("gb5", (5, 16, 8), "float32", "normal")), T(f.inp("gli5b", (5,), "int32", "values", values=[3, 0, 1, 1, 2]))])
    f.case("gather_mm/err_broadcast", "gather_mm", [T(f.inp("ga4", (4, 3, 16), "float32", "normal")), T(bx), T(f.inp("gli4", (5,), "int32", "values", values=[3, 0, 1, 1, 2]))])
    f.case("gather_mm/none", "gather_mm", [T(a), T(f.inp("gb6", (6, 16, 8), "float32", "normal"))])
    a2 = f.inp("ga_m3", (5, 3, 16), "float32", "normal")
    f.case("gather_mm/m3", "gather_mm", [T(a2), T(bx)], {"lhs_indices": T(f.inp("gli5", (5,), "uint32", "values", values=[4, 3, 2, 1, 0])), "rhs_indices": T(f.inp("gri5", (5,), "uint32", "values", values=[1, 1, 3, 0, 1]))})
    for dt in ["float16", "bfloat16"]:
        f.case(f"gather_mm/{SHORT[dt]}", "gather_mm", [T(f.inp(f"ga_{SHORT[dt]}", (6, 1, 1, 16), dt, "normal")), T(f.inp(f"gb_{SHORT[dt]}", (4, 16, 8), dt, "normal"))], {"rhs_indices": T(ri)})
    f.case("gather_mm/vector_a", "gather_mm", [T(f.inp("ga_vec", (16,), "float32", "normal")), T(bx)], {"rhs_indices": T(f.inp("gri3", (3,), "uint32", "values", values=[3, 1, 0]))})
    f.case("gather_mm/err_k", "gather_mm", [T(a), T(f.inp("gb_bad", (4, 8, 8), "float32", "normal"))], {"rhs_indices": T(ri)})
    f.case("gather_mm/err_float_indices", "gather_mm", [T(a), T(bx)], {"rhs_indices": T(f.inp("gri_f", (6,), "float32", "normal"))})
    f.case("gather_mm/err_int", "gather_mm", [T(f.inp("ga_int", (2, 1, 4), "int32", "randint")), T(f.inp("gb_int", (2, 4, 3), "int32", "randint"))], {"rhs_indices": T(f.inp("gri2", (2,), "uint32", "values", values=[1, 0]))})
    f.case("gather_mm/grad", "gather_mm", [T(a), T(bx), T(li), T(ri)], grad=[0, 1])
    f.case("gather_mm/grad_rhs", "gather_mm", [T(a2), T(bx), T(f.inp("gli5", (5,), "uint32", "values", values=[4, 3, 2, 1, 0])), T(f.inp("gri5", (5,), "uint32", "values", values=[1, 1, 3, 0, 1]))], grad=[0, 1])

    # gather_qmm: quantized experts
    ew = f.inp("ew", (4, 16, 16), "uint32", "randint", low=0, high=2**32)
    es = f.inp("es", (4, 16, 2), "float32", "normal", scale=0.05)
    eb = f.inp("eb", (4, 16, 2), "float32", "normal", scale=0.2)
    ex = f.inp("ex", (6, 1, 128), "float32", "normal")
    ex4 = f.inp("ex4", (6, 1, 1, 128), "float32", "normal")
    f.case("gather_qmm/rhs", "gather_qmm", [T(ex4), T(ew), T(es), T(eb)], {"rhs_indices": T(ri)})
    f.case("gather_qmm/lhs_rhs", "gather_qmm", [T(ex), T(ew), T(es), T(eb), T(li), T(ri)])
    f.case("gather_qmm/sorted", "gather_qmm", [T(ex), T(ew), T(es), T(eb)], {"rhs_indices": T(f.inp("gri_sorted", (6,), "uint32", "values", values=[0, 0, 1, 2, 2, 3])), "sorted_indices": True})
    ewn = f.inp("ew_nt", (4, 128, 4), "uint32", "randint", low=0, high=2**32)
    esn = f.inp("es_nt", (4, 128, 1), "float32", "normal", scale=0.05)
    ebn = f.inp("eb_nt", (4, 128, 1), "float32", "normal", scale=0.2)
    f.case("gather_qmm/untransposed", "gather_qmm", [T(ex4), T(ewn), T(esn), T(ebn)], {"rhs_indices": T(ri), "transpose": False, "group_size": 32})
    f.case("gather_qmm/b8", "gather_qmm", [T(ex4), T(f.inp("ew8", (4, 16, 32), "uint32", "randint", low=0, high=2**32)), T(es), T(eb)], {"rhs_indices": T(ri), "bits": 8, "group_size": 64})
    f.case("gather_qmm/f16", "gather_qmm", [T(f.inp("ex_f16", (6, 1, 1, 128), "float16", "normal")), T(ew), T(f.inp("es_f16", (4, 16, 2), "float16", "normal", scale=0.05)), T(f.inp("eb_f16", (4, 16, 2), "float16", "normal", scale=0.2))], {"rhs_indices": T(ri)})
    f.case("gather_qmm/grad_x", "gather_qmm", [T(ex), T(ew), T(es), T(eb), T(li), T(ri)], grad=[0])
    return f
