"""Dropout: zero each element (or each whole channel) with probability p while training.

    y = x * (m / (1 - p)),   m ~ Bernoulli(1 - p) drawn from the default generator of x's device
    dL/dx = g * m / (1 - p)

The kept values are scaled by 1 / (1 - p) so the expectation of y is x, and
evaluation (no dropout) needs no rescaling.

Alpha dropout (for SELU networks) sets dropped values to SELU's negative saturation -alpha' instead of 0,
then applies the affine map that restores zero mean and unit variance (Klambauer et al., 2017):

    alpha' = 1.7580993408473766 (= SELU's scale * alpha),  a = 1 / sqrt((alpha'^2 p + 1)(1 - p))
    y = a * (x * m + alpha' * (m - 1)) + a * alpha' * p = x * (a m) + b,   b = a alpha' (m - 1 + p)
    dL/dx = g * a * m
"""
from __future__ import annotations

import math

from .. import _dtype as D
from .._tensor import Tensor
from .inplace import inplace
from .random import _floating, _standard

_SELU_SATURATION = 1.7580993408473766  # -(SELU's limit at -inf) = scale * alpha


def _dense_order(t: Tensor) -> tuple[int, ...] | None:
    """t's dims from the outermost in memory to the innermost when t's elements fill a block of memory with no
    gaps or overlaps (a permuted contiguous tensor), else None."""
    order = tuple(sorted(range(t.ndim), key=lambda d: -t.stride(d)))
    expected = 1
    for d in reversed(order):
        if t.shape[d] != 1 and t.stride(d) != expected:
            return None
        expected *= t.shape[d]
    return order


def _keep_mask(input: Tensor, p: float, mask_shape: tuple[int, ...]) -> Tensor:
    """m ~ Bernoulli(1 - p) of mask_shape in input's dtype: PyTorch's CPU draw (u < 1 - p, u uniform in float64),
    on input's own backend, so the mask multiplies input even when another backend serves its device. An
    elementwise mask is PyTorch's empty_like(input): laid out as input when input is dense, and filled in memory
    order, so a transposed input gets the same mask as in PyTorch."""
    _floating(input.dtype, "dropout")
    order = _dense_order(input) if mask_shape == tuple(input.shape) else None
    if order is None or order == tuple(range(input.ndim)):
        u = _standard("uniform", input, None, mask_shape, D.float64)
    else:
        u = _standard("uniform", input, None, tuple(mask_shape[d] for d in order), D.float64)
        u = u.permute(tuple(order.index(d) for d in range(input.ndim)))
    return (u < 1.0 - p).to(input.dtype)


def _dropout(input: Tensor, p: float, training: bool, inplace_: bool, mask_shape: tuple[int, ...],
             alpha: bool = False) -> Tensor:
    """input * mask (+ b for alpha dropout), the mask of shape mask_shape broadcast over input."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:  # everything dropped: PyTorch multiplies by zero, also for alpha dropout
        scale, shift = input.new_zeros(mask_shape), None
    elif alpha:
        m = _keep_mask(input, p, mask_shape)
        a = 1.0 / math.sqrt((_SELU_SATURATION ** 2 * p + 1) * (1 - p))
        scale, shift = m * a, (m - 1.0) * (_SELU_SATURATION * a) + _SELU_SATURATION * a * p
    else:
        scale, shift = _keep_mask(input, p, mask_shape) / (1.0 - p), None

    def apply(x: Tensor) -> Tensor:
        return x * scale if shift is None else x * scale + shift
    if inplace_:
        return inplace(input, apply, name="alpha_dropout_" if alpha else "dropout_")
    return apply(input)


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Elementwise dropout (``torch.dropout``; nn.functional.dropout has keyword defaults)."""
    return _dropout(input, p, train, False, tuple(input.shape))


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Channel dropout: a whole slice input[n, c] is kept or zeroed together."""
    return _dropout(input, p, train, False, _feature_mask_shape(input))


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Alpha dropout of each element (module docstring): y = x * (a m) + a alpha' (m - 1) + a alpha' p;
    dL/dx = g * a * m."""
    return _dropout(input, p, train, False, tuple(input.shape), alpha=True)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Alpha dropout of whole channels input[n, c] (one m per channel; module docstring)."""
    return _dropout(input, p, train, False, _feature_mask_shape(input), alpha=True)


def _feature_mask_shape(input: Tensor) -> tuple[int, ...]:
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return tuple(input.shape[:2]) + (1,) * (input.ndim - 2)


__all__ = ["dropout", "feature_dropout", "alpha_dropout", "feature_alpha_dropout"]
METHODS: dict = {}
