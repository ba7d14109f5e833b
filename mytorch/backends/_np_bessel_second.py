"""Bessel functions of the second kind, written with NumPy alone: bessel_y0, bessel_y1 (Y_v) and
modified_bessel_k0, modified_bessel_k1, scaled_modified_bessel_k0, scaled_modified_bessel_k1 (K_v and e^x K_v).
Every kernel computes in float64 (`in_float64`); all are defined for x > 0 (0 gives -inf for Y, +inf for K;
x < 0 gives NaN, as in PyTorch).

Small x (Y below 4, K below 2): Neumann's series (Abramowitz & Stegun 9.1.11, 9.6.11), with H_k the harmonic
numbers and S_v(x, s) = sum_k (H_k + H_(k+v)) (s x^2/4)^k / (k! (k+v)!) (J_v's and I_v's power series,
`power_series`, with those weights and without their factor (x/2)^v):
    Y_0 = 2/pi [(ln(x/2) + gamma) J_0 - S_0(x, -1) / 2]
    Y_1 = 2/pi (ln(x/2) + gamma) J_1 - 2 / (pi x) - x / (2 pi) S_1(x, -1)
    K_0 = -(ln(x/2) + gamma) I_0 + S_0(x, 1) / 2
    K_1 = 1/x + (ln(x/2) + gamma) I_1 - x/4 S_1(x, 1)
(gamma Euler's constant). The terms stay below e^x: 30 of them reach 1e-17 of the result's scale there.

Y, 4 <= x <= 25: the Neumann expansions in J_n (A&S 9.1.88, and its derivative with Y_1 = -Y_0'),
    Y_0 = 2/pi [(ln(x/2) + gamma) J_0 - 2 sum_(k>=1) (-1)^k J_2k / k]
    Y_1 = 2/pi [(ln(x/2) + gamma) J_1 - J_0 / x + sum_(k>=1) (-1)^k (J_(2k-1) - J_(2k+1)) / k],
whose sums Miller's recurrence gathers on its way down (_np_bessel.py). Past 25: Hankel's expansion.

K, x > 2: the integral e^x K_v(x) = int_0^inf e^(-x (cosh t - 1)) cosh(v t) dt, with s = sqrt(2x) sinh(t/2)
(so that x (cosh t - 1) = s^2):
    e^x K_v(x) = int_0^inf e^(-s^2) cosh(v t(s)) 2 / sqrt(2x + s^2) ds,   t(s) = 2 asinh(s / sqrt(2x)).
The integrand is analytic in the strip |Im s| < sqrt(2x) and falls like e^(-s^2), so the trapezoidal rule
converges geometrically (its error is near e^(b^2 - 2 pi b / h) for any b inside the strip): steps of
h = 1/8 up to s = 6.5 (where e^(-s^2) < 1e-18) reach 1e-17 for every x >= 1/2 and any order v, which
_np_airy.py uses for K_(1/3). Scaled, it neither overflows nor underflows; K_v = e^-x (e^x K_v) underflows
to 0 gracefully past x = 745.
"""
from __future__ import annotations

import math

import numpy as np

from ._np_bessel import hankel, miller, order, power_series, scaled_modified
from ._np_special import of_order

_EULER = 0.5772156649015329
_LN2 = math.log(2.0)
_TERMS = 30


def _harmonic_weights(v: int) -> list[float]:
    """H_k + H_(k+v) for k < _TERMS: the weights of S_v (module docstring)."""
    h_k, h_kv = 0.0, float(v)  # H_0 = 0, H_v for v in (0, 1)
    out = [h_k + h_kv]
    for k in range(1, _TERMS):
        h_k, h_kv = h_k + 1.0 / k, h_kv + 1.0 / (k + v)
        out.append(h_k + h_kv)
    return out


_HARMONIC = [_harmonic_weights(v) for v in (0, 1)]


def _neumann_series(x: np.ndarray, v: int, sign: float) -> np.ndarray:
    """S_v(x, sign) (module docstring)."""
    return power_series(x, v, sign, _TERMS, _HARMONIC[v], leading=False)


