"""`autocast`: automatic mixed precision regions.

mytorch does not yet run ops in lower precision inside a region, so only the regions that PyTorch itself
would leave in full precision are accepted: ``enabled=False``, and a device type without a backend here
(``device_type="cuda"`` on a machine without CUDA), which PyTorch disables with a warning. An enabled
CPU region raises, naming what is missing, instead of silently computing in float32.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable

from .. import _dtype as D

__all__ = ["autocast", "is_autocast_available"]

_DEFAULT_DTYPES = {"cuda": D.float16, "cpu": D.bfloat16, "mps": D.float16, "xpu": D.bfloat16}


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can run on `device_type`: not yet on any device in mytorch."""
    return False


class autocast:
    """``with autocast(device_type, dtype=None, enabled=True, cache_enabled=None):``, or as a decorator."""

    def __init__(self, device_type: str, dtype: D.dtype | None = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _DEFAULT_DTYPES:
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device = device_type
        self.fast_dtype = dtype or _DEFAULT_DTYPES[device_type]
        self._enabled = enabled
        if enabled and device_type != "cpu" and not _has_backend(device_type):
            warnings.warn(f"User provided device_type of '{device_type}', but {device_type.upper()} is not "
                          "available. Disabling")
            self._enabled = False
        if self._enabled:
            raise RuntimeError(f"torch.autocast(device_type='{device_type}', enabled=True) is not supported yet by "
                               "mytorch: it has no mixed-precision op lists; pass enabled=False to run in float32")

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def run_in_region(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)
        return run_in_region


def _has_backend(device_type: str) -> bool:
    from ..backends import available_backends  # at call time: backends register on import
    return bool(available_backends(device_type))
