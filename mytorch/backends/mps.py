"""``torch.backends.mps``: Apple's Metal (MPS) device.

Answered from the backend registry at call time, so a backend registered for
the ``mps`` device type would turn both answers True; there is none yet.
"""
from __future__ import annotations


def is_built() -> bool:
    """Whether this build can run ``mps`` tensors: a backend is registered for that device type."""
    from . import available_backends  # at call time: the package imports this module while registering
    return bool(available_backends("mps"))


def is_available() -> bool:
    """Whether ``mps`` tensors can be made now: a registered backend is all it takes here."""
    return is_built()
