# Contributor recipes. CI and the README never need `just`; these are shortcuts.

# Everything CI runs.
ci:
    bash .ci/run

# The test suite.
test:
    cargo test --workspace

# The main demo on the CPU backend.
demo:
    cargo run --release -p mlx --example demo

# Criterion benchmarks of the CPU backend.
bench:
    cargo bench -p mlx-bench

# Side-by-side figures against numpy and MLX (makes a venv in .venv).
side-by-side:
    bash crates/mlx-bench/scripts/side_by_side.sh
