"""Gather/scatter-style indexing ops: gather, scatter, index_select, index_add, masked ops, take_along_dim."""
from __future__ import annotations

__all__: list[str] = []
METHODS: dict = {}
