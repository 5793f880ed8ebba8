"""The `conv` family of the conformance suite (writes cases/conv.json):
convolutions with strides, padding, dilation, groups, flips, every float
dtype, 1x1 and edge sizes, MLX's errors, and gradients."""

from suite import *  # noqa: F401,F403


def build():
    f = Family("conv")
    t = lambda key, shape, dt="float32": T(f.val(key, dt, shape=shape))  # noqa: E731

    # conv1d: input (N, L, C), weight (O, K, C / groups)
    x1, w1 = (2, 9, 4), (3, 3, 4)
    f.case("conv1d/basic", "conv1d", [t("x", x1), t("w", w1)])
    for dt in FLOATS:
        f.case(f"conv1d/{dt}", "conv1d", [t("x", x1, dt), t("w", w1, dt)], {"stride": 2, "padding": 1})
    f.case("conv1d/f16_f32", "conv1d", [t("x", x1, "float16"), t("w", w1)])
    f.case("conv1d/bf16_f16", "conv1d", [t("x", x1, "bfloat16"), t("w", w1, "float16")])
    f.case("conv1d/f32_int_weight", "conv1d", [t("x", x1), t("w", w1, "int32")])
    f.case("conv1d/int_input", "conv1d", [t("x", x1, "int32"), t("w", w1)])
    f.case("conv1d/complex_input", "conv1d", [t("x", x1, "complex64"), t("w", w1)])
    for s, p, d in [(1, 0, 1), (2, 0, 1), (3, 2, 1), (1, 2, 2), (2, 1, 3), (1, 4, 1)]:
        f.case(f"conv1d/s{s}_p{p}_d{d}", "conv1d", [t("x", x1), t("w", w1)], {"stride": s, "padding": p, "dilation": d})
    f.case("conv1d/groups2", "conv1d", [t("x", x1), t("wg2", (4, 3, 2))], {"groups": 2})
    f.case("conv1d/depthwise", "conv1d", [t("x", x1), t("wg4", (4, 3, 1))], {"groups": 4, "padding": 1})
    f.case("conv1d/1x1", "conv1d", [t("x", x1), t("w1x1", (5, 1, 4))])
    f.case("conv1d/1x1_stride", "conv1d", [t("x", x1), t("w1x1", (5, 1, 4))], {"stride": 2})
    f.case("conv1d/kernel_eq_input", "conv1d", [t("x", x1), t("wfull", (2, 9, 4))])
    f.case("conv1d/empty_batch", "conv1d", [t("x0", (0, 9, 4)), t("w", w1)])
    f.case("conv1d/transposed_input", "conv1d", [T(f.val("xt", "float32", shape=(2, 4, 9)), {"transpose": [0, 2, 1]}), t("w", w1)])
    f.case("conv1d/strided_input", "conv1d", [T(f.val("xs", "float32", shape=(2, 18, 8)), {"slice": [[None, None, 1], [None, None, 2], [None, None, 2]]}), t("w", w1)])
    f.case("conv1d/long", "conv1d", [t("xl", (3, 300, 16)), t("wl", (24, 5, 16))], {"padding": 2})
    # conv1d errors
    f.case("conv1d/err_channels", "conv1d", [t("x", x1), t("wc3", (3, 3, 3))])
    f.case("conv1d/err_kernel_too_big", "conv1d", [t("x", x1), t("wbig", (3, 10, 4))])
    f.case("conv1d/err_groups_in", "conv1d", [t("x", x1), t("wg3", (3, 3, 1))], {"groups": 3})
    f.case("conv1d/err_groups_out", "conv1d", [t("x", x1), t("wg2o", (3, 3, 2))], {"groups": 2})
    f.case("conv1d/err_stride0", "conv1d", [t("x", x1), t("w", w1)], {"stride": 0})
    f.case("conv1d/err_dilation0", "conv1d", [t("x", x1), t("w", w1)], {"dilation": 0})
    f.case("conv1d/err_rank", "conv1d", [t("x2d", (9, 4)), t("w", w1)])
    f.case("conv1d/err_weight_rank", "conv1d", [t("x", x1), t("w2d", (3, 4))])

    # conv2d: input (N, H, W, C), weight (O, KH, KW, C / groups)
    x2, w2 = (2, 8, 7, 3), (4, 3, 3, 3)
    f.case("conv2d/basic", "conv2d", [t("x", x2), t("w", w2)])
    for dt in FLOATS:
        f.case(f"conv2d/{dt}", "conv2d", [t("x", x2, dt), t("w", w2, dt)], {"padding": 1})
    for s, p, d in [((2, 2), (1, 1), (1, 1)), ((1, 2), (0, 2), (1, 1)), ((1, 1), (2, 1), (2, 1)), ((3, 2), (1, 0), (2, 2))]:
        name = f"s{s[0]}{s[1]}_p{p[0]}{p[1]}_d{d[0]}{d[1]}"
        f.case(f"conv2d/{name}", "conv2d", [t("x", x2), t("w", w2)], {"stride": list(s), "padding": list(p), "dilation": list(d)})
    f.case("conv2d/int_args", "conv2d", [t("x", x2), t("w", w2)], {"stride": 2, "padding": 1})
    f.case("conv2d/groups3", "conv2d", [t("x", x2), t("wg3", (6, 3, 3, 1))], {"groups": 3, "padding": 1})
    f.case("conv2d/1x1", "conv2d", [t("x", x2), t("w1x1", (5, 1, 1, 3))])
    f.case("conv2d/1x1_groups", "conv2d", [t("xc4", (2, 5, 5, 4)), t("w1x1g", (6, 1, 1, 2))], {"groups": 2})
    f.case("conv2d/1x1_input", "conv2d", [t("x11", (3, 1, 1, 3)), t("w1x1", (5, 1, 1, 3))])
    f.case("conv2d/1x1_input_padded", "conv2d", [t("x11", (3, 1, 1, 3)), t("w", w2)], {"padding": 1})
    f.case("conv2d/rect_kernel", "conv2d", [t("x", x2), t("wr", (2, 1, 5, 3))], {"padding": [0, 2]})
    f.case("conv2d/larger", "conv2d", [t("xb", (2, 20, 20, 16)), t("wb", (32, 3, 3, 16))], {"padding": 1})
    f.case("conv2d/err_kernel_too_big", "conv2d", [t("x", x2), t("wbig", (4, 9, 3, 3))])
    f.case("conv2d/err_channels", "conv2d", [t("x", x2), t("wc2", (4, 3, 3, 2))])

    # conv3d
    x3, w3 = (1, 5, 6, 4, 2), (3, 2, 3, 2, 2)
    f.case("conv3d/basic", "conv3d", [t("x", x3), t("w", w3)])
    f.case("conv3d/strided_padded", "conv3d", [t("x", x3), t("w", w3)], {"stride": [2, 1, 2], "padding": [1, 0, 1], "dilation": [1, 2, 1]})
    f.case("conv3d/float64", "conv3d", [t("x", x3, "float64"), t("w", w3, "float64")])
    f.case("conv3d/float16", "conv3d", [t("x", x3, "float16"), t("w", w3, "float16")])
    f.case("conv3d/err_groups", "conv3d", [t("x", x3), t("w3g", (2, 2, 3, 2, 1))], {"groups": 2})

    # transposed convolutions
    f.case("conv_transpose1d/basic", "conv_transpose1d", [t("x", x1), t("w", w1)])
    for s, p, d, op in [(2, 0, 1, 0), (2, 1, 1, 1), (3, 2, 2, 1), (1, 1, 1, 0), (2, 0, 2, 0)]:
        f.case(f"conv_transpose1d/s{s}_p{p}_d{d}_op{op}", "conv_transpose1d", [t("x", x1), t("w", w1)],
               {"stride": s, "padding": p, "dilation": d, "output_padding": op})
    f.case("conv_transpose1d/groups2", "conv_transpose1d", [t("x", x1), t("wg2", (4, 3, 2))], {"groups": 2, "stride": 2})
    f.case("conv_transpose1d/big_padding", "conv_transpose1d", [t("x", x1), t("w", w1)], {"padding": 3})
    f.case("conv_transpose1d/float16", "conv_transpose1d", [t("x", x1, "float16"), t("w", w1, "float16")], {"stride": 2})
    f.case("conv_transpose2d/basic", "conv_transpose2d", [t("x", x2), t("w", w2)])
    f.case("conv_transpose2d/strided", "conv_transpose2d", [t("x", x2), t("w", w2)], {"stride": [2, 3], "padding": [1, 0], "output_padding": [1, 2]})
    f.case("conv_transpose2d/dilated_groups", "conv_transpose2d", [t("x", x2), t("wg3", (6, 3, 3, 1))], {"dilation": 2, "groups": 3})
    f.case("conv_transpose3d/basic", "conv_transpose3d", [t("x", x3), t("w", w3)], {"stride": 2, "padding": 1})

    # conv_general
    f.case("conv_general/input_dilation", "conv_general", [t("x", x1), t("w", w1)], {"input_dilation": 2})
    f.case("conv_general/flip", "conv_general", [t("x", x1), t("w", w1)], {"flip": True, "padding": 1})
    f.case("conv_general/asym_padding", "conv_general", [t("x", x1), t("w", w1)], {"padding": [[2], [0]], "stride": 2})
    f.case("conv_general/everything", "conv_general", [t("x", x2), t("wg3", (6, 3, 3, 1))],
           {"stride": [2, 1], "padding": [[1, 0], [2, 3]], "kernel_dilation": [1, 2], "input_dilation": [2, 1], "groups": 3, "flip": True})
    f.case("conv_general/3d_flip", "conv_general", [t("x", x3), t("w", w3)], {"flip": True, "input_dilation": [1, 2, 1], "padding": 1})
    f.case("conv_general/err_stride_len", "conv_general", [t("x", x1), t("w", w1)], {"stride": [2, 2]})
    f.case("conv_general/err_input_dilation0", "conv_general", [t("x", x1), t("w", w1)], {"input_dilation": 0})

    # convolve
    for na, nv in [(7, 3), (7, 4), (3, 7), (5, 5), (6, 1), (1, 1)]:
        for mode in ["full", "same", "valid"]:
            f.case(f"convolve/{na}_{nv}_{mode}", "convolve", [t(f"a{na}", (na,)), t(f"v{nv}", (nv,))], {"mode": mode})
    f.case("convolve/float64", "convolve", [t("a7", (7,), "float64"), t("v3", (3,), "float64")])
    f.case("convolve/err_mode", "convolve", [t("a7", (7,)), t("v3", (3,))], {"mode": "circular"})
    f.case("convolve/err_2d", "convolve", [t("a2d", (2, 3)), t("v3", (3,))])
    f.case("convolve/err_int", "convolve", [t("a7", (7,), "int32"), t("v3", (3,), "int32")])

    # gradients (input and weight)
    f.case("grad/conv1d", "conv1d", [t("x", x1), t("w", w1)], {"stride": 2, "padding": 1}, grad=[0, 1])
    f.case("grad/conv1d_dilated", "conv1d", [t("x", x1), t("w", w1)], {"dilation": 2, "padding": 3}, grad=[0, 1])
    f.case("grad/conv1d_stride_remainder", "conv1d", [t("x", x1), t("w", w1)], {"stride": 3}, grad=[0, 1])
    f.case("grad/conv1d_groups", "conv1d", [t("x", x1), t("wg2", (4, 3, 2))], {"groups": 2, "stride": 2, "padding": 2}, grad=[0, 1])
    f.case("grad/conv1d_big_padding", "conv1d", [t("x", x1), t("w1x1", (5, 1, 4))], {"padding": 2}, grad=[0, 1])
    f.case("grad/conv2d", "conv2d", [t("x", x2), t("w", w2)], {"stride": [2, 1], "padding": [1, 2], "dilation": [1, 2]}, grad=[0, 1])
    f.case("grad/conv2d_groups", "conv2d", [t("x", x2), t("wg3", (6, 3, 3, 1))], {"groups": 3, "padding": 1}, grad=[0, 1])
    f.case("grad/conv3d", "conv3d", [t("x", x3), t("w", w3)], {"stride": 2, "padding": 1}, grad=[0, 1])
    f.case("grad/conv_transpose1d", "conv_transpose1d", [t("x", x1), t("w", w1)], {"stride": 2, "padding": 1, "output_padding": 1}, grad=[0, 1])
    f.case("grad/conv_transpose2d", "conv_transpose2d", [t("x", x2), t("w", w2)], {"stride": 2, "padding": 1}, grad=[0, 1])
    f.case("grad/conv_general_flip", "conv_general", [t("x", x1), t("w", w1)], {"flip": True, "input_dilation": 2, "padding": [[1], [2]]}, grad=[0, 1])
    f.case("grad/convolve", "convolve", [t("a7", (7,)), t("v3", (3,))], {"mode": "same"}, grad=[0, 1])
    return f
