"""Joining, splitting and rearranging: cat, stack, split, chunk, unbind, flip, roll, repeat, tile, pad, tril/triu."""
from __future__ import annotations

__all__: list[str] = []
METHODS: dict = {}
