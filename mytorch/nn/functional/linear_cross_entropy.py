"""linear_cross_entropy: cross-entropy of the logits of a linear layer (PyTorch 2.13's fused classifier head).

    logits = x W^T + b  (W (C, *K, in) seen as (C prod(K), in); logits reshaped to (*batch, C, *K))
    loss = cross_entropy(logits, target, weight, ignore_index, label_smoothing)

The derivative is the two ops' chain: dlogits from cross_entropy, then dx = dlogits W, dW = dlogits^T x.
PyTorch's `options` select a chunked evaluation over the batch that never holds all the logits at once; the
numbers are the same, and mytorch computes the logits in one piece whatever the options say.
"""
from __future__ import annotations

import math
from typing import Any

from ..._tensor import Tensor
from ...ops._opmath import opmath
from ...ops.linear import linear
from .loss import cross_entropy

__all__ = ["linear_cross_entropy"]


@opmath  # as PyTorch's chunked evaluation, which accumulates half precision in float32
def linear_cross_entropy(input: Tensor, linear_weight: Tensor, target: Tensor, *, linear_bias: Tensor | None = None,
                         weight: Tensor | None = None, reduction: str = "mean", ignore_index: int | None = None,
                         label_smoothing: float = 0.0, options: Any = None) -> Tensor:
    """Cross-entropy of input (N, in) or (in,) classified by linear_weight (C, *K, in) (+ linear_bias (C, *K))
    against class indices (N, *K) or class probabilities (N, C, *K); see the module docstring."""
    if not 1 <= input.ndim <= 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.ndim}")
    if linear_weight.ndim < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.ndim}")
    batch, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError(f"expected equal input and linear_weight last dimensions (in_features), got "
                           f"{in_features} and {linear_weight.shape[-1]}, respectively")
    classes, extra = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (classes, *extra):
        raise RuntimeError(f"expected linear_bias shape {(classes, *extra)}, got {tuple(linear_bias.shape)}")
    if extra and not batch:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} requires "
                           f"batched input, (N, {in_features}), got unbatched input with shape {tuple(input.shape)}")
    logits_shape = batch + (classes,) + extra
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    rows = math.prod(extra, start=classes)
    logits = linear(input, linear_weight.reshape(rows, in_features),
                    None if linear_bias is None else linear_bias.reshape(rows))
    return cross_entropy(logits.reshape(logits_shape), target, weight=weight, reduction=reduction,
                         ignore_index=-100 if ignore_index is None else ignore_index, label_smoothing=label_smoothing)
