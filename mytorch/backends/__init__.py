"""Device backends. `get_backend(device_type)` returns the one serving a device.

Which backend serves ``cpu`` is a configuration choice (`set_cpu_backend`),
so the NumPy backend and later compiled ones stay available side by side.
"""
from __future__ import annotations

from .base import Backend
from .numpy_backend import NumpyBackend

_AVAILABLE: dict[str, type[Backend]] = {"numpy": NumpyBackend}
_INSTANCES: dict[str, Backend] = {}
_ACTIVE: dict[str, Backend] = {}


def available_backends() -> list[str]:
    return list(_AVAILABLE)


def _instance(name: str) -> Backend:
    if name not in _INSTANCES:
        _INSTANCES[name] = _AVAILABLE[name]()
    return _INSTANCES[name]


def set_cpu_backend(name: str) -> None:
    """Choose the backend that runs ``device="cpu"`` tensors created from now on."""
    if name not in _AVAILABLE:
        raise ValueError(f"set_cpu_backend(): unknown backend {name!r}; available: {available_backends()}")
    _ACTIVE["cpu"] = _instance(name)


def get_backend(device_type: str) -> Backend:
    try:
        return _ACTIVE[device_type]
    except KeyError:
        raise RuntimeError(f"no backend for device type {device_type!r}; this build supports: "
                           f"{sorted(_ACTIVE)}") from None


set_cpu_backend("numpy")
