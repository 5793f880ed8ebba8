"""PyTorch side of the GPU benchmark: the workloads of
`crates/mlx-cuda/examples/bench.rs`, timed the same way (median of N runs
after 3 warm-ups, `torch.cuda.synchronize()` before and after each), printed
as one table beside our figures when `--ours ours.json` (written by
`bench --json ours.json`) is given.

    python3 crates/mlx-cuda/scripts/gpu_torch.py --reps 20 --ours ours.json
"""
import argparse
import json
import statistics
import time

import torch


def median_time(f, reps):
    for _ in range(3):
        f()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        f()
        torch.cuda.synchronize()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--ours", help="JSON written by `bench --json`")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = "cuda"
    n = 1 << 26
    rows = []  # (name, seconds, rate unit bytes-or-flop, kind)
    x = torch.randn(n, device=dev)
    y = torch.randn(n, device=dev)
    rows.append(("add 64M f32", median_time(lambda: x + y, a.reps), 12.0 * n, "GB/s"))
    s = torch.randn(8192, 8192, device=dev)
    rows.append(("softmax 8192x8192 f32 (rows)",
                 median_time(lambda: torch.softmax(s, -1), a.reps), 8.0 * 8192 * 8192, "GB/s"))
    rows.append(("sum 64M f32", median_time(lambda: x.sum(), a.reps), 4.0 * n, "GB/s"))
    m = 8192
    flop = 2.0 * m ** 3
    p = torch.randn(m, m, device=dev)
    q = torch.randn(m, m, device=dev)
    rows.append(("matmul f32 8192^3 (sgemm, no TF32)", median_time(lambda: p @ q, a.reps), flop, "TFLOP/s"))
    torch.backends.cuda.matmul.allow_tf32 = True
    rows.append(("matmul f32 8192^3 (TF32 allowed)", median_time(lambda: p @ q, a.reps), flop, "TFLOP/s"))
    torch.backends.cuda.matmul.allow_tf32 = False
    pb, qb = p.bfloat16(), q.bfloat16()
    rows.append(("matmul bf16 8192^3", median_time(lambda: pb @ qb, a.reps), flop, "TFLOP/s"))
    rows.append(("exp(x)*y+x 64M f32, unfused",
                 median_time(lambda: torch.exp(x) * y + x, a.reps), 12.0 * n, "GB/s"))
    rows.append(("exp(x)*y+x 64M f32, compile'd", None, 12.0 * n, "GB/s"))

    ours = {}
    if a.ours:
        with open(a.ours) as fh:
            ours = json.load(fh)

    def fmt(t, amount, unit):
        if t is None:
            return "—"
        scale = 1e9 if unit == "GB/s" else 1e12
        return f"{t * 1e6:9.1f} us ({amount / t / scale:.1f} {unit})"

    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}, median of {a.reps} after 3 warm-ups")
    print(f"| work | oxidized MLX | PyTorch (eager) | ours / torch |")
    print(f"| --- | --- | --- | --- |")
    for name, t, amount, unit in rows:
        o = ours.get(name, {})
        ot = o.get("seconds")
        ours_s = fmt(ot, amount, unit) if ot is not None else (o.get("note") or "—")
        ratio = f"{ot / t:.2f}x" if (ot is not None and t is not None) else "—"
        print(f"| {name} | {ours_s} | {fmt(t, amount, unit)} | {ratio} |")


if __name__ == "__main__":
    main()
