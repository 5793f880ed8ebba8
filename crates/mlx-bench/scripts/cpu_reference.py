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


def mlp_np(b, i, h, o):
    """One forward + backward of the 2-layer MLP written by hand in numpy."""
    X = rng.standard_normal((b, i), dtype=np.float32)
    W1 = rng.standard_normal((i, h), dtype=np.float32) / np.sqrt(i)
    B1 = np.zeros(h, np.float32)
    W2 = rng.standard_normal((h, o), dtype=np.float32) / np.sqrt(h)
    B2 = np.zeros(o, np.float32)
    Y = np.eye(o, dtype=np.float32)[np.arange(b) % o]

    def step():
        z = X @ W1 + B1
        hh = np.maximum(z, 0)
        lo = hh @ W2 + B2
        m = lo.max(-1, keepdims=True)
        e = np.exp(lo - m)
        p = e / e.sum(-1, keepdims=True)
        loss = -(np.log(p) * Y).sum() / b
        dl = (p - Y) / b
        gW2, gB2 = hh.T @ dl, dl.sum(0)
        dz = (dl @ W2.T) * (z > 0)
        gW1, gB1 = X.T @ dz, dz.sum(0)
        return loss, gW1, gB1, gW2, gB2

    return step


report("numpy", "mlp 64x784x256x10 value_and_grad", median(mlp_np(64, 784, 256, 10)))
report("numpy", "mlp tiny value_and_grad", median(mlp_np(2, 4, 4, 2), runs=100))
s = x.reshape(4096, 4096)


def softmax_np():
    m = s.max(-1, keepdims=True)
    e = np.exp(s - m)
    return e / e.sum(-1, keepdims=True)


row = s[0].copy()
out_s = np.empty_like(s)
report("numpy", "add 4096x4096 + row (broadcast)", median(lambda: np.add(s, row, out=out_s)))
for ax in (1, 0):
    report("numpy", f"sum 4096x4096 axis={ax}", median(lambda: s.sum(axis=ax)))
report("numpy", "softmax 4096x4096", median(softmax_np))
g = np.ones(4096, np.float32)


def rms_norm_np():
    return s / np.sqrt(np.mean(np.square(s), -1, keepdims=True) + 1e-5) * g


report("numpy", "rms_norm 4096x4096", median(rms_norm_np))
ea = rng.standard_normal((8, 256, 256), dtype=np.float32)
eb = rng.standard_normal((8, 256, 256), dtype=np.float32)
report("numpy", "einsum bij,bjk->bik 8x256x256", median(lambda: np.einsum("bij,bjk->bik", ea, eb, optimize=True)))
cx = np.sin(np.linspace(-3.0, 3.0, 8 * 56 * 56 * 64, dtype=np.float32)).reshape(8, 56, 56, 64)
cw = (0.1 * np.cos(np.linspace(-1.0, 1.0, 64 * 9 * 64, dtype=np.float32))).reshape(64, 3, 3, 64)


