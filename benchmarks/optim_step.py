"""Optimizer step time: milliseconds per ``optimizer.step()``, mytorch beside PyTorch in one run.

Two parameter sets: four 1M-element float32 tensors (the step is bound by
memory traffic: the fused kernels' territory) and the parameters of a
784-128-10 MLP (small tensors: per-parameter Python overhead shows). Each
optimizer runs in mytorch with its backend's fused update kernel, in mytorch
with the composite fallback of `backends.base.Backend` (primitives writing
back through temporaries, what an in-place-op implementation costs), and in
PyTorch (its default single-tensor CPU path).

Timing and threads as in op_overhead.py: one thread everywhere, repeats
alternating between the runners, the fastest of 9 kept.

Usage:  python benchmarks/optim_step.py [--quick] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import sys

from op_overhead import _time_interleaved, machine  # sets the one-thread environment first

import numpy as np  # noqa: E402
import torch  # noqa: E402

import mytorch  # noqa: E402
from mytorch.backends.base import Backend  # noqa: E402

PARAM_SETS = {"4 x 1M": [(1_000_000,)] * 4, "MLP 784-128-10": [(128, 784), (128,), (10, 128), (10,)]}
OPTIMIZERS = {
    "SGD+momentum": ("SGD", dict(lr=0.01, momentum=0.9)),
    "Adam": ("Adam", dict(lr=1e-3)),
    "AdamW": ("AdamW", dict(lr=1e-3)),
    "RMSprop": ("RMSprop", dict(lr=1e-3)),
    "Adagrad": ("Adagrad", dict(lr=1e-3)),
}
KERNELS = {"SGD": "sgd_update", "Adam": "adam_update", "AdamW": "adam_update", "RMSprop": "rmsprop_update",
           "Adagrad": "adagrad_update"}


class _Composite:
    """Within this block the mytorch CPU backend runs `kernel` with `Backend`'s composite fallback."""

    def __init__(self, kernel: str) -> None:
        self.cls, self.kernel = type(mytorch.zeros(1)._backend), kernel

    def __enter__(self) -> None:
        self.saved = self.cls.__dict__[self.kernel]
        setattr(self.cls, self.kernel, getattr(Backend, self.kernel))

    def __exit__(self, *exc) -> None:
        setattr(self.cls, self.kernel, self.saved)


def _stepper(T, name: str, kw: dict, shapes: list, composite: bool = False):
    rng = np.random.default_rng(0)
    params = [T.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in shapes]
    for p in params:
        p.grad = T.tensor(rng.standard_normal(p.shape).astype(np.float32))
    opt = getattr(T.optim, name)(params, **kw)
    if not composite:
        return opt.step
    mode = _Composite(KERNELS[name])

    def step() -> None:
        with mode:
            opt.step()
    return step


def measure(label: str, set_name: str, repeats: int, target: float) -> dict:
    name, kw = OPTIMIZERS[label]
    shapes = PARAM_SETS[set_name]
    runs = [_stepper(mytorch, name, kw, shapes), _stepper(mytorch, name, kw, shapes, composite=True),
            _stepper(torch, name, kw, shapes)]
    fused, composite, ref = (us / 1e3 for us in _time_interleaved(runs, repeats, target))
    return {"optimizer": label, "params": set_name, "mytorch_ms": fused, "composite_ms": composite,
            "torch_ms": ref, "ratio": fused / ref}


def table(rows: list[dict]) -> str:
    lines = [f"{'optimizer':<13} {'params':<15} {'mytorch ms':>10} {'composite ms':>12} {'torch ms':>9} "
             f"{'ratio':>7}"]
    lines += [f"{r['optimizer']:<13} {r['params']:<15} {r['mytorch_ms']:>10.3f} {r['composite_ms']:>12.3f} "
              f"{r['torch_ms']:>9.3f} {r['ratio']:>6.2f}x" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="few short repeats (smoke test; numbers are rough)")
    p.add_argument("--json", metavar="PATH", help="also write the rows and machine description as JSON")
    args = p.parse_args(argv)
    repeats, target = (3, 0.01) if args.quick else (9, 0.1)
    info = machine()
    print(f"# {info['cpu']}, {info['cores']} cores; Python {info['python']}, NumPy {info['numpy']}, "
          f"torch {info['torch']}; 1 thread; ratio = mytorch (fused kernels) / torch")
    rows = [measure(label, set_name, repeats, target) for set_name in PARAM_SETS for label in OPTIMIZERS]
    print(table(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "quick": args.quick, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
