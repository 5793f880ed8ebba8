#!/usr/bin/env bash
# Regenerates the conformance suite: the generated case files (cases/*.json,
# written by python/make_cases.py from python/families/*.py) and the golden
# data (golden/<family>.*) computed by the real MLX 0.32.4 through
# python/generate.py. Everything is deterministic: families that did not
# change are rewritten byte for byte.
#
# Usage (from anywhere): bash crates/mlx-conformance/generate.sh [--golden-only] [FAMILY ...]
#   --golden-only   keep cases/*.json as they are; only recompute golden/
#   FAMILY ...      only these case files (stems, e.g. unary binary)
# The venv is $MLX_CONFORMANCE_VENV, or .venv at the repository root; it is
# created with `pip install "mlx[cpu]==0.32.4" numpy` when missing.
set -euo pipefail
crate="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$crate/../.." && pwd)"
venv="${MLX_CONFORMANCE_VENV:-$root/.venv}"
golden_only=0
if [ "${1:-}" = "--golden-only" ]; then
  golden_only=1
  shift
fi
if ! "$venv/bin/python" -c 'import mlx.core, numpy; assert mlx.core.__version__ == "0.32.4"' >/dev/null 2>&1; then
  echo "generate.sh: setting up $venv with mlx[cpu]==0.32.4 and numpy" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "mlx[cpu]==0.32.4" numpy
fi
if [ "$golden_only" = 0 ]; then
  "$venv/bin/python" "$crate/python/make_cases.py" "$@"
fi
"$venv/bin/python" "$crate/python/generate.py" --cases "$crate/cases" --golden "$crate/golden" "$@"
