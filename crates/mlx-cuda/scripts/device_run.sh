#!/usr/bin/env bash
# Runs the packed mlx-cuda GPU tests, the MLP example, the benchmark beside
# PyTorch and the conformance suite on cuda:0 (see scripts/pack_device.sh).
# Logs go to $OUT (default /tmp/out).
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${OUT:-/tmp/out}"; mkdir -p "$OUT"
cd "$HERE" && tar xJf bins.tar.xz
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$(python3 -c 'import glob,os,nvidia;print(":".join(glob.glob(os.path.dirname(nvidia.__path__[0])+"/nvidia/*/lib")))'):${LD_LIBRARY_PATH:-}
nvidia-smi --query-gpu=name --format=csv,noheader
SECONDS=0
for t in runtime backend ops reductions; do
  th=1; [ $t = reductions ] && th=8
  echo "-- $t (t=$SECONDS s)"
  timeout 240 ./$t --include-ignored --test-threads=$th --nocapture > "$OUT/$t.txt" 2>&1; echo "rc $?"
  grep -E "^test result|FAILED|panicked|µs|us |TB/s|TFLOP" "$OUT/$t.txt" | head -24
done
echo "-- mlp (t=$SECONDS s)"; timeout 60 ./mlp 2>&1 | tail -14
echo "-- bench (t=$SECONDS s)"
timeout 120 ./bench --reps 20 --json "$OUT/ours.json" > "$OUT/bench.txt" 2>&1; echo "rc $?"; tail -12 "$OUT/bench.txt"
timeout 120 python3 gpu_torch.py --reps 20 --ours "$OUT/ours.json" 2>&1 | tee "$OUT/torch.txt" | tail -16
echo "-- conformance on cuda:0 (t=$SECONDS s)"
(cd "$ROOT" && timeout 200 "$HERE/conformance" --include-ignored --nocapture > "$OUT/conformance.txt" 2>&1; echo "rc $?")
grep -E "conformance|nodes|test result|cases fail" "$OUT/conformance.txt" | head -20
echo "done t=$SECONDS s"
