"""``make_tensor``: a random tensor of a given shape and dtype for tests, as PyTorch's."""
from __future__ import annotations

import math
from typing import Any

from .. import _dtype as D
from .._tensor import Tensor
from ..ops.random import rand, randint


def make_tensor(*shape: Any, dtype: D.dtype, device: Any = None, low: float | None = None,
                high: float | None = None, requires_grad: bool = False, noncontiguous: bool = False,
                exclude_zero: bool = False, memory_format: Any = None) -> Tensor:
    """Values drawn uniformly from [low, high): for floating dtypes [-9, 9) by default, integers [-9, 10)
    (unsigned from 0), bools either. ``noncontiguous`` returns a view of every other element of a tensor
    twice as long in the last dim; ``exclude_zero`` replaces zeros by the smallest positive step (1 for
    integers, the dtype's eps for floats)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if low is not None and high is not None and low > high:
        raise ValueError(f"low must be less than or equal to high, but got {low} > {high}")
    if any(v is not None and isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"low and high must not be NaN, but got low={low} and high={high}")
    wide = tuple(shape[:-1]) + (shape[-1] * 2,) if noncontiguous and shape else tuple(shape)
    if dtype is D.bool_:
        t = randint(0, 2, wide, dtype=D.int64, device=device).to(D.bool_)
    elif dtype.is_floating_point:
        lo, hi = (-9.0 if low is None else low), (9.0 if high is None else high)
        t = (rand(wide, dtype=D.float64, device=device) * (hi - lo) + lo).to(dtype)
    else:
        unsigned = dtype is D.uint8
        lo = max(0 if unsigned else -9, math.ceil(low)) if low is not None else (0 if unsigned else -9)
        hi = math.floor(high) if high is not None else 10
        t = randint(int(lo), max(int(hi), int(lo) + 1), wide, dtype=dtype, device=device)
    if noncontiguous and shape:
        t = t[..., ::2]
    if exclude_zero:  # in place, so that a noncontiguous view stays one
        t.masked_fill_(t == 0, D.finfo(dtype).eps if dtype.is_floating_point else True if dtype is D.bool_ else 1)
    if requires_grad:
        t.requires_grad_(True)
    return t
