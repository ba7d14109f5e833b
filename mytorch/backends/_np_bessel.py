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
The same P and Q give the second kind, Y_v(x) = sqrt(2 / (pi x)) (P sin w + Q cos w), and Miller's recurrence
gathers any fixed combination sum_n c_n J_n on its way down: _np_bessel_second.py builds Y_0, Y_1 on both.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ._np_special import in_float64, of_order


def power_series(x: np.ndarray, v: int, sign: float, terms: int, weights: Sequence[float] | None = None,
                 leading: bool = True) -> np.ndarray:
    """sum_k c_k sign^k (x/2)^(2k+v) / (k! (k+v)!) over k < terms, c_k = weights[k] (1 without weights), the
    common factor (x/2)^v left out when not `leading`: J_v's and I_v's series, and with harmonic weights the
    Neumann series of Y_v and K_v (_np_bessel_second.py)."""
    q = sign * (x / 2.0) ** 2
    term = (x / 2.0) ** v / math.factorial(v) if leading else np.full_like(x, 1.0 / math.factorial(v))
    total = term.copy() if weights is None else weights[0] * term
    for k in range(1, terms):
        term = term * q / (k * (k + v))
        total += term if weights is None else weights[k] * term
    return total


def _asymptotic_coefficients(v: int, count: int) -> list[float]:
    """a_k(v) for k < count (module docstring)."""
    out, a = [1.0], 1.0
    for k in range(1, count):
        a *= (4.0 * v * v - (2 * k - 1) ** 2) / (k * 8.0)
        out.append(a)
    return out


_A = {v: _asymptotic_coefficients(v, 40) for v in (0, 1)}


def scaled_modified(x: np.ndarray, v: int) -> np.ndarray:
    """e^-|x| I_v(|x|) for any x (the sign is the caller's)."""
    z = np.abs(x)
    series = power_series(np.minimum(z, 20.0), v, 1.0, 60) * np.exp(-np.minimum(z, 20.0))
    big = np.maximum(z, 20.0)
    inv = 1.0 / big
    total = np.zeros_like(big)
    for k in reversed(range(40)):
        total = total * -inv + _A[v][k]
    return np.where(z <= 20.0, series, total / np.sqrt(2.0 * math.pi * big))


@in_float64
def i0e(x: np.ndarray) -> np.ndarray:
    return scaled_modified(x, 0)


@in_float64
def i1e(x: np.ndarray) -> np.ndarray:
    return np.copysign(scaled_modified(x, 1), x)


@in_float64
def i0(x: np.ndarray) -> np.ndarray:
    z = np.abs(x)
    return scaled_modified(x, 0) * np.exp(z)


@in_float64
def i1(x: np.ndarray) -> np.ndarray:
    return np.copysign(scaled_modified(x, 1) * np.exp(np.abs(x)), x)


_MILLER_TOP = 2 * int((25.0 + 30.0 + math.sqrt(40.0 * 25.0)) / 2)  # even, far enough above z <= 25 for 1e-17


def order(n: int) -> np.ndarray:
    """The functional picking J_n out of J_0..J_top."""
    out = np.zeros(_MILLER_TOP + 1)
    out[n] = 1.0
    return out


# 1 = J_0 + 2 (J_2 + J_4 + ...): the sum that fixes Miller's common factor
_NORM = np.where(np.arange(_MILLER_TOP + 1) % 2 == 0, 2.0, 0.0)
_NORM[0] = 1.0


def miller(z: np.ndarray, functionals: list[np.ndarray]) -> list[np.ndarray]:
    """sum_n c_n J_n(z) for each coefficient vector c (over n = 0.._MILLER_TOP), for 4 <= z <= 25, by Miller's
    backward recurrence (module docstring); sums are gathered during the recurrence, so no J_n is stored."""
    upper, current = np.zeros_like(z), np.full_like(z, 1e-30)  # J_(n+1), J_n for n = top
    sums = [c[_MILLER_TOP] * current for c in functionals]
    norm = _NORM[_MILLER_TOP] * current
    for n in range(_MILLER_TOP, 0, -1):
        upper, current = current, (2.0 * n / z) * current - upper  # J_(n-1)
        for total, c in zip(sums, functionals):
            if c[n - 1]:
                total += c[n - 1] * current
        if _NORM[n - 1]:
            norm += _NORM[n - 1] * current
    return [total / norm for total in sums]


_J0, _J1 = order(0), order(1)


def hankel(z: np.ndarray, v: int) -> tuple[np.ndarray, np.ndarray]:
    """(J_v(z), Y_v(z)) for z > 25 by Hankel's expansion (module docstring)."""
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
    scale = np.sqrt(2.0 / (math.pi * z)) / math.sqrt(2.0)
    return scale * (p * cos_w - q * sin_w), scale * (p * sin_w + q * cos_w)


def _bessel_j(x: np.ndarray, v: int) -> np.ndarray:
    z = np.abs(x)
    series = power_series(np.minimum(z, 4.0), v, -1.0, 30)
    mid = miller(np.clip(z, 4.0, 25.0), [_J1 if v else _J0])[0]
    far = hankel(np.maximum(z, 25.0), v)[0]
    out = np.where(z < 4.0, series, np.where(z <= 25.0, mid, far))
    return np.where(x < 0, -out, out) if v == 1 else out


bessel_j0, bessel_j1 = (of_order(_bessel_j, v, f"bessel_j{v}") for v in (0, 1))
