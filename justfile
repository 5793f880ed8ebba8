# Contributor recipes. CI and the README never need `just`; these are shortcuts.

# Everything CI runs.
ci:
    bash .ci/run

# The test suite.
test:
    cargo test --workspace

# The main job: the training demo on the CPU backend.
demo:
    cargo run --release -p mlx-lm --example train_lm

# Training throughput beside MLX 0.32.4 Python (same model, same run).
lm-throughput:
    bash crates/mlx-lm/scripts/throughput.sh

# Criterion benchmarks of the CPU backend.
bench:
    cargo bench -p mlx-bench

# Side-by-side figures against numpy and MLX (makes a venv in .venv).
side-by-side:
    bash crates/mlx-bench/scripts/side_by_side.sh
