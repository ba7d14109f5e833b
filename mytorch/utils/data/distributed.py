"""DistributedSampler: each of N processes reads its own 1/N of the data set.

The indices (shuffled with a generator seeded by ``seed + epoch``, the same on every rank, so the ranks
agree on one permutation) are padded by repeating the first ones until their count divides by N (or
cut down with ``drop_last``); rank r then takes every N-th index starting at r. Call ``set_epoch`` at the
start of each epoch so each epoch has a new order.
"""
from __future__ import annotations

import math
from typing import Iterator, Sized

from ...ops.random import Generator, randperm
from .sampler import Sampler


class DistributedSampler(Sampler):
    """Indices of rank `rank`'s share of `dataset` among `num_replicas` ranks (the process group's size and
    this process's rank by default)."""

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from ...distributed import get_rank, get_world_size, is_available, is_initialized
            if not is_available() or not is_initialized():
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = get_world_size() if num_replicas is None else num_replicas
            rank = get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, seed, drop_last, 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            g = Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            padding = self.total_size - len(indices)
            indices += (indices * math.ceil(padding / max(len(indices), 1)))[:padding]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """The epoch the next iteration shuffles for."""
        self.epoch = epoch


__all__ = ["DistributedSampler"]
