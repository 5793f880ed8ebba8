#!/usr/bin/env python3
"""Evaluates every conformance case with the real MLX and writes golden data.

Reads cases/*.json, builds each file's inputs with a seeded numpy RNG (the
seed of an input is the CRC32 of "<file stem>/<key>", so adding an input never
changes another), calls MLX by op name (dotted names resolve under mlx.core,
with a few documented extras), evaluates, and writes per case file <stem>

  golden/<stem>.inputs.safetensors   inputs, keyed by input key
  golden/<stem>.outputs.safetensors  outputs, keyed "<case>" or "<case>.<i>"
  golden/<stem>.report.json          MLX's error message for each case that
                                     raised, and the length of tuple results

Everything is deterministic, so regenerating a family that did not change
rewrites identical bytes (case families merge without conflicts).

Safetensors are written here (not with mx.save_safetensors, which rejects
float64): dtypes map to BOOL, U8..U64, I8..I64, F16, BF16, F32, F64 and C64
(complex64 as interleaved float32 real/imaginary pairs), all little-endian.

Usage: python generate.py [--cases DIR] [--golden DIR] [FAMILY ...]
"""

import argparse
import glob
import json
import os
import struct
import sys
import zlib

import numpy as np
import mlx.core as mx

CRATE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DTYPES = {
    name: getattr(mx, "bool_" if name == "bool" else name)
    for name in [
        "bool",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "int8",
        "int16",
        "int32",
        "int64",
        "float16",
        "bfloat16",
        "float32",
        "float64",
        "complex64",
    ]
}
NAME_OF = {v: k for k, v in DTYPES.items()}
ST_DTYPE = {
    "bool": "BOOL",
    "uint8": "U8",
    "uint16": "U16",
    "uint32": "U32",
    "uint64": "U64",
    "int8": "I8",
    "int16": "I16",
    "int32": "I32",
    "int64": "I64",
    "float16": "F16",
    "bfloat16": "BF16",
    "float32": "F32",
    "float64": "F64",
    "complex64": "C64",
}
NP_DTYPE = {
    "bool": np.bool_,
    "uint8": np.uint8,
    "uint16": np.uint16,
    "uint32": np.uint32,
    "uint64": np.uint64,
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
    "float16": np.float16,
    "float32": np.float32,
    "float64": np.float64,
    "complex64": np.complex64,
}
FLOAT_LIMITS = {  # (max, smallest normal) per float dtype
    "float16": (65504.0, 6.103515625e-05),
    "bfloat16": (3.3895313892515355e38, 1.1754943508222875e-38),
    "float32": (3.4028234663852886e38, 1.1754943508222875e-38),
    "float64": (1.7976931348623157e308, 2.2250738585072014e-308),
    "complex64": (3.4028234663852886e38, 1.1754943508222875e-38),
}


def _log_softmax(a, axis=None):
    # mlx.core has no log_softmax; this is mlx.nn.log_softmax's formula
    # (x - logsumexp(x)) with mx.softmax's default of all axes.
    if axis is None:
        axis = list(range(a.ndim))
    return a - mx.logsumexp(a, axis=axis, keepdims=True)


def _fft_vjp(x, ct, op, **kw):
    """The vjp of mx.fft.<op>(x, **kw) at cotangent ct (the fft family)."""
    f = getattr(mx.fft, op)
    return mx.vjp(lambda a: f(a, **kw), [x], [ct])[1][0]


def _fft_jvp(x, t, op, **kw):
    """The jvp of mx.fft.<op>(x, **kw) along tangent t (the fft family)."""
    f = getattr(mx.fft, op)
    return mx.jvp(lambda a: f(a, **kw), [x], [t])[1][0]


