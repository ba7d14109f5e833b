"""The orthogonal polynomials of torch.special, P_n(x) elementwise for a tensor (or number) x and degree n
(truncated to an integer; a negative degree gives 0), in x's floating dtype (integers: the default dtype).

Each is its three-term recurrence from P_0 = 1 and P_1, run for every element at once up to the largest
degree (an element keeps its value once its own degree is reached):

    Chebyshev T, U, V, W   P_j = 2y P_{j-1} - P_{j-2};  P_1 = y, 2y, 2y - 1, 2y + 1
    Hermite H (physicists') H_j = 2x H_{j-1} - 2(j-1) H_{j-2};  H_1 = 2x
    Hermite He (probabilists') He_j = x He_{j-1} - (j-1) He_{j-2};  He_1 = x
    Laguerre L             L_j = ((2k + 1 - x) L_{j-1} - k L_{j-2}) / (k + 1),  k = j - 1;  L_1 = 1 - x
    Legendre P             P_j = ((2k + 1) x P_{j-1} - k P_{j-2}) / (k + 1),  k = j - 1;  P_1 = x

with y = x for the Chebyshev polynomials and y = 2x - 1 for the shifted ones (orthogonal on [0, 1]). As in
PyTorch, the Chebyshev polynomials of high degree inside (-1, 1) use their closed forms in theta = acos(y),
which do not accumulate rounding:

    T_n = cos(n theta),  U_n = sin((n+1) theta) / sin(theta),
    V_n = cos((n+1/2) theta) / cos(theta/2),  W_n = sin((n+1/2) theta) / sin(theta/2),

and their values at y = +-1 are exact: T_n(1) = 1, U_n(1) = n + 1, V_n(1) = 1, W_n(1) = 2n + 1;
T_n(-1) = (-1)^n, U_n(-1) = (-1)^n (n + 1), V_n(-1) = (-1)^n (2n + 1), W_n(-1) = (-1)^n. The Hermite
polynomials beyond degree 128 (float32) or 512 (float64) are NaN, as PyTorch's. No derivative (PyTorch
defines none).
"""
from __future__ import annotations

import math

from .. import _dtype as D
from .._tensor import Tensor
from .binary import where
from .joining import broadcast_tensors


def _operands(x, n) -> tuple[Tensor, Tensor]:
    """x in its floating dtype (the default one for integers and bool) and n as int64 degrees (NaN or
    infinite: -1), broadcast together."""
    like = x if isinstance(x, Tensor) else n
    x = x if isinstance(x, Tensor) else like.new_tensor(x, dtype=D.get_default_dtype())
    n = n if isinstance(n, Tensor) else like.new_tensor(n)
    dt = D.result_type(x, n)
    dt = dt if dt.is_floating_point else D.get_default_dtype()
    x = x.to(dt)
    if n.dtype.is_floating_point:
        n = where(n.isfinite(), n, -1.0).trunc()
    x, n = broadcast_tensors(x, n.to(D.int64))
    return x, n


def _recurrence(p0: Tensor, p1: Tensor, n: Tensor, step) -> Tensor:
    """P_n for each element: P_0 = p0, P_1 = p1, P_j = step(j, P_{j-1}, P_{j-2}); 0 for a negative n."""
    p, q = p0, p1
    top = int(n.max().item()) if n.numel() else 0
    for j in range(2, top + 1):
        going = n >= j
        p, q = where(going, q, p), where(going, step(j, q, p), q)
    return where(n < 0, 0.0, where(n == 0, p0, q))


_TRIG_FROM = {("t", False): 6, ("u", False): 8, ("v", False): 8, ("w", False): 8,
              ("t", True): 6, ("u", True): 6, ("v", True): 6, ("w", True): 4}


def _chebyshev(kind: str, shifted: bool, input, n) -> Tensor:
    x, n = _operands(input, n)
    y = x + x - 1.0 if shifted else x
    one = x.new_ones(())
    first = {"t": y, "u": y + y, "v": y + y - 1.0, "w": y + y + 1.0}[kind]
    out = _recurrence(one.expand(x.shape), first, n, lambda j, q, p: (y + y) * q - p)
    nf = n.to(x.dtype)
    sign = where(n % 2 == 0, 1.0, -1.0).to(x.dtype)
    at_one = {"t": one, "u": nf + 1, "v": one, "w": nf + nf + 1}[kind]
    at_minus_one = sign * {"t": one, "u": nf + 1, "v": nf + nf + 1, "w": one}[kind]
    theta = y.clamp(-1.0, 1.0).acos()
    closed = {"t": lambda: (nf * theta).cos(),
              "u": lambda: ((nf + 1) * theta).sin() / theta.sin(),
              "v": lambda: ((nf + 0.5) * theta).cos() / (theta / 2).cos(),
              "w": lambda: ((nf + 0.5) * theta).sin() / (theta / 2).sin()}[kind]()
    out = where((n > _TRIG_FROM[kind, shifted]) & (y.abs() < 1), closed, out)
    out = where(y == 1, at_one, where(y == -1, at_minus_one, out))
    return where(n < 0, 0.0, out)


