"""Einstein summation, lowered to permute/reshape/matmul."""
from __future__ import annotations

__all__: list[str] = []
METHODS: dict = {}
