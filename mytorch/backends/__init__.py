"""Device backends: a registry of the kernels that serve each device type.

`register_backend(device_type, name, cls)` adds a backend; `get_backend(device_type)`
returns the one serving that device now. Which backend serves ``cpu`` is a
configuration choice (`set_cpu_backend`, or ``MYTORCH_CPU_BACKEND=numpy|cpp``
at import), so the NumPy backend and the compiled one live side by side in a
process: a tensor keeps the backend it was made with, and an op given tensors
of two backends raises instead of converting silently (move one through the
host: ``from_numpy(t.numpy())``, no copy on CPU).
"""
from __future__ import annotations

import os

from .base import Backend
from .numpy_backend import NumpyBackend

_REGISTRY: dict[str, dict[str, type[Backend]]] = {}
_INSTANCES: dict[tuple[str, str], Backend] = {}
_ACTIVE: dict[str, Backend] = {}


def register_backend(device_type: str, name: str, cls: type[Backend]) -> None:
    """Make `cls` available as backend `name` for `device_type`; the first one registered for a
    device type serves it until `set_backend` says otherwise."""
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise TypeError(f"register_backend(): cls must be a subclass of mytorch.backends.base.Backend, "
                        f"got {cls!r}")
    _REGISTRY.setdefault(device_type, {})[name] = cls
    if device_type not in _ACTIVE:
        _ACTIVE[device_type] = backend(name, device_type)


def available_backends(device_type: str = "cpu") -> list[str]:
    """Names of the backends registered for `device_type`, in registration order."""
    return list(_REGISTRY.get(device_type, {}))


def backend(name: str, device_type: str = "cpu") -> Backend:
    """The (single) instance of backend `name` for `device_type`."""
    key = (device_type, name)
    if key not in _INSTANCES:
        try:
            cls = _REGISTRY[device_type][name]
        except KeyError:
            raise ValueError(f"unknown {device_type} backend {name!r}; available: "
                             f"{available_backends(device_type)}") from None
        _INSTANCES[key] = cls()
    return _INSTANCES[key]


def set_backend(device_type: str, name: str) -> None:
    """Choose the backend that serves `device_type` tensors created from now on."""
    _ACTIVE[device_type] = backend(name, device_type)


def set_cpu_backend(name: str) -> None:
    """Choose the backend that runs ``device="cpu"`` tensors created from now on."""
    set_backend("cpu", name)


def get_backend(device_type: str) -> Backend:
    """The backend serving `device_type` now (for cpu: NumPy's or the C++ one, see set_cpu_backend)."""
    try:
        return _ACTIVE[device_type]
    except KeyError:
        raise _no_backend(device_type) from None


def _no_backend(device_type: str) -> Exception:
    """The error for a tensor on a device type no registered backend serves."""
    supported = f"this build supports: {sorted(_ACTIVE)}"
    if device_type == "cuda":  # PyTorch's CPU-only builds fail with this assertion, which scripts may catch
        return AssertionError(f"Torch not compiled with CUDA enabled: mytorch has no cuda backend yet ({supported})")
    return RuntimeError(f"no backend for device type {device_type!r}; {supported}")


def set_num_threads(n: int) -> None:
    """Size the thread pool of every registered backend that has one (the compiled backend's OpenMP)."""
    for device_type, classes in _REGISTRY.items():
        for name in classes:
            backend(name, device_type).set_num_threads(n)


def get_num_threads() -> int:
    """Threads the kernels of the backend serving cpu may use."""
    return get_backend("cpu").get_num_threads()


register_backend("cpu", "numpy", NumpyBackend)
try:  # the compiled backend exists only where `pip install` found a C++ compiler
    from .cpp_backend import CppBackend
except ImportError as _missing:
    _CPP_MISSING: ImportError | None = _missing
else:
    _CPP_MISSING = None
    register_backend("cpu", "cpp", CppBackend)

# cpu is served by the compiled backend where it was built (it trains as the NumPy backend does, faster:
# tests/test_backend_loss_curves.py, benchmarks/README.md), else by NumPy's; MYTORCH_CPU_BACKEND picks one
_requested = os.environ.get("MYTORCH_CPU_BACKEND") or ("cpp" if _CPP_MISSING is None else "numpy")
if _requested == "cpp" and _CPP_MISSING is not None:
    raise ImportError(f"MYTORCH_CPU_BACKEND=cpp, but the compiled backend is not importable "
                      f"({_CPP_MISSING}); reinstall with a C++17 compiler (g++ or clang++) and CMake "
                      f"present: pip install -e .") from _CPP_MISSING
set_cpu_backend(_requested)

# PyTorch's torch.backends flag modules, which real scripts set on their first lines
from . import cuda, cudnn, mkldnn, mps, openmp  # noqa: E402,F401
