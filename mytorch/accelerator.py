"""``torch.accelerator``: the device-agnostic view of "is there a GPU-like device?".

mytorch has backends for the CPU only, and the CPU is not an accelerator, so there is none: scripts
that pick ``torch.accelerator.current_accelerator() or "cpu"`` choose the CPU.
"""
from __future__ import annotations

from ._device import device

__all__ = ["is_available", "current_accelerator", "device_count"]

_ACCELERATOR_TYPES = ("cuda", "mps", "xpu")


def _registered() -> list[str]:
    from .backends import available_backends  # at call time: backends register on import
    return [t for t in _ACCELERATOR_TYPES if available_backends(t)]


def is_available() -> bool:
    """Whether any accelerator device type has a backend."""
    return bool(_registered())


def current_accelerator(check_available: bool = False) -> device | None:
    """The accelerator's device type (``device("cuda")``), or None when there is none."""
    found = _registered()
    return device(found[0]) if found else None


def device_count() -> int:
    """How many accelerator devices there are: one per registered accelerator backend."""
    return len(_registered())
