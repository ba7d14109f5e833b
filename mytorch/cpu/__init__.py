"""``torch.cpu``: the CPU as a device module (always available, one device), and ``torch.cpu.amp``."""
from __future__ import annotations

from . import amp

__all__ = ["is_available", "device_count", "current_device", "synchronize", "amp"]


def is_available() -> bool:
    """True: the CPU is always there."""
    return True


def device_count() -> int:
    """1: mytorch treats the CPU as one device."""
    return 1


def current_device() -> str:
    """"cpu"."""
    return "cpu"


def synchronize(device: object = None) -> None:
    """Nothing to wait for: CPU ops finish before they return."""
