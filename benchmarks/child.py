"""One measurement in a fresh process: ``python -m benchmarks.child WORKLOAD FRAMEWORK [options]``.

The thread-count variables are set before the framework (and so NumPy and the BLAS) loads, because the
OpenMP and BLAS runtimes read them once, at load time. The workload runs `--warmup` steps, then steps until
`--seconds` have passed (at least `--min-steps`), and one JSON line goes to stdout: throughput, every step's loss
(a training workload; the first and last checksum otherwise), and memory: the process's peak resident set and how much the workload
added to the resident set it had after importing the framework.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import time

from ._harness import THREAD_VARIABLES


def resident_mb(field: str = "VmRSS") -> float:
    """The process's current (VmRSS) or peak (VmHWM) resident memory in MiB, from /proc/self/status."""
    with open("/proc/self/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith(field + ":"))
    return kib / 1024


def measure(workload: str, framework: str, threads: int, backend: str, seconds: float, warmup: int,
            min_steps: int) -> dict:
    """Build `workload` on `framework` and time it; the result row this process prints."""
    for var in THREAD_VARIABLES:
        os.environ[var] = str(threads)
    if framework == "tinygrad":
        os.environ["NUM_CPU_THREADS"] = str(threads)  # the size of tinygrad's CPU worker pool
        from tinygrad import Tensor

        from .workloads.tinygrad_side import TINYGRAD

        Tensor.manual_seed(0)
        before = resident_mb()
        w = TINYGRAD[workload]()
    else:
        if framework == "mytorch":
            os.environ["MYTORCH_CPU_BACKEND"] = backend
        torch = importlib.import_module(framework)
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        from .workloads import WORKLOADS

        module, _, function = WORKLOADS[workload][0].partition(":")
        build = getattr(importlib.import_module(f"benchmarks.workloads.{module}"), function or "build")
        before = resident_mb()
        w = build(torch, framework)
    values = [w.step() for _ in range(warmup)]
    steps, start = 0, time.perf_counter()
    while True:
        values.append(w.step())
        steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and steps >= min_steps:
            break
    return {"workload": workload, "framework": framework, "threads": threads, "steps": steps,
            "seconds": elapsed, "throughput": w.items * steps / elapsed, "unit": w.unit, "training": w.training,
            "values": values if w.training else values[:1] + values[-1:], "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "added_mb": resident_mb("VmHWM") - before}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workload")
    p.add_argument("framework", choices=["mytorch", "torch", "tinygrad"])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--backend", default="cpp")
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--min-steps", type=int, default=3)
    a = p.parse_args()
    print(json.dumps(measure(a.workload, a.framework, a.threads, a.backend, a.seconds, a.warmup, a.min_steps)))


if __name__ == "__main__":
    main()
