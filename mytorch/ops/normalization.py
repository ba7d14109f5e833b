"""Batch, instance, layer and group normalization, and the local response norms.

All three normalize x by statistics taken over some of its axes, then apply a
per-feature affine map:

    x_hat = (x - mean) * r,   r = 1 / sqrt(var + eps)   (mean, biased var over the normalized axes)
    y = x_hat * weight + bias

They differ only in which axes: layer norm the trailing ``normalized_shape``,
batch norm every axis but the channels, group norm each group of channels
(x viewed as (N, G, -1)). With n the number of elements per statistic and
gh = g * weight, the gradients are

    dL/dx = r * (gh - mean(gh) - x_hat * mean(gh * x_hat))
    dL/dweight = g * x_hat,   dL/dbias = g   (summed to the parameter's shape).

Layer norm runs the backend's fused primitive (`Backend.layer_norm`, `Backend.layer_norm_backward`);
group norm runs it on x viewed as (N, G, -1) and applies its per-channel affine map itself. Batch
norm in training has its own (`Backend.batch_norm`, `Backend.batch_norm_backward`), whose statistics
are per channel over every other axis; instance norm is batch norm of x seen as (1, N * C, *spatial).
"""
from __future__ import annotations

import math
from typing import Sequence

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _GradState, no_grad
from ._tensor_backend import fused
from ._opmath import opmath
from .joining import pad


class LayerNorm(Function):
    """y = (x - mean) rstd weight + bias over the trailing `normalized_ndim` dims: the math of
    `Backend.layer_norm`, the derivatives of `Backend.layer_norm_backward`, which this runs."""

    _grad_name = "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, normalized_ndim, eps):
        y, mean, rstd = fused("layer_norm", x, normalized_ndim, weight, bias, eps)
        ctx.meta = (normalized_ndim, eps)
        ctx.save_for_backward(x, weight, mean, rstd)
        return y

    @staticmethod
    def backward(ctx, g):
        x, weight, mean, rstd = ctx.saved_tensors
        k, eps = ctx.meta
        if _GradState.enabled:  # create_graph: the statistics depend on x too, so recompute them from x
            _, mean, rstd = fused("layer_norm", x, k, weight, None, eps)
        dx, dw, db = fused("layer_norm_backward", g, x, weight, mean, rstd, k, tuple(ctx.needs_input_grad[:3]))
        return dx, dw, db, None, None


class GroupNorm(Function):
    """Group norm of x (N, C, *) with groups G: `Backend.layer_norm` over the rows of x viewed as (N, G, -1),
    then y = x_hat * weight + bias per channel (weight, bias (C, 1, ...) or None). Backward: dx is
    `Backend.layer_norm_backward` of gh = g * weight; dweight = g * x_hat, dbias = g (summed to the
    parameters' shape by the engine)."""

    _grad_name = "NativeGroupNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, groups, eps):
        rows = x.reshape(x.shape[0], groups, -1)
        y, mean, rstd = fused("layer_norm", rows, 1, None, None, eps)
        ctx.meta = (groups, eps)
        ctx.save_for_backward(x, weight, mean, rstd)
        y = y.reshape(x.shape)
        if weight is not None:
            y = y * weight
        return y if bias is None else y + bias

    @staticmethod
    def backward(ctx, g):
        x, weight, mean, rstd = ctx.saved_tensors
        groups, eps = ctx.meta
        rows = x.reshape(x.shape[0], groups, -1)
        if _GradState.enabled:  # create_graph: the statistics depend on x too, so recompute them from x
            _, mean, rstd = fused("layer_norm", rows, 1, None, None, eps)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        dx = dw = None
        if need_x:
            gh = (g if weight is None else g * weight).reshape(rows.shape)
            dx = fused("layer_norm_backward", gh, rows, None, mean, rstd, 1, (True, False, False))[0].reshape(x.shape)
        if need_w:
            dw = g * ((rows - mean) * rstd).reshape(x.shape)
        return dx, dw, g if need_b else None, None, None


