"""Fractional max pooling (Graham 2014): max pooling with a fixed kernel k whose windows start at
pseudo-random, increasing positions, so that an input of size n shrinks to any output size m.

Per plane (sample, channel) and spatial dim, one number u in [0, 1) (`_random_samples`, drawn with
mytorch.rand when not given) places the m windows: with alpha = (n - k) / (m - 1),

    start[i] = floor((i + u) alpha) - floor(u alpha)   (i < m - 1),   start[m - 1] = n - k

computed in the input's floating dtype, as PyTorch does (so float32 rounds where float64 would not).
y[o] = x[index[o]], the first maximum of window o in row-major order; dx[index[o]] += dy[o] (gather's
derivative).
"""
from __future__ import annotations

import math
from typing import Any

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from .binary import where
from .conv import check_tensor, expand_param
from .creation import arange, tensor, zeros
from .random import rand

__all__: list[str] = []


def _starts(u: Tensor, n: int, m: int, k: int) -> Tensor:
    """start[..., i] of the m windows of size k along a dim of size n, for the samples u (any shape), computed
    in u's dtype and truncated as PyTorch's kernel does."""
    alpha = tensor(float(n - k), dtype=u.dtype) / max(m - 1, 1)
    i = arange(m, dtype=u.dtype)
    starts = ((i + u.unsqueeze(-1)) * alpha).to(D.int64) - (u.unsqueeze(-1) * alpha).to(D.int64)
    return where(i == m - 1, n - k, starts)


def _fractional_max_pool(op: str, nd: int, input: Tensor, kernel_size: Any, output_size: Any, output_ratio: Any,
                         return_indices: bool, _random_samples: Tensor | None):
    check_tensor(input, op)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: {list(input.shape)}")
    if output_size is None and output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    kernel = expand_param(kernel_size, nd)
    spatial = tuple(input.shape[-nd:])
    if output_size is None:
        ratio = (output_ratio,) * nd if isinstance(output_ratio, (int, float)) else tuple(output_ratio)
        output_size = [int(n * r) for n, r in zip(spatial, ratio)]
    out = expand_param(output_size, nd)
    for n, m, k in zip(spatial, out, kernel):
        if m + k - 1 > n:
            raise RuntimeError(f"{op}(): pool size {k} too large relative to input size {n} for output size {m}")
    x = input.unsqueeze(0) if input.ndim == nd + 1 else input
    batch, planes = x.shape[0], x.shape[1]
    if _random_samples is None:
        _random_samples = rand(batch, planes, nd, dtype=input.dtype)
    if _random_samples.dtype is not input.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    # PyTorch's 2-D kernel reads the width's sample first; its 3-D kernel reads the dims in order
    order = (1, 0) if nd == 2 else tuple(range(nd))
    with no_grad():
        # flat input position of every kernel offset of every window: (N, C, *out, *kernel)
        positions = zeros((batch, planes) + out + kernel, dtype=D.int64)
        for d in range(nd):
            u = _random_samples.detach()[:batch, :, order[d]]
            starts = _starts(u, spatial[d], out[d], kernel[d])  # (N, C, out_d)
            along = starts.unsqueeze(-1) + arange(kernel[d])  # (N, C, out_d, k_d)
            shape = [batch, planes] + [1] * (2 * nd)
            shape[2 + d], shape[2 + nd + d] = out[d], kernel[d]
            positions = positions + along.reshape(shape) * math.prod(spatial[d + 1:])
        positions = positions.reshape(batch, planes, -1)
        flat = x.detach().reshape(batch, planes, -1)
        window = flat.gather(2, positions).reshape(batch, planes, math.prod(out), math.prod(kernel))
        index = positions.reshape(window.shape).gather(3, window.argmax(3, keepdim=True)).reshape(
            (batch, planes) + out)
    y = x.reshape(batch, planes, -1).gather(2, index.reshape(batch, planes, -1)).reshape(index.shape)
    if input.ndim == nd + 1:
        y, index = y.squeeze(0), index.squeeze(0)
    return (y, index) if return_indices else y


def fractional_max_pool2d(input: Tensor, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                          return_indices: bool = False, _random_samples: Tensor | None = None):
    """Max pooling of (N, C, H, W) or (C, H, W) with kernel_size windows at fractional strides, to output_size
    (or output_ratio times the input's size); with return_indices also each maximum's flat index h * W + w."""
    return _fractional_max_pool("fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio,
                                return_indices, _random_samples)


def fractional_max_pool3d(input: Tensor, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                          return_indices: bool = False, _random_samples: Tensor | None = None):
    """Max pooling of (N, C, D, H, W) or (C, D, H, W) with kernel_size windows at fractional strides, to
    output_size (or output_ratio times the input's size); with return_indices also each maximum's flat index."""
    return _fractional_max_pool("fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio,
                                return_indices, _random_samples)
