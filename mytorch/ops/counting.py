"""Counting ops: bincount, histc, histogram, histogramdd, isin, mode. None is differentiable in PyTorch except
bincount's weights (a sum of them per bin: d out_b / d w_i = [x_i = b], by autograd through index_add)."""
from __future__ import annotations

import builtins
import math
from collections import namedtuple
from typing import NoReturn

from .. import _dtype as D
from .._tensor import Tensor
from .creation import arange, linspace, zeros
from .reduction import values_indices
from .sorting import searchsorted


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """out_b = the number (or the summed weights) of entries equal to b, for b < max(max(input) + 1, minlength)."""
    if input.ndim != 1 or input.dtype.is_floating_point or input.dtype is D.bool_:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if input.numel() and int(input.min()) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and tuple(weights.shape) != tuple(input.shape):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    n = max(minlength, int(input.max()) + 1 if input.numel() else 0)
    index = input if input.dtype in (D.int32, D.int64) else input.to(D.int64)  # index_add's index types
    if weights is None:
        return zeros(n, dtype=D.int64).index_add(0, index, input.new_ones(input.shape, dtype=D.int64))
    dt = weights.dtype if weights.dtype in (D.float32, D.float64) else D.float64
    return zeros(n, dtype=dt).index_add(0, index, weights.to(dt))


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """Counts in `bins` equal bins over [min, max] (the data's range when min = max, widened by 1 each way when
    that is a single value); entries outside are ignored, the last bin includes max."""
    _check_floating(input, "histogram_cpu")
    if bins <= 0:
        raise RuntimeError("torch.histc: bins must be > 0")
    lo, hi = float(min), float(max)
    if lo == hi and input.numel():
        lo, hi = float(input.min()), float(input.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min, but got min {lo} max {hi}")
    if not math.isfinite(lo) or not math.isfinite(hi):  # an inf or NaN in the data, or an infinite bound
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    x = input.detach().reshape(-1)
    x = x[(x >= lo) & (x <= hi)]
    pos = ((x - lo) * (bins / (hi - lo))).floor().to(D.int64).clamp(max=bins - 1)
    return bincount(pos, minlength=bins).to(input.dtype)


_histogram_result = namedtuple("histogram", ["hist", "bin_edges"])
_histogramdd_result = namedtuple("histogramdd", ["hist", "bin_edges"])


def _bin_positions(x: Tensor, bins, range, dim: int) -> tuple[Tensor, Tensor]:
    """(edges, bin of each entry of the 1-D x, -1 where it lies outside the edges) along one dimension of a
    histogram. `bins` is a count of equal bins over `range` (the data's range, widened by 1/2 each way when
    that is one value; [0, 1] for no data) or a 1-D tensor of increasing edges; the last bin is closed."""
    given_edges = isinstance(bins, Tensor)
    if given_edges and bins.dtype is not x.dtype:
        raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same dtype, but got "
                           f"input with dtype {x.dtype.scalar_name} and bins for dimension {dim} with dtype "
                           f"{bins.dtype.scalar_name}")
    n = bins.numel() - 1 if given_edges else int(bins)
    if n <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {n} for dimension {dim}")
    if given_edges:
        edges = bins.detach()
        lo, hi = float(edges[0]), float(edges[-1])
        pos = searchsorted(edges, x, right=True) - 1
    else:
        lo, hi = (float(range[0]), float(range[1])) if range is not None else (
            (float(x.min()), float(x.max())) if x.numel() else (0.0, 1.0))
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {lo:g} max {hi:g} for "
                               f"dimension {dim}")
        if not math.isfinite(lo) or not math.isfinite(hi):
            raise RuntimeError(f"torch.histogramdd: dimension {dim}'s range [{lo:g}, {hi:g}] is not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = linspace(lo, hi, n + 1, dtype=x.dtype, device=x.device)
        pos = ((x - lo) * (n / (hi - lo))).floor().to(D.int64)
    inside = (x >= lo) & (x <= hi)
    return edges, pos.clamp(0, n - 1).masked_fill(~inside, -1)


def _check_floating(input: Tensor, name: str) -> None:
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{name}\" not implemented for '{input.dtype.scalar_name}'")


def histogram(input: Tensor, bins, *, range=None, weight: Tensor | None = None, density: bool = False):
    """(hist, bin_edges): counts (or summed weights) of input's entries in the bins [e_i, e_{i+1}) (the last
    one closed), the bins as `_bin_positions` makes them. With density the counts are divided by their total
    and the bin widths (a density that integrates to 1)."""
    _check_floating(input, "histogram_cpu")
    hist, (edges,) = _histogram_nd(input.detach().reshape(-1, 1), [bins], None if range is None else [range],
                                   weight, density)
    return _histogram_result(hist, edges)


