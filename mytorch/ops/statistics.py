"""Statistical reductions and scans: prod, var, std, logsumexp, norm, cumsum, cumprod."""
from __future__ import annotations

__all__: list[str] = []
METHODS: dict = {}
