"""Padding layers: ConstantPad, ZeroPad, ReflectionPad, ReplicationPad and CircularPad in 1-D, 2-D and 3-D.

Each pads the last nd dims of its input with F.pad in its mode; `padding` is an int (the same amount on
every side) or 2 * nd ints (left, right of the last dim, then top, bottom of the one before, ...).
For an input of size n along a padded dim with amounts (a, b), the output has n + a + b entries there:
    constant / zero:  c | x0 .. x(n-1) | c
    reflection:       x2 x1 | x0 x1 x2 .. | x(n-2) x(n-3)   (mirrors about the edge, not repeating it)
    replication:      x0 x0 | x0 x1 .. x(n-1) | x(n-1) x(n-1)
    circular:         x(n-2) x(n-1) | x0 .. x(n-1) | x0 x1
The gradient adds dy back at every position it was read from (F.pad's backward).

One class, `_PadNd`, serves all fifteen: a layer is its `mode` and its number of padded dims `_nd` (ConstantPad
adds the fill value to its arguments), so `_family` makes the 1-D, 2-D and 3-D layer of each mode.
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
    """F.pad(input, padding, mode) over the last `_nd` dims; `padding` as PyTorch keeps it (a tuple); the constant
    modes fill with `value` (0 for ZeroPad)."""

    _nd: int
    mode: str
    value = 0.0

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = tuple(padding) if isinstance(padding, (tuple, list)) else (padding,) * (2 * self._nd)

    def forward(self, input: Tensor) -> Tensor:
        if self.mode == "circular" and input.ndim not in (self._nd + 1, self._nd + 2):
            raise ValueError(f"expected {self._nd + 1}D or {self._nd + 2}D input (got {input.ndim}D input)")
        return F.pad(input, self.padding, self.mode, self.value if self.mode == "constant" else None)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    mode = "constant"

    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


_LAYOUTS = {1: "(C, W) or (N, C, W)", 2: "(C, H, W) or (N, C, H, W)", 3: "(C, D, H, W) or (N, C, D, H, W)"}


def _family(name: str, base: type, mode: str, how: str) -> tuple[type, type, type]:
    """The 1-D, 2-D and 3-D layers `name`1d/2d/3d of one mode; `how` ends their docstrings."""
    def layer(nd: int) -> type:
        dims = "dim" if nd == 1 else f"{nd} dims"
        return type(f"{name}{nd}d", (base,), {
            "_nd": nd, "mode": mode, "__module__": __name__, "__qualname__": f"{name}{nd}d",
            "__doc__": f"Pads the last {dims} of {_LAYOUTS[nd]} {how}."})
    return layer(1), layer(2), layer(3)


ConstantPad1d, ConstantPad2d, ConstantPad3d = _family("ConstantPad", _ConstantPadNd, "constant", "with `value`")
ZeroPad1d, ZeroPad2d, ZeroPad3d = _family("ZeroPad", _PadNd, "constant", "with zeros")
ReflectionPad1d, ReflectionPad2d, ReflectionPad3d = _family(
    "ReflectionPad", _PadNd, "reflect", "with its reflection about the edge (each amount below the size)")
ReplicationPad1d, ReplicationPad2d, ReplicationPad3d = _family(
    "ReplicationPad", _PadNd, "replicate", "by repeating its edge values")
CircularPad1d, CircularPad2d, CircularPad3d = _family(
    "CircularPad", _PadNd, "circular", "by wrapping around: the left pad comes from the right end")
