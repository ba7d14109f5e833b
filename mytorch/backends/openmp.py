"""``torch.backends.openmp``: whether kernels run multi-threaded with OpenMP.

In mytorch, OpenMP lives in the compiled backend (csrc/); the NumPy backend's
threads are BLAS's own. So OpenMP is available exactly when the compiled
backend, registered as "cpp", is importable in this process.
"""
from __future__ import annotations


def is_available() -> bool:
    """Whether the compiled (OpenMP) backend is registered, read from the registry at call time."""
    from . import available_backends  # at call time: the package imports this module while registering
    return "cpp" in available_backends()
