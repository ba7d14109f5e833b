"""scatter_reduce and index_reduce: src's entries combined into input at the positions an index names, with
a reduction ("sum", "prod", "mean", "amax", "amin") instead of overwriting.

    scatter_reduce:  out[.., index[i, j, ..], ..] = reduce(input's entry (if include_self), src[i, j, ..], ...)
                     along dim (dim 0 shown in the first place), as scatter_add does for "sum"
    index_reduce:    out.select(dim, index[i]) = reduce(input's slice (if include_self), source.select(dim, i), ...)
                     = scatter_reduce with the 1-D index spread over source's shape

The slices of src along dim (src.select(dim, k)) are folded in one after another: within one slice every entry
has its own destination (they differ in the other dims), so each step is a gather, an elementwise combine
and a scatter, and autograd differentiates the whole (the gradient of amax/amin follows maximum/minimum's,
of prod the products'). "mean" divides each destination's sum by its count of contributions (input's entry
counting once with include_self), with floor division for integers; positions nothing is scattered to keep
input's value.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from .binary import maximum, minimum, where

_COMBINE = {"sum": lambda a, b: a + b, "mean": lambda a, b: a + b, "prod": lambda a, b: a * b,
            "amax": maximum, "amin": minimum}


def _identity(reduce: str, dt: D.dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dt.is_floating_point:
        return float("-inf") if reduce == "amax" else float("inf")
    if dt is D.bool_:
        return reduce == "amin"
    info = D.iinfo(dt)
    return info.min if reduce == "amax" else info.max


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """input with src's entries reduced into the positions index names along dim (module docstring)."""
    if reduce not in _COMBINE:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if index.dtype is not D.int64:
        raise RuntimeError(f"scatter_reduce(): Expected dtype int64 for index, but got {index.dtype}")
    if src.dtype is not input.dtype:
        raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype ({input.dtype} and {src.dtype})")
    d = input._wrap_dim(dim, "scatter_reduce") if input.ndim else 0
    x = input if input.ndim else input.reshape(1)
    idx = index if index.ndim else index.reshape(1)
    s = src if src.ndim else src.reshape(1)
    if idx.numel() == 0:
        return input.clone()
    touched = x.new_zeros(x.shape, dtype=D.bool_).scatter(d, idx, True)
    out = x if include_self else where(touched, x.new_full((), _identity(reduce, x.dtype)), x)
    box = tuple(slice(0, n) for n in idx.shape)  # src and index may be larger than index in the other dims
    s = s[box]
    combine = _COMBINE[reduce]
    for k in range(idx.shape[d]):
        i_k, s_k = idx.narrow(d, k, 1), s.narrow(d, k, 1)
        out = out.scatter(d, i_k, combine(out.gather(d, i_k), s_k))
    if reduce == "mean":
        count = x.new_zeros(x.shape, dtype=D.int64).scatter_add(d, idx, idx.new_ones(idx.shape))
        count = (count + int(include_self)).clamp(min=1).to(x.dtype)
        mean = out // count if not (x.dtype.is_floating_point or x.dtype.is_complex) else out / count
        out = where(touched, mean, x)
    return out.reshape(input.shape)


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """input with source's slices along dim reduced into the slices index[i] (module docstring)."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    if index.ndim > 1:
        raise IndexError("index_reduce_(): Index is supposed to be a vector")
    d = input._wrap_dim(dim, "index_reduce") if input.ndim else 0
    src = source if source.ndim else source.reshape(1)
    spread = index.reshape([-1 if i == d else 1 for i in range(src.ndim)]).expand(src.shape)
    out = scatter_reduce(input if input.ndim else input.reshape(1), d, spread, src, reduce, include_self=include_self)
    return out.reshape(input.shape)


__all__ = ["scatter_reduce", "index_reduce"]
METHODS = {"scatter_reduce": scatter_reduce, "index_reduce": index_reduce}