def _scatter_via_at(a, indices, updates, axes, add):
    # MLX's C++ `scatter(a, indices, updates, axes)` (and `scatter_add`) is
    # not in mlx.core; Python reaches it through `a[idx] = v` and
    # `a.at[idx].add(v)`. Move `axes` to the front so that the index arrays
    # are the leading advanced indices, drop the size-1 window dims of
    # `updates` on those axes, scatter, and move the axes back.
    axes = [ax % a.ndim for ax in axes]
    if len(indices) != len(axes) or len(set(axes)) != len(axes):
        raise ValueError("scatter: one index array per distinct axis is needed")
    rest = [d for d in range(a.ndim) if d not in axes]
    perm = axes + rest
    at = mx.transpose(a, perm)
    nidx = updates.ndim - a.ndim
    if nidx < 0 or any(updates.shape[nidx + ax] != 1 for ax in axes):
        raise ValueError("scatter: updates must be index shape ++ window with size 1 on axes")
    upd = mx.reshape(updates, updates.shape[:nidx] + tuple(updates.shape[nidx + d] for d in rest))
    key = tuple(indices)
    if add:
        out = at.at[key].add(upd)
    else:
        out = mx.array(at)
        out[key] = upd
    inv = [perm.index(d) for d in range(a.ndim)]
    return mx.transpose(out, inv)


def _scatter(a, indices, updates, axes):
    return _scatter_via_at(a, indices, updates, axes, add=False)


def _scatter_add(a, indices, updates, axes):
    return _scatter_via_at(a, indices, updates, axes, add=True)


# Names the suite uses that are not attributes of mlx.core.
EXTRA_OPS = {
    "log_softmax": _log_softmax,
    "fft_vjp": _fft_vjp,
    "fft_jvp": _fft_jvp,
    "scatter": _scatter,
    "scatter_add": _scatter_add,
}


def resolve_op(name):
    if name in EXTRA_OPS:
        return EXTRA_OPS[name]
    obj = mx
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


# ------------------------------------------------------------------ inputs


def special_values(dtype):
    """Edge values of a dtype: inf/-inf/nan/0/-0/large for floats, the
    bounds for integers."""
    if dtype == "bool":
        return [True, False, False, True]
    if dtype in NP_DTYPE and np.issubdtype(NP_DTYPE[dtype], np.integer):
        info = np.iinfo(NP_DTYPE[dtype])
        vals = [0, 1, info.max, info.min, info.max - 1, info.min + 1, 2, 3, 7, 100 % (info.max + 1)]
        if info.min < 0:
            vals += [-1, -2, -3, -7]
        return vals
    big, tiny = FLOAT_LIMITS[dtype]
    vals = [
        0.0,
        -0.0,
        np.inf,
        -np.inf,
        np.nan,
        1.0,
        -1.0,
        0.5,
        -0.5,
        1.5,
        2.5,
        -2.5,
        3.0,
        big,
        -big,
        big / 4,
        tiny,
        -tiny,
        1e-3,
        10.0,
        100.0,
        -88.5,
        30.0,
        0.999,
    ]
    if dtype == "complex64":
        return [complex(v, w) for v, w in zip(vals, [0.0, 1.0, 0.0, -1.0, 0.0, 2.0, np.nan, -0.5, 0.0, np.inf] * 3)]
    return vals