class BatchNorm(Function):
    """Training-mode batch norm of (N, C, *spatial): y = (x - mean) / sqrt(var + eps) * weight + bias with the
    statistics of each channel over all other dims, by the backend's fused primitive (`Backend.batch_norm`,
    `Backend.batch_norm_backward`; the derivatives are in the module docstring). weight and bias (or None) have
    shape (1, C, 1, ...).

    `running` = (running_mean, running_var, momentum) updates those buffers in place:
    running <- (1 - momentum) running + momentum batch, with the unbiased variance, as PyTorch.
    """

    _grad_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, eps, running):
        y, mean, rstd = fused("batch_norm", x, weight, bias, eps)
        # the biased variance back from rstd = 1 / sqrt(var + eps): C values, not worth a third output, and
        # only when there is a running variance to update
        var = None if running[1] is None else rstd.pow(-2) - eps
        _update_running(mean, var, x.numel() // mean.numel(), *running)
        ctx.eps = eps
        ctx.save_for_backward(x, weight, mean, rstd)
        return y

    @staticmethod
    def backward(ctx, g):
        x, weight, mean, rstd = ctx.saved_tensors
        if _GradState.enabled:  # create_graph: the statistics depend on x too, so recompute them from x
            _, mean, rstd = fused("batch_norm", x, None, None, ctx.eps)
        dx, dw, db = fused("batch_norm_backward", g, x, weight, mean, rstd, tuple(ctx.needs_input_grad[:3]))
        return dx, dw, db, None, None


def _update_running(mean: Tensor, var: Tensor | None, n: int, running_mean: Tensor | None, running_var: Tensor | None,
                    momentum: float) -> None:
    with no_grad():
        if running_mean is not None:
            running_mean.mul_(1 - momentum).add_(mean.reshape(running_mean.shape) * momentum)
        if running_var is not None:
            unbiased = var.reshape(running_var.shape) * (n / max(n - 1, 1))
            running_var.mul_(1 - momentum).add_(unbiased * momentum)


def _channel_shape(input: Tensor) -> tuple[int, ...]:
    """(C, 1, ..., 1): a per-channel vector as it broadcasts against (N, C, *spatial)."""
    return (input.shape[1],) + (1,) * (input.ndim - 2)


def _check_param(t: Tensor | None, name: str, size: int, op: str) -> None:
    if t is not None and t.numel() != size:
        raise RuntimeError(f"{op}(): {name} should contain {size} elements not {t.numel()}")


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel (dim 1) of (N, C, *spatial) by its batch statistics when training (updating
    the running ones in place), else by running_mean and running_var."""
    if input.ndim < 2:
        raise ValueError(f"batch_norm(): expected an input of shape (N, C, *), got {input.ndim}D input of "
                         f"shape {list(input.shape)}")
    c = input.shape[1]
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"),
                    (bias, "bias")):
        _check_param(t, name, c, "batch_norm")
    shape = _channel_shape(input)
    w = None if weight is None else weight.reshape(shape)
    b = None if bias is None else bias.reshape(shape)
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError(f"batch_norm(): {'running_mean' if running_mean is None else 'running_var'} must be "
                           "defined in evaluation mode")
    if input.numel() == 0:
        # no statistics to take or update (the running ones stay as they are, as in PyTorch); the weight and
        # bias still join the graph, so they receive (zero) gradients
        y = input.clone() if w is None else input * w
        return y if b is None else y + b
    if training:
        if input.numel() // c == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{input.shape}")
        if eps <= 0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
        return BatchNorm.apply(input, w, b, eps, (running_mean, running_var, momentum))
    return _normalize_by(input, running_mean.reshape(shape), running_var.reshape(shape), w, b, eps)


@opmath
def _normalize_by(input: Tensor, mean: Tensor, var: Tensor, w: Tensor | None, b: Tensor | None,
                  eps: float) -> Tensor:
    """(input - mean) / sqrt(var + eps) * w + b: evaluation-mode batch norm; half precision computes in float32
    and rounds once, as PyTorch's kernel does."""
    y = (input - mean) * (var + eps).rsqrt()
    if w is not None:
        y = y * w
    return y if b is None else y + b


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel of each sample of (N, C, *spatial) over its spatial dims: batch norm of the input
    seen as (1, N * C, *spatial), with weight, bias and running statistics repeated per sample. The running
    statistics (when given) then take the batch mean of the N per-sample updates; with use_input_stats=False
    they normalize instead."""
    if use_input_stats and math.prod(input.shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {list(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    repeated = [None if t is None else t.repeat(n) for t in (running_mean, running_var, weight, bias)]
    y = batch_norm(input.reshape((1, n * c) + tuple(input.shape[2:])), *repeated, use_input_stats, momentum, eps)
    with no_grad():
        for running, per_sample in zip((running_mean, running_var), repeated):
            if running is not None:
                running.copy_(per_sample.reshape(n, c).mean(0))
    return y.reshape(input.shape)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Normalize each channel (dim 1) of (N, C, *) by the energy of its `size` neighbouring channels:

        y_c = x_c / (k + alpha / size * sum_{c' = c - size // 2}^{c + (size - 1) // 2} x_{c'}^2)^beta

    (channels beyond the ends count as zeros); the derivative follows these ops. As in PyTorch, whose window
    sum is an average pooling, the mean of integer squares is rounded down before alpha scales it."""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    c = input.shape[1]
    squares = pad(input * input, (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2))
    energy = squares.narrow(1, 0, c)
    for i in range(1, size):
        energy = energy + squares.narrow(1, i, c)
    mean = energy / size if energy.dtype.is_floating_point or energy.dtype.is_complex else energy // size
    return input / (mean * alpha + k).pow(beta)


def cross_map_lrn2d(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """nn.CrossMapLRN2d, Lua Torch's LRN kept by PyTorch: on (N, C, H, W),

        y_c = x_c (k + alpha / size * sum_{j in W(c)} x_j^2)^-beta,

    with PyTorch's window W(c) (its running-sum kernel never drops channel 0): with p = (size - 1) // 2 + 1,
    W(c) = [0, c + p - 1] for c <= p, else {0} and [c - p + 1, c + p - 1], clipped to the channels. The
    derivative is that of this formula, through these ops (PyTorch's own backward assumes another window)."""
    if input.ndim != 4:
        raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D instead.")
    c = input.shape[1]
    p = (size - 1) // 2 + 1
    window = [[float(j == 0 or (0 if i <= p else i - p + 1) <= j <= i + p - 1) for j in range(c)] for i in range(c)]
    sums = input.new_tensor(window).transpose(0, 1)  # energy_i = sum_j x_j^2 window[i][j]
    energy = (input * input).permute(0, 2, 3, 1).matmul(sums).permute(0, 3, 1, 2)
    return input * (energy * (alpha / size) + k).pow(-beta)


@opmath
def layer_norm(input: Tensor, normalized_shape: Sequence[int] | int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize over the trailing dims given by normalized_shape; weight and bias have that shape."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or tuple(input.shape[input.ndim - k:]) != shape or input.ndim < k:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"layer_norm(): expected {name} of shape {list(shape)}, but got {list(t.shape)}")
    return LayerNorm.apply(input, weight, bias, k, eps)


@opmath
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Split the channels (dim 1) into num_groups groups and normalize each group of each sample."""
    if input.ndim < 2:
        raise RuntimeError(f"group_norm(): expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    n, c = input.shape[0], input.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input "
                           f"of shape {list(input.shape)} and num_groups={num_groups}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        _check_param(t, name, c, "group_norm")
    shape = _channel_shape(input)
    w = None if weight is None else weight.reshape(shape)
    b = None if bias is None else bias.reshape(shape)
    return GroupNorm.apply(input, w, b, num_groups, eps)


__all__ = ["layer_norm", "group_norm", "instance_norm"]
METHODS: dict = {}
