"""``torch.cuda`` as PyTorch answers it on a build without CUDA.

mytorch has no CUDA backend yet, so nothing is available and there are no devices. The calls scripts
make unconditionally (seeding, emptying the cache, memory counters) succeed and do nothing, as they do
on PyTorch's CPU-only builds; the calls that need a device raise PyTorch's AssertionError ("Torch not
compiled with CUDA enabled"), naming mytorch. Once a backend is registered for ``cuda``,
`is_available` and `device_count` report it.
"""
from __future__ import annotations

from typing import Any, NoReturn

from . import amp

__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all", "seed",
           "seed_all", "synchronize", "empty_cache", "current_device", "set_device", "get_device_name",
           "get_device_capability", "get_device_properties", "initial_seed", "get_rng_state", "set_rng_state",
           "is_bf16_supported", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "reset_peak_memory_stats", "amp"]


def _no_cuda() -> NoReturn:
    raise AssertionError("Torch not compiled with CUDA enabled: mytorch has no cuda backend yet; "
                         "use device 'cpu' (torch.cuda.is_available() is False)")


def is_available() -> bool:
    """Whether ``cuda`` tensors can be made: a backend is registered for that device type."""
    from ..backends import available_backends
    return bool(available_backends("cuda"))


def device_count() -> int:
    """How many CUDA devices there are: one per registered backend's device, none without one."""
    return 1 if is_available() else 0


def is_initialized() -> bool:
    """Whether CUDA has been initialised: never without a device."""
    return False


def manual_seed(seed: int) -> None:
    """Seed the current GPU's generator; without a GPU there is none, and (as in PyTorch) nothing happens."""


def manual_seed_all(seed: int) -> None:
    """Seed every GPU's generator; a no-op without GPUs, as in PyTorch."""


def seed() -> None:
    """Seed the current GPU's generator from entropy; a no-op without GPUs, as in PyTorch."""


def seed_all() -> None:
    """Seed every GPU's generator from entropy; a no-op without GPUs, as in PyTorch."""


def empty_cache() -> None:
    """Release cached GPU memory: there is none, so nothing to do (PyTorch does the same before CUDA starts)."""


def memory_allocated(device: Any = None) -> int:
    """Bytes of GPU memory held by tensors: 0 without a GPU."""
    return 0


def max_memory_allocated(device: Any = None) -> int:
    """The peak of `memory_allocated`: 0 without a GPU."""
    return 0


def memory_reserved(device: Any = None) -> int:
    """Bytes the caching allocator holds: 0 without a GPU."""
    return 0


def max_memory_reserved(device: Any = None) -> int:
    """The peak of `memory_reserved`: 0 without a GPU."""
    return 0


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Whether the GPU computes in bfloat16: False without one."""
    return False


def synchronize(device: Any = None) -> None:
    """Wait for the GPU's queued work: needs a GPU."""
    _no_cuda()


def current_device() -> int:
    """The index of the selected GPU: needs a GPU."""
    _no_cuda()


def set_device(device: Any) -> None:
    """Select a GPU: needs one."""
    _no_cuda()


def get_device_name(device: Any = None) -> str:
    """A GPU's product name: needs a GPU."""
    _no_cuda()


def get_device_capability(device: Any = None) -> tuple[int, int]:
    """A GPU's compute capability: needs a GPU."""
    _no_cuda()


def get_device_properties(device: Any = None) -> Any:
    """A GPU's properties (memory, multiprocessors): needs a GPU."""
    _no_cuda()


def reset_peak_memory_stats(device: Any = None) -> None:
    """Restart the peak memory counters: needs a GPU."""
    _no_cuda()


def initial_seed() -> int:
    """The current GPU generator's seed: needs a GPU."""
    _no_cuda()


def get_rng_state(device: Any = "cuda") -> Any:
    """The current GPU generator's state: needs a GPU."""
    _no_cuda()


def set_rng_state(new_state: Any, device: Any = "cuda") -> None:
    """Restore a GPU generator's state: needs a GPU."""
    _no_cuda()
