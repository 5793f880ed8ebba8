"""The `fft` family of the conformance suite (writes cases/fft.json):
mx.fft's transforms in 1, 2 and n dimensions, batched and through views,
sizes 1, powers of two, odd and prime (7, 97, 1000), cropped and padded,
every input dtype, the shifts, MLX's errors, and derivatives: gradients of
sum(op(x)) and vjp/jvp at random cotangents/tangents (`fft_vjp`/`fft_jvp`)."""

from suite import *  # noqa: F401,F403

ONE_D = ["fft", "ifft", "rfft", "irfft"]
TWO_D = ["fft2", "ifft2", "rfft2", "irfft2"]
N_D = ["fftn", "ifftn", "rfftn", "irfftn"]


def build():
    f = Family("fft")
    t = lambda key, shape, dt="float32": T(f.val(key, dt, shape=shape))  # noqa: E731
    # complex inputs for the inverse transforms (and complex forward ones)
    c = lambda key, shape: T(f.val(key, "complex64", shape=shape))  # noqa: E731

    # 1-d transforms: sizes 1, powers of two, odd, prime, 1000
    for n in [1, 2, 8, 7, 16, 97, 1000, 1024]:
        f.case(f"fft/n{n}", "fft.fft", [t("x", (n,))])
        f.case(f"ifft/n{n}", "fft.ifft", [c("z", (n,))])
        f.case(f"rfft/n{n}", "fft.rfft", [t("x", (n,))])
        f.case(f"fft/complex_n{n}", "fft.fft", [c("z", (n,))])
        if n > 1:
            f.case(f"irfft/m{n}", "fft.irfft", [c("z", (n,))])
    for n in [1, 7, 97, 1000]:
        f.case(f"irfft/m{n // 2 + 1}_n{n}", "fft.irfft", [c("z", (n // 2 + 1,))], {"n": n})
    # every input dtype
    for dt in ALL:
        f.case(f"fft/{dt}", "fft.fft", [t("x", (8,), dt)])
        f.case(f"rfft/{dt}", "fft.rfft", [t("x", (8,), dt)])
        f.case(f"ifft/{dt}", "fft.ifft", [t("x", (6,), dt)])
        f.case(f"irfft/{dt}", "fft.irfft", [t("x", (5,), dt)])
    # crop and pad
    for n in [1, 3, 5, 12, 20]:
        for op in ONE_D:
            src = t("x", (8,)) if op in ("fft", "rfft") else c("z", (8,))
            f.case(f"{op}/8_to_{n}", f"fft.{op}", [src], {"n": n})
    # axes and batches
    x3 = (3, 4, 5)
    for op in ONE_D:
        src = (lambda s: t("x", s)) if op in ("fft", "rfft") else (lambda s: c("z", s))
        for ax in [0, 1, 2, -1, -3]:
            f.case(f"{op}/axis{ax}", f"fft.{op}", [src(x3)], {"axis": ax})
        f.case(f"{op}/batched", f"fft.{op}", [src((16, 33))])
        f.case(f"{op}/batched_axis0_n", f"fft.{op}", [src((16, 33))], {"axis": 0, "n": 9})
        f.case(f"{op}/transposed", f"fft.{op}", [T(f.val("xt" if op in ("fft", "rfft") else "zt",
                                                         "float32" if op in ("fft", "rfft") else "complex64",
                                                         shape=(9, 6)), {"transpose": [1, 0]})])
        f.case(f"{op}/strided", f"fft.{op}", [T(f.val("xs" if op in ("fft", "rfft") else "zs",
                                                      "float32" if op in ("fft", "rfft") else "complex64",
                                                      shape=(4, 20)), {"slice": [[None, None, 1], [1, None, 2]]})])
        f.case(f"{op}/large_batched", f"fft.{op}", [src((8, 1000))])
        f.case(f"{op}/large_outer_axis", f"fft.{op}", [src((64, 130))], {"axis": 0})
    f.case("fft/empty_batch", "fft.fft", [t("x", (0, 4))])
    f.case("rfft/empty_batch", "fft.rfft", [t("x", (0, 4))])
    f.case("irfft/empty_batch", "fft.irfft", [c("z", (0, 4))])
    f.case("fft/pad_zero_axis", "fft.fft", [t("x", (4, 0))], {"n": 4})
    f.case("irfft/pad_zero_axis", "fft.irfft", [c("z", (4, 0))], {"n": 4})
    f.case("rfft/complex_input", "fft.rfft", [c("z", (8,))])
    f.case("irfft/real_input", "fft.irfft", [t("x", (5,))])
    f.case("irfft/nonzero_dc_imag", "fft.irfft", [c("z", (5,))], {"n": 8})
    f.case("irfft/nonzero_dc_imag_odd", "fft.irfft", [c("z", (5,))], {"n": 9})

    # 2-d
    for op in TWO_D:
        real_in = op in ("fft2", "rfft2")
        src = (lambda s: t("x", s)) if real_in else (lambda s: c("z", s))
        f.case(f"{op}/basic", f"fft.{op}", [src((6, 8))])
        f.case(f"{op}/odd", f"fft.{op}", [src((7, 5))])
        f.case(f"{op}/batched", f"fft.{op}", [src((3, 5, 7))])
        f.case(f"{op}/s", f"fft.{op}", [src((3, 5, 7))], {"s": [4, 9]})
        f.case(f"{op}/axes02", f"fft.{op}", [src((3, 5, 7))], {"axes": [0, 2]})
        f.case(f"{op}/axes_reversed", f"fft.{op}", [src((3, 5, 7))], {"axes": [2, 0]})
        f.case(f"{op}/axes_none", f"fft.{op}", [src((3, 5, 7))], {"axes": None})
        f.case(f"{op}/s_axes", f"fft.{op}", [src((3, 5, 7))], {"s": [2, 6], "axes": [-1, 0]})
        f.case(f"{op}/transposed", f"fft.{op}", [T(f.val("xt" if real_in else "zt", "float32" if real_in else "complex64",
                                                        shape=(9, 6)), {"transpose": [1, 0]})])
        f.case(f"{op}/large", f"fft.{op}", [src((32, 48))])
        f.case(f"{op}/err_1d", f"fft.{op}", [src((8,))])
        f.case(f"{op}/err_s_without_axes", f"fft.{op}", [src((6, 8))], {"s": [4, 4], "axes": None})
        f.case(f"{op}/err_s_len", f"fft.{op}", [src((3, 5, 7))], {"s": [4, 4, 4]})
        f.case(f"{op}/err_repeated_axes", f"fft.{op}", [src((6, 8))], {"axes": [0, 0]})
    f.case("fft2/float64", "fft.fft2", [t("x", (6, 8), "float64")])
    f.case("fft2/int32", "fft.fft2", [t("x", (6, 8), "int32")])
    f.case("rfft2/float16", "fft.rfft2", [t("x", (6, 8), "float16")])
    f.case("rfft2/bfloat16", "fft.rfft2", [t("x", (6, 8), "bfloat16")])

    # n-d
    x4 = (2, 3, 4, 5)
    for op in N_D:
        real_in = op in ("fftn", "rfftn")
        src = (lambda s: t("x", s)) if real_in else (lambda s: c("z", s))
        f.case(f"{op}/1d", f"fft.{op}", [src((12,))])
        f.case(f"{op}/3d", f"fft.{op}", [src((3, 4, 5))])
        f.case(f"{op}/4d", f"fft.{op}", [src(x4)])
        f.case(f"{op}/axes", f"fft.{op}", [src(x4)], {"axes": [1, 3]})
        f.case(f"{op}/axes_unordered", f"fft.{op}", [src(x4)], {"axes": [3, 0, 2]})
        f.case(f"{op}/s_axes", f"fft.{op}", [src(x4)], {"s": [3, 2, 6], "axes": [0, 1, 2]})
        f.case(f"{op}/one_axis", f"fft.{op}", [src(x4)], {"axes": [-2]})
        f.case(f"{op}/empty_axes", f"fft.{op}", [src(x4)], {"axes": []})
        f.case(f"{op}/sizes_1", f"fft.{op}", [src((1, 1, 2))])
        f.case(f"{op}/large", f"fft.{op}", [src((4, 8, 16, 9))])
        f.case(f"{op}/transposed", f"fft.{op}", [T(f.val("xt3" if real_in else "zt3", "float32" if real_in else "complex64",
                                                        shape=(3, 4, 5)), {"transpose": [2, 0, 1]})])
        f.case(f"{op}/err_0d", f"fft.{op}", [src(())])
        f.case(f"{op}/err_repeated_axes", f"fft.{op}", [src(x4)], {"axes": [1, -3]})
        f.case(f"{op}/err_axis_range", f"fft.{op}", [src(x4)], {"axes": [0, 4]})
        f.case(f"{op}/err_s_without_axes", f"fft.{op}", [src(x4)], {"s": [2, 2]})
        f.case(f"{op}/err_s_len", f"fft.{op}", [src(x4)], {"s": [2, 2], "axes": [0]})
        f.case(f"{op}/err_s_zero", f"fft.{op}", [src(x4)], {"s": [0, 2], "axes": [0, 1]})
        f.case(f"{op}/err_s_negative", f"fft.{op}", [src(x4)], {"s": [-2, 2], "axes": [0, 1]})
    f.case("fftn/uint8", "fft.fftn", [t("x", (3, 4), "uint8")])
    f.case("fftn/bool", "fft.fftn", [t("x", (3, 4), "bool")])
    f.case("rfftn/complex_input", "fft.rfftn", [c("z", (3, 4))])
    f.case("irfftn/float64_input", "fft.irfftn", [t("x", (3, 4), "float64")])

    # 1-d errors
    for op in ONE_D:
        src = (lambda s: t("x", s)) if op in ("fft", "rfft") else (lambda s: c("z", s))
        f.case(f"{op}/err_n0", f"fft.{op}", [src((8,))], {"n": 0})
        f.case(f"{op}/err_n_negative", f"fft.{op}", [src((8,))], {"n": -1})
        f.case(f"{op}/err_axis", f"fft.{op}", [src((3, 4))], {"axis": 2})
        f.case(f"{op}/err_axis_negative", f"fft.{op}", [src((3, 4))], {"axis": -3})
        f.case(f"{op}/err_axis_with_n", f"fft.{op}", [src((3, 4))], {"axis": 2, "n": 4})
        f.case(f"{op}/err_0d", f"fft.{op}", [src(())])
        f.case(f"{op}/err_empty_axis", f"fft.{op}", [src((0,))])
    f.case("irfft/err_size1_default_n", "fft.irfft", [c("z", (1,))])
    f.case("irfft/err_size0_default_n", "fft.irfft", [c("z", (4, 0))])

    # shifts
    for op in ["fftshift", "ifftshift"]:
        for n in [1, 4, 5]:
            f.case(f"{op}/n{n}", f"fft.{op}", [t("x", (n,))])
        f.case(f"{op}/2d", f"fft.{op}", [t("x", (5, 6))])
        f.case(f"{op}/3d_axes", f"fft.{op}", [t("x", (3, 4, 5))], {"axes": [0, -1]})
        f.case(f"{op}/int_axis", f"fft.{op}", [t("x", (3, 4, 5))], {"axes": 1})
        f.case(f"{op}/repeated_axes", f"fft.{op}", [t("x", (3, 5, 4))], {"axes": [1, 1]})
        f.case(f"{op}/empty_axes", f"fft.{op}", [t("x", (3, 4))], {"axes": []})
        f.case(f"{op}/0d", f"fft.{op}", [t("x", ())])
        f.case(f"{op}/empty", f"fft.{op}", [t("x", (0, 3))])
        f.case(f"{op}/int32", f"fft.{op}", [t("x", (7,), "int32")])
        f.case(f"{op}/complex", f"fft.{op}", [c("z", (3, 4))])
        f.case(f"{op}/bool", f"fft.{op}", [t("x", (3, 4), "bool")])
        f.case(f"{op}/transposed", f"fft.{op}", [T(f.val("xt", "float32", shape=(9, 6)), {"transpose": [1, 0]})])
        f.case(f"{op}/err_axis", f"fft.{op}", [t("x", (3, 4))], {"axes": [2]})
        f.case(f"{op}/err_axis_negative", f"fft.{op}", [t("x", (3, 4))], {"axes": [-3]})
        f.case(f"{op}/err_0d_axis", f"fft.{op}", [t("x", ())], {"axes": [0]})

    # gradients of sum(op(x))
    for op in ONE_D:
        f.case(f"grad/{op}", f"fft.{op}", [t("x", (8,))], grad=[0])
        f.case(f"grad/{op}_odd", f"fft.{op}", [t("x", (7,))], grad=[0])
        f.case(f"grad/{op}_n", f"fft.{op}", [t("x", (3, 8))], {"n": 5, "axis": 1}, grad=[0])
        f.case(f"grad/{op}_pad", f"fft.{op}", [t("x", (3, 6))], {"n": 11}, grad=[0])
        f.case(f"grad/{op}_complex", f"fft.{op}", [c("z", (6,))], grad=[0])
    for op in TWO_D + N_D:
        f.case(f"grad/{op}", f"fft.{op}", [t("x", (3, 4, 6))], grad=[0])
    f.case("grad/fftshift", "fft.fftshift", [t("x", (5, 6))], grad=[0])
    f.case("grad/ifftshift", "fft.ifftshift", [t("x", (5, 6))], grad=[0])

    # vjp at a random cotangent, jvp along a random tangent
    def vj(name, op, x, ct, **kw):
        kw["op"] = op
        f.case(f"vjp/{name}", "fft_vjp", [x, ct], kw)

    def jv(name, op, x, tan, **kw):
        kw["op"] = op
        f.case(f"jvp/{name}", "fft_jvp", [x, tan], kw)

    vj("fft", "fft", c("z", (8,)), c("g", (8,)))
    vj("fft_real", "fft", t("x", (8,)), c("g", (8,)))
    vj("ifft", "ifft", c("z", (7,)), c("g", (7,)))
    vj("rfft_even", "rfft", t("x", (8,)), c("g", (5,)))
    vj("rfft_odd", "rfft", t("x", (7,)), c("g", (4,)))
    vj("irfft_even", "irfft", c("z", (5,)), t("r", (8,)))
    vj("irfft_odd", "irfft", c("z", (5,)), t("r", (9,)), n=9)
    vj("fft_n_crop", "fft", c("z", (8,)), c("g", (5,)), n=5)
    vj("rfft_n_pad", "rfft", t("x", (8,)), c("g", (7,)), n=12)
    vj("irfft_n_pad", "irfft", c("z", (3,)), t("r", (10,)), n=10)
    vj("fft2", "fft2", c("z", (3, 4)), c("g", (3, 4)))
    vj("ifftn", "ifftn", c("z", (2, 3, 4)), c("g", (2, 3, 4)))
    vj("rfft2", "rfft2", t("x", (4, 6)), c("g", (4, 4)))
    vj("rfftn_odd", "rfftn", t("x", (3, 5)), c("g", (3, 3)))
    vj("irfft2", "irfft2", c("z", (4, 4)), t("r", (4, 6)))
    vj("irfftn_axes", "irfftn", c("z", (3, 4, 5)), t("r", (3, 4, 8)), axes=[0, 2])
    jv("fft", "fft", c("z", (8,)), c("g", (8,)))
    jv("ifft2", "ifft2", c("z", (3, 4)), c("g", (3, 4)))
    jv("rfft", "rfft", t("x", (7,)), t("x2", (7,)))
    jv("irfft", "irfft", c("z", (5,)), c("g", (5,)))
    jv("rfftn", "rfftn", t("x", (3, 4)), t("x2", (3, 4)))
    jv("irfftn", "irfftn", c("z", (3, 5)), c("g", (3, 5)))
    return f