def _neumann_functional(v: int) -> np.ndarray:
    """The coefficients c_n of sum_n c_n J_n in Y_v's Neumann expansion (module docstring), log term aside."""
    c = np.zeros_like(order(0))
    for k in range(1, len(c) // 2):
        if v == 0:
            c[2 * k] -= 2.0 * (-1) ** k / k
        else:
            c[2 * k - 1] += (-1) ** k / k
            c[2 * k + 1] -= (-1) ** k / k
    return c


_Y_SUMS = [order(0), order(1), _neumann_functional(0), _neumann_functional(1)]


def _bessel_y(x: np.ndarray, v: int) -> np.ndarray:
    z = np.where(x > 0, x, np.nan)  # Y is real for x > 0 only; 0 is set to its limit below
    small = np.minimum(z, 4.0)
    log_term = np.log(small) - _LN2 + _EULER  # not ln(x/2): x/2 rounds to 0 for the least subnormal x
    if v == 0:
        series = 2 / math.pi * (log_term * power_series(small, 0, -1.0, _TERMS) - _neumann_series(small, 0, -1.0) / 2)
    else:
        series = (2 / math.pi * log_term * power_series(small, 1, -1.0, _TERMS) - 2 / (math.pi * small)
                  - small / (2 * math.pi) * _neumann_series(small, 1, -1.0))
    mid_z = np.clip(z, 4.0, 25.0)
    j0, j1, sum0, sum1 = miller(mid_z, _Y_SUMS)
    log_term = np.log(mid_z / 2.0) + _EULER
    mid = 2 / math.pi * (log_term * j0 + sum0 if v == 0 else log_term * j1 - j0 / mid_z + sum1)
    far = hankel(np.maximum(z, 25.0), v)[1]
    out = np.where(z < 4.0, series, np.where(z <= 25.0, mid, far))
    return np.where(x == 0, -np.inf, out)


bessel_y0, bessel_y1 = (of_order(_bessel_y, v, f"bessel_y{v}") for v in (0, 1))


_STEP, _END = 1.0 / 8.0, 6.5
_NODES = np.arange(0.0, _END + _STEP / 2, _STEP)
_WEIGHTS = np.where(_NODES == 0, _STEP / 2, _STEP) * np.exp(-_NODES ** 2)  # the trapezoid's h (h/2 at s = 0) e^-s^2


def scaled_k_integral(x: np.ndarray, v: float) -> np.ndarray:
    """e^x K_v(x) for x >= 1/2 by the trapezoidal rule on the integral of the module docstring."""
    total = np.zeros_like(x)
    root = np.sqrt(2.0 * x)
    for s, w in zip(_NODES, _WEIGHTS):
        total += w * np.cosh(v * 2.0 * np.arcsinh(s / root)) * 2.0 / np.sqrt(2.0 * x + s * s)
    return total


def _scaled_k(x: np.ndarray, v: int) -> np.ndarray:
    """e^x K_v(x): the series below 2, the integral above."""
    z = np.where(x >= 0, x, np.nan)
    small = np.minimum(z, 2.0)
    log_term = np.log(small) - _LN2 + _EULER
    i_v = scaled_modified(small, v) * np.exp(small)
    if v == 0:
        series = -log_term * i_v + _neumann_series(small, 0, 1.0) / 2
    else:
        series = 1.0 / small + log_term * i_v - small / 4 * _neumann_series(small, 1, 1.0)
    with np.errstate(invalid="ignore"):  # 0 * inf at x = 0, whose limit is set below
        out = np.where(z <= 2.0, series * np.exp(small), scaled_k_integral(np.maximum(z, 2.0), v))
    return np.where(x == 0, np.inf, out)


def _k(x: np.ndarray, v: int) -> np.ndarray:
    """K_v(x) = e^-x (e^x K_v(x))."""
    return _scaled_k(x, v) * np.exp(-x)


scaled_modified_bessel_k0, scaled_modified_bessel_k1 = (
    of_order(_scaled_k, v, f"scaled_modified_bessel_k{v}") for v in (0, 1))
modified_bessel_k0, modified_bessel_k1 = (of_order(_k, v, f"modified_bessel_k{v}") for v in (0, 1))
