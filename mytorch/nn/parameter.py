"""nn.Parameter: a leaf tensor that a Module registers as learnable."""
from __future__ import annotations

__all__: list[str] = []
