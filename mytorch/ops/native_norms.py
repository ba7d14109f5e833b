"""PyTorch's ``native_*`` normalization entry points: the normalized output together with the statistics a
backward pass would reuse, each statistic composed from ops so that it is differentiable too.

    native_layer_norm(x, shape, w, b, eps)    -> (y, mean, rstd), over the trailing dims `shape`, the
                                                 statistics keeping those dims as 1s
    native_group_norm(x, w, b, N, C, HxW, G, eps) -> (y, mean, rstd), statistics (N, G)
    native_batch_norm(x, w, b, rm, rv, training, momentum, eps) -> (y, save_mean, save_invstd): the batch
        statistics (C,) while training (the running ones updated in place), empty tensors otherwise
    rstd = 1 / sqrt(var + eps), var the biased variance.

_softmax_backward_data(g, y, dim, dtype) is softmax's vector-Jacobian product y (g - sum(g y)).
"""
from __future__ import annotations

import math

from .. import _dtype as D
from .._tensor import Tensor
from ._opmath import HALF
from .normalization import batch_norm, group_norm, layer_norm


def _rstd(x: Tensor, dims: tuple, eps: float) -> Tensor:
    return (x.var(dims, correction=0, keepdim=True) + eps).rsqrt()


def native_layer_norm(input: Tensor, normalized_shape, weight: Tensor | None, bias: Tensor | None,
                      eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """(layer_norm(input), mean, rstd) over the trailing `normalized_shape` dims."""
    out = layer_norm(input, normalized_shape, weight, bias, eps)
    dims = tuple(range(input.ndim - len(tuple(normalized_shape)), input.ndim))
    if input.numel() == 0:
        shape = tuple(1 if d in dims else s for d, s in enumerate(input.shape))
        return out, input.new_zeros(shape), input.new_full(shape, math.nan)
    return out, input.mean(dims, keepdim=True), _rstd(input, dims, eps)


def native_group_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, N: int, C: int, HxW: int,
                      group: int, eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """(group_norm(input), mean, rstd), the statistics of each (sample, group): shape (N, group)."""
    out = group_norm(input, group, weight, bias, eps)
    grouped = input.reshape(N, group, -1)
    return out, grouped.mean(-1), _rstd(grouped, (-1,), eps).squeeze(-1)


def native_batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
                      running_var: Tensor | None, training: bool, momentum: float,
                      eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """(batch_norm(input), save_mean, save_invstd): the per-channel batch mean and 1 / sqrt(biased var + eps)
    when training, empty tensors otherwise."""
    out = batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if not training:
        return out, input.new_empty((0,)), input.new_empty((0,))
    dims = (0,) + tuple(range(2, input.ndim))
    return out, input.mean(dims), _rstd(input, dims, eps).reshape(-1)


def _native_batch_norm_legit(input: Tensor, weight: Tensor | None, bias: Tensor | None,
                             running_mean: Tensor | None, running_var: Tensor | None, training: bool,
                             momentum: float, eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """native_batch_norm (PyTorch's functionalization-friendly name for it)."""
    return native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)


def _softmax_backward_data(grad_output: Tensor, output: Tensor, dim: int, input_dtype: D.dtype) -> Tensor:
    """Softmax's vector-Jacobian product: dL/dx = y (g - sum_dim(g y)), y the softmax output, in input_dtype.
    Half-precision operands compute in float32 and round once, as PyTorch's kernel does."""
    wide = D.promote_types(grad_output.dtype, output.dtype)
    wide = D.float32 if wide in HALF else wide
    g, y = grad_output.to(wide), output.to(wide)
    return (y * (g - (g * y).sum(dim, keepdim=True))).to(input_dtype)


__all__ = ["native_layer_norm", "native_group_norm", "native_batch_norm", "_native_batch_norm_legit",
           "_softmax_backward_data"]
METHODS: dict = {}
