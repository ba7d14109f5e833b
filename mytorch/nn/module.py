"""nn.Module: the base class of layers: registration of parameters, buffers and sub-modules, state_dict, hooks."""
from __future__ import annotations

__all__: list[str] = []
