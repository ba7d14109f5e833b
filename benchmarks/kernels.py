"""Kernels side by side: the C++ backend, the NumPy backend and PyTorch, at one thread count.

    python benchmarks/kernels.py [--threads N] [--rounds R]

Each round starts one fresh process per framework, in turn (cpp, numpy, torch, cpp, ...), so that load
from other processes falls on all of them alike; a process times every case best-of-several and prints
JSON. The table gives each case's median over rounds, as GFLOP/s for products and microseconds per call
otherwise, and the ratios cpp/torch and cpp/numpy (> 1: the C++ backend is faster). The NumPy column
is OpenBLAS for matmul; OPENBLAS_CORETYPE is unset in the NumPy process so that it picks its best kernel
for this CPU (the script prints which one, when threadpoolctl is installed).
"""
from __future__ import annotations

import _harness  # noqa: F401  (first: thread variables are read when the BLAS loads)

import json
import os
import statistics
import subprocess
import sys

# (name, kind, shapes): kind "mm" is a product (GFLOP/s), "call" a small op (us per call)
CASES = [
    ("gemm 512", "mm", ((512, 512), (512, 512))),
    ("gemm 1024", "mm", ((1024, 1024), (1024, 1024))),
    ("gemm 2048", "mm", ((2048, 2048), (2048, 2048))),
    ("mlp 128x784 @ 784x512", "mm", ((128, 784), (784, 512))),
    ("mlp 128x512 @ 512x512", "mm", ((128, 512), (512, 512))),
    ("mlp 128x512 @ 512x10", "mm", ((128, 512), (512, 10))),
    ("gpt 2048x128 @ 128x512", "mm", ((2048, 128), (128, 512))),
    ("gpt 2048x512 @ 512x128", "mm", ((2048, 512), (512, 128))),
    ("attn 64x(128x32 @ 32x128)", "mm", ((64, 128, 32), (64, 32, 128))),
    ("add (small, 16 floats)", "call", ((16,),)),
    ("mul (1M floats)", "call", ((1 << 20,),)),
    ("sum rows (2048, 512)", "call", ((2048, 512),)),
    ("sum cols (2048, 512)", "call", ((2048, 512),)),
]


def measure(framework: str, threads: int) -> dict[str, float]:
    """Seconds per call of every case, in this process."""
    import numpy as np
    rng = np.random.default_rng(0)
    if framework == "torch":
        import torch
        torch.set_num_threads(threads)
        lib = torch
        tensor = torch.from_numpy
    else:
        import mytorch
        mytorch.backends.set_cpu_backend(framework)
        mytorch.set_num_threads(threads)
        lib = mytorch
        tensor = mytorch.from_numpy
    out = {}
    for name, kind, shapes in CASES:
        xs = [tensor(rng.standard_normal(s).astype(np.float32)) for s in shapes]
        if kind == "mm":
            run = (lambda a=xs[0], b=xs[1]: a @ b)
        elif name.startswith("add"):
            run = (lambda a=xs[0]: a + a)
        elif name.startswith("mul"):
            run = (lambda a=xs[0]: a * a)
        elif name.startswith("sum rows"):
            run = (lambda a=xs[0]: a.sum(1))
        else:
            run = (lambda a=xs[0]: a.sum(0))
        number = 2000 if name.startswith("add") else 5 if kind == "mm" else 50
        with lib.no_grad():
            out[name] = _harness.best_seconds([run], repeats=5, number=number, warmup=2)[0]
    return out


def blas_kernel() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (pip install threadpoolctl to see it)"
    import numpy  # noqa: F401
    return ", ".join(f"{i['internal_api']} {i.get('version')} {i.get('architecture')}" for i in threadpool_info()
                     if i["user_api"] == "blas")


def flops(shapes) -> float:
    a, b = shapes
    batch = a[0] if len(a) == 3 else 1
    return 2.0 * batch * a[-2] * a[-1] * b[-1]


def main() -> None:
    threads = _harness.pin_threads(1)
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps({"times": measure(sys.argv[2], threads), "blas": blas_kernel()}))
        return
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    frameworks = ("cpp", "numpy", "torch")
    results: dict[str, list[dict[str, float]]] = {f: [] for f in frameworks}
    blas = ""
    for _ in range(rounds):
        for f in frameworks:
            env = dict(os.environ)
            if f == "numpy":  # let OpenBLAS choose its own kernel for this CPU (see the docstring)
                env.pop("OPENBLAS_CORETYPE", None)
                env.pop("OPENBLAS_L2_SIZE", None)
            out = subprocess.run([sys.executable, __file__, "--worker", f, "--threads", str(threads)], env=env,
                                 capture_output=True, text=True, check=True)
            reply = json.loads(out.stdout)
            results[f].append(reply["times"])
            blas = reply["blas"] if f == "numpy" else blas
    print(f"{_harness.cpu_name()}, {threads} thread(s), median of {rounds} rounds; NumPy's BLAS: {blas}\n")
    print("| case | cpp | numpy | torch | cpp/torch | cpp/numpy |\n|---|---|---|---|---|---|")
    for name, kind, shapes in CASES:
        t = {f: statistics.median(r[name] for r in results[f]) for f in frameworks}
        if kind == "mm":
            v = {f: flops(shapes) / t[f] / 1e9 for f in frameworks}
            cells = [f"{v[f]:.1f} GFLOP/s" for f in frameworks]
        else:
            cells = [f"{t[f] * 1e6:.2f} us" for f in frameworks]
        print(f"| {name} | " + " | ".join(cells) + f" | {t['torch'] / t['cpp']:.2f} | {t['numpy'] / t['cpp']:.2f} |")


if __name__ == "__main__":
    main()
