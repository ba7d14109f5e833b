"""Functional convolution, pooling, upsampling, padding."""
from __future__ import annotations

__all__: list[str] = []
