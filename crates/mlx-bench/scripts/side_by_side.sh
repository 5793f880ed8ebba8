#!/usr/bin/env bash
# Measures this project, numpy and MLX 0.32.4 (CPU) on the same workloads in
# one run and prints a Markdown table of medians and ratios.
# Usage: bash crates/mlx-bench/scripts/side_by_side.sh   (from the repo root)
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
venv="${MLX_BENCH_VENV:-$root/.venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "mlx[cpu]==0.32.4" numpy
fi
tmp="$(mktemp -d)"
cargo run --release -q -p mlx-bench --bin side_by_side >"$tmp/ours.jsonl"
"$venv/bin/python" "$root/crates/mlx-bench/scripts/cpu_reference.py" >"$tmp/ref.jsonl"
"$venv/bin/python" - "$tmp/ours.jsonl" "$tmp/ref.jsonl" <<'PY'
import json, sys
ours = {j["work"]: j["ms"] for j in map(json.loads, open(sys.argv[1]))}
ref = {}
for j in map(json.loads, open(sys.argv[2])):
    ref.setdefault(j["work"], {})[j["lib"]] = j["ms"]
def fmt(work, ms):
    if ms is None:
        return "—"
    if work.startswith("matmul"):
        n = int(work.split()[1])
        return f"{ms:.2f} ms ({2 * n**3 / (ms / 1e3) / 1e9:.0f} GFLOP/s)"
    if work.startswith("1000-op"):
        return f"{ms:.3f} ms ({ms:.2f} µs/op)"
    return f"{ms:.2f} ms"
print("| work | oxidized MLX | numpy | MLX 0.32.4 CPU | numpy / ours | MLX / ours |")
print("| --- | --- | --- | --- | --- | --- |")
for work, ms in ours.items():
    r = ref.get(work, {})
    n, m = r.get("numpy"), r.get("mlx")
    ratio = lambda x: f"{x / ms:.2f}×" if x else "—"
    print(f"| {work} | {fmt(work, ms)} | {fmt(work, n)} | {fmt(work, m)} | {ratio(n)} | {ratio(m)} |")
PY
rm -rf "$tmp"
