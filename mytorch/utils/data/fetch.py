"""Fetchers: turn one item of the index sampler into one batch, in the main process or a worker.

With auto-collation (batch_size is not None) the item is a list of indices (map-style)
or a list of placeholders, one per sample to pull from the stream (iterable-style);
without it, the item is a single index and the sample is only converted.
"""
from __future__ import annotations

from typing import Any, Callable

from .dataset import IterableDataset


class _MapDatasetFetcher:
    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable, drop_last: bool) -> None:
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn
        # a dataset may fetch a whole batch at once (e.g. one query for many rows)
        self._getitems = getattr(dataset, "__getitems__", None)

    def fetch(self, index: Any) -> Any:
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if callable(self._getitems):
            return self.collate_fn(self._getitems(index))
        return self.collate_fn([self.dataset[i] for i in index])


class _IterableDatasetFetcher:
    """Pulls from one iterator of the dataset; raises StopIteration when the stream has no
    (complete, when drop_last) batch left."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable, drop_last: bool) -> None:
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.iterator = iter(dataset)
        self.ended = False

    def fetch(self, index: Any) -> Any:
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        data = []
        for _ in index:
            try:
                data.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def create_fetcher(dataset: Any, auto_collation: bool, collate_fn: Callable, drop_last: bool):
    """The fetcher that turns a batch of indices (map-style) or the next items (iterable) into one collated batch.
    """
    cls = _IterableDatasetFetcher if isinstance(dataset, IterableDataset) else _MapDatasetFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)
