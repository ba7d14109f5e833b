"""Functional linear, embedding and normalization layers (PyTorch's signatures, over mytorch.ops)."""
from __future__ import annotations

from ..._tensor import Tensor
from ...ops._opmath import opmath
from ...ops.embedding import embedding, embedding_bag
from ...ops.linear import bilinear, linear
from ...ops.normalization import batch_norm, group_norm, instance_norm, layer_norm, local_response_norm

__all__ = ["linear", "bilinear", "embedding", "embedding_bag", "batch_norm", "instance_norm", "layer_norm", "group_norm",
           "local_response_norm", "normalize"]


@opmath
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    """x / max(||x||_p, eps) along dim."""
    if out is not None:
        raise NotImplementedError("normalize(): out= is not supported")
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
