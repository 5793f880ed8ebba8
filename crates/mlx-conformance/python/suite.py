"""Shared helpers of the case families (python/families/*.py).

`Family` collects one case file's inputs and cases; `T` writes a tensor
argument (optionally through a view). Standard library only.
"""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(os.path.dirname(HERE), "cases")

BOOL = ["bool"]
UINTS = ["uint8", "uint16", "uint32", "uint64"]
SINTS = ["int8", "int16", "int32", "int64"]
INTS = UINTS + SINTS
FLOATS = ["float16", "bfloat16", "float32", "float64"]
ALL = BOOL + INTS + FLOATS + ["complex64"]
SHORT = {
    "bool": "b",
    "uint8": "u8",
    "uint16": "u16",
    "uint32": "u32",
    "uint64": "u64",
    "int8": "i8",
    "int16": "i16",
    "int32": "i32",
    "int64": "i64",
    "float16": "f16",
    "bfloat16": "bf16",
    "float32": "f32",
    "float64": "f64",
    "complex64": "c64",
}


def T(key, view=None):
    """A tensor argument, optionally seen through a view."""
    a = {"tensor": key}
    if view is not None:
        a["view"] = view
    return a


def dumps_compact(doc):
    """JSON with one input and one case per line (readable, diff-friendly)."""
    one = lambda v: json.dumps(v, separators=(", ", ": "))  # noqa: E731
    lines = ["{", f' "generated_by": {one(doc["generated_by"])},', ' "inputs": {']
    items = list(doc["inputs"].items())
    for i, (k, v) in enumerate(items):
        lines.append(f"  {one(k)}: {one(v)}" + ("," if i + 1 < len(items) else ""))
    lines.append(" },")
    lines.append(' "cases": [')
    for i, c in enumerate(doc["cases"]):
        lines.append("  " + one(c) + ("," if i + 1 < len(doc["cases"]) else ""))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


class Family:
    """One case file: its inputs and cases."""

    def __init__(self, name):
        self.name = name
        self.inputs = {}
        self.cases = []
        self.names = set()

    def inp(self, key, shape, dtype, init, **extra):
        spec = {"shape": list(shape), "dtype": dtype, "init": init}
        spec.update(extra)
        old = self.inputs.get(key)
        if old is not None and old != spec:
            raise ValueError(f"{self.name}: input {key} defined twice differently")
        self.inputs[key] = spec
        return key

    def val(self, key, dtype, domain="any", shape=(3, 4)):
        """A random input of `dtype` whose values suit `domain`."""
        k = f"{key}_{SHORT[dtype]}"
        if tuple(shape) != (3, 4):
            k += "_" + ("x".join(map(str, shape)) or "0d")
        if dtype == "bool":
            return self.inp(k, shape, dtype, "bool")
        if dtype in INTS:
            unsigned = dtype in UINTS
            lo, hi = {
                "any": (0 if unsigned else -5, 10 if unsigned else 6),
                "pos": (1, 10),
                "unit": (0 if unsigned else -1, 2),
                "ge1": (1, 10),
                "small": (0, 4),
                "shift": (0, 7),
                "nonzero": (1, 7),
            }[domain]
            extra = {"nonzero": True} if domain == "nonzero" else {}
            return self.inp(k, shape, dtype, "randint", low=lo, high=hi, **extra)
        if domain in ("any", "nonzero"):
            return self.inp(k, shape, dtype, "normal", scale=2.0)
        lo, hi = {
            "pos": (0.1, 10.0),
            "unit": (-0.95, 0.95),
            "ge1": (1.0, 10.0),
            "small": (0.5, 3.0),
            "shift": (0.0, 7.0),
        }[domain]
        return self.inp(k, shape, dtype, "uniform", low=lo, high=hi)

    def special(self, dtype, shape=(24,), key="sp"):
        return self.inp(f"{key}_{SHORT[dtype]}_{'x'.join(map(str, shape))}", shape, dtype, "special")

    def case(self, name, op, args, kwargs=None, grad=None):
        """Adds a case `<family>/<name>`. `grad` (a list of positional
        argument indices) makes it a gradient case: the gradients of
        sum(op(args)) with respect to those (tensor) arguments."""
        full = f"{self.name}/{name}"
        if full in self.names:
            raise ValueError(f"duplicate case name {full}")
        self.names.add(full)
        c = {"name": full, "op": op, "args": args}
        if kwargs:
            c["kwargs"] = kwargs
        if grad is not None:
            c["grad"] = {"argnums": list(grad)}
        self.cases.append(c)

    def write(self):
        doc = {
            "generated_by": "python/make_cases.py",
            "inputs": self.inputs,
            "cases": self.cases,
        }
        path = os.path.join(CASES_DIR, f"{self.name}.json")
        with open(path, "w") as f:
            f.write(dumps_compact(doc))
        return len(self.cases)


