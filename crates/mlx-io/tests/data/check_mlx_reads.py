"""Loads the files of `cargo run -p mlx-io --example write_for_mlx -- DIR`
with MLX 0.32.4 and checks every dtype and value.

Usage: /root/mlxvenv/bin/python check_mlx_reads.py DIR
"""
import sys

import mlx.core as mx
import numpy as np

d = sys.argv[1]
base = np.array([[-2.0, -0.5, 0.0], [1.0, 2.5, 3.0]]).T
names = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32",
         "int64", "float16", "bfloat16", "float32", "float64", "complex64"]


def want(name):
    v = np.abs(base) if name.startswith("u") else base
    return mx.array(v).astype(getattr(mx, name if name != "bool" else "bool_"))


def check(name, a):
    w = want(name)
    assert a.dtype == w.dtype, (name, a.dtype, w.dtype)
    assert a.shape == w.shape, (name, a.shape)
    assert mx.array_equal(a, w).item(), (name, a, w)


for n in names:
    check(n, mx.load(f"{d}/{n}.npy"))
st, meta = mx.load(f"{d}/all.safetensors", return_metadata=True)
assert meta == {"writer": "mlx-io"}, meta
assert len(st) == 13
for n, a in st.items():
    check(n, a)
for f in ["all.npz", "all_compressed.npz"]:
    z = mx.load(f"{d}/{f}")
    assert len(z) == 14
    for n, a in z.items():
        check(n, a)
print("MLX read every file written by mlx-io: 14 npy, safetensors (13 + metadata), 2 npz")
