"""Rotary position embedding as one op: every feature pair of x turned by its position's angle.

For pair i = (a, b) (features (i, i + h), or (2i, 2i + 1) interleaved) and angle t_i:
    y = (a cos t_i - b sin t_i,  b cos t_i + a sin t_i),   the other features copied.
A rotation's transpose is the rotation by -t, so  dL/dx = rotate(dL/dy, cos, -sin): one kernel serves both
directions (``Backend.rotary_embedding``). The op replaces the ten slices, products and concatenations of
the formula written in tensor ops, which cost a decoder step more than its arithmetic.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _GradState
from ._tensor_backend import fused


class RotaryEmbedding(Function):
    """y = x with its first 2h features rotated pairwise by the angles of cos, sin (..., h);  dx = the same
    rotation of g by -angle (cos and sin take no gradient here: see `fusable`)."""

    _grad_name = "RotaryEmbeddingBackward0"

    @staticmethod
    def forward(ctx, x, cos, sin, interleaved):
        ctx.save_for_backward(cos, sin)
        ctx.interleaved = interleaved
        return fused("rotary_embedding", x, cos, sin, interleaved)

    @staticmethod
    def backward(ctx, g):
        cos, sin = ctx.saved_tensors
        return fused("rotary_embedding", g, cos, -sin, ctx.interleaved), None, None, None


def fusable(x: Tensor, cos: Tensor, sin: Tensor) -> bool:
    """Whether `RotaryEmbedding` computes this rotation: real floating x of cos's dtype, angles that
    broadcast to x's leading dims without widening them, and no gradient wanted for the angles."""
    if not x.dtype.is_floating_point or cos.dtype is not x.dtype or sin.dtype is not x.dtype or x.ndim < cos.ndim:
        return False
    if _GradState.enabled and (cos._requires_grad or sin._requires_grad):
        return False
    lead = x.shape[x.ndim - cos.ndim:-1]
    return all(c == 1 or c == n for c, n in zip(cos.shape[:-1], lead))


def rotary_embedding(x: Tensor, cos: Tensor, sin: Tensor, interleaved: bool = False) -> Tensor:
    """x with its feature pairs rotated (see the module docstring), for operands that pass `fusable`."""
    return RotaryEmbedding.apply(x, cos, sin, interleaved)
