"""``torch.range``, PyTorch's deprecated inclusive range: start, start + step, ..., up to and including end.

It has floor((end - start) / step) + 1 values start + i * step (computed in float64, then cast), in the default
dtype unless one is given, even for integer bounds, and warns on every call as PyTorch does. In its own module:
the name shadows Python's builtin range.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

from .. import _dtype as D
from .._tensor import Tensor
from .creation import _backend, _dtype_arg, _finish

_DEPRECATED = ("torch.range is deprecated and will be removed in a future release because its behavior is "
               "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
               "[start, end).")


def range(start: Any = 0, end: Any = None, step: Any = 1, *, dtype: D.dtype | None = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """start + i * step for i = 0 .. floor((end - start) / step): end included when the steps reach it."""
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    warnings.warn(_DEPRECATED, UserWarning, stacklevel=3)  # past the out= wrapper (ops/out.py) to the caller
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    be = _backend(device)
    n = math.floor((end - start) / step) + 1
    data = be.add(be.mul(be.arange(0, n, 1, D.float64), step), start)
    return _finish(be.cast(data, _dtype_arg(dtype, "range") or D.get_default_dtype()), be, requires_grad)


__all__ = ["range"]
