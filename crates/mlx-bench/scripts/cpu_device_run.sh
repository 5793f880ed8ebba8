#!/usr/bin/env bash
# Runner packed by pack_cpu_device.sh: two rounds, each of this project's
# side_by_side workloads, the numpy (and MLX, when installed) reference and
# the `hot` minimum/median timer, all pinned to the same two cores so that
# the figures compare like with like on a shared machine.
set -u
cd "$(dirname "$0")"
tar xJf cpu.tar.xz
lscpu | grep -E "Model name" | cut -c1-100
pick='qmv|matvec|exp\(x\)|exp 16M|add 16M|mlp tiny|gather_mm'
for round in 1 2; do
  echo "-- round $round: oxidized MLX (side_by_side, median ms)"
  timeout 120 taskset -c 0,1 ./side_by_side | grep -E "$pick"
  echo "-- round $round: reference (numpy; MLX if installed)"
  OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 timeout 200 taskset -c 0,1 python3 cpu_reference.py | grep -E "$pick"
  echo "-- round $round: hot (min / median)"
  RUNS=30 timeout 120 taskset -c 0,1 ./hot qmv mv unfused fused
done
