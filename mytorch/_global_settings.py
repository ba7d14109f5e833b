"""Process-wide switches that training scripts set on their first lines: float32 matmul precision,
deterministic algorithms, the default device. mytorch's CPU kernels are deterministic and compute
float32 matmuls in float32 whatever the setting; the switches keep and validate their values, as
PyTorch's do, so that scripts can set them and read them back."""
from __future__ import annotations

import warnings

from . import _device
from ._device import device as Device

__all__ = ["set_float32_matmul_precision", "get_float32_matmul_precision", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
           "set_default_device", "get_default_device"]

_state = {"matmul_precision": "highest", "deterministic": False, "warn_only": False}


def set_float32_matmul_precision(precision: str) -> None:
    """``"highest"`` (float32), ``"high"`` or ``"medium"`` (reduced-precision internal formats allowed)."""
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}")
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "setFloat32MatmulPrecision call has no effect.")
        return
    _state["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The float32 matmul precision setting ("highest", "high" or "medium")."""
    return _state["matmul_precision"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic kernels (mytorch's CPU kernels always are)."""
    for name, value in (("mode", mode), ("warn_only", warn_only)):
        if not isinstance(value, bool):
            raise TypeError(f"_set_deterministic_algorithms(): argument '{name}' must be bool, not "
                            f"{type(value).__name__}")
    _state["deterministic"], _state["warn_only"] = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """True after use_deterministic_algorithms(True)."""
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """True when nondeterministic ops only warn."""
    return _state["warn_only"]


def set_default_device(device: Device | str | None) -> None:
    """The device factory functions (``zeros``, ``randn``, ``tensor``...) create on when not given one. Only
    ``"cpu"`` (or None) has a backend in mytorch: after ``set_default_device("cuda")`` a factory raises
    PyTorch's "not compiled with CUDA" error, as PyTorch does on a machine without CUDA."""
    _device.default_device[0] = None if device is None else Device(device)


def get_default_device() -> Device:
    """The device new tensors are made on (cpu unless set_default_device changed it)."""
    dev = _device.default_device[0]
    if dev is None or dev.type == "cpu":
        return Device("cpu")
    from .backends import get_backend  # raises PyTorch's error for a device type without a backend
    get_backend(dev.type)
    return dev
