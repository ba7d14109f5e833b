"""``torch.cpu``: the CPU as a device module (always available, one device), and ``torch.cpu.amp``."""
from __future__ import annotations

from . import amp

__all__ = ["is_available", "device_count", "current_device", "synchronize", "amp"]


def is_available() -> bool:
    return True


def device_count() -> int:
    return 1


def current_device() -> str:
    return "cpu"


def synchronize(device: object = None) -> None:
    """Nothing to wait for: CPU ops finish before they return."""
