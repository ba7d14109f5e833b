"""Per-op overhead: microseconds per small op, mytorch beside PyTorch in one run.

On tiny tensors the kernel costs almost nothing, so the time measured here is
the framework's own Python/C++ dispatch: argument checks, type promotion,
autograd bookkeeping. That overhead is what makes small models slow, and
issue 2 asks for mytorch within 3x of PyTorch on every op.

Each op runs on shapes (16,) and (32, 32) in three modes:
  fwd        inputs that do not require grad: the op alone;
  fwd-graph  leaves that require grad: the op, recording its graph node (the
             cost of every op in a training step's forward pass);
  fwd+bwd    the same, then ``out.backward(g)`` with a precomputed upstream
             gradient (``.grad`` reset each time, so no accumulation add is timed).

Timing follows ``timeit``: warm up, calibrate a loop count so one repeat
lasts about `target` seconds, run `repeats` repeats and keep the fastest
(the least disturbed by the rest of the machine). mytorch's and torch's
repeats alternate, so load from elsewhere falls on both alike.

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
from _harness import THREAD_VARIABLES, cpu_name  # noqa: E402

for _var in THREAD_VARIABLES:
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


MODES = ("fwd", "fwd-graph", "fwd+bwd")


def _runner(T, fn: Callable, arrays: list[np.ndarray], mode: str) -> Callable[[], None]:
    """A no-argument callable running one op (and its backward) in framework T."""
    x, y = _leaves(T, arrays, mode != "fwd")
    if mode != "fwd+bwd":
        return lambda: fn(T, x, y)
    out = fn(T, x, y)
    g = T.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(np.float32))

    def step() -> None:
        x.grad = y.grad = None
        fn(T, x, y).backward(g)
    return step


def _loops(run: Callable[[], None], target: float) -> int:
    """How many calls make one repeat last about `target` seconds (timeit's autorange, own target)."""
    timer = timeit.Timer(run)
    number = 1
    while True:
        t = timer.timeit(number)
        if t >= target:
            return number
        number = max(number * 2, int(number * target / max(t, 1e-9) * 1.1))


def _time_interleaved(runs: list[Callable[[], None]], repeats: int, target: float) -> list[float]:
    """Fastest µs per call of each runner. Repeats alternate between the runners, so a burst of load
    from elsewhere on the machine hits both sides alike instead of skewing one ratio."""
    for run in runs:
        for _ in range(3):  # warm caches, lazy imports, first-call paths
            run()
    timers = [(timeit.Timer(run), _loops(run, target)) for run in runs]
    best = [math.inf] * len(runs)
    for _ in range(repeats):
        for i, (timer, number) in enumerate(timers):
            best[i] = min(best[i], timer.timeit(number) / number * 1e6)
    return best


def measure(name: str, fn: Callable, shape: tuple, mode: str, repeats: int, target: float) -> dict:
    """One row: µs per call for mytorch and torch, or the reason mytorch could not run it."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape).astype(np.float32) for _ in range(2)]
    row = {"op": name, "shape": list(shape), "mode": mode}
    try:
        m_run = _runner(mytorch, fn, arrays, mode)
        m_run()
    except (AttributeError, NotImplementedError, TypeError) as e:  # op not implemented yet
        row["skipped"] = f"{type(e).__name__}: {e}"
        return row
    runs = [m_run, _runner(torch, fn, arrays, mode)]
    row["mytorch_us"], row["torch_us"] = _time_interleaved(runs, repeats, target)
    row["ratio"] = row["mytorch_us"] / row["torch_us"]
    return row


def geomean(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def machine() -> dict:
    return {"cpu": cpu_name(), "cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
            "torch": torch.__version__, "threads": 1,
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}


def table(rows: list[dict], limit: float) -> str:
    lines = [f"{'op':<12} {'shape':<9} {'mode':<10} {'mytorch us':>11} {'torch us':>9} {'ratio':>7}"]
    for r in rows:
        shape = "x".join(map(str, r["shape"]))
        if "skipped" in r:
            lines.append(f"{r['op']:<12} {shape:<9} {r['mode']:<10} skipped: {r['skipped'][:70]}")
            continue
        flag = "  > limit" if r["ratio"] > limit else ""
        lines.append(f"{r['op']:<12} {shape:<9} {r['mode']:<10} {r['mytorch_us']:>11.1f} {r['torch_us']:>9.1f} "
                     f"{r['ratio']:>6.2f}x{flag}")
    timed = [r for r in rows if "ratio" in r]
    for mode in MODES:
        ratios = [r["ratio"] for r in timed if r["mode"] == mode]
        lines.append(f"geometric-mean ratio ({mode}): {geomean(ratios):.2f}x")
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
    repeats, target = (3, 0.002) if args.quick else (9, 0.03)
    backends.set_cpu_backend(args.backend)

    info = machine()
    coretype = info["OPENBLAS_CORETYPE"]
    print(f"# {info['cpu']}, {info['cores']} cores; Python {info['python']}, NumPy {info['numpy']}, "
          f"torch {info['torch']}; mytorch backend {args.backend}; 1 thread"
          + ("" if coretype is None else f"; OPENBLAS_CORETYPE={coretype}"))
    rows = [measure(name, fn, shape, mode, repeats, target)
            for mode in MODES for name, fn in OPS.items() for shape in SHAPES]
    print(table(rows, args.limit))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "backend": args.backend, "quick": args.quick, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
