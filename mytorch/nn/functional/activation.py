"""Functional activations, softmax, dropout."""
from __future__ import annotations

__all__: list[str] = []
