"""Sorting and selection: sort, argsort, msort, topk, kthvalue, median, unique, searchsorted, bucketize.

The order comes from the backend's stable sort (NaN sorts as the largest value) and carries no
gradient. The values are then gathered from the input at the chosen indices, so the gradient of
every selecting op is `gather`'s: dL/dx = zeros with the upstream gradient scattered to the indices.
"""
from __future__ import annotations

import math

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import reject_complex, reject_complex32
from .reduction import values_indices
from .unique import unique_dim


def _check_int(value, op: str, arg: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{op}(): argument '{arg}' must be int, not {type(value).__name__}")


def _order(x: Tensor, dim: int, descending: bool) -> Tensor:
    """int64 indices that sort x (at least 1-d) along dim, stably."""
    be = x._backend
    return Tensor._make(be.sort(x._data, dim, descending)[1], be)


def _as_line(name: str, input: Tensor, dim: int) -> tuple[Tensor, int]:
    """(input as at least 1-d, the wrapped dim): a 0-d input acts as a line of one element."""
    _check_int(dim, name, "dim")
    d = input._wrap_dim(dim, name)
    return (input if input.ndim else input.reshape(1)), d


def _take(name: str, input: Tensor, x: Tensor, d: int, idx: Tensor, keepdim: bool):
    """(values, indices) with values = x gathered at idx (keepdim-shaped) along d."""
    values = x.gather(d, idx)
    if not input.ndim:
        idx, values = idx.reshape(()), values.reshape(())
    elif not keepdim:
        idx, values = idx.squeeze(d), values.squeeze(d)
    return values_indices[name](values, idx)


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    """(values, indices) with values = input sorted along dim (always stable here: ties keep their order)."""
    x, d = _as_line("sort", input, dim)
    reject_complex(input, " Sort does not support complex dtypes on CPU")
    return _take("sort", input, x, d, _order(x, d, descending), True)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort input along dim (stable)."""
    return sort(input, dim, descending, stable).indices


def msort(input: Tensor) -> Tensor:
    """input sorted along dim 0."""
    return sort(input, 0).values


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """(values, indices) of the k largest (smallest when largest=False) elements along dim, in sorted order."""
    _check_int(k, "topk", "k")
    x, d = _as_line("topk", input, dim)
    reject_complex(input, " topk does not support complex dtypes on CPU")
    if not 0 <= k <= x.shape[d]:
        raise RuntimeError(f"selected index k out of range: topk(k={k}) on dim {d} of size {x.shape[d]} "
                           f"(input shape {list(input.shape)})")
    return _take("topk", input, x, d, _order(x, d, largest).narrow(d, 0, k), True)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """(values, indices) of the k-th smallest element (k counts from 1) along dim."""
    _check_int(k, "kthvalue", "k")
    x, d = _as_line("kthvalue", input, dim)
    n = x.shape[d]
    if n == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}: k={k} but the "
                           f"dim has size {n}")
    return _take("kthvalue", input, x, d, _order(x, d, False).narrow(d, k - 1, 1), keepdim)


def _median_index(x: Tensor, dim: int, ignore_nan: bool = False) -> Tensor:
    """Index (keepdim-shaped) of the lower median along dim. The stable sort puts NaNs last, in their original
    order: with k NaNs among n entries, median takes the first NaN (position n - k) when there is one;
    nanmedian takes the lower median of the n - k numbers, position (n - k - 1) // 2 (when all are NaN,
    position (n - 1) // 2, as PyTorch's index)."""
    be = x._backend
    n = x.shape[dim]
    order = _order(x, dim, False)._data
    pos = be.full(tuple(1 if i == dim else s for i, s in enumerate(x.shape)), (n - 1) // 2, D.int64)
    if x.dtype.is_floating_point:
        nans = be.sum(be.cast(be.isnan(x._data), D.int64), (dim,), True)
        if ignore_nan:
            pos = be.where(be.eq(nans, n), pos, be.floor_divide(be.sub(n - 1, nans), 2))
        else:
            pos = be.where(be.gt(nans, 0), be.sub(n, nans), pos)
    return Tensor._make(be.gather(order, dim, pos), be)


class Median(Function):
    """y = the lower median of all elements (NaN if any is NaN; nanmedian: of the numbers among them);  the
    gradient is shared evenly by the elements equal to y (by the NaNs when y is NaN)."""

    _grad_name = "MedianBackward0"

    @staticmethod
    def forward(ctx, x, ignore_nan=False):
        be = x._backend
        flat = x.reshape(-1)
        if flat.numel() == 0:
            y = be.full((), math.nan, x.dtype)
        else:
            y = be.copy(be.view(be.gather(flat._data, 0, _median_index(flat, 0, ignore_nan)._data), ()))
        out = Tensor._make(y, be)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        hit = ((x == y) | (x.isnan() & y.isnan())).to(g.dtype)
        return g * hit / hit.sum(), None


def median(input: Tensor, dim: int | None = None, keepdim: bool = False):
    """median(input): the lower median of all elements; median(input, dim): (values, indices) of the
    lower median along dim (NaN and its index where the line holds a NaN)."""
    if dim is None:
        return Median.apply(input)
    x, d = _as_line("median", input, dim)
    if x.shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    return _take("median", input, x, d, _median_index(x, d), keepdim)


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False):
    """median ignoring NaN: the lower median of the numbers (NaN only where every entry is NaN); with dim,
    (values, indices) along dim. The gradient goes as median's."""
    if dim is None:
        return Median.apply(input, True)
    x, d = _as_line("nanmedian", input, dim)
    if x.shape[d] == 0:
        raise IndexError(f"nanmedian(): Expected reduction dim {d} to have non-zero size.")
    return _take("nanmedian", input, x, d, _median_index(x, d, True), keepdim)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None):
    """The distinct elements in ascending order, optionally with the inverse map (input = output[inverse])
    and the count of each; with dim, the distinct slices along dim (`unique.unique_dim`). No gradient."""
    if dim is not None:
        return unique_dim(input, dim, return_inverse, return_counts)
    reject_complex32(input.dtype, "unique")
    be = input._backend
    flat = input.reshape(-1)
    out = be.unique(flat._data, return_inverse, return_counts)
    if not (return_inverse or return_counts):
        return Tensor._make(out, be)
    result = [Tensor._make(out[0], be)]
    if return_inverse:
        result.append(Tensor._make(be.cast(be.view(be.copy(out[1]), input.shape), D.int64), be))
    if return_counts:
        result.append(Tensor._make(be.cast(out[-1], D.int64), be))
    return tuple(result)


def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """For each value v, the index where v would be inserted in the innermost sorted rows to keep them
    sorted: #{s < v} (left) or #{s <= v} (right). Costs O(values x row length) comparisons."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    seq = sorted_sequence
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if sorter is not None:
        seq = seq.gather(-1, sorter)
    scalar = not isinstance(input, Tensor)
    values = seq.new_tensor(input) if scalar else input
    if seq.ndim > 1 and tuple(seq.shape[:-1]) != tuple(values.shape[:-1]):
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           "dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(seq.shape)} and input value tensor {list(values.shape)}")
    rows = seq if seq.ndim == 1 else seq.unsqueeze(-2)
    v = values.detach().unsqueeze(-1)
    below = rows.detach() <= v if right else rows.detach() < v
    return below.sum(-1).to(D.int32 if out_int32 else D.int64)


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value: i with boundaries[i-1] < v <= boundaries[i] (right=False) or
    boundaries[i-1] <= v < boundaries[i] (right=True)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "unique", "searchsorted", "bucketize"]
METHODS = {name: globals()[name] for name in ("sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian",
                                              "unique")}
