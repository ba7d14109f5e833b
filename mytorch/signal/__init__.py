"""``torch.signal``: signal-processing helpers; today its window functions (`mytorch.signal.windows`)."""
from __future__ import annotations

from . import windows

__all__ = ["windows"]
