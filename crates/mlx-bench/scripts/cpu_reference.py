"""numpy and MLX medians for the foundation workloads, as JSON lines.

Same workloads and method as src/bin/side_by_side.rs: median of 10 runs after
one warm-up, float32. numpy's elementwise ops write into a preallocated
output (its fastest form); MLX is timed with mx.eval.
"""
import json, sys, time

import numpy as np

try:
    import mlx.core as mx
except ImportError:  # numpy-only run
    mx = None


def median(f, runs=10):
    f()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2]


def report(lib, work, secs):
    print(json.dumps({"lib": lib, "work": work, "ms": round(secs * 1e3, 4)}))
    sys.stdout.flush()


N = 16 * 1024 * 1024
rng = np.random.default_rng(0)
for n in (1024, 2048):
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    report("numpy", f"matmul {n}", median(lambda: a @ b))
    if mx is not None:
        ma, mb = mx.array(a), mx.array(b)
        report("mlx", f"matmul {n}", median(lambda: mx.eval(ma @ mb)))
x = rng.standard_normal(N, dtype=np.float32)
y = rng.standard_normal(N, dtype=np.float32)
out = np.empty_like(x)
report("numpy", "add 16M", median(lambda: np.add(x, y, out=out)))
report("numpy", "exp 16M", median(lambda: np.exp(x, out=out)))
report("numpy", "sum 16M", median(lambda: x.sum()))
report("numpy", "exp(x)*y+x 16M", median(lambda: np.exp(x) * y + x))
s = x.reshape(4096, 4096)


def softmax_np():
    m = s.max(-1, keepdims=True)
    e = np.exp(s - m)
    return e / e.sum(-1, keepdims=True)


report("numpy", "softmax 4096x4096", median(softmax_np))
if mx is not None:
    mxx, mxy, mxs = mx.array(x), mx.array(y), mx.array(s)
    report("mlx", "add 16M", median(lambda: mx.eval(mxx + mxy)))
    report("mlx", "exp 16M", median(lambda: mx.eval(mx.exp(mxx))))
    report("mlx", "sum 16M", median(lambda: mx.eval(mx.sum(mxx))))
    report("mlx", "exp(x)*y+x 16M", median(lambda: mx.eval(mx.exp(mxx) * mxy + mxx)))
    report("mlx", "softmax 4096x4096", median(lambda: mx.eval(mx.softmax(mxs, axis=-1))))

    def chain():
        w = mx.array(1.0)
        for _ in range(1000):
            w = w + 1.0
        mx.eval(w)

    report("mlx", "1000-op scalar chain", median(chain))
