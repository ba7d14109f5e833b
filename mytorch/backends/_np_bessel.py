"""Bessel functions, written with NumPy alone: i0, i0e, i1, i1e (modified, first kind) and bessel_j0,
bessel_j1 (first kind). Every kernel computes in float64 (`in_float64`).

Modified: I_v(x) = sum_k (x/2)^(2k+v) / (k! (k+v)!) for |x| <= 20 (all terms positive: no cancellation;
the largest term is near k = x/2 and 60 terms reach 1e-17 of the sum), and the asymptotic expansion
    I_v(x) e^-x = 1/sqrt(2 pi x) sum_k (-1)^k a_k(v) / x^k,  a_k(v) = prod_{j<=k} (4v^2 - (2j-1)^2) / (k! 8^k)
for x > 20, whose terms shrink while k < 2x: 40 of them reach 1e-17. i0e = e^-|x| I_0 and i1e = e^-|x| I_1
take that expansion directly, so they stay finite where I_v overflows (x > 713). I_0 is even, I_1 odd.

First kind: J_v(x) alternates, so its power series cancels (terms near e^|x| for a result near 1/sqrt|x|).
It is used for |x| < 4 only (terms below 4, so 1e-16 of absolute error); up to |x| = 25 Miller's backward
recurrence J_(n-1) = (2n/x) J_n - J_(n+1), started at n = N (far beyond x) from J_(N+1) = 0, J_N = 1e-30,
gives all J_n up to one common factor, fixed by 1 = J_0 + 2 (J_2 + J_4 + ...); the recurrence is stable
downward, so every J_n comes out to full absolute accuracy. Past 25, Hankel's expansion
    J_v(x) = sqrt(2 / (pi x)) (P cos w - Q sin w),  w = x - v pi/2 - pi/4,
    P = sum_k (-1)^k a_2k(v) / x^2k,  Q = sum_k (-1)^k a_(2k+1)(v) / x^(2k+1),
with cos w and sin w expanded from cos x and sin x, so that w itself is never rounded. J_0 is even, J_1 odd.
"""
from __future__ import annotations

import math

import numpy as np

from ._np_special import in_float64


def _power_series(x: np.ndarray, v: int, sign: float, terms: int) -> np.ndarray:
    """sum_k sign^k (x/2)^(2k+v) / (k! (k+v)!)."""
    q = sign * (x / 2.0) ** 2
    term = (x / 2.0) ** v / math.factorial(v)
    total = term.copy()
    for k in range(1, terms):
        term = term * q / (k * (k + v))
        total += term
    return total


def _asymptotic_coefficients(v: int, count: int) -> list[float]:
    """a_k(v) for k < count (module docstring)."""
    out, a = [1.0], 1.0
    for k in range(1, count):
        a *= (4.0 * v * v - (2 * k - 1) ** 2) / (k * 8.0)
        out.append(a)
    return out


_A = {v: _asymptotic_coefficients(v, 40) for v in (0, 1)}


def _scaled_modified(x: np.ndarray, v: int) -> np.ndarray:
    """e^-|x| I_v(|x|) for any x (the sign is the caller's)."""
    z = np.abs(x)
    series = _power_series(np.minimum(z, 20.0), v, 1.0, 60) * np.exp(-np.minimum(z, 20.0))
    big = np.maximum(z, 20.0)
    inv = 1.0 / big
    total = np.zeros_like(big)
    for k in reversed(range(40)):
        total = total * -inv + _A[v][k]
    return np.where(z <= 20.0, series, total / np.sqrt(2.0 * math.pi * big))


@in_float64
def i0e(x: np.ndarray) -> np.ndarray:
    return _scaled_modified(x, 0)


@in_float64
def i1e(x: np.ndarray) -> np.ndarray:
    return np.copysign(_scaled_modified(x, 1), x)


@in_float64
def i0(x: np.ndarray) -> np.ndarray:
    z = np.abs(x)
    return _scaled_modified(x, 0) * np.exp(z)


@in_float64
def i1(x: np.ndarray) -> np.ndarray:
    return np.copysign(_scaled_modified(x, 1) * np.exp(np.abs(x)), x)


def _miller(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(J_0(z), J_1(z)) for 4 <= z <= 25 by Miller's backward recurrence (module docstring)."""
    top = 2 * int((25.0 + 30.0 + math.sqrt(40.0 * 25.0)) / 2)  # even, far enough above z for 1e-17
    upper, current = np.zeros_like(z), np.full_like(z, 1e-30)  # J_(n+1), J_n for n = top
    norm = np.zeros_like(z)  # 2 (J_2 + J_4 + ...)
    j1 = np.zeros_like(z)
    for n in range(top, 0, -1):
        lower = (2.0 * n / z) * current - upper  # J_(n-1)
        upper, current = current, lower
        if n - 1 == 1:
            j1 = current.copy()
        if (n - 1) % 2 == 0 and n - 1 > 0:
            norm += 2.0 * current
    scale = current + norm  # J_0 + 2 (J_2 + J_4 + ...) = 1
    return current / scale, j1 / scale


def _hankel(z: np.ndarray, v: int) -> np.ndarray:
    """J_v(z) for z > 25 by Hankel's expansion (module docstring)."""
    inv = 1.0 / z
    p, q = np.zeros_like(z), np.zeros_like(z)
    for k in reversed(range(0, 40, 2)):
        p = p * -(inv * inv) + _A[v][k]
        q = q * -(inv * inv) + _A[v][k + 1]
    q = q * inv
    c, s = np.cos(z), np.sin(z)
    # w = z - v pi/2 - pi/4: v = 0: cos w = (c + s)/sqrt2, sin w = (s - c)/sqrt2;
    #                        v = 1: cos w = (s - c)/sqrt2, sin w = -(s + c)/sqrt2
    cos_w, sin_w = ((c + s), (s - c)) if v == 0 else ((s - c), -(s + c))
    return np.sqrt(2.0 / (math.pi * z)) * (p * cos_w - q * sin_w) / math.sqrt(2.0)


def _bessel_j(x: np.ndarray, v: int) -> np.ndarray:
    z = np.abs(x)
    series = _power_series(np.minimum(z, 4.0), v, -1.0, 30)
    mid = _miller(np.clip(z, 4.0, 25.0))[v]
    far = _hankel(np.maximum(z, 25.0), v)
    out = np.where(z < 4.0, series, np.where(z <= 25.0, mid, far))
    return np.where(x < 0, -out, out) if v == 1 else out


@in_float64
def bessel_j0(x: np.ndarray) -> np.ndarray:
    return _bessel_j(x, 0)


@in_float64
def bessel_j1(x: np.ndarray) -> np.ndarray:
    return _bessel_j(x, 1)
