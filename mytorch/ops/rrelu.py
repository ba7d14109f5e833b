"""Randomized leaky ReLU (Xu et al., 2015): a leaky ReLU whose negative slope is drawn per element while training.

    training:  y = x          where x > 0
               y = r * x      where x <= 0,   r ~ U(lower, upper), one draw per such element
               dL/dx = g * (1 where x > 0, r elsewhere)      (the slopes are constants of the sample)
    eval:      leaky_relu(x, (lower + upper) / 2)

The slopes are drawn as PyTorch's CPU kernel draws them: one float64 uniform number per non-positive
element, in row-major order of the elements, in [lower, upper) as held in the input's computation type, so the
same seed gives the same slopes.
"""
from __future__ import annotations

import struct

from .. import _dtype as D
from .._tensor import Tensor
from .activation import _floating, leaky_relu
from .inplace import inplace
from .random import Generator, _standard


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          generator: Generator | None = None) -> Tensor:
    """Randomized leaky ReLU (module docstring): slope r ~ U(lower, upper) per non-positive element while
    training, (lower + upper) / 2 otherwise."""
    _floating(input, "rrelu_with_noise_out_cpu")
    if not training:
        return leaky_relu(input, (lower + upper) / 2)
    if input.dtype is not D.float64:  # PyTorch's kernel holds the bounds in float32 (its opmath type) first
        lower, upper = (struct.unpack("f", struct.pack("f", b))[0] for b in (lower, upper))
    negative = input.detach() <= 0
    count = int(negative.sum())
    slopes = _standard("uniform", input, generator, (count,), D.float64) * (upper - lower) + lower
    noise = input.new_ones(tuple(input.shape))
    noise[negative] = slopes.to(input.dtype)
    return input * noise


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
           generator: Generator | None = None) -> Tensor:
    """In-place rrelu: input = rrelu(input, lower, upper, training)."""
    return inplace(input, lambda x: rrelu(x, lower, upper, training, generator), name="rrelu_")


__all__ = ["rrelu", "rrelu_"]
METHODS: dict = {}
