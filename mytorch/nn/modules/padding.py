"""Padding layers: ConstantPad, ZeroPad, ReflectionPad, ReplicationPad and CircularPad in 1-D, 2-D and 3-D.

Each pads the last nd dims of its input with F.pad in its mode; `padding` is an int (the same amount on
every side) or 2 * nd ints (left, right of the last dim, then top, bottom of the one before, ...).
For an input of size n along a padded dim with amounts (a, b), the output has n + a + b entries there:
    constant / zero:  c | x0 .. x(n-1) | c
    reflection:       x2 x1 | x0 x1 x2 .. | x(n-2) x(n-3)   (mirrors about the edge, not repeating it)
    replication:      x0 x0 | x0 x1 .. x(n-1) | x(n-1) x(n-1)
    circular:         x(n-2) x(n-1) | x0 .. x(n-1) | x0 x1
The gradient adds dy back at every position it was read from (F.pad's backward).
"""
from __future__ import annotations

from typing import Sequence

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


class _PadNd(Module):
    """F.pad(input, padding, mode) over the last `_nd` dims; `padding` as PyTorch keeps it (a tuple)."""

    _nd: int
    mode: str

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = tuple(padding) if isinstance(padding, (tuple, list)) else (padding,) * (2 * self._nd)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    mode = "constant"

    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim of (C, W) or (N, C, W) with `value`."""

    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last 2 dims of (C, H, W) or (N, C, H, W) with `value`."""

    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last 3 dims of (C, D, H, W) or (N, C, D, H, W) with `value`."""

    _nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pads the last dim of (C, W) or (N, C, W) with zeros."""

    _nd = 1


class ZeroPad2d(_ZeroPadNd):
    """Pads the last 2 dims of (C, H, W) or (N, C, H, W) with zeros."""

    _nd = 2


class ZeroPad3d(_ZeroPadNd):
    """Pads the last 3 dims of (C, D, H, W) or (N, C, D, H, W) with zeros."""

    _nd = 3


class ReflectionPad1d(_PadNd):
    """Pads the last dim of (C, W) or (N, C, W) with its reflection about the edge (each amount < W)."""

    _nd, mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pads the last 2 dims of (C, H, W) or (N, C, H, W) with their reflection about the edges."""

    _nd, mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pads the last 3 dims of (C, D, H, W) or (N, C, D, H, W) with their reflection about the edges."""

    _nd, mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pads the last dim of (C, W) or (N, C, W) by repeating its edge values."""

    _nd, mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pads the last 2 dims of (C, H, W) or (N, C, H, W) by repeating their edge values."""

    _nd, mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pads the last 3 dims of (C, D, H, W) or (N, C, D, H, W) by repeating their edge values."""

    _nd, mode = 3, "replicate"


class _CircularPadNd(_PadNd):
    mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (self._nd + 1, self._nd + 2):
            raise ValueError(f"expected {self._nd + 1}D or {self._nd + 2}D input (got {input.ndim}D input)")
        return super().forward(input)


class CircularPad1d(_CircularPadNd):
    """Pads the last dim of (C, W) or (N, C, W) by wrapping around: the left pad comes from the right end."""

    _nd = 1


class CircularPad2d(_CircularPadNd):
    """Pads the last 2 dims of (C, H, W) or (N, C, H, W) by wrapping around."""

    _nd = 2


class CircularPad3d(_CircularPadNd):
    """Pads the last 3 dims of (C, D, H, W) or (N, C, D, H, W) by wrapping around."""

    _nd = 3
