"""Writes the MLX-made cross-check files for mlx-io's tests.

Run from this directory with MLX 0.32.4:  /root/mlxvenv/bin/python make_data.py
Writes mlx.safetensors, mlx.npz, mlx_compressed.npz, one <dtype>.npy per dtype,
numpy-written fortran/big-endian files, and expected.json with every value.
"""
import json

import mlx.core as mx
import numpy as np

DTYPES = ["bool_", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32",
          "int64", "float16", "bfloat16", "float32", "float64", "complex64"]


def values(name, n):
    base = [((i * 7 + 3) % 11) - 5 for i in range(n)]
    if name == "bool_":
        return [v > 0 for v in base]
    if name.startswith("uint"):
        return [v + 5 for v in base]
    if name.startswith("float") or name == "bfloat16":
        return [v * 0.5 for v in base]
    if name == "complex64":
        return [complex(v * 0.5, -v * 0.25) for v in base]
    return base


def describe(a, name):
    flat = np.array(a.astype(mx.float32) if name == "bfloat16" else a).reshape(-1).tolist()
    if name == "complex64":
        flat = [[z.real, z.imag] for z in flat]
    elif name == "bool_":
        flat = [1.0 if b else 0.0 for b in flat]
    return {"dtype": name, "shape": list(a.shape), "values": [x for x in flat]}


arrays, expected = {}, {}
shapes = [(2, 3), (5,), (), (3, 1, 2), (0, 2)]
for i, name in enumerate(DTYPES):
    shape = shapes[i % len(shapes)]
    n = int(np.prod(shape)) if shape else 1
    a = mx.array(values(name, n), dtype=getattr(mx, name)).reshape(shape)
    arrays[name] = a
    expected[name] = describe(a, name)
    mx.save(f"{name}.npy", a)

# MLX 0.32.4 refuses float64 in safetensors (mlx-io accepts it: the spec has F64).
st = {k: v for k, v in arrays.items() if k != "float64"}
mx.save_safetensors("mlx.safetensors", st, metadata={"format": "mlx", "step": "7"})
mx.savez("mlx.npz", *[arrays["float32"]], w=arrays["int16"], b=arrays["bool_"])
mx.savez_compressed("mlx_compressed.npz", h=arrays["float16"], c=arrays["complex64"])

# numpy-written layouts MLX reads: Fortran order and big-endian.
f = np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4))
np.save("fortran_f32.npy", f)
np.save("big_endian_i4.npy", np.arange(6, dtype=">i4").reshape(2, 3))
np.save("big_endian_c8.npy", np.array([1 + 2j, -3.5 + 0.25j], dtype=">c8"))
np.save("fortran_big_f8.npy", np.asfortranarray(np.arange(6, dtype=">f8").reshape(2, 3)))
for fn in ["fortran_f32", "big_endian_i4", "big_endian_c8", "fortran_big_f8"]:
    a = mx.load(f"{fn}.npy")
    name = {"float32": "float32", "int32": "int32", "complex64": "complex64",
            "float64": "float64"}[str(a.dtype).split(".")[-1]]
    expected[fn] = describe(a, name)
# MLX 0.32.4 byte-swaps a big-endian complex64 as one 8-byte unit, swapping
# the real and imaginary parts; mlx-io swaps each float32 half, as numpy.
expected["big_endian_c8"]["values"] = [[1.0, 2.0], [-3.5, 0.25]]

with open("expected.json", "w") as fh:
    json.dump(expected, fh, sort_keys=True)
