"""MaxUnpool1d/2d/3d: the partial inverse of max pooling, each pooled value put back at the position its index
names, zeros elsewhere (F.max_unpool*d; the math is in mytorch/ops/unpool.py)."""
from __future__ import annotations

from typing import Any, Sequence

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module
from .pooling import _ntuple

__all__ = ["MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


class _MaxUnpoolNd(Module):
    _nd: int

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, self._nd)
        self.stride = _ntuple(stride if stride is not None else kernel_size, self._nd)
        self.padding = _ntuple(padding, self._nd)

    def forward(self, input: Tensor, indices: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        unpool = (F.max_unpool1d, F.max_unpool2d, F.max_unpool3d)[self._nd - 1]
        return unpool(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Inverse of MaxPool1d for (N, C, L_in) or (C, L_in) with its indices: (N, C, L_out),
    L_out = (L_in - 1) * stride - 2 * padding + kernel_size unless output_size says otherwise."""

    _nd = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Inverse of MaxPool2d for (N, C, H_in, W_in) or (C, H_in, W_in) with its indices; each output size is
    (in - 1) * stride - 2 * padding + kernel_size unless output_size says otherwise."""

    _nd = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """Inverse of MaxPool3d for (N, C, D_in, H_in, W_in) or (C, D_in, H_in, W_in) with its indices; each output
    size is (in - 1) * stride - 2 * padding + kernel_size unless output_size says otherwise."""

    _nd = 3
