"""Half precision computed in float32, as PyTorch's CPU kernels compute it.

PyTorch's kernels for float16 and bfloat16 load each element, compute in float32 (the "opmath" type) and round
the result once. An op that mytorch composes from several tensor ops (addcmul = input + t1 * t2) would round to
half precision after each of them instead: `opmath` makes such an op compute in float32 and round once. The
gradient follows: the casts are differentiable, so the op's backward runs in float32 too (and so does every
built-in op's, see autograd/function.py's Node._apply).
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from .. import _dtype as D
from .._tensor import Tensor

HALF = (D.float16, D.bfloat16)


def _half_of(args: tuple, kwargs: dict) -> D.dtype | None:
    """The half dtype of the floating tensors among the arguments (lists included), when they all have one and
    no dtype argument asks for another result; else None."""
    found = None
    for x in (*args, *kwargs.values()):
        for t in (x if isinstance(x, (list, tuple)) else (x,)):
            if isinstance(t, D.dtype):
                return None
            if isinstance(t, Tensor) and (t.dtype.is_floating_point or t.dtype.is_complex):
                if t.dtype not in HALF or found not in (None, t.dtype):
                    return None
                found = t.dtype
    return found


def _cast(x: Any, src: tuple, dst: D.dtype) -> Any:
    """x with its tensors of a dtype in `src` cast to `dst` (through lists, tuples and named tuples)."""
    if isinstance(x, Tensor):
        return x.to(dst) if x.dtype in src else x
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(_cast(y, src, dst) for y in x))
    if isinstance(x, (list, tuple)):
        return type(x)(_cast(y, src, dst) for y in x)
    return x


def opmath(fn: Callable) -> Callable:
    """fn on float16 / bfloat16 tensors computed in float32, its float32 results rounded to the inputs' dtype."""
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        half = _half_of(args, kwargs)
        if half is None:
            return fn(*args, **kwargs)
        out = fn(*_cast(args, HALF, D.float32), **{k: _cast(v, HALF, D.float32) for k, v in kwargs.items()})
        return _cast(out, (D.float32,), half)
    return run
