"""The `random` family of the conformance suite (writes cases/random.json)."""

from suite import *  # noqa: F401,F403

# ---------------------------------------------------------------- random


def build():
    f = Family("random")
    keys = {}
    for seed in [0, 1, 42, 2**32 + 7, 123456789]:
        f.case(f"key/{seed}", "random.key", [seed])
    for seed, vals in [(0, [0, 0]), (1, [0, 1]), (42, [0, 42]), (7, [1, 7])]:
        keys[seed] = f.inp(f"key{seed}", (2,), "uint32", "values", values=vals)
    for seed, k in keys.items():
        f.case(f"split/key{seed}", "random.split", [T(k)])
        f.case(f"split/key{seed}_num5", "random.split", [T(k)], {"num": 5})
    f.case("split/num1", "random.split", [T(keys[0]), 1])
    f.case("split/num0", "random.split", [T(keys[0]), 0])
    for seed, k in keys.items():
        f.case(f"uniform/key{seed}", "random.uniform", [], {"shape": [3, 5], "key": T(k)})
        f.case(f"normal/key{seed}", "random.normal", [], {"shape": [3, 5], "key": T(k)})
        f.case(f"randint/key{seed}", "random.randint", [-10, 10], {"shape": [3, 5], "key": T(k)})
        f.case(f"bernoulli/key{seed}", "random.bernoulli", [], {"shape": [3, 5], "key": T(k)})
    k = keys[42]
    for dt in FLOATS + ["int32", "complex64"]:
        f.case(f"uniform/{dt}", "random.uniform", [], {"shape": [4, 4], "dtype": dt, "key": T(k)})
        f.case(f"normal/{dt}", "random.normal", [], {"shape": [4, 4], "dtype": dt, "key": T(k)})
    f.case("uniform/bounds", "random.uniform", [-3.0, 5.0, [2, 3]], {"key": T(k)})
    f.case("uniform/int_bounds", "random.uniform", [1, 4], {"shape": [7], "key": T(k)})
    f.case("uniform/array_bounds", "random.uniform", [T(f.val("lo", "float32", shape=(3,))), 10.0, [2, 3]], {"key": T(k)})
    f.case("uniform/bad_shape", "random.uniform", [T(f.val("lo", "float32", shape=(3,))), 10.0, [2, 4]], {"key": T(k)})
    f.case("uniform/scalar_shape", "random.uniform", [], {"key": T(k)})
    f.case("uniform/empty", "random.uniform", [], {"shape": [0, 3], "key": T(k)})
    f.case("uniform/odd_count", "random.uniform", [], {"shape": [7], "key": T(k)})
    f.case("uniform/large", "random.uniform", [], {"shape": [33, 17], "key": T(k)})
    f.case("uniform/odd_count_f16", "random.uniform", [], {"shape": [5], "dtype": "float16", "key": T(k)})
    f.case("normal/loc_scale", "random.normal", [[3, 4]], {"loc": 2.0, "scale": 0.5, "key": T(k)})
    f.case("normal/odd_count", "random.normal", [[9]], {"key": T(k)})
    f.case("normal/large", "random.normal", [[40, 41]], {"key": T(k)})
    for dt in ["int8", "uint8", "int16", "uint32", "int64", "uint64"]:
        f.case(f"randint/{dt}", "random.randint", [0, 100], {"shape": [4, 4], "dtype": dt, "key": T(k)})
    f.case("randint/float_dtype", "random.randint", [0, 10], {"shape": [3], "dtype": "float32", "key": T(k)})
    f.case("randint/wide", "random.randint", [-1000000, 1000000], {"shape": [50], "key": T(k)})
    f.case("randint/empty_range", "random.randint", [5, 5], {"shape": [4], "key": T(k)})
    f.case("randint/reversed_range", "random.randint", [5, 0], {"shape": [4], "key": T(k)})
    for p in [0.0, 0.3, 0.9, 1.0]:
        f.case(f"bernoulli/p{p}", "random.bernoulli", [p, [6, 5]], {"key": T(k)})
    f.case("bernoulli/array_p", "random.bernoulli", [T(f.inp("p", (5,), "float32", "uniform", low=0.0, high=1.0))], {"key": T(k)})
    f.case("bernoulli/array_p_shape", "random.bernoulli", [T(f.inp("p", (5,), "float32", "uniform", low=0.0, high=1.0)), [3, 5]], {"key": T(k)})
    f.case("bernoulli/p_f16", "random.bernoulli", [T(f.inp("p16", (4,), "float16", "uniform", low=0.0, high=1.0))], {"key": T(k)})
    f.case("bernoulli/bad_shape", "random.bernoulli", [T(f.inp("p", (5,), "float32", "uniform", low=0.0, high=1.0)), [3, 4]], {"key": T(k)})
    f.case("bernoulli/default", "random.bernoulli", [], {"key": T(k)})
    lg = f.val("logits", "float32", shape=(3, 6))
    f.case("categorical/logits", "random.categorical", [T(lg)], {"key": T(k)})
    f.case("categorical/axis0", "random.categorical", [T(lg)], {"axis": 0, "key": T(keys[1])})
    f.case("categorical/num_samples", "random.categorical", [T(lg)], {"num_samples": 7, "key": T(keys[7])})
    f.case("categorical/shape", "random.categorical", [T(lg), -1, [4, 3]], {"key": T(keys[42])})
    f.case("categorical/bad_shape", "random.categorical", [T(lg), -1, [4, 2]], {"key": T(k)})
    f.case("categorical/both", "random.categorical", [T(lg)], {"shape": [3], "num_samples": 2, "key": T(k)})
    lg1 = f.val("logits", "float32", shape=(10,))
    f.case("categorical/1d_num_samples", "random.categorical", [T(lg1)], {"num_samples": 50, "key": T(k)})
    f.case("categorical/1d_shape", "random.categorical", [T(lg1), 0, [4, 5]], {"key": T(keys[1])})
    f.case("categorical/1d", "random.categorical", [T(lg1)], {"key": T(keys[7])})
    lgh = f.val("logits", "float16", shape=(2, 3, 5))
    f.case("categorical/f16_axis1", "random.categorical", [T(lgh)], {"axis": 1, "num_samples": 4, "key": T(keys[42])})
    lgi = f.inp("logits_inf", (2, 4), "float32", "values", values=[0.0, -1e30, 1.0, -1e30, -1e30, -1e30, -1e30, 2.0])
    f.case("categorical/neg_inf", "random.categorical", [T(lgi)], {"num_samples": 6, "key": T(k)})
    lgi1 = f.inp("logits_inf1", (4,), "float32", "values", values=[-1e30, 0.5, -1e30, 0.5])
    f.case("categorical/1d_neg_inf", "random.categorical", [T(lgi1)], {"num_samples": 20, "key": T(k)})
    # truncated_normal, gumbel, laplace, permutation
    for seed, kk in keys.items():
        f.case(f"truncated_normal/key{seed}", "random.truncated_normal", [-1.0, 2.0, [3, 5]], {"key": T(kk)})
        f.case(f"gumbel/key{seed}", "random.gumbel", [[3, 5]], {"key": T(kk)})
        f.case(f"laplace/key{seed}", "random.laplace", [[3, 5]], {"key": T(kk)})
        f.case(f"permutation/key{seed}", "random.permutation", [10], {"key": T(kk)})
    for dt in FLOATS + ["int32"]:
        f.case(f"truncated_normal/{dt}", "random.truncated_normal", [-0.5, 0.5, [4, 4]], {"dtype": dt, "key": T(k)})
        f.case(f"gumbel/{dt}", "random.gumbel", [[4, 4]], {"dtype": dt, "key": T(k)})
        f.case(f"laplace/{dt}", "random.laplace", [[4, 4]], {"dtype": dt, "key": T(k)})
    lo = f.inp("tn_lo", (3, 1), "float32", "uniform", low=-2.0, high=-0.1)
    hi = f.inp("tn_hi", (4,), "float32", "uniform", low=0.1, high=2.0)
    f.case("truncated_normal/array_bounds", "random.truncated_normal", [T(lo), T(hi)], {"key": T(k)})
    f.case("truncated_normal/array_bounds_shape", "random.truncated_normal", [T(lo), T(hi), [2, 3, 4]], {"key": T(k)})
    f.case("truncated_normal/bad_shape", "random.truncated_normal", [T(lo), T(hi), [2, 3]], {"key": T(k)})
    f.case("truncated_normal/large", "random.truncated_normal", [-3.0, 3.0, [41, 9]], {"key": T(keys[7])})
    f.case("gumbel/scalar", "random.gumbel", [], {"key": T(k)})
    f.case("gumbel/empty", "random.gumbel", [[0, 4]], {"key": T(k)})
    f.case("laplace/loc_scale", "random.laplace", [[5, 3]], {"loc": 1.5, "scale": 0.25, "key": T(k)})
    f.case("laplace/large", "random.laplace", [[33, 17]], {"key": T(keys[1])})
    f.case("permutation/n1", "random.permutation", [1], {"key": T(k)})
    f.case("permutation/n0", "random.permutation", [0], {"key": T(k)})
    f.case("permutation/n257", "random.permutation", [257], {"key": T(k)})
    f.case("permutation/array", "random.permutation", [T(f.val("px", "float32", shape=(6, 3)))], {"key": T(k)})
    f.case("permutation/array_axis1", "random.permutation", [T(f.val("px", "float32", shape=(6, 3)))], {"axis": 1, "key": T(keys[1])})
    f.case("permutation/array_i32", "random.permutation", [T(f.val("px", "int32", shape=(7,)))], {"key": T(keys[7])})
    f.case("permutation/bad_axis", "random.permutation", [T(f.val("px", "float32", shape=(6, 3)))], {"axis": 2, "key": T(k)})
    # multivariate_normal: the square root of cov through an SVD (sign-free
    # for a positive semi-definite cov), then normal draws
    mean2 = f.inp("mvn_mean", (2,), "float32", "values", values=[1.0, -2.0])
    cov2 = f.inp("mvn_cov", (2, 2), "float32", "values", values=[2.0, 0.5, 0.5, 1.0])
    cov3 = f.inp("mvn_cov3", (3, 3), "float32", "values", values=[4.0, 1.0, 0.5, 1.0, 3.0, -0.5, 0.5, -0.5, 2.0])
    covb = f.inp("mvn_covb", (2, 2, 2), "float32", "values", values=[1.0, 0.2, 0.2, 0.5, 3.0, -1.0, -1.0, 2.0])
    for seed, kk in keys.items():
        f.case(f"multivariate_normal/key{seed}", "random.multivariate_normal", [T(mean2), T(cov2)], {"key": T(kk)})
    f.case("multivariate_normal/shape", "random.multivariate_normal", [T(mean2), T(cov2), [5]], {"key": T(k)})
    f.case("multivariate_normal/shape2d", "random.multivariate_normal", [T(mean2), T(cov2), [3, 4]], {"key": T(keys[1])})
    f.case("multivariate_normal/n3", "random.multivariate_normal", [T(f.val("mvn_m3", "float32", shape=(3,))), T(cov3), [6]], {"key": T(k)})
    f.case("multivariate_normal/batched_mean", "random.multivariate_normal", [T(f.val("mvn_mb", "float32", shape=(4, 2))), T(cov2)], {"key": T(k)})
    f.case("multivariate_normal/batched_cov", "random.multivariate_normal", [T(mean2), T(covb), [3, 2]], {"key": T(k)})
    f.case("multivariate_normal/singular_cov", "random.multivariate_normal",
           [T(mean2), T(f.inp("mvn_sing", (2, 2), "float32", "values", values=[1.0, 1.0, 1.0, 1.0])), [4]], {"key": T(k)})
    f.case("multivariate_normal/int_mean", "random.multivariate_normal", [T(f.inp("mvn_mi", (2,), "int32", "values", values=[1, 2])), T(cov2)], {"key": T(k)})
    f.case("multivariate_normal/f64_cov", "random.multivariate_normal", [T(mean2), T(f.inp("mvn_cov64", (2, 2), "float64", "values", values=[2.0, 0.5, 0.5, 1.0]))], {"key": T(k)})
    f.case("multivariate_normal/err_f64", "random.multivariate_normal", [T(mean2), T(cov2)], {"dtype": "float64", "key": T(k)})
    f.case("multivariate_normal/err_mean_0d", "random.multivariate_normal", [T(f.inp("mvn_m0", (), "float32", "values", values=[1.0])), T(cov2)], {"key": T(k)})
    f.case("multivariate_normal/err_cov_1d", "random.multivariate_normal", [T(mean2), T(mean2)], {"key": T(k)})
    f.case("multivariate_normal/err_cov_nonsquare", "random.multivariate_normal", [T(mean2), T(f.val("mvn_ns", "float32", shape=(2, 3)))], {"key": T(k)})
    f.case("multivariate_normal/err_mismatch", "random.multivariate_normal", [T(f.val("mvn_m3", "float32", shape=(3,))), T(cov2)], {"key": T(k)})
    f.case("multivariate_normal/err_shape", "random.multivariate_normal", [T(f.val("mvn_mb", "float32", shape=(4, 2))), T(cov2), [3]], {"key": T(k)})
    return f
