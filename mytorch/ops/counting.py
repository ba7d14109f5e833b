"""Counting ops: bincount, histc, histogram, isin, mode. None is differentiable in PyTorch except bincount's
weights (a sum of them per bin: d out_b / d w_i = [x_i = b], by autograd through index_add)."""
from __future__ import annotations

from collections import namedtuple

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
    if weights is None:
        return zeros(n, dtype=D.int64).index_add(0, input, input.new_ones(input.shape, dtype=D.int64))
    dt = weights.dtype if weights.dtype in (D.float32, D.float64) else D.float64
    return zeros(n, dtype=dt).index_add(0, input, weights.to(dt))


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """Counts in `bins` equal bins over [min, max] (the data's range when min = max, widened by 1 each way when
    that is a single value); entries outside are ignored, the last bin includes max."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{input.dtype.scalar_name}'")
    if bins <= 0:
        raise RuntimeError("torch.histc: bins must be > 0")
    lo, hi = float(min), float(max)
    if lo == hi and input.numel():
        lo, hi = float(input.min()), float(input.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min, but got min {lo} max {hi}")
    x = input.detach().reshape(-1)
    x = x[(x >= lo) & (x <= hi)]
    pos = ((x - lo) * (bins / (hi - lo))).floor().to(D.int64).clamp(max=bins - 1)
    return bincount(pos, minlength=bins).to(input.dtype)


_histogram_result = namedtuple("histogram", ["hist", "bin_edges"])


def histogram(input: Tensor, bins, *, range=None, weight: Tensor | None = None, density: bool = False):
    """(hist, bin_edges): counts (or summed weights) of input's entries in the bins [e_i, e_{i+1}) (the last
    one closed). `bins` is a count of equal bins over `range` (the data's range, widened by 1/2 each way when
    that is one value; [0, 1] for no data) or a 1-D tensor of increasing edges. With density the counts
    are divided by their total and the bin widths (a density that integrates to 1)."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{input.dtype.scalar_name}'")
    x = input.detach().reshape(-1)
    w = None if weight is None else weight.detach().reshape(-1).to(input.dtype)
    if isinstance(bins, Tensor):
        edges = bins.detach().to(input.dtype)
        n = edges.numel() - 1
        lo, hi = float(edges[0]), float(edges[-1])
        pos = searchsorted(edges, x, right=True) - 1
    else:
        n = int(bins)
        if n <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {n} for dimension 0")
        lo, hi = (float(range[0]), float(range[1])) if range is not None else (
            (float(x.min()), float(x.max())) if x.numel() else (0.0, 1.0))
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = linspace(lo, hi, n + 1, dtype=input.dtype, device=input.device)
        pos = ((x - lo) * (n / (hi - lo))).floor().to(D.int64)
    inside = (x >= lo) & (x <= hi)
    pos = pos.clamp(0, n - 1)[inside]
    counts = x.new_zeros((n,)).index_add(0, pos, x.new_ones(pos.shape) if w is None else w[inside])
    if density:
        counts = counts / (counts.sum() * (edges[1:] - edges[:-1]))
    return _histogram_result(counts, edges)


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


__all__ = ["bincount", "histc", "histogram", "isin", "mode"]
METHODS = {"bincount": bincount, "histc": histc, "histogram": histogram, "mode": mode}
