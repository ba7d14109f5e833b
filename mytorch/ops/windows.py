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

``torch.signal.windows`` (SciPy's names) takes the length M and ``sym``: symmetric (sym=True) windows use
L = M - 1 in the formulas below, periodic ones L = M; n = 0 .. M-1:

    general_cosine(a)     sum_k (-1)^k a_k cos(2 pi k n / L)
    general_hamming(alpha) = general_cosine([alpha, 1 - alpha]); hamming alpha = 0.54, hann alpha = 0.5
    blackman              general_cosine([0.42, 0.5, 0.08]); nuttall: [0.3635819, 0.4891775, 0.1365995, 0.0106411]
    bartlett              1 - |2 n / L - 1|
    kaiser(beta)          I0(beta sqrt(1 - (2 n / L - 1)^2)) / I0(beta)
    cosine                sin(pi (n + 1/2) / D),  D = M + 1 when periodic (M > 1), else M
    gaussian(std)         exp(-(n - c)^2 / (2 std^2)),  c = L / 2
    exponential(tau)      exp(-|n - c| / tau),  c = L / 2 unless `center` is given (periodic windows only)
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


def _scipy_window(name: str, M: int, sym: bool, dtype, device, requires_grad: bool, values,
                  ones_at_one: bool = True) -> Tensor:
    """torch.signal.windows' `values(n, L)` (n a float64 Tensor 0 .. M-1; L = M for a periodic window longer
    than 1, else M - 1) in its dtype rules; [1] for M = 1 where `ones_at_one` (the formula would divide by 0)."""
    dt = D.get_default_dtype() if dtype is None else dtype
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if dt not in (D.float32, D.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dt}")
    n = arange(M, dtype=D.float64, device=device)
    if M == 0 or (M == 1 and ones_at_one):
        out = n.new_ones((M,), dtype=dt)
    else:
        out = values(n, M if not sym and M > 1 else M - 1).to(dt)
    return out.requires_grad_(requires_grad)


def general_cosine(M: int, *, a, sym: bool = True, dtype=None, layout=None, device=None,
                   requires_grad: bool = False) -> Tensor:
    """w_n = sum_k (-1)^k a_k cos(2 pi k n / L) (module docstring for L)."""
    if not isinstance(a, (list, tuple)):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")

    def values(n, L):
        return sum((-1) ** k * w * (n * (2 * math.pi * k / L)).cos() for k, w in enumerate(a))
    return _scipy_window("general_cosine", M, sym, dtype, device, requires_grad, values)


def general_hamming(M: int, *, alpha: float = 0.54, sym: bool = True, dtype=None, layout=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """w_n = alpha - (1 - alpha) cos(2 pi n / L)."""
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, device=device,
                          requires_grad=requires_grad)


def hamming(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """w_n = 0.54 - 0.46 cos(2 pi n / L)."""
    return general_hamming(M, sym=sym, dtype=dtype, device=device, requires_grad=requires_grad)


def hann(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """w_n = 0.5 - 0.5 cos(2 pi n / L)."""
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, device=device, requires_grad=requires_grad)


def blackman(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """w_n = 0.42 - 0.5 cos(2 pi n / L) + 0.08 cos(4 pi n / L)."""
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, device=device, requires_grad=requires_grad)


def nuttall(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """Nuttall's four-term window: general_cosine with a = [0.3635819, 0.4891775, 0.1365995, 0.0106411]."""
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym, dtype=dtype, device=device,
                          requires_grad=requires_grad)


def bartlett(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """w_n = 1 - |2 n / L - 1|: a triangle."""
    return _scipy_window("bartlett", M, sym, dtype, device, requires_grad, lambda n, L: 1 - (n * (2 / L) - 1).abs())


def kaiser(M: int, *, beta: float = 12.0, sym: bool = True, dtype=None, layout=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """w_n = I0(beta sqrt(1 - (2 n / L - 1)^2)) / I0(beta)."""
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")

    def values(n, L):
        k = n * (2 / L) - 1
        return i0(beta * (1 - k * k).clamp(min=0).sqrt()) / i0(n.new_full((), beta))
    return _scipy_window("kaiser", M, sym, dtype, device, requires_grad, values)


def cosine(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """w_n = sin(pi (n + 1/2) / D), D = M + 1 for a periodic window, else M."""
    return _scipy_window("cosine", M, sym, dtype, device, requires_grad,
                         lambda n, L: ((n + 0.5) * (math.pi / (L + 1))).sin(), ones_at_one=False)


def gaussian(M: int, *, std: float = 1.0, sym: bool = True, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """w_n = exp(-(n - L/2)^2 / (2 std^2))."""
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    return _scipy_window("gaussian", M, sym, dtype, device, requires_grad,
                         lambda n, L: (-((n - L / 2) / std) ** 2 / 2).exp(), ones_at_one=False)


def exponential(M: int, *, center: float | None = None, tau: float = 1.0, sym: bool = True, dtype=None,
                layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """w_n = exp(-|n - center| / tau), center = L / 2 unless given (periodic windows only)."""
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    return _scipy_window("exponential", M, sym, dtype, device, requires_grad,
                         lambda n, L: (-(n - (L / 2 if center is None else center)).abs() / tau).exp(),
                         ones_at_one=False)


__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]
METHODS: dict = {}
