"""One rank of a data-parallel measurement: ``mytorch launch -n N benchmarks/ddp_child.py WORKLOAD --result F``.

benchmarks/ddp_scaling.py starts it with one thread per process (the thread variables in its environment)
and the repository on PYTHONPATH. Every rank builds the workload on its share of the global batch (its own
random data: the seed is the rank), wrapped in ``DistributedDataParallel`` when there are several ranks (a
single process trains the plain model, the baseline a user would otherwise run). DDP's broadcast at
construction makes every replica start from rank 0's weights.

Collectives need every rank to run the same number of steps, so the step counts come from the slowest
rank's step time: warm-up steps for about `--warmup` seconds, then timed steps for about `--seconds`, between
two barriers. Rank 0 writes one JSON object to `--result`: the global samples per second, and DDP's
``comm_stats`` over the timed steps summed over the ranks (the hidden fraction of the all-reduce time).
"""
from __future__ import annotations

import argparse
import importlib
import json
import math
import time

import mytorch
import mytorch.distributed as dist
from benchmarks.ddp_scaling import MODULES
from mytorch.nn.parallel import DistributedDataParallel


def slowest(seconds: float) -> float:
    """The largest of every rank's `seconds`."""
    t = mytorch.tensor([seconds], dtype=mytorch.float64)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return t.item()


def run_steps(step, count: int) -> float:
    """Seconds for `count` steps on this rank."""
    start = time.perf_counter()
    for _ in range(count):
        step()
    return time.perf_counter() - start


def measure(workload: str, seconds: float, warmup: float, min_steps: int) -> dict:
    rank, world = dist.get_rank(), dist.get_world_size()
    module = importlib.import_module(f"benchmarks.workloads.{MODULES[workload]}")
    if module.BATCH % world:
        raise ValueError(f"{workload}: the global batch {module.BATCH} does not split over {world} processes")
    mytorch.manual_seed(rank)
    ddp: list[DistributedDataParallel] = []  # the wrapped model, once build has made it

    def wrap(model: mytorch.nn.Module) -> mytorch.nn.Module:
        if world == 1:
            return model
        ddp.append(DistributedDataParallel(model))
        return ddp[0]

    w = module.build(mytorch, "mytorch", batch=module.BATCH // world, wrap=wrap)

    first = slowest(run_steps(w.step, 1))  # the first step pays for allocation: not a step time to plan by
    warm = max(1, math.ceil(warmup / first))
    per_step = slowest(run_steps(w.step, warm)) / warm
    steps = max(min_steps, math.ceil(seconds / per_step))
    if ddp:
        ddp[0].comm_stats.reset()
    dist.barrier()
    start = time.perf_counter()
    run_steps(w.step, steps)
    dist.barrier()
    elapsed = slowest(time.perf_counter() - start)

    stats = ddp[0].comm_stats if ddp else None
    totals = mytorch.tensor([stats.wait_s, stats.in_flight_s, stats.all_reduces] if stats else [0.0, 0.0, 0.0],
                            dtype=mytorch.float64)
    dist.all_reduce(totals)
    wait, in_flight, all_reduces = totals.tolist()
    return {"workload": workload, "nproc": world, "global_batch": module.BATCH, "steps": steps,
            "warmup_steps": 1 + warm, "seconds": elapsed, "samples_per_s": module.BATCH * steps / elapsed,
            "all_reduces_per_step": all_reduces / world / steps if ddp else 0,
            "wait_ms_per_step": 1e3 * wait / world / steps, "in_flight_ms_per_step": 1e3 * in_flight / world / steps,
            "hidden_fraction": 1 - wait / in_flight if in_flight > 0 else None}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workload", choices=sorted(MODULES))
    p.add_argument("--result", required=True, help="where rank 0 writes its JSON row")
    p.add_argument("--seconds", type=float, default=3.0, help="timed seconds, about (default 3)")
    p.add_argument("--warmup", type=float, default=0.3, help="warm-up seconds, about (default 0.3)")
    p.add_argument("--min-steps", type=int, default=3, help="timed steps at least (default 3)")
    a = p.parse_args()
    dist.init_process_group("mpi")
    mytorch.set_num_threads(1)
    row = measure(a.workload, a.seconds, a.warmup, a.min_steps)
    if dist.get_rank() == 0:
        with open(a.result, "w") as f:
            json.dump(row, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