_CLOSED_FORMS = {"t": "T_n(cos t) = cos(n t)", "u": "U_n(cos t) = sin((n+1) t) / sin t",
                 "v": "V_n(cos t) = cos((n+1/2) t) / cos(t/2)", "w": "W_n(cos t) = sin((n+1/2) t) / sin(t/2)"}
_KIND_NAMES = {"t": "first", "u": "second", "v": "third", "w": "fourth"}


def _chebyshev_op(name: str, kind: str, shifted: bool):
    def op(input, n) -> Tensor:
        return _chebyshev(kind, shifted, input, n)
    op.__name__ = op.__qualname__ = name
    domain = " moved onto [0, 1]" if shifted else ""
    op.__doc__ = (f"{kind.upper()}_n({'2x - 1' if shifted else 'x'}), the Chebyshev polynomial of the "
                  f"{_KIND_NAMES[kind]} kind{domain}: {_CLOSED_FORMS[kind]}.")
    return op


chebyshev_polynomial_t = _chebyshev_op("chebyshev_polynomial_t", "t", False)
chebyshev_polynomial_u = _chebyshev_op("chebyshev_polynomial_u", "u", False)
chebyshev_polynomial_v = _chebyshev_op("chebyshev_polynomial_v", "v", False)
chebyshev_polynomial_w = _chebyshev_op("chebyshev_polynomial_w", "w", False)
shifted_chebyshev_polynomial_t = _chebyshev_op("shifted_chebyshev_polynomial_t", "t", True)
shifted_chebyshev_polynomial_u = _chebyshev_op("shifted_chebyshev_polynomial_u", "u", True)
shifted_chebyshev_polynomial_v = _chebyshev_op("shifted_chebyshev_polynomial_v", "v", True)
shifted_chebyshev_polynomial_w = _chebyshev_op("shifted_chebyshev_polynomial_w", "w", True)


def _hermite(input, n, physicists: bool) -> Tensor:
    x, n = _operands(input, n)
    one = x.new_ones(()).expand(x.shape)
    if physicists:
        out = _recurrence(one, x + x, n, lambda j, q, p: (x + x) * q - (2 * (j - 1)) * p)
    else:
        out = _recurrence(one, x, n, lambda j, q, p: x * q - (j - 1) * p)
    limit = 128 if x.dtype in (D.float32, D.float16, D.bfloat16) else 512
    return where(n > limit, math.nan, out)


def hermite_polynomial_h(input, n) -> Tensor:
    """H_n(x), the physicists' Hermite polynomial: H_n = 2x H_{n-1} - 2(n-1) H_{n-2}."""
    return _hermite(input, n, True)


def hermite_polynomial_he(input, n) -> Tensor:
    """He_n(x), the probabilists' Hermite polynomial: He_n = x He_{n-1} - (n-1) He_{n-2}."""
    return _hermite(input, n, False)


def laguerre_polynomial_l(input, n) -> Tensor:
    """L_n(x), the Laguerre polynomial: (k+1) L_{k+1} = (2k + 1 - x) L_k - k L_{k-1}; L_n(0) = 1."""
    x, n = _operands(input, n)
    out = _recurrence(x.new_ones(()).expand(x.shape), 1.0 - x, n,
                      lambda j, q, p: (((j - 1) * 2 + (1.0 - x)) * q - (j - 1) * p) / j)
    return where((x == 0) & (n >= 0), 1.0, out)


def legendre_polynomial_p(input, n) -> Tensor:
    """P_n(x), the Legendre polynomial: (k+1) P_{k+1} = (2k + 1) x P_k - k P_{k-1}; P_n(+-1) = (+-1)^n."""
    x, n = _operands(input, n)
    out = _recurrence(x.new_ones(()).expand(x.shape), x, n, lambda j, q, p: ((2 * j - 1) * x * q - (j - 1) * p) / j)
    edge = where((x == 1) | (n % 2 == 0), 1.0, -1.0)
    return where((x.abs() == 1) & (n >= 0), edge, out)


__all__ = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
           "laguerre_polynomial_l", "legendre_polynomial_p"]
METHODS: dict = {}
