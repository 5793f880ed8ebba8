"""numpy's (and, with --mlx, MLX's CPU) figures for the factorization
works of docs/performance.md's "linalg (faer)" section: inv, svd (full
matrices), eigh and cholesky of float32 256x256, 512x512 and a batch of 64
32x32; median of RUNS (default 7) runs after a warm-up, one JSON line per
work. Single-threaded there: OPENBLAS_NUM_THREADS=1 RUNS=5 python3 ..."""

import json
import os
import sys
import time

import numpy as np

RUNS = int(os.environ.get("RUNS", "7"))


def median_secs(f):
    f()
    ts = []
    for _ in range(RUNS):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2]


def matrix(rng, batch, n, spd):
    a = rng.uniform(-1.0, 1.0, size=(batch, n, n)).astype(np.float32)
    if spd:
        a = (a + np.swapaxes(a, -1, -2)) / 2 + n * np.eye(n, dtype=np.float32)
    return a[0] if batch == 1 else a


def main():
    rng = np.random.default_rng(0)
    use_mlx = "--mlx" in sys.argv
    if use_mlx:
        import mlx.core as mx
    for batch, n, label in [(1, 256, "256"), (1, 512, "512"), (64, 32, "64x32")]:
        a, s = matrix(rng, batch, n, False), matrix(rng, batch, n, True)
        works = [
            ("inv", lambda: np.linalg.inv(a)),
            ("svd", lambda: np.linalg.svd(a)),
            ("eigh", lambda: np.linalg.eigh(s)),
            ("cholesky", lambda: np.linalg.cholesky(s)),
        ]
        for name, f in works:
            print(json.dumps({"work": f"{name} {label} f32", "numpy_ms": round(median_secs(f) * 1e3, 4)}))
        if use_mlx:
            ma, ms = mx.array(a), mx.array(s)
            cpu = mx.cpu
            mworks = [
                ("inv", lambda: mx.eval(mx.linalg.inv(ma, stream=cpu))),
                ("svd", lambda: mx.eval(mx.linalg.svd(ma, stream=cpu))),
                ("eigh", lambda: mx.eval(mx.linalg.eigh(ms, stream=cpu))),
                ("cholesky", lambda: mx.eval(mx.linalg.cholesky(ms, stream=cpu))),
            ]
            for name, f in mworks:
                print(json.dumps({"work": f"{name} {label} f32", "mlx_ms": round(median_secs(f) * 1e3, 4)}))


if __name__ == "__main__":
    main()
