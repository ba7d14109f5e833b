"""Sorting and selection: sort, argsort, topk, kthvalue, unique."""
from __future__ import annotations

__all__: list[str] = []
METHODS: dict = {}
