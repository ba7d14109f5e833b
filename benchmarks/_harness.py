"""What the side-by-side benchmark scripts share: thread pinning, interleaved best-of timing, and the command
line of the benchmarks measured in rounds of fresh processes (`mytorch bench`, benchmarks/ddp_scaling.py).

Import it before NumPy and PyTorch: the BLAS and OpenMP runtimes read their thread-count variables once,
when they load.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from typing import Callable, Sequence

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def pin_threads(default: int) -> int:
    """Read ``--threads`` (else `default`) from the command line and size every thread pool with it."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--threads", type=int, default=default)
    threads = parser.parse_known_args(sys.argv[1:])[0].threads
    for var in THREAD_VARIABLES:
        os.environ[var] = str(threads)
    return threads


def best_seconds(runs: list[Callable[[], None]], repeats: int, number: int, warmup: int,
                 clock: Callable[[], float] = time.perf_counter) -> list[float]:
    """Seconds per call of each run: the fastest of `repeats` rounds of `number` calls. The runs alternate
    within a round, so load from other processes falls on all of them alike. `clock=time.thread_time` counts
    only the calling thread's CPU time, not the time other processes held the core: steadier on a loaded
    machine, and the same thing as wall time for single-threaded kernels that run in the calling thread."""
    for run in runs:
        for _ in range(warmup):
            run()
    best = [float("inf")] * len(runs)
    for _ in range(repeats):
        for i, run in enumerate(runs):
            start = clock()
            for _ in range(number):
                run()
            best[i] = min(best[i], (clock() - start) / number)
    return best


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def add_round_options(p: argparse.ArgumentParser, workloads: Sequence[str], rounds: str, quick: str) -> None:
    """The options of a benchmark measured in rounds of fresh processes: ``--workloads`` (comma-separated names
    from `workloads`, all by default), the backend, the rounds (of `rounds`), timed seconds and steps, the wait
    for a quiet machine, and ``--quick`` (a smoke run, `quick` saying what it runs)."""
    p.add_argument("--workloads", default=",".join(workloads),
                   help=f"comma-separated names (default: all, {','.join(workloads)})")
    p.add_argument("--backend", choices=["cpp", "numpy"], default="cpp", help="mytorch's CPU backend (default cpp)")
    p.add_argument("--rounds", type=int, default=3, help=f"{rounds} per workload (default 3)")
    p.add_argument("--seconds", type=float, default=3.0, help="timed seconds per process (default 3)")
    p.add_argument("--min-steps", type=int, default=3, help="timed steps at least (default 3)")
    p.add_argument("--quiet", type=float, default=0.3, help="cores other processes may use before a round (0.3)")
    p.add_argument("--quiet-timeout", type=float, default=60.0, help="seconds to wait for quiet (default 60)")
    p.add_argument("--quick", action="store_true", help=f"{quick}: a smoke run")


def parse_round_options(p: argparse.ArgumentParser, argv: list[str] | None,
                        quick: dict[str, float]) -> argparse.Namespace:
    """Parse `argv` with `p` (set up by `add_round_options`): a workload not among ``--workloads``'s default (all
    of them) is a usage error, and with ``--quick`` the options `quick` names take its values."""
    args = p.parse_args(argv)
    workloads = p.get_default("workloads").split(",")
    unknown = [w for w in args.workloads.split(",") if w not in workloads]
    if unknown:
        p.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(workloads)}")
    if args.quick:
        vars(args).update(quick)
    return args
