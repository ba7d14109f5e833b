"""nn.init: in-place initialisers with PyTorch's fan/gain conventions."""
from __future__ import annotations

__all__: list[str] = []
