"""The C++ convolution kernels (csrc/conv): conv2d forward+backward, mytorch's cpp backend beside PyTorch
and mytorch's NumPy backend, at the LeNet and ResNet shapes, on 1 and 2 threads.

Each thread count runs in fresh processes (the BLAS and OpenMP pools are sized once, at load): one in
which mytorch's cpp backend and PyTorch alternate within every timing round (`_harness.best_seconds`),
so load from other processes falls on both alike, and one for mytorch's NumPy backend. The NumPy
backend has a process of its own because OpenBLAS's worker threads keep spinning after each product
and, on a machine with as many cores as threads, take a core from whatever runs next (measured: a 2-
thread conv right after a NumPy matmul took 13 ms instead of 8). A step is: zero the grads, conv2d, backward with a fixed random
gradient; the first LeNet layer's input does not require grad (it is the data), as in training.
"speed" is torch ms / mytorch ms: 1.0 is PyTorch's speed, the target is >= 0.8.

Usage:  python benchmarks/conv_kernels.py [--quick] [--threads 1 2] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

# name -> (input shape, weight shape, padding, whether the input requires grad)
CASES = {
    "LeNet conv1 1->6 5x5 28x28": ((64, 1, 28, 28), (6, 1, 5, 5), 0, False),
    "LeNet conv2 6->16 5x5 14x14": ((64, 6, 14, 14), (16, 6, 5, 5), 0, True),
    "ResNet 32->32 3x3 32x32 pad 1": ((64, 32, 32, 32), (32, 32, 3, 3), 1, True),
}
FRAMEWORKS = ("mytorch cpp", "torch", "mytorch numpy")


def worker(threads: int, quick: bool, frameworks: list[str]) -> list[dict]:
    """Times every case of `frameworks` on `threads` threads in this (fresh) process; one row per case."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.argv = [sys.argv[0], "--threads", str(threads)]
    from _harness import best_seconds, pin_threads
    pin_threads(threads)

    import numpy as np
    import torch

    import mytorch
    from mytorch import backends
    from mytorch.backends import _C

    torch.set_num_threads(threads)
    _C.set_num_threads(threads)
    repeats, number, warmup = (1, 1, 1) if quick else (7, 3, 2)
    rng = np.random.default_rng(0)

    def step_of(T, x, w, padding, x_grad, backend=None):
        if backend is not None:
            backends.set_cpu_backend(backend)
        xt, wt = T.tensor(x, requires_grad=x_grad), T.tensor(w, requires_grad=True)
        y_shape = tuple(T.nn.functional.conv2d(xt, wt, padding=padding).shape)
        g = T.tensor(np.random.default_rng(1).standard_normal(y_shape).astype(np.float32))

        def step() -> None:
            xt.grad = wt.grad = None
            T.nn.functional.conv2d(xt, wt, padding=padding).backward(g)
        return step

    rows = []
    for name, (x_shape, w_shape, padding, x_grad) in CASES.items():
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = rng.standard_normal(w_shape).astype(np.float32)
        make = {"mytorch cpp": lambda: step_of(mytorch, x, w, padding, x_grad, "cpp"),
                "torch": lambda: step_of(torch, x, w, padding, x_grad),
                "mytorch numpy": lambda: step_of(mytorch, x, w, padding, x_grad, "numpy")}
        ms = [1e3 * t for t in best_seconds([make[f]() for f in frameworks], repeats, number, warmup)]
        rows.append({"case": name, "threads": threads, **dict(zip(frameworks, ms))})
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--quick", action="store_true", help="one round of one call (smoke test; rough numbers)")
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    p.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # internal: time in this process
    p.add_argument("--frameworks", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker is not None:
        print(json.dumps(worker(args.worker, args.quick, args.frameworks)))
        return 0
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _harness import cpu_name
    rows = []
    for threads in args.threads:
        row = {}
        for frameworks in (FRAMEWORKS[:2], FRAMEWORKS[2:]):
            cmd = [sys.executable, os.path.abspath(__file__), "--worker", str(threads), "--frameworks", *frameworks]
            out = subprocess.run(cmd + ["--quick"] * args.quick, check=True, capture_output=True, text=True).stdout
            for r in json.loads(out.strip().splitlines()[-1]):
                row.setdefault(r["case"], {}).update(r)
        rows += row.values()
    print(f"# {cpu_name()}, {os.cpu_count()} cores; conv2d forward+backward, float32, ms per step")
    print(f"{'case':<31} {'thr':>3} {'cpp ms':>8} {'torch ms':>9} {'numpy ms':>9} {'cpp speed':>10} {'numpy speed':>12}")
    for r in rows:
        cpp, torch_ms, npy = (r[f] for f in FRAMEWORKS)
        print(f"{r['case']:<31} {r['threads']:>3} {cpp:>8.2f} {torch_ms:>9.2f} {npy:>9.2f} {torch_ms / cpp:>9.2f}x "
              f"{torch_ms / npy:>11.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
