#!/usr/bin/env bash
# Training throughput of the demo model (tokens per second), ours beside
# MLX 0.32.4 Python running the same model, task, batch and optimizer, in
# one run, two interleaved rounds. Both report the median step after five
# warm-up steps. Usage: bash crates/mlx-lm/scripts/throughput.sh
# (MLX_VENV: a venv with mlx[cpu]==0.32.4; made under target/ if unset).
set -euo pipefail
cd "$(dirname "$0")/../../.."
venv="${MLX_VENV:-$PWD/target/ci-venv}"
if ! "$venv/bin/python" -c 'import mlx.core as mx; assert mx.__version__ == "0.32.4"' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "mlx[cpu]==0.32.4" numpy
fi
cargo build --release -q -p mlx-lm --example train_lm
for round in 1 2; do
  echo "round $round"
  ./target/release/examples/train_lm --steps 60 | grep throughput
  "$venv/bin/python" crates/mlx-lm/python/tiny_lm.py bench --steps 55
done