def conv2d_np():
    """numpy's best CPU path: im2col (a strided window view, one copy) and
    one BLAS sgemm."""
    xp = np.pad(cx, ((0, 0), (1, 1), (1, 1), (0, 0)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(1, 2))  # N,H,W,C,kh,kw
    cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(8 * 56 * 56, 9 * 64)
    return (cols @ cw.reshape(64, 9 * 64).T).reshape(8, 56, 56, 64)


report("numpy", "conv2d 8x56x56x64 -> 64, 3x3", median(conv2d_np))
ft = np.linspace(0.0, 1000.0, 1 << 20, dtype=np.float32)
fx = (np.sin(ft) + np.cos(ft * np.float32(0.37))).astype(np.float32)
report("numpy", "rfft 2^20", median(lambda: np.fft.rfft(fx)))
src = np.cos(np.linspace(-1.0, 1.0, 1 << 20, dtype=np.float32))
idx = ((np.arange(N, dtype=np.int64) * 7919) % (1 << 20)).astype(np.uint32)
for ax in (1, 0):
    report("numpy", f"cumsum 4096x4096 axis={ax}", median(lambda: np.cumsum(s, axis=ax)))
report("numpy", "sort 4096x4096 rows", median(lambda: np.sort(s, axis=-1, kind="stable")))
report("numpy", "take 16M from 1M", median(lambda: np.take(src, idx)))
if mx is not None:
    mxx, mxy, mxs = mx.array(x), mx.array(y), mx.array(s)
    report("mlx", "add 16M", median(lambda: mx.eval(mxx + mxy)))
    report("mlx", "exp 16M", median(lambda: mx.eval(mx.exp(mxx))))
    report("mlx", "sum 16M", median(lambda: mx.eval(mx.sum(mxx))))
    report("mlx", "exp(x)*y+x 16M", median(lambda: mx.eval(mx.exp(mxx) * mxy + mxx)))
    mxrow = mx.array(row)
    report("mlx", "add 4096x4096 + row (broadcast)", median(lambda: mx.eval(mxs + mxrow)))
    for ax in (1, 0):
        report("mlx", f"sum 4096x4096 axis={ax}", median(lambda: mx.eval(mx.sum(mxs, axis=ax))))
    report("mlx", "softmax 4096x4096", median(lambda: mx.eval(mx.softmax(mxs, axis=-1))))
    mxg = mx.array(g)
    report("mlx", "rms_norm 4096x4096", median(lambda: mx.eval(mx.fast.rms_norm(mxs, mxg, 1e-5))))
    mea, meb = mx.array(ea), mx.array(eb)
    report("mlx", "einsum bij,bjk->bik 8x256x256", median(lambda: mx.eval(mx.einsum("bij,bjk->bik", mea, meb))))
    mcx, mcw = mx.array(cx), mx.array(cw)
    report("mlx", "conv2d 8x56x56x64 -> 64, 3x3", median(lambda: mx.eval(mx.conv2d(mcx, mcw, padding=1))))
    mfx = mx.array(fx)
    report("mlx", "rfft 2^20", median(lambda: mx.eval(mx.fft.rfft(mfx))))
    mxsrc, mxidx = mx.array(src), mx.array(idx)
    for ax in (1, 0):
        report("mlx", f"cumsum 4096x4096 axis={ax}", median(lambda: mx.eval(mx.cumsum(mxs, axis=ax))))
    report("mlx", "sort 4096x4096 rows", median(lambda: mx.eval(mx.sort(mxs, axis=-1))))
    report("mlx", "take 16M from 1M", median(lambda: mx.eval(mx.take(mxsrc, mxidx))))
    fused = mx.compile(lambda a, b: mx.exp(a) * b + a)
    report("mlx", "exp(x)*y+x 16M compiled", median(lambda: mx.eval(fused(mxx, mxy))))

    def mlp_mx(b, i, h, o):
        p = [mx.random.normal((i, h)) / i**0.5, mx.zeros(h), mx.random.normal((h, o)) / h**0.5, mx.zeros(o)]
        X = mx.random.normal((b, i))
        Y = (mx.arange(b)[:, None] % o == mx.arange(o)).astype(mx.float32)

        def loss(w1, b1, w2, b2):
            hh = mx.maximum(X @ w1 + b1, 0)
            lo = hh @ w2 + b2
            return -((lo - mx.logsumexp(lo, -1, keepdims=True)) * Y).sum() / b

        vg = mx.value_and_grad(loss, argnums=(0, 1, 2, 3))
        return lambda: mx.eval(vg(*p))

    report("mlx", "mlp 64x784x256x10 value_and_grad", median(mlp_mx(64, 784, 256, 10)))
    report("mlx", "mlp tiny value_and_grad", median(mlp_mx(2, 4, 4, 2), runs=100))

    def chain():
        w = mx.array(1.0)
        for _ in range(1000):
            w = w + 1.0
        mx.eval(w)

    report("mlx", "1000-op scalar chain", median(chain))

# quantized matvec and expert-indexed products (numpy has no 4-bit path: its
# figures are the float32 work; MLX runs its own 4-bit kernel)
qx = rng.standard_normal((1, 4096), dtype=np.float32)
qw = (rng.standard_normal((4096, 4096)) * 0.02).astype(np.float32)
report("numpy", "matvec f32 1x4096 @ 4096x4096", median(lambda: qx @ qw.T))
T_, D_ = 512, 1024
tok = rng.standard_normal((T_, D_), dtype=np.float32)
ex = (rng.standard_normal((8, D_, D_)) * 0.02).astype(np.float32)
route = np.stack([np.arange(T_) % 8, (np.arange(T_) * 3 + 1) % 8], axis=1)


def gather_np():
    out = np.empty((T_, 2, D_), dtype=np.float32)
    for e in range(8):
        rows, slots = np.nonzero(route == e)
        out[rows, slots] = tok[rows] @ ex[e]
    return out


report("numpy", "gather_mm 512 tokens top-2 of 8 experts 1024x1024", median(gather_np))
stacked = np.concatenate([tok, tok])
report("numpy", "dense matmul 1024x1024 @ 1024x1024 (same flops)", median(lambda: stacked @ ex[0]))
if mx is not None:
    mqx, mqw = mx.array(qx), mx.array(qw)
    wq, sc, bi = mx.quantize(mqw, 64, 4)
    mx.eval(wq, sc, bi)
    report("mlx", "qmv 4-bit 1x4096 @ 4096x4096", median(lambda: mx.eval(mx.quantized_matmul(mqx, wq, sc, bi, True, 64, 4))))
    report("mlx", "matvec f32 1x4096 @ 4096x4096", median(lambda: mx.eval(mqx @ mqw.T)))
    mt, me, mr = mx.array(tok).reshape(T_, 1, 1, D_), mx.array(ex), mx.array(route.astype(np.uint32))
    report("mlx", "gather_mm 512 tokens top-2 of 8 experts 1024x1024", median(lambda: mx.eval(mx.gather_mm(mt, me, rhs_indices=mr))))
    ms_, me0 = mx.array(stacked), mx.array(ex[0])
    report("mlx", "dense matmul 1024x1024 @ 1024x1024 (same flops)", median(lambda: mx.eval(ms_ @ me0)))
