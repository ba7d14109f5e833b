"""``torch.cpu.amp``: the CPU spelling of `mytorch.amp.autocast`, deprecated as in PyTorch."""
from __future__ import annotations

import warnings

from .. import _dtype as D
from ..amp import autocast as _autocast

__all__ = ["autocast"]


class autocast(_autocast):
    """``torch.amp.autocast("cpu", ...)``."""

    def __init__(self, enabled: bool = True, dtype: D.dtype = D.bfloat16, cache_enabled: bool = True) -> None:
        warnings.warn("`torch.cpu.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cpu', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

