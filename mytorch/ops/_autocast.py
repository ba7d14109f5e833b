"""The autocast state and PyTorch's CPU cast policies, applied where an op is defined.

Inside an enabled CPU autocast region (`mytorch.amp.autocast`), an op decorated with a policy first casts
its floating-point tensor arguments (those of a list argument too; float64 tensors and non-floating ones
are never touched), then runs with autocast switched off, so the ops it calls do not cast again:
    lower_precision_fp   to the region's dtype (bfloat16 or float16): matmul, linear, convolutions, attention
    fp32                 to float32: losses, prod, the 3-D poolings, reflection/replication padding
    promote              to the widest floating dtype among them: cat, stack, index_copy
These are the policies of PyTorch's CPU autocast lists (aten/src/ATen/autocast_mode.cpp, AutocastCPU); an op
on no list runs on the dtypes it is given. A cast is a differentiable `Tensor.to`, so a float32 leaf used in
bfloat16 receives its gradient in float32. Outside a region a decorated op costs one attribute test.

The state is per thread, as PyTorch's: a thread starts with autocast off and the default dtypes, whatever
region the thread that started it is in. Each thread also has PyTorch's weight cast cache: inside a region,
the lower-precision cast of a float32 leaf that requires grad (a parameter, not a view) is made once and
reused by every op that reads it, so a weight used by many ops is converted once and its gradient flows
back through one cast; the cache is emptied when the outermost region exits (`clear_cache`). As in PyTorch,
a weight modified in place inside the region keeps being read through its earlier cast.
"""
from __future__ import annotations

import functools
import threading
import weakref
from typing import Any, Callable

from .. import _dtype as D
from .._tensor import Tensor

LOWER_PRECISION_FP, FP32, PROMOTE = "lower_precision_fp", "fp32", "promote"

# the default lower-precision dtype of each device type's autocast (torch.get_autocast_dtype)
DEFAULT_DTYPES: dict[str, D.dtype] = {"cpu": D.bfloat16, "cuda": D.float16, "mps": D.float16, "xpu": D.float16,
                                      "hpu": D.bfloat16, "mtia": D.float16, "maia": D.float16}


class AutocastState(threading.local):
    """One thread's autocast state. enabled: an enabled CPU region is running (the only device type with
    autocast kernels here); nesting: how many autocast regions of any kind are open; dtypes: each device
    type's lower-precision dtype; cache_enabled and cache: the weight cast cache (module docstring), keyed by
    the weight's id, holding a weak reference to the weight (an id is reused once its tensor is gone) and its cast."""

    def __init__(self) -> None:
        self.enabled = False
        self.nesting = 0
        self.dtypes = dict(DEFAULT_DTYPES)
        self.cache_enabled = True
        self.cache: dict[int, tuple[weakref.ref, Tensor]] = {}


state = AutocastState()


def clear_cache() -> None:
    """Forget this thread's cached weight casts."""
    state.cache.clear()


def _eligible(x: Any) -> bool:
    return isinstance(x, Tensor) and x.dtype.is_floating_point and x.dtype is not D.float64


def _cached_cast(x: Tensor, dt: D.dtype) -> Tensor:
    """x.to(dt), through the cache for a float32 weight going to the region's lower precision (PyTorch's rule)."""
    if not (state.cache_enabled and dt is state.dtypes["cpu"] and x.dtype is D.float32 and x.requires_grad
            and x.is_leaf and not x._is_view()):
        return x.to(dt)
    hit = state.cache.get(id(x))
    if hit is not None and hit[0]() is x:
        return hit[1]
    y = x.to(dt)
    state.cache[id(x)] = (weakref.ref(x), y)
    return y


def _cast(x: Any, dt: D.dtype) -> Any:
    if _eligible(x):
        return x if x.dtype is dt else _cached_cast(x, dt)
    if isinstance(x, (list, tuple)) and any(_eligible(y) for y in x):
        return type(x)(_cast(y, dt) for y in x)
    return x


def _widest(values: list) -> D.dtype | None:
    widest = None
    for x in values:
        for t in (x if isinstance(x, (list, tuple)) else (x,)):
            if _eligible(t):
                widest = t.dtype if widest is None else D.promote_types(widest, t.dtype)
    return widest


def run_with_policy(policy: str, fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """fn(*args, **kwargs) with its floating arguments cast by policy, and autocast off while it runs."""
    if policy == LOWER_PRECISION_FP:
        dt = state.dtypes["cpu"]
    elif policy == FP32:
        dt = D.float32
    else:
        dt = _widest(list(args) + list(kwargs.values()))
    if dt is not None:
        args = tuple(_cast(a, dt) for a in args)
        kwargs = {k: _cast(v, dt) for k, v in kwargs.items()}
    state.enabled = False
    try:
        return fn(*args, **kwargs)
    finally:
        state.enabled = True


def autocast_policy(policy: str) -> Callable[[Callable], Callable]:
    """Decorate an op with its autocast policy (LOWER_PRECISION_FP, FP32 or PROMOTE)."""
    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def op(*args: Any, **kwargs: Any) -> Any:
            if state.enabled:
                return run_with_policy(policy, fn, *args, **kwargs)
            return fn(*args, **kwargs)
        return op
    return decorate
