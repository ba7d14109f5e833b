"""The error-function family, written with NumPy alone: erf, erfc, erfcx, erfinv, ndtri, log_ndtr.

erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt, odd; erfc = 1 - erf; erfcx(x) = e^(x^2) erfc(x).

float64 (to ~1e-15), for |x| = z:
  z < 2:  erf(z) = 2/sqrt(pi) * exp(-z^2) * sum_n 2^n z^(2n+1) / (1*3*...*(2n+1))
          (every term positive, so no cancellation); erfc = 1 - erf loses at most a factor 1/erfc(2) = 200
          of erf's 1e-16;
  z >= 2: erfcx(z) = 1/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))), the continued fraction
          evaluated bottom-up (60 levels reach 1e-16 from z = 2 on); erfc = e^(-z^2) erfcx with z^2 split
          into an exact part and a small one, so e^(-z^2) keeps its relative accuracy up to z = 27.
Negative arguments: erf(-z) = -erf(z), erfc(-z) = 1 + erf(z), erfcx(-z) = 2 e^(z^2) - erfcx(z).
The other dtypes compute in float64 and round once, except erf in float32 (GELU's hot path), which has
its own single-precision evaluation (to ~1.2e-7 relative, float32's own rounding), about 20x faster:
  z < 0.5: the Maclaurin series 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)), 8 terms;
  otherwise: erfc(z) = t exp(-z^2 + P(t)), t = 1/(1 + z/2), with the degree-9 Chebyshev-fitted
           polynomial P of Numerical Recipes' erfcc (fractional error below 1.2e-7 for all z).

Inverses (erfinv, ndtri) solve erf(x) = a, erfc(x) = c = 1 - a for x >= 0 by Halley's method from a
closed-form start (see `_inverse_erf`); log_ndtr = log Phi takes erfcx in the left tail, where Phi
underflows long before its logarithm does.
"""
import functools
import math
from typing import Callable

import numpy as np

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
# P(t) coefficients, constant term first
_ERFCC = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398,
          1.48851587, -0.82215223, 0.17087277)
_MACLAURIN = tuple((-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(8))


def in_float64(kernel: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """kernel(float64 arrays of at least one dim, broadcast together) -> its values rounded to the operands'
    dtype (a binary primitive may get a Python number beside its one array), in their broadcast shape: how
    every special function here runs."""
    @functools.wraps(kernel)
    def run(*xs: np.ndarray) -> np.ndarray:
        dtype = next(x.dtype for x in xs if isinstance(x, np.ndarray))
        args = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in xs))
        out = kernel(*(np.array(a, ndmin=1) for a in args))  # copies: kernels may write in place
        return out.reshape(args[0].shape).astype(dtype, copy=False)
    return run