def make_input(stem, key, spec):
    shape = tuple(spec["shape"])
    dtype = spec.get("dtype", "float32")
    init = spec.get("init", "normal")
    if dtype not in DTYPES:
        raise ValueError(f"input {key}: unknown dtype {dtype}")
    rng = np.random.default_rng(zlib.crc32(f"{stem}/{key}".encode()))
    n = int(np.prod(shape, dtype=np.int64))
    lo, hi = spec.get("low"), spec.get("high")
    is_complex = dtype == "complex64"
    is_int = dtype in NP_DTYPE and np.issubdtype(NP_DTYPE[dtype], np.integer)
    if init == "values":
        vals = spec["values"]
        if is_complex:
            vals = [complex(v[0], v[1]) if isinstance(v, list) else v for v in vals]
        v = np.array(vals, dtype=object if is_int else None)
        if v.size != n:
            raise ValueError(f"input {key}: {v.size} values for shape {shape}")
    elif init == "special":
        sv = special_values(dtype)
        v = np.array([sv[i % len(sv)] for i in range(min(n, len(sv)))], dtype=object)
        if n > len(sv):
            extra = rng.integers(0, len(sv), n - len(sv))
            v = np.concatenate([v, np.array([sv[i] for i in extra], dtype=object)])
    elif init == "bool":
        v = rng.random(n) < spec.get("p", 0.5)
    elif init == "arange":
        v = np.arange(n)
    elif init == "randint":
        if dtype == "bool":
            v = rng.integers(0, 2, n).astype(bool)
        else:
            v = rng.integers(lo if lo is not None else -5, hi if hi is not None else 6, n)
            if spec.get("nonzero") and dtype.startswith("int"):
                v = v * rng.choice([-1, 1], n)
    elif init == "uniform":
        lo = -1.0 if lo is None else lo
        hi = 1.0 if hi is None else hi
        v = rng.uniform(lo, hi, n)
        if is_complex:
            v = v + 1j * rng.uniform(lo, hi, n)
    elif init == "normal":
        scale = spec.get("scale", 1.0)
        v = rng.standard_normal(n) * scale
        if is_complex:
            v = v + 1j * rng.standard_normal(n) * scale
    else:
        raise ValueError(f"input {key}: unknown init {init}")
    if dtype == "bool":
        return mx.array(np.array([bool(x) for x in v.ravel()], dtype=np.bool_).reshape(shape))
    if is_int:
        if init in ("normal", "uniform"):
            v = np.round(v.astype(np.float64))
        arr = np.array([int(x) for x in v.ravel()], dtype=NP_DTYPE[dtype])
        return mx.array(arr.reshape(shape), dtype=DTYPES[dtype])
    if dtype == "bfloat16":
        return mx.array(np.asarray(v, dtype=np.float32).reshape(shape)).astype(mx.bfloat16)
    return mx.array(np.asarray(v, dtype=NP_DTYPE[dtype]).reshape(shape), dtype=DTYPES[dtype])


def apply_views(t, view):
    for v in view if isinstance(view, list) else [view]:
        if len(v) != 1:
            raise ValueError(f"a view has exactly one key, got {v}")
        ((kind, val),) = v.items()
        if kind == "transpose":
            t = mx.transpose(t, val)
        elif kind == "slice":
            t = t[tuple(slice(*s) for s in val)]
        elif kind == "broadcast_to":
            t = mx.broadcast_to(t, val)
        else:
            raise ValueError(f"unknown view {kind}")
    return t


def convert(v, tensors):
    if isinstance(v, dict):
        if "tensor" in v:
            t = tensors[v["tensor"]]
            return apply_views(t, v["view"]) if "view" in v else t
        if "dtype" in v:
            return DTYPES[v["dtype"]]
        if "float" in v:  # non-finite floats, which JSON cannot spell
            return float(v["float"])
        raise ValueError(f"unknown argument object {v}")
    if isinstance(v, list):
        return [convert(x, tensors) for x in v]
    return v


# ------------------------------------------------------------------ output


def to_numpy(a):
    a = mx.contiguous(a)
    if a.dtype == mx.bfloat16:
        return np.array(mx.view(a, mx.uint16))
    return np.array(a)


