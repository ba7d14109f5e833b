"""Image-classification data as two whole tensors, batched by tensor indexing.

A training epoch over 60,000 images must not pay Python overhead per sample, so a split is loaded
once into ``images`` (N, C, H, W, float32, normalized) and ``labels`` (N, int64), and a batch is one
advanced-indexing op: ``TensorBatches.__getitems__(indices)`` returns ``(images[idx], labels[idx])``,
which the DataLoader hands to a pass-through collate. Shuffling stays the DataLoader's: a
RandomSampler seeded per epoch (see ``batches``), so an epoch's order depends only on (seed, epoch).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from .. import _dtype as D
from ..backends import get_backend
from .._tensor import Tensor
from ..nn import functional as F
from ..ops.creation import tensor
from ..ops.random import Generator
from ..utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler
from .errors import DataUnavailable, UsageError


@dataclass(frozen=True)
class DatasetSpec:
    cls: str  # class name in mytorch.datasets (its errors say how to install missing files)
    num_classes: int = 10


DATASETS: dict[str, DatasetSpec] = {
    "fashion-mnist": DatasetSpec("FashionMNIST"),
    "mnist": DatasetSpec("MNIST"),
    "mnist10k": DatasetSpec("MNIST10k"),
    "mnist5k": DatasetSpec("MNIST5k"),
    "digits": DatasetSpec("Digits"),
}


class TensorBatches(Dataset):
    """(images, labels) indexable one sample or one batch at a time."""

    def __init__(self, images: Tensor, labels: Tensor) -> None:
        if images.shape[0] != labels.shape[0]:
            raise ValueError(f"TensorBatches: {images.shape[0]} images but {labels.shape[0]} labels")
        self.images, self.labels = images, labels

    def __len__(self) -> int:
        return self.labels.shape[0]

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        return self.images[i], self.labels[i]

    def __getitems__(self, indices: Sequence[int]) -> tuple[Tensor, Tensor]:
        idx = tensor(list(indices), dtype=D.int64)
        return self.images[idx], self.labels[idx]


def _whole_batch(batch: Any) -> Any:
    """collate_fn for TensorBatches: ``__getitems__`` already built the batch."""
    return batch


def batches(data: TensorBatches, batch_size: int, shuffle_seed: int | None = None,
            workers: int = 0) -> DataLoader:
    """A DataLoader over ``data`` in batches; ``shuffle_seed`` None keeps the order, otherwise a
    RandomSampler drawn from a Generator seeded with it (one seed per epoch gives reproducible and
    resumable shuffling)."""
    if shuffle_seed is None:
        sampler = SequentialSampler(data)
    else:
        sampler = RandomSampler(data, generator=Generator().manual_seed(shuffle_seed))
    return DataLoader(data, batch_sampler=BatchSampler(sampler, batch_size, drop_last=False),
                      collate_fn=_whole_batch, num_workers=workers)


def _dataset_class(name: str) -> Callable[..., Any]:
    if name not in DATASETS:
        raise UsageError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")
    from .. import datasets  # the data-set readers are an app-level package, loaded on demand
    return getattr(datasets, DATASETS[name].cls)


@functools.lru_cache(maxsize=4)
def _raw_split(name: str, train: bool, root: str | None, backend: str) -> tuple[Tensor, Tensor]:
    """The split's images as uint8/float (N, [C,] H, W) and labels (N,), as the reader gives them.
    Cached per backend (the tensors belong to the one serving cpu when they were read): a train run
    followed by an eval (or a test session) reads each file once; callers never modify them."""
    cls = _dataset_class(name)
    kwargs = {"train": train} if root is None else {"root": root, "train": train}
    try:
        ds = cls(**kwargs)
    except (OSError, RuntimeError) as e:  # the readers' messages name the files and the install command
        raise DataUnavailable(f"dataset {name!r} is not available: {e}") from e
    return ds.data, ds.targets


def load_dataset(name: str, train: bool, root: str | None = None, limit: int | None = None,
                 size: int | None = None, normalize: tuple[float, float] | None = None
                 ) -> tuple[TensorBatches, tuple[float, float]]:
    """One split as normalized float32 tensors of shape (N, C, H, W).

    ``limit`` keeps the first N samples; ``size`` resizes images to size x size (nearest, for
    models built for 28x28 inputs); ``normalize`` is (mean, std) — by default the split's own,
    which is what a training run records so evaluation can reuse it."""
    images, labels = _raw_split(name, train, root, get_backend("cpu").name)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x = images.to(D.float32)
    if images.dtype == D.uint8:
        x = x / 255.0
    if x.dim() == 3:
        x = x.unsqueeze(1)
    if size is not None and tuple(x.shape[2:]) != (size, size):
        x = F.interpolate(x, size=(size, size), mode="nearest")
    if normalize is None:
        normalize = (x.mean().item(), x.std().item())
    mean, std = normalize
    x = (x - mean) / std
    return TensorBatches(x.contiguous(), labels.to(D.int64)), (mean, std)
