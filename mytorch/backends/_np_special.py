"""Special functions NumPy lacks, written with NumPy alone.

erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt
  |x| < 3: erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1))
           (every term positive, so no cancellation);
  |x| >= 3: erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
           evaluated bottom-up (a continued fraction that converges fast for large x).
"""
import numpy as np

_TWO_OVER_SQRT_PI = 2.0 / np.sqrt(np.pi)


def erf(x: np.ndarray) -> np.ndarray:
    out_dtype = x.dtype
    x = np.asarray(x, dtype=np.float64)
    ax = np.abs(x)
    small = np.minimum(ax, 3.0)
    term = small.copy()
    total = small.copy()
    x2 = small * small
    for n in range(1, 80):  # term ratio is 2x^2/(2n+1) <= 18/(2n+1): 80 terms reach 1e-17
        term = term * (2.0 * x2 / (2 * n + 1))
        total += term
    series = _TWO_OVER_SQRT_PI * np.exp(-x2) * total
    big = np.maximum(ax, 3.0)
    frac = np.zeros_like(big)
    for k in range(60, 0, -1):
        frac = (k / 2.0) / (big + frac)
    tail = 1.0 - np.exp(-big * big) / np.sqrt(np.pi) / (big + frac)
    out = np.where(ax < 3.0, series, tail)
    return (np.sign(x) * out).astype(out_dtype, copy=False)
