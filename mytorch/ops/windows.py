"""Window functions (torch.hann_window & co.): tapers for short-time Fourier transforms.

For a window of length L, N = L + 1 when ``periodic`` (the window of length L + 1 with its last value
dropped: one period of a function repeated by the DFT) and N = L otherwise (symmetric), and i = 0 .. L-1:

    hamming   alpha - beta cos(2 pi i / (N - 1))                     (alpha = 0.54, beta = 0.46)
    hann      the hamming form with alpha = beta = 0.5
    blackman  0.42 - 0.5 cos(2 pi i / (N - 1)) + 0.08 cos(4 pi i / (N - 1))
    bartlett  1 - |2 i / (N - 1) - 1|
    kaiser    I0(beta sqrt(1 - ((i - c) / c)^2)) / I0(beta),  c = (N - 1) / 2     (beta = 12)

Lengths 0 and 1 give an empty window and [1]. Values are computed in float64 and rounded once to the
requested floating dtype (default: the default dtype). Windows are constants: no gradient flows.
"""
from __future__ import annotations

import math

from .. import _dtype as D
from .._tensor import Tensor
from .creation import _backend, _finish, arange
from .special import i0


def _window(name: str, window_length: int, periodic: bool, dtype, device, requires_grad: bool, values) -> Tensor:
    """The window `values(i, N)` (a float64 Tensor of i = 0 .. L-1 and the period N) in PyTorch's dtype rules."""
    dt = D.get_default_dtype() if dtype is None else dtype
    if not dt.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    if window_length <= 1:
        be = _backend(device)
        return _finish(be.full((window_length,), 1.0, dt), be, requires_grad)
    i = arange(window_length, dtype=D.float64, device=device)
    out = values(i, window_length + 1 if periodic else window_length).to(dt)
    return out.requires_grad_(requires_grad)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """w_i = alpha - beta cos(2 pi i / (N - 1)) (module docstring for N)."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda i, n: alpha - beta * (i * (2 * math.pi / (n - 1))).cos())


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                requires_grad: bool = False) -> Tensor:
    """w_i = 0.5 - 0.5 cos(2 pi i / (N - 1)) = sin^2(pi i / (N - 1)) (module docstring for N)."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda i, n: 0.5 - 0.5 * (i * (2 * math.pi / (n - 1))).cos())


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """w_i = 0.42 - 0.5 cos(2 pi i / (N - 1)) + 0.08 cos(4 pi i / (N - 1)) (module docstring for N)."""
    def values(i, n):
        angle = i * (2 * math.pi / (n - 1))
        return 0.42 - 0.5 * angle.cos() + 0.08 * (2 * angle).cos()
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad, values)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """w_i = 1 - |2 i / (N - 1) - 1|: a triangle peaking at 1 in the middle (module docstring for N)."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda i, n: 1 - (i * (2 / (n - 1)) - 1).abs())


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, layout=None,
                  device=None, requires_grad: bool = False) -> Tensor:
    """w_i = I0(beta sqrt(1 - ((i - c) / c)^2)) / I0(beta), c = (N - 1) / 2 (module docstring for N)."""
    def values(i, n):
        c = (n - 1) / 2
        x = beta * (1 - ((i - c) / c) ** 2).clamp(min=0).sqrt()
        return i0(x) / i0(x.new_full((), beta))
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad, values)


__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]
METHODS: dict = {}