def histogramdd(input: Tensor, bins, *, range=None, weight: Tensor | None = None, density: bool = False):
    """(hist, bin_edges): the D-dimensional histogram of the points input[..., :] (D = input.shape[-1]):
    hist[i_0, ..., i_(D-1)] counts (or sums the weights of) the points whose coordinate d lies in bin i_d of
    dimension d, each dimension binned as in `histogram`. `bins` is one count for every dimension, a count per
    dimension, or a tensor of edges per dimension; `range` is [min_0, max_0, min_1, max_1, ...]. With density,
    hist is divided by its total and by each cell's volume (the product of its bin widths)."""
    _check_floating(input, "histogramdd")
    if input.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    d = input.shape[-1]
    per_dim = [bins] * d if isinstance(bins, int) else list(bins)
    if len(per_dim) != d:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    if range is not None and len(range) != 2 * d:
        raise RuntimeError(f"torch.histogramdd: for a {d}-dimensional histogram range should have {2 * d} "
                           f"elements, but got {len(range)}")
    if weight is not None and tuple(weight.shape) != tuple(input.shape[:-1]):
        _weight_shape_error(input, weight)
    ranges = None if range is None else [range[2 * k:2 * k + 2] for k in builtins.range(d)]
    hist, edges = _histogram_nd(input.detach().reshape(-1, d), per_dim, ranges, weight, density)
    return _histogramdd_result(hist, tuple(edges))


def _weight_shape_error(input: Tensor, weight: Tensor) -> NoReturn:
    raise RuntimeError("torch.histogramdd: if weight tensor is provided it should have the same shape as the input "
                       f"tensor excluding its innermost dimension, but got input with shape {list(input.shape)} and "
                       f"weight with shape {list(weight.shape)}")


def _histogram_nd(points: Tensor, bins: list, ranges: list | None, weight: Tensor | None, density: bool):
    """(hist, edges per dimension) of the rows of points (P, D): each point falls in the cell whose flat index
    is sum_d i_d * prod_(e>d) n_e, and the cells sum ones (or the weights, one per point, of points' dtype) by
    index_add."""
    if weight is not None:
        if weight.numel() != points.shape[0]:  # histogram's weight: any shape of one element per point
            _weight_shape_error(points, weight)
        if weight.dtype is not points.dtype:
            raise RuntimeError("torch.histogramdd: if weight tensor is provided, input tensor and weight tensor should "
                               f"have the same dtype, but got input({points.dtype.scalar_name}), and "
                               f"weight({weight.dtype.scalar_name})")
    edges, cell, inside = [], None, None
    for k, b in enumerate(bins):
        e, pos = _bin_positions(points[:, k], b, None if ranges is None else ranges[k], k)
        edges.append(e)
        ok = pos >= 0
        inside = ok if inside is None else inside & ok
        cell = pos if cell is None else cell * (e.numel() - 1) + pos
    sizes = [e.numel() - 1 for e in edges]
    w = points.new_ones(points.shape[:1]) if weight is None else weight.detach().reshape(-1)
    hist = points.new_zeros((math.prod(sizes),)).index_add(0, cell[inside], w[inside]).reshape(sizes)
    if density:
        volume = None
        for k, e in enumerate(edges):
            width = (e[1:] - e[:-1]).reshape([-1 if j == k else 1 for j in range(len(edges))])
            volume = width if volume is None else volume * width
        hist = hist / (hist.sum() * volume)
    return hist, edges


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """out_i = elements_i is among test_elements (not, with invert); either may be a number."""
    e = elements if isinstance(elements, Tensor) else test_elements.new_tensor(elements)
    t = test_elements if isinstance(test_elements, Tensor) else e.new_tensor(test_elements)
    found = (e.reshape(-1, 1) == t.reshape(1, -1)).any(1).reshape(e.shape)
    return ~found if invert else found


def mode(input: Tensor, dim: int = -1, keepdim: bool = False):
    """The most frequent value along dim (the smallest among equally frequent ones) and the index of its last
    occurrence, as PyTorch's CPU kernel."""
    d = input._wrap_dim(dim, "mode") if input.ndim else 0
    source = input if input.ndim else input.reshape(1)
    x = source.detach()
    # count_i = how often x_i occurs in its slice (an n x n comparison per slice)
    counts = (x.unsqueeze(d + 1) == x.unsqueeze(d)).sum(d + 1)
    value = x.where(counts == counts.amax(d, keepdim=True), x.amax(d, keepdim=True)).amin(d, keepdim=True)
    n = x.shape[d]
    positions = arange(n).reshape([n if i == d else 1 for i in range(x.ndim)])
    index = positions.where(x == value, positions.new_full((), -1)).amax(d, keepdim=True)
    values = source.gather(d, index)  # the gradient flows to the chosen entry
    if not keepdim or not input.ndim:
        values, index = values.squeeze(d), index.squeeze(d)
    return values_indices["mode"](values, index)


__all__ = ["bincount", "histc", "histogram", "histogramdd", "isin", "mode"]
METHODS = {"bincount": bincount, "histc": histc, "histogram": histogram, "mode": mode}
