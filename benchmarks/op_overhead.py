"""Per-op overhead: microseconds per small op, mytorch beside PyTorch in one run.

On tiny tensors the kernel costs almost nothing, so the time measured here is
the framework's own Python/C++ dispatch: argument checks, type promotion,
autograd bookkeeping. That overhead is what makes small models slow, and
issue 2 asks for mytorch within 3x of PyTorch on every op.

Each op runs on shapes (16,) and (32, 32) in two modes:
  fwd      inputs that do not require grad: the op alone;
  fwd+bwd  leaves that require grad: the op, then ``out.backward(g)`` with a
           precomputed upstream gradient (``.grad`` reset each time, so no
           accumulation add is timed).

Timing follows ``timeit``: warm up, calibrate a loop count so one repeat
lasts about `target` seconds, run `repeats` repeats and keep the fastest
(the least disturbed by the rest of the machine).

Usage:  python benchmarks/op_overhead.py [--quick] [--json PATH] [--backend NAME]
"""
from __future__ import annotations

import os

# One thread for every math library, set before NumPy/PyTorch load them:
# OpenBLAS and OpenMP read these variables once, at import. A thread pool
# costs more to wake and join than these tiny kernels take, so it adds noise
# and not speed; pinning both frameworks to one thread also keeps the
# comparison fair (same machine, same resources). OPENBLAS_CORETYPE, which may
# be set on this machine to pick a safe kernel, is deliberately left alone.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import timeit  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import mytorch  # noqa: E402
from mytorch import backends  # noqa: E402

torch.set_num_threads(1)

SHAPES = ((16,), (32, 32))

# name -> fn(T, x, y): the same code runs with T = mytorch and T = torch
OPS: dict[str, Callable] = {
    "add": lambda T, x, y: x + y,
    "mul": lambda T, x, y: x * y,
    "matmul": lambda T, x, y: x @ y,
    "exp": lambda T, x, y: x.exp(),
    "sum": lambda T, x, y: x.sum(),
    "mean": lambda T, x, y: x.mean(),
    "view": lambda T, x, y: x.view(-1, 4),
    "reshape": lambda T, x, y: x.reshape(-1, 4),
    "transpose": lambda T, x, y: x.transpose(0, -1),
    "index x[0]": lambda T, x, y: x[0],
    "clamp_min": lambda T, x, y: x.clamp_min(0.0),
    "cat": lambda T, x, y: T.cat([x, y]),
}


def _leaves(T, arrays: list[np.ndarray], requires_grad: bool) -> list:
    return [T.tensor(a, requires_grad=requires_grad) for a in arrays]


def _runner(T, fn: Callable, arrays: list[np.ndarray], backward: bool) -> Callable[[], None]:
    """A no-argument callable running one op (and its backward) in framework T."""
    x, y = _leaves(T, arrays, backward)
    if not backward:
        return lambda: fn(T, x, y)
    out = fn(T, x, y)
    g = T.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(np.float32))

    def step() -> None:
        x.grad = y.grad = None
        fn(T, x, y).backward(g)
    return step


def _time(run: Callable[[], None], repeats: int, target: float) -> float:
    """Fastest time per call in microseconds (timeit's autorange, then `repeats` repeats)."""
    timer = timeit.Timer(run)
    for _ in range(3):  # warm caches, lazy imports, first-call paths
        run()
    number = 1
    while True:  # timeit.autorange with a chosen target instead of its fixed 0.2 s
        t = timer.timeit(number)
        if t >= target:
            break
        number = max(number * 2, int(number * target / max(t, 1e-9) * 1.1))
    best = min(timer.repeat(repeat=repeats, number=number))
    return best / number * 1e6


def measure(name: str, fn: Callable, shape: tuple, backward: bool, repeats: int, target: float) -> dict:
    """One row: µs per call for mytorch and torch, or the reason mytorch could not run it."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape).astype(np.float32) for _ in range(2)]
    row = {"op": name, "shape": list(shape), "mode": "fwd+bwd" if backward else "fwd"}
    try:
        m_run = _runner(mytorch, fn, arrays, backward)
        m_run()
    except (AttributeError, NotImplementedError, TypeError) as e:  # op not implemented yet
        row["skipped"] = f"{type(e).__name__}: {e}"
        return row
    row["mytorch_us"] = _time(m_run, repeats, target)
    row["torch_us"] = _time(_runner(torch, fn, arrays, backward), repeats, target)
    row["ratio"] = row["mytorch_us"] / row["torch_us"]
    return row


def geomean(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
            "torch": torch.__version__, "threads": 1,
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}


def table(rows: list[dict], limit: float) -> str:
    lines = [f"{'op':<12} {'shape':<9} {'mode':<8} {'mytorch us':>11} {'torch us':>9} {'ratio':>7}"]
    for r in rows:
        shape = "x".join(map(str, r["shape"]))
        if "skipped" in r:
            lines.append(f"{r['op']:<12} {shape:<9} {r['mode']:<8} skipped: {r['skipped'][:70]}")
            continue
        flag = "  > limit" if r["ratio"] > limit else ""
        lines.append(f"{r['op']:<12} {shape:<9} {r['mode']:<8} {r['mytorch_us']:>11.1f} {r['torch_us']:>9.1f} "
                     f"{r['ratio']:>6.2f}x{flag}")
    timed = [r for r in rows if "ratio" in r]
    for mode in ("fwd", "fwd+bwd"):
        lines.append(f"geometric-mean ratio ({mode}): {geomean([r['ratio'] for r in timed if r['mode'] == mode]):.2f}x")
    lines.append(f"geometric-mean ratio (all): {geomean([r['ratio'] for r in timed]):.2f}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="few short repeats (smoke test; numbers are rough)")
    p.add_argument("--json", metavar="PATH", help="also write the rows and machine description as JSON")
    p.add_argument("--backend", default="numpy", choices=backends.available_backends(),
                   help="the mytorch backend serving device='cpu'")
    p.add_argument("--limit", type=float, default=3.0, help="flag ratios above this (issue 2's target: 3x)")
    args = p.parse_args(argv)
    repeats, target = (3, 0.002) if args.quick else (7, 0.05)
    backends.set_cpu_backend(args.backend)

    info = machine()
    coretype = info["OPENBLAS_CORETYPE"]
    print(f"# {info['cpu']}, {info['cores']} cores; Python {info['python']}, NumPy {info['numpy']}, "
          f"torch {info['torch']}; mytorch backend {args.backend}; 1 thread"
          + ("" if coretype is None else f"; OPENBLAS_CORETYPE={coretype}"))
    rows = [measure(name, fn, shape, backward, repeats, target)
            for backward in (False, True) for name, fn in OPS.items() for shape in SHAPES]
    print(table(rows, args.limit))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "backend": args.backend, "quick": args.quick, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
