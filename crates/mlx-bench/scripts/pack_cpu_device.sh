#!/usr/bin/env bash
# Builds the CPU benchmark binaries (release), strips them and packs them
# with the numpy/MLX reference script and the runner into devbin/cpuperf/
# (git-ignored), to measure on the device machine's CPU, which has no Rust
# toolchain:
#
#   bash crates/mlx-bench/scripts/pack_cpu_device.sh   # here, from the repo root
#   bash devbin/cpuperf/run.sh                         # there, from the repo root
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$ROOT"
DEST=devbin/cpuperf
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cargo build --release -p mlx-bench --bin side_by_side --example hot
strip -o "$STAGE/side_by_side" target/release/side_by_side
strip -o "$STAGE/hot" target/release/examples/hot
cp crates/mlx-bench/scripts/cpu_reference.py "$STAGE/"
mkdir -p "$DEST"
(cd "$STAGE" && tar cJf "$ROOT/$DEST/cpu.tar.xz" ./*)
cp crates/mlx-bench/scripts/cpu_device_run.sh "$DEST/run.sh"
ls -l "$DEST"
