#!/usr/bin/env bash
# Builds the GPU test binaries and examples of mlx-cuda (release profile),
# strips them and packs them with the runner into devbin/gpu/ (git-ignored),
# ready to be carried to a GPU machine that has no Rust toolchain.
#
#   bash crates/mlx-cuda/scripts/pack_device.sh      # from the repository root
#   # on the GPU machine, from the repository root, with devbin/gpu carried:
#   bash devbin/gpu/run.sh                           # writes logs under $OUT
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$ROOT"
DEST=devbin/gpu
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
list="$(cargo test -p mlx-cuda --release --no-run 2>&1)"
for t in backend conformance ops reductions runtime; do
  bin="$(printf '%s\n' "$list" | grep "tests/$t.rs" | sed 's/.*(\(.*\))/\1/')"
  strip -o "$STAGE/$t" "$bin"
done
cargo build -p mlx-cuda --release --examples
for e in mlp bench; do strip -o "$STAGE/$e" "target/release/examples/$e"; done
cp crates/mlx-cuda/scripts/gpu_torch.py "$STAGE/"
mkdir -p "$DEST"
(cd "$STAGE" && tar cJf "$ROOT/$DEST/bins.tar.xz" ./*)
cp crates/mlx-cuda/scripts/device_run.sh "$DEST/run.sh"
ls -l "$DEST"
