"""Piecewise-linear activations: one graph node each, with PyTorch's derivative at the kinks.

hardsigmoid, hardswish, hardshrink, softshrink and threshold are `_pointwise` Functions (forward
and derivative side by side, both in tensor ops, so double backward works); prelu, whose slope is
a learned tensor, is a `where` of two branches, and autograd derives both gradients from it.
"""
from __future__ import annotations

from .._tensor import Tensor
from ._opmath import opmath
from .activation import _floating, _pointwise
from .binary import where
from .inplace import inplace


def _shrunk(x: Tensor, lambd: float):
    return (x >= -lambd) & (x <= lambd)


Hardsigmoid = _pointwise(
    "Hardsigmoid", lambda x: (x + 3).clamp(0, 6) / 6, lambda g, x: where((x > -3) & (x < 3), g / 6, 0.0), "x",
    "y = min(max(x + 3, 0), 6) / 6;  dy/dx = 1/6 where -3 < x < 3, else 0.")
Hardswish = _pointwise(
    "Hardswish", lambda x: x * (x + 3).clamp(0, 6) / 6,
    lambda g, x: where(x <= -3, 0.0, where(x < 3, g * (x / 3 + 0.5), g)), "x",
    "y = x min(max(x + 3, 0), 6) / 6;  dy/dx = 0 where x <= -3, x / 3 + 1/2 where -3 < x < 3, else 1.")
Hardshrink = _pointwise(
    "Hardshrink", lambda x, lambd: where(_shrunk(x, lambd), 0.0, x),
    lambda g, x, lambd: where(_shrunk(x, lambd), 0.0, g), "x",
    "y = 0 where -lambd <= x <= lambd, else x;  dy/dx = 0 there, else 1.")
Softshrink = _pointwise(
    "Softshrink", lambda x, lambd: where(_shrunk(x, lambd), 0.0, x - x.sign() * lambd),
    lambda g, x, lambd: where(_shrunk(x, lambd), 0.0, g), "x",
    "y = 0 where -lambd <= x <= lambd, else x - sign(x) lambd;  dy/dx = 0 there, else 1.")
Threshold = _pointwise(
    "Threshold", lambda x, th, value: where(x <= th, x.new_full((), value), x),
    lambda g, x, th, value: where(x <= th, 0.0, g), "x",
    "y = value where x <= threshold, else x;  dy/dx = 0 where x <= threshold, else 1 (a NaN x stays NaN and\n"
    "passes its gradient, as PyTorch's).")


@opmath
def hardsigmoid(input: Tensor) -> Tensor:
    """min(max(x + 3, 0), 6) / 6: a piecewise-linear sigmoid."""
    _floating(input, "hardsigmoid_cpu")
    return Hardsigmoid.apply(input)


@opmath
def hardswish(input: Tensor) -> Tensor:
    """x hardsigmoid(x) (MobileNetV3's activation)."""
    _floating(input, "hardswish_cpu")
    return Hardswish.apply(input)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """0 for |x| <= lambd, else x (a negative lambd shrinks nothing)."""
    return Hardshrink.apply(input, lambd)


@opmath
def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """0 for |x| <= lambd, else x moved lambd towards 0."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return Softshrink.apply(input, lambd)


@opmath
def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """x where x > threshold, else value (in input's dtype)."""
    return Threshold.apply(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place threshold: x = x where x > threshold else value;  dx = dy where x > threshold, else 0."""
    return inplace(input, lambda x: Threshold.apply(x, threshold, value), name="threshold_")


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else w x, with w one slope or one per channel (dim 1; dim 0 of a 1-D input holds
    no channels). dL/dx = G where x > 0, else w G;  dL/dw = sum of G x where x <= 0 (per channel)."""
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    n = weight.numel()
    if n != 1:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim > 1 else 1
        if channels != n:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{n} and channel size = {channels}.")
    if input.ndim != weight.ndim:
        shape = [1] * input.ndim
        if input.ndim > 1:
            shape[1] = n
        weight = weight.reshape(shape)
    return where(input > 0, input, weight * input)


__all__ = ["hardshrink", "threshold", "threshold_", "prelu"]
METHODS = {"hardshrink": hardshrink, "prelu": prelu}
