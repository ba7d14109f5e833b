"""Root-mean-square normalization (Zhang & Sennrich, 2019): one fused op with a hand-written backward.

Over the trailing ``normalized_shape`` dims (n elements per row):

    r = 1 / sqrt(mean(x^2) + eps),   x_hat = x * r,   y = x_hat * weight

With g = dL/dy and gh = g * weight:

    dL/dx = r * (gh - x_hat * mean(gh * x_hat))
    dL/dweight = g * x_hat   (summed to the weight's shape by the engine)

Unlike layer norm there is no mean to subtract and no bias.
"""
from __future__ import annotations

from typing import Sequence

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _GradState


def _rstd(x: Tensor, axes: tuple[int, ...], eps: float) -> Tensor:
    return ((x * x).mean(axes, keepdim=True) + eps).rsqrt()


class RMSNorm(Function):
    """y = x / sqrt(mean(x^2) + eps) * weight over `axes`; derivatives in the module docstring."""

    _grad_name = "FusedRmsNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, axes, eps):
        rstd = _rstd(x, axes, eps)
        y = x * rstd
        if weight is not None:
            y = y * weight
        ctx.meta = (axes, eps)
        ctx.save_for_backward(x, weight, rstd)
        return y

    @staticmethod
    def backward(ctx, g):
        x, weight, rstd = ctx.saved_tensors
        axes, eps = ctx.meta
        if _GradState.enabled:  # create_graph: r depends on x too, so recompute it from x
            rstd = _rstd(x, axes, eps)
        x_hat = x * rstd
        need_x, need_w = ctx.needs_input_grad[:2]
        dx = dw = None
        if need_x:
            gh = g if weight is None else g * weight
            dx = rstd * (gh - x_hat * (gh * x_hat).mean(axes, keepdim=True))
        if need_w:
            dw = g * x_hat
        return dx, dw, None, None


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
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"rms_norm" not implemented for \'{input.dtype.scalar_name}\' (a floating '
                                  f"point input is required, got {input.dtype})")
    if eps is None:
        eps = D.finfo(input.dtype).eps
    axes = tuple(range(input.ndim - k, input.ndim))
    return RMSNorm.apply(input, weight, axes, eps)


__all__ = ["rms_norm"]
METHODS: dict = {}
