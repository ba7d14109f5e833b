"""RMSNorm: scale each sample by the inverse root mean square of its trailing dims (no centering, no bias)."""
from __future__ import annotations

from typing import Any, Sequence

from ..._tensor import Tensor
from ...ops.creation import empty
from ...ops.rms_norm import rms_norm
from .. import init
from ..module import Module
from ..parameter import Parameter

__all__ = ["RMSNorm"]


class RMSNorm(Module):
    """y = x / sqrt(mean(x^2) + eps) * weight over the trailing normalized_shape dims; weight starts at 1.
    eps=None uses the machine epsilon of the input's dtype, as PyTorch."""

    def __init__(self, normalized_shape: Sequence[int] | int, eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(empty(shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
