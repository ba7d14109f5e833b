"""``torch.backends.cuda``: CUDA matmul precision and attention-kernel switches.

`is_built` reports whether a backend is registered for the ``cuda`` device type
(none is yet). The switches are flags with PyTorch's defaults: scripts set them
and read them back, and mytorch's kernels do not consult them (its attention is
always the "math" formulation).
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Any, Iterator

from ._flags import BoolFlag, override


def is_built() -> bool:
    """Whether this build can run ``cuda`` tensors: a backend is registered for that device type."""
    from . import available_backends  # at call time: the package imports this module while registering
    return bool(available_backends("cuda"))


class ReductionFlag:
    """May cuBLAS reduce in half precision, and (the optional second bool) split K to do so?

    Set a bool (split-K allowed), or a tuple/list ``(allow_reduced_precision, allow_splitk)`` of one
    or two bools; reading gives the first. Default: both allowed, as in PyTorch."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.allow, self.split_k = True, True

    def __get__(self, obj: Any, owner: type | None = None) -> bool:
        return self.allow

    def __set__(self, obj: Any, value: bool | tuple[bool, ...] | list[bool]) -> None:
        if isinstance(value, bool):
            value = (value,)
        if not isinstance(value, (tuple, list)):
            raise TypeError(f"{self.name} expects a bool or a tuple/list of bools, but got {type(value)!r}")
        if not value:
            raise TypeError(f"{self.name} expects at least one boolean argument")
        if len(value) > 2:
            raise TypeError(f"{self.name} expects at most two boolean arguments")
        allow, split_k = (*value, True)[:2]
        for what, v in (("allow_reduced_precision", allow), ("allow_splitk", split_k)):
            if not isinstance(v, bool):
                raise TypeError(f"{self.name} expects a bool for {what}, but got {type(v)!r}")
        if allow and not split_k:
            raise RuntimeError("allow_splitk=False is not supported when reduced precision reductions are enabled")
        self.allow, self.split_k = allow, split_k


_FP16 = ReductionFlag("allow_fp16_reduced_precision_reduction")
_BF16 = ReductionFlag("allow_bf16_reduced_precision_reduction")


class cuBLASModule:
    """``cuda.matmul``: cuBLAS's precision switches (an object, so that assignments are validated)."""

    __slots__ = ()
    allow_tf32 = BoolFlag(False, "set_allow_tf32_cublas")
    """Let float32 matmuls compute in TensorFloat-32 (off by default since PyTorch 1.12)."""
    allow_fp16_reduced_precision_reduction = _FP16
    allow_bf16_reduced_precision_reduction = _BF16

    @property
    def allow_fp16_reduced_precision_reduction_split_k(self) -> bool:
        return _FP16.split_k

    @property
    def allow_bf16_reduced_precision_reduction_split_k(self) -> bool:
        return _BF16.split_k


matmul = cuBLASModule()


class _SDPKernels:
    """Which scaled_dot_product_attention kernels may run: all of them by default."""

    __slots__ = ()
    flash = BoolFlag(True, "set_sdp_use_flash")
    mem_efficient = BoolFlag(True, "set_sdp_use_mem_efficient")
    math = BoolFlag(True, "set_sdp_use_math")
    cudnn = BoolFlag(True, "set_sdp_use_cudnn")


_sdp = _SDPKernels()


def flash_sdp_enabled() -> bool:
    """Whether the FlashAttention kernel may run scaled_dot_product_attention."""
    return _sdp.flash


def enable_flash_sdp(enabled: bool) -> None:
    """Allow (True) or forbid (False) the FlashAttention attention kernel; a bool only, as in PyTorch."""
    _sdp.flash = enabled


def mem_efficient_sdp_enabled() -> bool:
    """Whether the memory-efficient attention kernel may run scaled_dot_product_attention."""
    return _sdp.mem_efficient


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Allow (True) or forbid (False) the memory-efficient attention kernel; a bool only, as in PyTorch."""
    _sdp.mem_efficient = enabled


def math_sdp_enabled() -> bool:
    """Whether the math (softmax(Q K^T / sqrt(d)) V, unfused) kernel may run scaled_dot_product_attention."""
    return _sdp.math


def enable_math_sdp(enabled: bool) -> None:
    """Allow (True) or forbid (False) the math attention kernel; a bool only, as in PyTorch."""
    _sdp.math = enabled


def cudnn_sdp_enabled() -> bool:
    """Whether cuDNN's attention kernel may run scaled_dot_product_attention."""
    return _sdp.cudnn


def enable_cudnn_sdp(enabled: bool) -> None:
    """Allow (True) or forbid (False) the cuDNN attention kernel; a bool only, as in PyTorch."""
    _sdp.cudnn = enabled


@contextmanager
def sdp_kernel(enable_flash: bool = True, enable_math: bool = True, enable_mem_efficient: bool = True,
               enable_cudnn: bool = True) -> Iterator[None]:
    """Allow exactly the given attention kernels inside a ``with`` block, then restore the switches.

    Deprecated in PyTorch (for ``torch.nn.attention.sdpa_kernel``), so it warns as PyTorch does; its
    arguments are read as truth values, not validated, as there."""
    warnings.warn("`torch.backends.cuda.sdp_kernel()` is deprecated. In the future, this context manager will be "
                  "removed. Please see `torch.nn.attention.sdpa_kernel()` for the new context manager, with "
                  "updated signature.", FutureWarning, stacklevel=3)
    with override(_sdp, flash=bool(enable_flash), math=bool(enable_math), mem_efficient=bool(enable_mem_efficient),
                  cudnn=bool(enable_cudnn)):
        yield