def of_order(kernel: Callable[[np.ndarray, int], np.ndarray], v: int, name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The primitive `name`: kernel(x, v) at the one order v (a Bessel function's), run by `in_float64`."""
    def run(x: np.ndarray) -> np.ndarray:
        return kernel(x, v)
    run.__name__ = run.__qualname__ = name
    return in_float64(run)


def erf(x: np.ndarray) -> np.ndarray:
    if x.dtype == np.float32:
        if x.ndim == 0:  # NumPy turns 0-d results into scalars, which the in-place steps cannot write to
            return erf(x.reshape(1)).reshape(())
        return _erf_single(x)
    return _erf_double(x)


def _erf_single(x: np.ndarray) -> np.ndarray:
    # Horner steps in place: each polynomial costs two array passes per coefficient and no temporaries
    z = np.abs(x)
    x2 = x * x
    series = np.full_like(x, _MACLAURIN[-1])
    for c in _MACLAURIN[-2::-1]:
        series *= x2
        series += c
    series *= x
    series *= _TWO_OVER_SQRT_PI
    t = 0.5 * z
    t += 1.0
    np.reciprocal(t, out=t)
    poly = np.full_like(x, _ERFCC[-1])
    for c in _ERFCC[-2::-1]:
        poly *= t
        poly += c
    poly -= x2
    np.exp(poly, out=poly)
    poly *= t
    np.subtract(1.0, poly, out=poly)
    np.copysign(poly, x, out=poly)
    return np.where(z < 0.5, series, poly)




def _erf_series(z: np.ndarray) -> np.ndarray:
    """erf(z) for 0 <= z <= 2 (larger z are clamped): the all-positive series of the module docstring."""
    z = np.minimum(z, 2.0)
    x2 = z * z
    term = z.copy()
    total = z.copy()
    for n in range(1, 60):  # term ratio 2z^2/(2n+1) <= 8/(2n+1): 60 terms reach 1e-17
        term *= 2.0 * x2 / (2 * n + 1)
        total += term
    return _TWO_OVER_SQRT_PI * np.exp(-x2) * total


def _erfcx_fraction(z: np.ndarray) -> np.ndarray:
    """erfcx(z) for z >= 2 (smaller z are clamped): the continued fraction of the module docstring."""
    z = np.maximum(z, 2.0)
    frac = np.zeros_like(z)
    for k in range(60, 0, -1):
        frac = (k / 2.0) / (z + frac)
    return 1.0 / math.sqrt(math.pi) / (z + frac)


def _exp_square(z: np.ndarray, sign: float) -> np.ndarray:
    """e^(sign z^2) to full relative accuracy (z^2 itself rounds, and e^y turns y's absolute error into
    relative error): z = hi + lo with hi a multiple of 2^-12, so hi^2 is exact, and
    e^(sign z^2) = e^(sign hi^2) e^(sign (2 hi + lo) lo)."""
    z = np.minimum(z, 40.0)  # e^-1600 is 0 and e^1600 inf already; inf itself would make lo = inf - inf
    hi = np.round(z * 4096.0) / 4096.0
    lo = z - hi
    return np.exp(sign * hi * hi) * np.exp(sign * (2.0 * hi + lo) * lo)


def _erfc_nonnegative(z: np.ndarray) -> np.ndarray:
    return np.where(z < 2.0, 1.0 - _erf_series(z), _exp_square(z, -1.0) * _erfcx_fraction(z))


@in_float64
def _erf_double(x: np.ndarray) -> np.ndarray:
    z = np.abs(x)
    return np.copysign(np.where(z < 2.0, _erf_series(z), 1.0 - _exp_square(z, -1.0) * _erfcx_fraction(z)), x)


@in_float64
def erfc(x: np.ndarray) -> np.ndarray:
    z = np.abs(x)
    e = _erfc_nonnegative(z)
    return np.where(x < 0, 2.0 - e, e)


def _erfcx_nonnegative(z: np.ndarray) -> np.ndarray:
    return np.where(z < 2.0, _exp_square(np.minimum(z, 2.0), 1.0) * (1.0 - _erf_series(z)), _erfcx_fraction(z))


@in_float64
def erfcx(x: np.ndarray) -> np.ndarray:
    z = np.abs(x)
    scaled = _erfcx_nonnegative(z)
    # x < 0: 2 e^(x^2) - erfcx(|x|), which overflows to inf past x = -26.6 as the true value does
    return np.where(x < 0, 2.0 * _exp_square(z, 1.0) - scaled, scaled)


def _inverse_erf(a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """x >= 0 with erf(x) = a and erfc(x) = c, where a + c = 1 and each is given exactly where it carries
    the precision (a when a < 1/2, c otherwise).

    Start: a < 1/2: the series erfinv(a) ~ sqrt(pi)/2 a (1 + pi a^2 / 12) (1% at a = 1/2); otherwise
    Winitzki's closed form x^2 = sqrt(t^2 - l/k) - t, t = 2/(pi k) + l/2, k = 0.147, l = ln(1 - a^2) =
    ln c + ln(2 - c) (0.2% everywhere, and ln c keeps it finite down to the smallest c). Then Halley's
    method on f(x) = erf(x) - a = c - erfc(x): f' = 2/sqrt(pi) e^(-x^2), f''/f' = -2x, so with d = f/f'
    the step is x -= d / (1 + x d); the error cubes each step (1e-2, 1e-6, 1e-18). On the c side,
    d = sqrt(pi)/2 (c e^(x^2) - erfcx(x)), with c e^(x^2) = e^(ln c + x^2), so no factor underflows."""
    small = a < 0.5
    k = 0.147
    log_c = np.log(np.where(small, 0.5, c))
    l_ = log_c + np.log(2.0 - np.where(small, 0.5, c))
    t = 2.0 / (math.pi * k) + l_ / 2.0
    x = np.where(small, math.sqrt(math.pi) / 2.0 * a * (1.0 + math.pi * a * a / 12.0),
                 np.sqrt(np.maximum(np.sqrt(t * t - l_ / k) - t, 0.0)))
    for _ in range(3):
        e_x2 = np.exp(np.minimum(x * x, 700.0))
        d_small = (_erf_series(x) - a) * e_x2
        d_large = np.exp(log_c + x * x) - _erfcx_nonnegative(x)
        d = math.sqrt(math.pi) / 2.0 * np.where(small, d_small, d_large)
        x = x - d / (1.0 + x * d)
    return np.where(c == 0.0, np.inf, x)


@in_float64
def erfinv(y: np.ndarray) -> np.ndarray:
    a = np.abs(y)
    x = np.copysign(_inverse_erf(a, 1.0 - a), y)  # 1 - a is exact for a >= 1/2, where it is used
    return np.where(a > 1.0, np.nan, x)


@in_float64
def ndtri(p: np.ndarray) -> np.ndarray:
    """Phi^-1(p) = sqrt(2) erfinv(2p - 1): for p < 1/2, -sqrt(2) times the root with a = 1 - 2p, c = 2p;
    otherwise sqrt(2) times the root with a = 2p - 1, c = 2 - 2p (each exact where it is used)."""
    low = p < 0.5
    a = np.where(low, 1.0 - 2.0 * p, 2.0 * p - 1.0)
    c = np.where(low, 2.0 * p, 2.0 - 2.0 * p)
    x = math.sqrt(2.0) * _inverse_erf(a, c)
    return np.where((p < 0.0) | (p > 1.0), np.nan, np.where(low, -x, x))


@in_float64
def log_ndtr(x: np.ndarray) -> np.ndarray:
    """log Phi(x), Phi(x) = erfc(-x / sqrt 2) / 2: for x < -1, log(erfcx(-x/sqrt 2) / 2) - x^2 / 2 (no
    underflow); otherwise log1p(-erfc(x / sqrt 2) / 2) (accurate as Phi -> 1)."""
    z = -x / math.sqrt(2.0)
    left = np.log(_erfcx_nonnegative(np.maximum(z, 0.0)) / 2.0) - x * x / 2.0
    right = np.log1p(-erfc(-z) / 2.0)
    return np.where(x < -1.0, left, right)
