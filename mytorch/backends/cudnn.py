"""``torch.backends.cudnn``: cuDNN's switches, with PyTorch's defaults.

mytorch binds no cuDNN, so, as on a PyTorch build without it, `is_available` is
False, `version` is None and no tensor `is_acceptable`. The flags still hold and
validate their values, because training scripts set them unconditionally:
``mytorch.backends.cudnn.benchmark = True`` works and reads back True.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Iterator

from ._flags import BoolFlag, FlagModule, override


class CudnnModule(FlagModule):
    """torch.backends.cudnn's flags (enabled, benchmark, deterministic, allow_tf32), kept and reported as PyTorch does
    on a machine without CUDA.
    """
    enabled = BoolFlag(True, "set_enabled_cudnn")
    """Let convolutions and RNNs use cuDNN."""
    benchmark = BoolFlag(False, "set_benchmark_cudnn")
    """Time several algorithms for each new input shape and keep the fastest."""
    deterministic = BoolFlag(False, "set_deterministic_cudnn")
    """Only use algorithms that give bitwise-identical results run to run."""
    allow_tf32 = BoolFlag(True, "set_allow_tf32_cublas")
    """Let convolutions compute float32 in TensorFloat-32 (PyTorch names the cuBLAS setter here too)."""


benchmark_limit: int | None = None
"""How many algorithms `benchmark` tries; None where cuDNN is unavailable (always, in mytorch)."""


def is_available() -> bool:
    """Whether cuDNN can be used: never in mytorch, which binds no cuDNN."""
    return False


def version() -> int | None:
    """cuDNN's version number; None without cuDNN."""
    return None


def is_acceptable(tensor: Any) -> bool:
    """Whether cuDNN could run an op on `tensor`: never without cuDNN (PyTorch's answer on such a build)."""
    return False


@contextmanager
def flags(enabled: bool = False, benchmark: bool = False, benchmark_limit: int = 10, deterministic: bool = False,
          allow_tf32: bool = True) -> Iterator[None]:
    """Set the cuDNN flags inside a ``with`` block and restore them after.

    The defaults are PyTorch's, so ``with flags():`` disables cuDNN. `benchmark_limit` applies only
    where cuDNN is available, so it is accepted and ignored, as PyTorch does on a build without it."""
    with override(_module, enabled=enabled, benchmark=benchmark, deterministic=deterministic,
                  allow_tf32=allow_tf32):
        yield


_module = sys.modules[__name__]
_module.__class__ = CudnnModule
