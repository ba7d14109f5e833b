"""``map_location``: where loaded storages go, as ``torch.load`` takes it.

A storage saved on device ``location`` ("cpu", "cuda:0") goes to:
- `map_location` None: that same device;
- a device or device string: that device;
- a dict: ``map_location.get(location, location)``;
- a callable: ``map_location(storage, location)``, a tensor, or None for the default (the saved device).
"""
from __future__ import annotations

from typing import Any

from .._device import device as Device
from .._tensor import Tensor


def check_map_location(map_location: Any) -> None:
    """Raise TypeError unless `map_location` is None, a device, a device string, a dict of them or a callable
    (mytorch.load's accepted forms).
    """
    if not (map_location is None or isinstance(map_location, (str, Device, dict)) or callable(map_location)):
        raise TypeError(f"mytorch.load: map_location must be None, a device, a device string, a dict of them or "
                        f"a callable, not {type(map_location).__name__}")


def restore_location(data: Tensor, location: str, map_location: Any) -> Tensor:
    """`data` (a storage saved on `location`) moved where `map_location` says."""
    if callable(map_location) and not isinstance(map_location, (str, Device, dict)):
        moved = map_location(data, location)
        if moved is not None:
            return moved
        map_location = None
    if isinstance(map_location, dict):
        map_location = map_location.get(location, location)
    target = Device(location if map_location is None else map_location)
    if target == data.device:
        return data
    try:
        return data.to(target)
    except (RuntimeError, AssertionError) as e:  # AssertionError: "not compiled with CUDA", as in PyTorch
        raise RuntimeError(f"Attempting to deserialize object on {target}, which is not available here ({e}). "
                           "If you are running on a CPU-only machine, please use mytorch.load with "
                           "map_location=mytorch.device('cpu') to map your storages to the CPU.") from None
