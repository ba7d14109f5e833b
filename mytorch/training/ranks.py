"""`mytorch train --nproc N`: the image training run (and the speech recognizer's, training/asr.py) as N
data-parallel processes (an MPI job).

Every rank builds the same model (DistributedDataParallel broadcasts rank 0's weights and averages the
gradients) and walks the same shuffled batches; rank r trains on rows r, r + N, r + 2N, … of each
batch, so one step of N ranks sees the batch one process would see. Rank 0 alone evaluates, logs,
shows the progress bar and writes the checkpoint, the metrics and the plot; the epoch's training loss
and accuracy are combined over the ranks first.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Iterator

from .. import _dtype as D
from .._tensor import Tensor
from ..ops.creation import tensor


@dataclass(frozen=True)
class Ranks:
    rank: int = 0
    world: int = 1

    @property
    def lead(self) -> bool:
        return self.rank == 0


def join(nproc: int) -> Ranks:
    """This process's place in a job of `nproc` ranks (joining the MPI job when nproc > 1)."""
    if nproc == 1:
        return Ranks()
    from .. import distributed as dist
    from .errors import UsageError
    if not dist.is_initialized():
        dist.init_process_group("mpi")
    if dist.get_world_size() != nproc:
        raise UsageError(f"--nproc {nproc}, but this MPI job has {dist.get_world_size()} processes")
    return Ranks(dist.get_rank(), nproc)


def shard(loader: Iterable[tuple[Tensor, Tensor]], ranks: Ranks) -> Iterator[tuple[Tensor, Tensor]]:
    """Rank r's rows (r, r + N, …) of every batch."""
    for images, labels in loader:
        yield images[ranks.rank::ranks.world], labels[ranks.rank::ranks.world]


def shard_samples(n: int, batch_size: int, ranks: Ranks) -> int:
    """How many samples of an epoch of n (in batches of batch_size) rank r trains on."""
    full, last = divmod(n, batch_size)
    per_batch = len(range(ranks.rank, batch_size, ranks.world))
    return full * per_batch + len(range(ranks.rank, last, ranks.world))


def combine(stats: dict[str, float], ranks: Ranks) -> dict[str, float]:
    """The epoch's training statistics over all ranks: loss and accuracy weighted by samples, samples
    summed, time of the slowest rank."""
    if ranks.world == 1:
        return stats
    seen = stats["samples"]
    loss, acc, total = reduce_over(ranks, stats["train_loss"] * seen, stats["train_acc"] * seen, seen)
    longest, = reduce_over(ranks, stats["seconds"], op="max")
    return {"train_loss": loss / max(total, 1), "train_acc": acc / max(total, 1), "samples": int(total),
            "seconds": longest}


def reduce_over(ranks: Ranks, *values: float, op: str = "sum") -> list[float]:
    """Each value summed (or its maximum, op="max") over the ranks, in float64."""
    if ranks.world == 1:
        return list(values)
    from ..distributed import ReduceOp, all_reduce
    reduced = tensor(list(values), dtype=D.float64)
    all_reduce(reduced, op=ReduceOp.MAX if op == "max" else ReduceOp.SUM)
    return reduced.tolist()


def silent(message: str) -> None:
    """The log of ranks other than 0: rank 0 reports."""


__all__ = ["Ranks", "join", "shard", "shard_samples", "combine", "reduce_over", "silent"]
