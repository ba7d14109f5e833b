"""Samplers: the order in which a DataLoader visits a map-style dataset's indices.

A sampler is an iterable of indices (`SequentialSampler`, `RandomSampler`, ...);
`BatchSampler` groups any sampler's indices into lists, one list per batch.
Random samplers draw from a mytorch `Generator`, so the same seed gives the same order.
"""
from __future__ import annotations

from typing import Generic, Iterable, Iterator, Sequence, Sized, TypeVar

from ... import _dtype as D
from ..._tensor import Tensor
from ...ops.creation import as_tensor, empty
from ...ops.random import Generator, multinomial, randint, randperm

T_co = TypeVar("T_co", covariant=True)

# RandomSampler with replacement draws indices in chunks: few generator calls, little memory
_CHUNK = 32


class Sampler(Generic[T_co]):
    """Base class: subclasses define ``__iter__`` (indices) and, when they can, ``__len__``."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError


def _check_positive_int(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value}")


def _check_bool(name: str, value, error: type[Exception]) -> None:
    if not isinstance(value, bool):
        raise error(f"{name} should be a boolean value, but got {name}={value}")


def random_seed(generator: Generator | None = None) -> int:
    """A seed in [0, 2**63) drawn from `generator` (the default generator when None)."""
    return int(empty((), dtype=D.int64).random_(generator=generator).item())


class SequentialSampler(Sampler[int]):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """A random order of the indices: a permutation (repeated when num_samples > len),
    or, with replacement, num_samples independent uniform draws."""

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator: Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        _check_bool("replacement", replacement, TypeError)
        _check_positive_int("num_samples", self.num_samples)

    @property
    def num_samples(self) -> int:
        # read each time: the dataset's size may change after the sampler is made
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, k = len(self.data_source), self.num_samples
        # without a generator, a fresh one seeded from the default: a new order each epoch,
        # reproducible after manual_seed
        g = self.generator or Generator().manual_seed(random_seed())
        if self.replacement:
            for _ in range(k // _CHUNK):
                yield from randint(0, n, (_CHUNK,), generator=g).tolist()
            yield from randint(0, n, (k % _CHUNK,), generator=g).tolist()
        else:
            for _ in range(k // n):
                yield from randperm(n, generator=g).tolist()
            yield from randperm(n, generator=g).tolist()[:k % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices in a random order (no replacement)."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """num_samples indices drawn with P(i) = weights[i] / sum(weights) (with or without replacement)."""

    def __init__(self, weights: Sequence[float] | Tensor, num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        _check_positive_int("num_samples", num_samples)
        _check_bool("replacement", replacement, ValueError)
        weights_tensor = as_tensor(weights, dtype=D.float64)
        if weights_tensor.ndim != 1:
            raise ValueError("weights should be a 1d sequence but given weights have shape "
                             f"{tuple(weights_tensor.shape)}")
        self.weights = weights_tensor
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        yield from multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator).tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """The sampler's indices in lists of batch_size; the last, shorter list is kept unless drop_last."""

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool) -> None:
        _check_positive_int("batch_size", batch_size)
        _check_bool("drop_last", drop_last, ValueError)
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        it = iter(self.sampler)
        while batch := [i for _, i in zip(range(self.batch_size), it)]:
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]
