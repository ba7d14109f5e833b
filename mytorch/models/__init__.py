"""Model zoo: ready-made architectures built from mytorch.nn."""
from __future__ import annotations

__all__: list[str] = []
