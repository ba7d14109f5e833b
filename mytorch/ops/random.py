"""Random number generation: Generator, manual_seed, rand/randn/randint/randperm/normal/bernoulli/multinomial."""
from __future__ import annotations

__all__: list[str] = []
METHODS: dict = {}
