"""``torch.mps``: Apple's Metal device, as PyTorch answers without it (mytorch has no MPS backend)."""
from __future__ import annotations

from typing import NoReturn

__all__ = ["is_available", "device_count", "manual_seed", "seed", "synchronize", "empty_cache"]


def _no_mps(what: str) -> NoReturn:
    raise RuntimeError(f"Cannot execute {what}() without MPS backend: mytorch has no mps backend yet")


def is_available() -> bool:
    """Whether ``mps`` tensors can be made (the same answer as ``torch.backends.mps.is_available``)."""
    from .backends import mps
    return mps.is_available()


def device_count() -> int:
    """How many MPS devices there are: one with a registered backend, else none."""
    return 1 if is_available() else 0


def manual_seed(seed: int) -> None:
    """Seed the MPS generator; a no-op without the device, as in PyTorch."""


def seed() -> None:
    """Seed the MPS generator from entropy; a no-op without the device, as in PyTorch."""


def synchronize() -> None:
    """Wait for queued MPS work: needs the device."""
    _no_mps("deviceSynchronize")


def empty_cache() -> None:
    """Release cached MPS memory: needs the device."""
    _no_mps("emptyCache")
