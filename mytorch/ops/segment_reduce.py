"""``torch._segment_reduce``: a reduction over consecutive segments of one dim.

data (*B, n, *R) is cut along dim ``axis`` (= len(B)) into S consecutive segments given by ``lengths``
(*B, S) or by ``offsets`` (*B, S + 1), segment s being positions offsets[s] .. offsets[s + 1] - 1. Each
segment is reduced to one entry of out (*B, S, *R); ``initial``, when given, joins every segment as one more
element (and is the result of an empty one):

    sum: initial + sum x      prod: initial * prod x      max / min: over x and initial
    mean: (initial + sum x) / |segment|   (initial alone when empty)
    empty segments without initial: 0 (sum), 1 (prod), -inf (max), inf (min), nan (mean)

Written with a membership mask M[b, s, j] = (position j lies in segment s): sums are M @ x, the others
reduce x filled with the reduction's identity outside the segment, so autograd differentiates every
reduction (max and min share the gradient among tied maxima).
"""
from __future__ import annotations

import math

from .._tensor import Tensor
from .binary import where
from .creation import arange
from .joining import cat

_IDENTITY = {"sum": 0.0, "mean": 0.0, "prod": 1.0, "max": -math.inf, "min": math.inf}


def _offsets(lengths: Tensor | None, offsets: Tensor | None, n: int, unsafe: bool) -> Tensor:
    """The segment boundaries (*B, S + 1), from lengths or offsets; PyTorch's checks unless unsafe."""
    if offsets is None:
        if lengths is None:
            raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined")
        offsets = cat([lengths.new_zeros((*lengths.shape[:-1], 1)), lengths.cumsum(-1)], -1)
        if not unsafe and bool((lengths < 0).any()):
            raise RuntimeError("segment_reduce(): lengths contains negative value!")
    if not unsafe and offsets.numel() and bool((offsets[..., -1] != n).any()):
        raise RuntimeError(f"segment_reduce(): Expected all rows of lengths along axis to sum to data.size(axis) "
                           f"= {n}")
    return offsets


def _segment_reduce(data: Tensor, reduce: str, *, lengths: Tensor | None = None, indices: Tensor | None = None,
                    offsets: Tensor | None = None, axis: int = 0, unsafe: bool = False,
                    initial: float | None = None) -> Tensor:
    """The reduction `reduce` (sum, mean, prod, max, min) of each segment of data along axis (the module
    docstring): out (*B, S, *R)."""
    if reduce not in _IDENTITY:
        raise RuntimeError(f"segment_reduce(): unsupported reduction {reduce!r} (sum, mean, prod, max or min)")
    if indices is not None:
        raise RuntimeError("segment_reduce(): indices based reduction is not supported yet.")
    axis = axis % data.ndim
    bounds = _offsets(lengths, offsets, data.shape[axis], unsafe)
    if bounds.ndim != axis + 1:
        raise RuntimeError(f"segment_reduce(): Expected axis ({axis}) to be the last dim of lengths/offsets "
                           f"(of {bounds.ndim} dims)")
    rest = data.shape[axis + 1:]
    x = data.reshape(*data.shape[:axis + 1], -1)  # (*B, n, R)
    j = arange(data.shape[axis])
    member = (bounds[..., :-1, None] <= j) & (j < bounds[..., 1:, None])  # (*B, S, n)
    count = member.sum(-1).unsqueeze(-1).to(data.dtype)  # (*B, S, 1)
    if reduce in ("sum", "mean"):
        total = member.to(data.dtype) @ x
        if initial is not None:
            total = total + initial
        if reduce == "mean":
            empty = math.nan if initial is None else initial
            total = where(count > 0, total / count.clamp_min(1), empty)
        out = total
    else:
        filled = where(member.unsqueeze(-1), x.unsqueeze(-3), _IDENTITY[reduce])  # (*B, S, n, R)
        out = {"prod": filled.prod, "max": filled.amax, "min": filled.amin}[reduce](-2)
        if initial is not None:
            out = out * initial if reduce == "prod" else (out.clamp_min(initial) if reduce == "max"
                                                          else out.clamp_max(initial))
    return out.reshape(*out.shape[:-1], *rest)


__all__ = ["_segment_reduce"]
METHODS: dict = {}
