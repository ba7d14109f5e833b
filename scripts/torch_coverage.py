"""Which public ``torch.…`` names a script can reach under ``mytorch run``, namespace by namespace.

    python scripts/torch_coverage.py                 # counts per namespace
    python scripts/torch_coverage.py --missing       # and every missing name
    python scripts/torch_coverage.py --json out.json

PyTorch (the test oracle, installed by the `test` extra) lists its public names in one process; a second
process, with ``mytorch.as_torch()`` in force and PyTorch never imported, asks for each of them exactly
as a script would (``getattr(torch.nn.functional, "glu")``). Public means: no leading underscore, not a
submodule (submodules are namespaces of their own here), not a name that merely re-exports a module
such as ``typing`` names.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

NAMESPACES = (
    "torch", "torch.Tensor", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.nn.utils",
    "torch.nn.utils.rnn", "torch.nn.parallel", "torch.optim", "torch.optim.lr_scheduler", "torch.optim.swa_utils",
    "torch.autograd", "torch.autograd.functional", "torch.utils.data", "torch.utils.checkpoint",
    "torch.utils.tensorboard", "torch.cuda", "torch.cuda.amp", "torch.amp", "torch.backends", "torch.linalg",
    "torch.fft", "torch.special", "torch.distributions", "torch.distributed", "torch.onnx", "torch.jit",
    "torch.testing", "torch.random", "torch.serialization", "torch.hub",
)

_TORCH_SIDE = r"""
import importlib, inspect, json, sys, types
import torch
out = {}
for ns in json.loads(sys.argv[1]):
    try:
        obj = torch.Tensor if ns == "torch.Tensor" else importlib.import_module(ns)
    except Exception:
        continue
    names = []
    for name in dir(obj):
        if name.startswith("_"):
            continue
        try:
            value = getattr(obj, name)
        except Exception:
            continue
        if isinstance(value, types.ModuleType):
            continue
        home = getattr(value, "__module__", None) or ""
        if home.startswith(("typing", "collections", "builtins", "abc")) and ns != "torch.Tensor":
            continue  # re-exported helpers such as Optional, not PyTorch API
        names.append(name)
    out[ns] = sorted(names)
print(json.dumps(out))
"""

_MYTORCH_SIDE = r"""
import importlib, json, sys
import mytorch
mytorch.as_torch()
wanted = json.loads(sys.stdin.read())
found = {}
for ns, names in wanted.items():
    try:
        import torch
        obj = torch.Tensor if ns == "torch.Tensor" else importlib.import_module(ns)
    except Exception:
        found[ns] = None  # the namespace itself is missing
        continue
    found[ns] = [n for n in names if hasattr(obj, n)]
print(json.dumps(found))
"""


def coverage() -> dict[str, dict]:
    """{namespace: {"torch": [names], "mytorch": [names present] or None when the namespace is missing}}."""
    theirs = json.loads(subprocess.run([sys.executable, "-c", _TORCH_SIDE, json.dumps(NAMESPACES)],
                                       capture_output=True, text=True, check=True).stdout)
    ours = json.loads(subprocess.run([sys.executable, "-c", _MYTORCH_SIDE], input=json.dumps(theirs),
                                     capture_output=True, text=True, check=True).stdout)
    return {ns: {"torch": names, "mytorch": ours.get(ns)} for ns, names in theirs.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--missing", action="store_true", help="list every missing name")
    p.add_argument("--json", metavar="FILE", help="write the whole comparison as JSON")
    args = p.parse_args()
    result = coverage()
    total = have = 0
    for ns, r in result.items():
        names, present = r["torch"], r["mytorch"]
        n_have = 0 if present is None else len(present)
        total, have = total + len(names), have + n_have
        status = "namespace missing" if present is None else f"{n_have}/{len(names)}"
        print(f"{ns:28s} {status}")
        if args.missing and names:
            missing = names if present is None else sorted(set(names) - set(present))
            if missing:
                print("    missing: " + ", ".join(missing))
    print(f"{'all':28s} {have}/{total}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
