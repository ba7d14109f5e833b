"""The Airy function Ai, written with NumPy alone (torch.special.airy_ai), computed in float64 (`in_float64`).

Ai solves y'' = x y and decays for x -> +inf (Ai(0) = 3^(-2/3) / Gamma(2/3), Ai'(0) = -3^(-1/3) / Gamma(1/3)).
With zeta = (2/3) |x|^(3/2), three regions:

x > 1: Ai(x) = 1/pi sqrt(x/3) K_(1/3)(zeta) = 1/pi sqrt(x/3) e^-zeta [e^zeta K_(1/3)(zeta)], the scaled K by the
    integral of _np_bessel_second.py (zeta > 2/3 there); it underflows to 0 past x = 104.

-10 <= x <= 1: Taylor series about the nearest of the nodes x0 = -10, -9.5, ..., 1: with y = sum_n a_n d^n,
    d = x - x0, the equation gives a_(n+2) = (x0 a_n + a_(n-1)) / ((n+1)(n+2)), a_0 = Ai(x0), a_1 = Ai'(x0).
    |d| <= 1/4 and |x0| <= 10 make the terms fall faster than (0.8)^n / n!: 25 reach 1e-18. The nodes' Ai and
    Ai' come from the same series, stepped out from 0 by half-units (on this side Ai and Bi are of one size,
    so the steps do not amplify rounding).

x < -10: the asymptotic expansion (Abramowitz & Stegun 10.4.60), z = -x,
    Ai(-z) = pi^(-1/2) z^(-1/4) [sin(zeta + pi/4) P - cos(zeta + pi/4) Q],
    P = sum_k (-1)^k u_2k zeta^-2k,  Q = sum_k (-1)^k u_(2k+1) zeta^-(2k+1),
    u_k = Gamma(3k + 1/2) / (54^k k! Gamma(k + 1/2)),  u_(k+1) / u_k = (6k+1)(6k+3)(6k+5) / (216 (k+1)(2k+1)),
    whose terms shrink while k < 2 zeta (zeta > 21 here): 24 of them reach 1e-17. sin and cos of zeta + pi/4
    come from those of zeta, so the sum is never rounded.
+-inf give NaN, as in PyTorch.
"""
from __future__ import annotations

import math

import numpy as np

from ._np_bessel_second import scaled_k_integral
from ._np_special import in_float64

_LOW, _HIGH, _HALF_STEP = -10.0, 1.0, 0.25
_TAYLOR_TERMS = 25


def _taylor(x0, a0, a1, d, terms: int) -> tuple:
    """(y(x0 + d), y'(x0 + d)) of y'' = x y from y(x0) = a0, y'(x0) = a1 (module docstring)."""
    previous, current, following = 0.0 * a0, a0, a1  # a_(n-1), a_n, a_(n+1) at n = 0
    value, slope, power = a0 + a1 * d, a1 + 0.0 * d, 1.0 + 0.0 * d  # power = d^(n), n = 0
    for n in range(terms):
        previous, current, following = current, following, (x0 * current + previous) / ((n + 1) * (n + 2))
        power = power * d  # d^(n+1)
        value = value + following * power * d  # a_(n+2) d^(n+2)
        slope = slope + (n + 2) * following * power  # (n+2) a_(n+2) d^(n+1)
    return value, slope


def _node_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nodes x0 and Ai, Ai' at each, stepped out from 0 in both directions."""
    ai0, ai1 = 3.0 ** (-2.0 / 3.0) / math.gamma(2.0 / 3.0), -(3.0 ** (-1.0 / 3.0)) / math.gamma(1.0 / 3.0)
    nodes = {0.0: (ai0, ai1)}
    for direction, end in ((-1, _LOW), (1, _HIGH)):
        x0, (y, dy) = 0.0, (ai0, ai1)
        while abs(x0) < abs(end):
            y, dy = _taylor(x0, y, dy, direction * 2 * _HALF_STEP, 40)
            x0 += direction * 2 * _HALF_STEP
            nodes[x0] = (y, dy)
    xs = np.array(sorted(nodes))
    return xs, np.array([nodes[x][0] for x in xs]), np.array([nodes[x][1] for x in xs])


_NODES, _AI, _AI_PRIME = _node_table()


def _near(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, _LOW, _HIGH)
    index = np.rint((np.nan_to_num(x) - _LOW) / (2 * _HALF_STEP)).astype(np.int64)  # NaN stays in x - x0
    x0 = _NODES[index]
    return _taylor(x0, _AI[index], _AI_PRIME[index], x - x0, _TAYLOR_TERMS)[0]


def _asymptotic_coefficients(count: int) -> list[float]:
    out = [1.0]
    for k in range(count - 1):
        out.append(out[-1] * (6 * k + 1) * (6 * k + 3) * (6 * k + 5) / (216.0 * (k + 1) * (2 * k + 1)))
    return out


_U = _asymptotic_coefficients(24)


def _oscillating(x: np.ndarray) -> np.ndarray:
    z = -np.minimum(x, _LOW)
    zeta = 2.0 / 3.0 * z * np.sqrt(z)
    inv = 1.0 / zeta
    p, q = np.zeros_like(z), np.zeros_like(z)
    for k in reversed(range(0, len(_U), 2)):
        p = p * -(inv * inv) + _U[k]
        q = q * -(inv * inv) + _U[k + 1]
    q = q * inv
    s, c = np.sin(zeta), np.cos(zeta)
    # sin(zeta + pi/4) = (s + c) / sqrt2, cos(zeta + pi/4) = (c - s) / sqrt2
    return ((s + c) * p - (c - s) * q) / math.sqrt(2.0 * math.pi) / np.sqrt(np.sqrt(z))


def _decaying(x: np.ndarray) -> np.ndarray:
    z = np.maximum(x, _HIGH)
    zeta = 2.0 / 3.0 * z * np.sqrt(z)
    return np.sqrt(z / 3.0) / math.pi * np.exp(-zeta) * scaled_k_integral(zeta, 1.0 / 3.0)


@in_float64
def airy_ai(x: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # +-inf: NaN, as in PyTorch
        out = np.where(x < _LOW, _oscillating(x), np.where(x > _HIGH, _decaying(x), _near(x)))
    return np.where(np.isinf(x), np.nan, out)
