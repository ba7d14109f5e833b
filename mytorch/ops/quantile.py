"""quantile and nanquantile: the q-th quantiles of input along a dim (of all its elements when dim is None).

Each line is sorted (NaNs last); with c values counted (the whole line for quantile, its numbers for
nanquantile) the quantile sits at rank r = q (c - 1) between the sorted values s_floor(r) and s_ceil(r):

    linear    s_lo + (r - lo) (s_hi - s_lo)        lower  s_lo        higher  s_hi
    midpoint  (s_lo + s_hi) / 2                    nearest  s_round(r)  (half to even)

quantile is NaN on a line holding a NaN, nanquantile on a line of NaNs only: such a line reads one of its
NaNs (the last sorted entry; nanquantile the first), which also takes the gradient, as in PyTorch. The gradient flows to the selected
sorted values (through the sort's indices) with the interpolation's weights.
"""
from __future__ import annotations

import math

from .. import _dtype as D
from .._tensor import Tensor
from .binary import where

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name: str, input: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool) -> Tensor:
    if input.dtype not in (D.float32, D.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                           f"Found {interpolation}")
    qt = q.to(input.dtype) if isinstance(q, Tensor) else input.new_tensor(float(q))
    if qt.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if bool(((qt < 0) | (qt > 1)).any()):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if dim is None:
        x, d = input.reshape(-1), 0
    else:
        d = input._wrap_dim(dim, name) if input.ndim else 0
        x = input if input.ndim else input.reshape(1)
    if x.shape[d] == 0 and dim is not None:
        raise IndexError(f"{name}() cannot compute quantiles along an empty dim")
    lines = x.movedim(d, -1)
    n = lines.shape[-1]
    ordered = lines.sort(-1).values
    nans = lines.isnan().sum(-1, keepdim=True)
    count = (n - nans) if ignore_nan else nans * 0 + n
    rank = qt.reshape(-1) * (count - 1).to(input.dtype)  # (..., Q)
    # a line without a usable value reads a NaN of its own, which takes the gradient (PyTorch's choices: the
    # last sorted entry for quantile, the first for nanquantile's all-NaN line)
    rank = where(rank < 0, 0, rank) if ignore_nan else where(nans > 0, n - 1, rank)
    lo = rank.floor().clamp(min=0)
    hi = rank.ceil().clamp(min=0)
    if interpolation == "nearest":
        lo = hi = rank.round().clamp(min=0)
    elif interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    top = max(n - 1, 0)
    safe = ordered if n else ordered.new_zeros(ordered.shape[:-1] + (1,))
    below = safe.gather(-1, lo.clamp(max=top).to(D.int64))
    above = safe.gather(-1, hi.clamp(max=top).to(D.int64))
    if interpolation == "linear":
        out = below + (rank - lo) * (above - below)
    elif interpolation == "midpoint":
        out = (below + above) / 2
    else:
        out = below
    out = (out if n else out + math.nan).movedim(-1, 0)  # (Q, ...)
    if keepdim:
        out = out.unsqueeze(d + 1) if dim is not None else out.reshape((out.shape[0],) + (1,) * input.ndim)
    return out if qt.ndim else out.squeeze(0)


def quantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The q-th quantiles (q a number or 1-D tensor in [0, 1]) along dim; NaN on lines with a NaN."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """quantile of the numbers along dim, ignoring NaNs (NaN only on lines with nothing else)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


__all__ = ["quantile", "nanquantile"]
METHODS = {"quantile": quantile, "nanquantile": nanquantile}
