"""`autocast`: automatic mixed precision regions, and the ``torch.*autocast*`` state functions.

Inside ``with autocast("cpu", dtype=bfloat16):`` the ops on PyTorch's CPU autocast lists run in bfloat16 (or
float16 when asked) or in float32, whatever dtype their inputs have (`mytorch.ops._autocast` holds the
state and the cast policies, and says which op follows which). Regions nest: each restores on exit the
enabled flag and dtype it found, so ``autocast(enabled=False)`` inside a region runs in the inputs' dtypes.
The state is per thread, and the outermost region's exit empties the weight cast cache, as in PyTorch.
A device type without a backend here (``"cuda"`` on this machine) gives a region that PyTorch itself would
disable, with its warning.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable

from .. import _dtype as D
from ..ops._autocast import clear_cache, state

__all__ = ["autocast", "is_autocast_available"]

_SUPPORTED = (D.bfloat16, D.float16)
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                 "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


def _check_device_type(device_type: str) -> None:
    if device_type not in _DEVICE_TYPES:
        raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: "
                           f"{device_type}")


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast has kernels for `device_type`: the CPU's."""
    _check_device_type(device_type)
    return device_type == "cpu"


def is_autocast_enabled(device_type: str = "cuda") -> bool:
    """Whether an enabled autocast region of `device_type` is running (PyTorch's default asks about CUDA)."""
    _check_device_type(device_type)
    return device_type == "cpu" and state.enabled


def set_autocast_enabled(device_type: str, enabled: bool) -> None:
    """Turn autocast on or off for `device_type` outside a context manager."""
    _check_device_type(device_type)
    if device_type == "cpu":
        state.enabled = bool(enabled)


def get_autocast_dtype(device_type: str) -> D.dtype:
    """The lower-precision dtype autocast uses on `device_type` (bfloat16 on the CPU unless set)."""
    _check_device_type(device_type)
    return state.dtypes.get(device_type, D.float16)


def set_autocast_dtype(device_type: str, dtype: D.dtype) -> None:
    """The lower-precision dtype autocast uses on `device_type`."""
    _check_device_type(device_type)
    state.dtypes[device_type] = dtype


def is_autocast_cache_enabled() -> bool:
    """True when autocast caches the casts of leaf weights inside a region."""
    return state.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    """Turn the autocast cast cache on or off."""
    state.cache_enabled = bool(enabled)


def clear_autocast_cache() -> None:
    """Forget this thread's cached weight casts (the cache: module docstring of `mytorch.ops._autocast`)."""
    clear_cache()


def autocast_increment_nesting() -> int:
    """Count one more nested autocast region; returns the depth."""
    state.nesting += 1
    return state.nesting


def autocast_decrement_nesting() -> int:
    """Count one fewer nested autocast region; returns the depth."""
    state.nesting -= 1
    return state.nesting


def is_autocast_cpu_enabled() -> bool:
    """Deprecated: is_autocast_enabled('cpu')."""
    warnings.warn("torch.is_autocast_cpu_enabled() is deprecated. Please use torch.is_autocast_enabled('cpu') "
                  "instead.", DeprecationWarning, stacklevel=2)
    return is_autocast_enabled("cpu")


def get_autocast_cpu_dtype() -> D.dtype:
    """Deprecated: get_autocast_dtype('cpu')."""
    warnings.warn("torch.get_autocast_cpu_dtype() is deprecated. Please use torch.get_autocast_dtype('cpu') "
                  "instead.", DeprecationWarning, stacklevel=2)
    return get_autocast_dtype("cpu")


class autocast:
    """``with autocast(device_type, dtype=None, enabled=True, cache_enabled=None):``, or as a decorator."""

    def __init__(self, device_type: str, dtype: D.dtype | None = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        _check_device_type(device_type)
        self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self._cache_enabled = is_autocast_cache_enabled() if cache_enabled is None else cache_enabled
        if enabled and device_type != "cpu" and not _has_backend(device_type):
            warnings.warn(f"User provided device_type of '{device_type}', but {device_type.upper()} is not "
                          "available. Disabling", stacklevel=2)
            enabled = False
        elif enabled and self.fast_dtype not in _SUPPORTED:
            name = device_type.upper()
            warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling autocast.\n"
                          f"{name} Autocast only supports dtypes of {', '.join(map(str, _SUPPORTED))} currently.",
                          stacklevel=2)
            enabled = False
        self._enabled = enabled

    def __enter__(self) -> None:
        self.prev, self.prev_fastdtype = is_autocast_enabled(self.device), get_autocast_dtype(self.device)
        self.prev_cache_enabled = is_autocast_cache_enabled()
        set_autocast_enabled(self.device, self._enabled)
        set_autocast_dtype(self.device, self.fast_dtype)
        set_autocast_cache_enabled(self._cache_enabled)
        autocast_increment_nesting()

    def __exit__(self, *exc: Any) -> bool:
        if autocast_decrement_nesting() == 0:  # leaving the outermost region: its cached weight casts go
            clear_autocast_cache()
        set_autocast_enabled(self.device, self.prev)
        set_autocast_dtype(self.device, self.prev_fastdtype)
        set_autocast_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def decorate_autocast(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)
        return decorate_autocast


def _has_backend(device_type: str) -> bool:
    from ..backends import available_backends  # at call time: backends register on import
    return bool(available_backends(device_type))
