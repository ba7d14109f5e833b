"""What the side-by-side benchmark scripts share: thread pinning and interleaved best-of timing.

Import it before NumPy and PyTorch: the BLAS and OpenMP runtimes read their thread-count variables once,
when they load.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from typing import Callable

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
