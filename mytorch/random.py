"""``mytorch.random``: the seeding API under PyTorch's module path (``torch.random.manual_seed``), and
`fork_rng`."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from .ops.random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                         set_rng_state)

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "fork_rng"]


@contextlib.contextmanager
def fork_rng(devices: Any = None, enabled: bool = True, _caller: str = "fork_rng", _devices_kw: str = "devices",
             device_type: str | None = None) -> Iterator[None]:
    """Run the block on a fork of the random state: on exit the cpu generator is back where it was, so
    the draws after the block are those that would have come without it (PyTorch also forks the
    generators of an accelerator's devices, `device_type` or the current one; mytorch has no accelerator)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
