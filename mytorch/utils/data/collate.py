"""Collation: a list of samples -> one batch.

`default_collate` keeps the samples' structure and batches the leaves:
tensors are stacked along a new dim 0, Python floats become a float64 tensor,
ints (and bools) an int64 (bool) tensor, NumPy arrays and scalars tensors of their
own dtype, strings stay a sequence; tuples and lists are transposed (a batch of
(x, y) pairs -> [batch of x, batch of y]), dicts and namedtuples keep their keys.
`default_convert` (used when batch_size=None) converts leaves without batching.

NumPy values are recognised by their type's module, so this framework file needs
no NumPy import: a program that hands us an array has NumPy loaded already.
"""
from __future__ import annotations

import collections.abc
import copy
from typing import Any, Callable, Sequence

from ... import _dtype as D
from ..._tensor import Tensor
from ...ops.creation import as_tensor, tensor
from ...ops.joining import stack

_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
# NumPy dtype kinds that have no tensor equivalent: bytes, str, unicode, object
_NUMPY_STRING_CODES = "SaUO"


def _numpy_kind(x: Any) -> str | None:
    """'array' for a NumPy ndarray/memmap, 'scalar' for a NumPy number, else None."""
    t = type(x)
    if t.__module__ != "numpy" or isinstance(x, (str, bytes)):
        return None
    return "scalar" if getattr(x, "shape", None) == () else "array" if hasattr(x, "__array_interface__") else None


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _rebuild(elem: Any, items: dict | list) -> Any:
    """A container of `elem`'s type holding `items`, or a plain dict/list when that type can't be built so."""
    if isinstance(elem, collections.abc.MutableMapping):
        clone = copy.copy(elem)  # keeps e.g. an OrderedDict's or a user mapping's extra state
        clone.update(items)
        return clone
    try:
        return type(elem)(items)
    except TypeError:
        return items


def _collate_numpy_array(batch: list, collate_fn_map: dict) -> Tensor:
    if batch[0].dtype.char in _NUMPY_STRING_CODES:
        raise TypeError(_ERR.format(batch[0].dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def _collate_leaf(batch: list, collate_fn_map: dict) -> Any:
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, (str, bytes)):
        return batch
    kind = _numpy_kind(elem)
    if kind == "array":
        return _collate_numpy_array(batch, collate_fn_map)
    if kind == "scalar":  # each keeps its NumPy dtype
        return stack([tensor(b) for b in batch], 0)
    if isinstance(elem, float):
        return tensor(batch, dtype=D.float64)
    if isinstance(elem, int):
        return tensor(batch)
    return None


def collate(batch: Sequence, *, collate_fn_map: dict[type | tuple, Callable] | None = None) -> Any:
    """Collate `batch` recursively. `collate_fn_map` maps a type (or tuple of types) to
    ``fn(batch, *, collate_fn_map)`` for the leaves of that type; it is consulted before
    the built-in rules, first by exact type, then by isinstance."""
    elem = batch[0]
    fns = collate_fn_map or {}
    fn = fns.get(type(elem)) or next((f for t, f in fns.items() if isinstance(elem, t)), None)
    if fn is not None:
        return fn(batch, collate_fn_map=collate_fn_map)
    out = _collate_leaf(batch, collate_fn_map)
    if out is not None:
        return out
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild(elem, {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map) for k in elem})
    if _is_namedtuple(elem):
        return type(elem)(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(e) != len(elem) for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size (got lengths "
                               f"{[len(e) for e in batch]})")
        columns = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)]
        return columns if isinstance(elem, tuple) else _rebuild(elem, columns)
    raise TypeError(_ERR.format(type(elem)))


def default_collate(batch: list) -> Any:
    """Stack a list of samples into a batch (see the module docstring for the rules)."""
    return collate(batch)


def default_convert(data: Any) -> Any:
    """NumPy arrays and scalars -> tensors, recursively through dicts, namedtuples and sequences;
    everything else unchanged. Tuples come back as lists, as in PyTorch."""
    kind = _numpy_kind(data)
    if kind == "scalar":
        return tensor(data)  # a copy: a NumPy scalar is immutable, there is no memory to share
    if kind == "array":
        return data if data.dtype.char in _NUMPY_STRING_CODES else as_tensor(data)
    if isinstance(data, (Tensor, str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        return _rebuild(data, {k: default_convert(v) for k, v in data.items()})
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        return _rebuild(data, [default_convert(d) for d in data])
    return data


__all__ = ["default_collate", "default_convert", "collate"]
