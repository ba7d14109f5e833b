"""mytorch.save / mytorch.load: checkpoints without pickle (safetensors + JSON), written atomically."""
from __future__ import annotations

__all__: list[str] = []
