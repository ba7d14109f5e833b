"""Root-mean-square normalization (Zhang & Sennrich, 2019): the backend's fused `Backend.rms_norm`.

Over the trailing ``normalized_shape`` dims (n elements per row):

    r = 1 / sqrt(mean(x^2) + eps),   x_hat = x * r,   y = x_hat * weight

With g = dL/dy and gh = g * weight:

    dL/dx = r * (gh - x_hat * mean(gh * x_hat))
    dL/dweight = g * x_hat   (summed to the weight's shape by the engine)

Unlike layer norm there is no mean to subtract and no bias.

Complex inputs take PyTorch's composite formula, y = x / sqrt(mean(x^2) + eps) * weight with x^2 (not |x|^2),
written in tensor ops (holomorphic, so autograd gives the conjugate Wirtinger gradients); the fused primitive
is real-only.
"""
from __future__ import annotations

from typing import Sequence

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _GradState
from ._tensor_backend import fused
from ._opmath import opmath


class RMSNorm(Function):
    """y = x / sqrt(mean(x^2) + eps) * weight over the trailing `normalized_ndim` dims: the math of
    `Backend.rms_norm`, the derivatives of `Backend.rms_norm_backward`, which this runs."""

    _grad_name = "FusedRmsNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, normalized_ndim, eps):
        y, rstd = fused("rms_norm", x, normalized_ndim, weight, eps)
        ctx.meta = (normalized_ndim, eps)
        ctx.save_for_backward(x, weight, rstd)
        return y

    @staticmethod
    def backward(ctx, g):
        x, weight, rstd = ctx.saved_tensors
        k, eps = ctx.meta
        if _GradState.enabled:  # create_graph: r depends on x too, so recompute it from x
            _, rstd = fused("rms_norm", x, k, weight, eps)
        dx, dw = fused("rms_norm_backward", g, x, weight, rstd, k, tuple(ctx.needs_input_grad[:2]))
        return dx, dw, None, None


@opmath
def rms_norm(input: Tensor, normalized_shape: Sequence[int] | int, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) * weight over the trailing dims normalized_shape;
    eps=None means the machine epsilon of input's dtype (PyTorch's default)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f"rms_norm(): Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size {list(input.shape)}")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(shape)}")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise NotImplementedError(f'"rms_norm" not implemented for \'{input.dtype.scalar_name}\' (a floating '
                                  f"point or complex input is required, got {input.dtype})")
    if eps is None:
        eps = D.finfo(input.dtype).eps
    if input.dtype.is_complex:
        y = input * (input * input).mean(tuple(range(-k, 0)), keepdim=True).add(eps).rsqrt()
        return y if weight is None else y * weight
    return RMSNorm.apply(input, weight, k, eps)


__all__ = ["rms_norm"]
METHODS: dict = {}
