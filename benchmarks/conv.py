"""Convolution and pooling: milliseconds per call, mytorch beside PyTorch in one run.

The cases are the layers of the models trained on Fashion-MNIST (batch 64, 28x28 images): the brief's
conv2d of a (64, 1, 28, 28) batch with 8 3x3 filters, LeNet-5's second convolution, a ResNet 3x3
convolution, and a 2x2 max pooling. Modes: ``fwd`` (inputs do not require grad) and ``fwd+bwd`` (input
and weight require grad; the op, then ``backward`` with a precomputed random gradient).

Both frameworks run with the same number of threads (``--threads``, default: all cores, as training
does): the environment variables that size the BLAS/OpenMP pools are set before NumPy and PyTorch load,
and ``torch.set_num_threads`` sets PyTorch's pool. Timing: a few warm-up calls, then `repeats` rounds
in which mytorch and torch alternate (so load from other processes falls on both alike), each round
timing `number` calls; the fastest round is kept (``--quick``: one warm-up and one call, a smoke run).

Usage:  python benchmarks/conv.py [--quick] [--threads N] [--json PATH] [--backend NAME]
"""
from __future__ import annotations

import argparse
import os
import sys

from _harness import best_seconds, cpu_name, pin_threads

THREADS = pin_threads(default=os.cpu_count() or 1)

import json  # noqa: E402
import platform  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import mytorch  # noqa: E402
from mytorch import backends  # noqa: E402

torch.set_num_threads(THREADS)

# name -> (fn(T, x, w), input shape, weight shape or None)
CASES: dict[str, tuple[Callable, tuple, tuple | None]] = {
    "conv2d 1->8 3x3 pad 1": (lambda T, x, w: T.nn.functional.conv2d(x, w, padding=1), (64, 1, 28, 28), (8, 1, 3, 3)),
    "conv2d 6->16 5x5 (LeNet)": (lambda T, x, w: T.nn.functional.conv2d(x, w), (64, 6, 14, 14), (16, 6, 5, 5)),
    "conv2d 32->32 3x3 pad 1": (lambda T, x, w: T.nn.functional.conv2d(x, w, padding=1), (64, 32, 14, 14),
                                (32, 32, 3, 3)),
    "max_pool2d 2x2": (lambda T, x, w: T.nn.functional.max_pool2d(x, 2), (64, 16, 28, 28), None),
}
MODES = ("fwd", "fwd+bwd")


def runner(T, fn: Callable, arrays: list[np.ndarray], mode: str) -> Callable[[], None]:
    leaves = [T.tensor(a, requires_grad=mode == "fwd+bwd") for a in arrays]
    args = leaves + [None] * (2 - len(leaves))
    if mode == "fwd":
        return lambda: fn(T, *args)
    g = T.tensor(np.random.default_rng(1).standard_normal(tuple(fn(T, *args).shape)).astype(np.float32))

    def step() -> None:
        for t in leaves:
            t.grad = None
        fn(T, *args).backward(g)
    return step


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="few short repeats (smoke test; numbers are rough)")
    p.add_argument("--threads", type=int, default=THREADS, help="threads for both frameworks (default: all cores)")
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    p.add_argument("--backend", default="numpy", choices=backends.available_backends(),
                   help="the mytorch backend serving device='cpu'")
    args = p.parse_args(argv)
    backends.set_cpu_backend(args.backend)
    repeats, number, warmup = (1, 1, 1) if args.quick else (7, 5, 2)
    rng = np.random.default_rng(0)
    print(f"# {cpu_name()}, {os.cpu_count()} cores, {THREADS} threads on both sides; Python "
          f"{platform.python_version()}, NumPy {np.__version__}, torch {torch.__version__}; mytorch backend "
          f"{args.backend}; float32")
    print(f"{'case':<26} {'mode':<8} {'mytorch ms':>10} {'torch ms':>9} {'ratio':>7}")
    rows = []
    for mode in MODES:
        for name, (fn, x_shape, w_shape) in CASES.items():
            arrays = [rng.standard_normal(s).astype(np.float32) for s in (x_shape, w_shape) if s is not None]
            runs = [runner(mytorch, fn, arrays, mode), runner(torch, fn, arrays, mode)]
            m_ms, t_ms = (1e3 * t for t in best_seconds(runs, repeats, number, warmup))
            rows.append({"case": name, "mode": mode, "mytorch_ms": m_ms, "torch_ms": t_ms, "ratio": m_ms / t_ms})
            print(f"{name:<26} {mode:<8} {m_ms:>10.2f} {t_ms:>9.2f} {m_ms / t_ms:>6.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"threads": THREADS, "backend": args.backend, "quick": args.quick, "rows": rows}, f,
                      indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