def write_safetensors(path, arrays, metadata):
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for key in sorted(arrays):
        a = arrays[key]
        data = np.ascontiguousarray(to_numpy(a)).tobytes()
        header[key] = {
            "dtype": ST_DTYPE[NAME_OF[a.dtype]],
            "shape": list(a.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def call_case(case, tensors):
    """Runs one case; returns (outputs, is_tuple). A gradient case returns the
    gradients of sum(op(...)) with respect to its `grad.argnums` positional
    arguments, always as a tuple."""
    fn = resolve_op(case["op"])
    cargs = [convert(a, tensors) for a in case.get("args", [])]
    ckw = {}
    for k, v in case.get("kwargs", {}).items():
        ckw[k] = DTYPES[v] if k == "dtype" and isinstance(v, str) else convert(v, tensors)
    if "grad" in case:
        argnums = case["grad"]["argnums"]

        def loss(*ts):
            a = list(cargs)
            for i, t in zip(argnums, ts):
                a[i] = t
            r = fn(*a, **ckw)
            outs = list(r) if isinstance(r, (list, tuple)) else [r]
            total = mx.sum(outs[0])
            for o in outs[1:]:
                total = total + mx.sum(o)
            return total

        res = mx.grad(loss, argnums=list(range(len(argnums))))(*[cargs[i] for i in argnums])
        return (list(res) if isinstance(res, (list, tuple)) else [res]), True
    res = fn(*cargs, **ckw)
    if isinstance(res, (list, tuple)):
        return [o if isinstance(o, mx.array) else mx.array(o) for o in res], True
    return [res if isinstance(res, mx.array) else mx.array(res)], False


def run_family(path, golden_dir):
    """Evaluates one case file; writes golden/<stem>.{inputs,outputs}.safetensors
    and golden/<stem>.report.json. Returns (ok, errors)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    with open(path) as f:
        doc = json.load(f)
    tensors, outputs, errors, tuples = {}, {}, {}, {}
    for key, spec in doc.get("inputs", {}).items():
        t = make_input(stem, key, spec)
        mx.eval(t)
        tensors[key] = t
    seen = set()
    for case in doc["cases"]:
        name = case["name"]
        if name in seen:
            sys.exit(f"{path}: case name {name} is not unique")
        seen.add(name)
        try:
            outs, is_tuple = call_case(case, tensors)
            mx.eval(outs)
        except Exception as e:  # MLX raised: the expected behaviour is an error
            msg = f"{type(e).__name__}: {e}"
            errors[name] = msg if len(msg) <= 160 else msg[:157] + "..."
            continue
        keys = [f"{name}.{i}" for i in range(len(outs))] if is_tuple else [name]
        if is_tuple:
            tuples[name] = len(outs)
        for k, o in zip(keys, outs):
            if k in outputs:
                sys.exit(f"output key {k} collides with another case's")
            outputs[k] = o
    meta = {"mlx": mx.__version__, "numpy": np.__version__, "generator": "crates/mlx-conformance/python/generate.py"}
    write_safetensors(os.path.join(golden_dir, f"{stem}.inputs.safetensors"), tensors, meta)
    write_safetensors(os.path.join(golden_dir, f"{stem}.outputs.safetensors"), outputs, meta)
    with open(os.path.join(golden_dir, f"{stem}.report.json"), "w") as f:
        # only what the outputs file cannot say: MLX's errors (one per line,
        # diff-friendly) and the number of arrays of tuple results
        f.write('{"mlx_version": %s, "cases": %d,\n' % (json.dumps(mx.__version__), len(doc["cases"])))
        f.write(' "tuples": {%s},\n' % ", ".join(f"{json.dumps(k)}: {tuples[k]}" for k in sorted(tuples)))
        f.write(' "errors": {\n')
        f.write(",\n".join(f"  {json.dumps(k)}: {json.dumps(errors[k])}" for k in sorted(errors)))
        f.write("\n }\n}\n")
    return len(doc["cases"]) - len(errors), len(errors)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default=os.path.join(CRATE, "cases"))
    ap.add_argument("--golden", default=os.path.join(CRATE, "golden"))
    ap.add_argument("families", nargs="*", help="case file stems to regenerate (default: all)")
    args = ap.parse_args()

    mx.set_default_device(mx.cpu)
    files = sorted(glob.glob(os.path.join(args.cases, "*.json")))
    if args.families:
        files = [p for p in files if os.path.splitext(os.path.basename(p))[0] in args.families]
    if not files:
        sys.exit(f"no case files in {args.cases}")
    os.makedirs(args.golden, exist_ok=True)
    n_ok = n_err = 0
    for path in files:
        ok, err = run_family(path, args.golden)
        n_ok += ok
        n_err += err
        print(f"generate: {os.path.basename(path)}: {ok} ok, {err} MLX errors", file=sys.stderr)
    print(f"generate: {n_ok + n_err} cases from {len(files)} files ({n_ok} ok, {n_err} MLX errors) "
          f"written to {args.golden}", file=sys.stderr)


if __name__ == "__main__":
    main()
