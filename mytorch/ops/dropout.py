"""Dropout: zero each element (or each whole channel) with probability p while training.

    y = x * (m / (1 - p)),   m ~ Bernoulli(1 - p) drawn from the default generator of x's device
    dL/dx = g * m / (1 - p)

The kept values are scaled by 1 / (1 - p) so the expectation of y is x, and
evaluation (no dropout) needs no rescaling.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from .inplace import inplace
from .random import _floating, _standard


def _dropout(input: Tensor, p: float, training: bool, inplace_: bool, mask_shape: tuple[int, ...]) -> Tensor:
    """input * mask, the mask of shape mask_shape (broadcast over input) holding 0 or 1 / (1 - p)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        mask = input.new_zeros(mask_shape)
    else:
        # PyTorch's CPU dropout: a Bernoulli(1 - p) mask (u < 1 - p, u uniform in float64), divided by 1 - p.
        # Drawn on input's own backend, so the mask multiplies input even when another backend serves its device
        _floating(input.dtype, "dropout")
        u = _standard("uniform", input, None, mask_shape, D.float64)
        mask = (u < 1.0 - p).to(input.dtype) / (1.0 - p)
    if inplace_:
        return inplace(input, lambda x: x * mask, name="dropout_")
    return input * mask


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Elementwise dropout (``torch.dropout``; nn.functional.dropout has keyword defaults)."""
    return _dropout(input, p, train, False, tuple(input.shape))


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Channel dropout: a whole slice input[n, c] is kept or zeroed together."""
    return _dropout(input, p, train, False, _feature_mask_shape(input))


def _feature_mask_shape(input: Tensor) -> tuple[int, ...]:
    if input.ndim < 2:
        raise RuntimeError(f"feature_dropout(): expected an input with a batch and a channel dim, got shape "
                           f"{list(input.shape)}")
    return tuple(input.shape[:2]) + (1,) * (input.ndim - 2)


__all__ = ["dropout", "feature_dropout"]
METHODS: dict = {}
