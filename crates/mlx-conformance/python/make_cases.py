#!/usr/bin/env python3
"""Writes the generated families of the conformance suite (cases/*.json).

Each python/families/<name>.py defines `build()`, which returns a
`suite.Family` named <name>; this script writes it to cases/<name>.json with
`"generated_by": "python/make_cases.py"`. Case files without a family module
(hand-written JSON) are never touched. Adding a family is adding a module.

It needs only the Python standard library (no MLX): `generate.sh` runs it
before `generate.py`, which evaluates every case with MLX.

Usage: python make_cases.py [FAMILY ...]   (default: every family)
"""

import glob
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from suite import CASES_DIR  # noqa: E402


def load_family(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(f"conformance_family_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return name, mod


def main():
    wanted = set(sys.argv[1:])
    os.makedirs(CASES_DIR, exist_ok=True)
    total = 0
    for path in sorted(glob.glob(os.path.join(HERE, "families", "*.py"))):
        name, mod = load_family(path)
        if wanted and name not in wanted:
            continue
        fam = mod.build()
        if fam.name != name:
            sys.exit(f"{path}: build() returned family {fam.name!r}, expected {name!r}")
        n = fam.write()
        total += n
        print(f"{name}: {n} cases", file=sys.stderr)
    print(f"make_cases: {total} cases written to {CASES_DIR}", file=sys.stderr)


if __name__ == "__main__":
    main()
