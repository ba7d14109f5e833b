"""The gamma family, written with NumPy alone: lgamma, digamma, the Hurwitz zeta function and the
regularized incomplete gamma functions. Every kernel computes in float64 (`in_float64`).

Three tools carry all of them:
- Euler-Maclaurin summation: sum_{k>=N} f(k) = integral_N^inf f + f(N)/2 - sum_j B_2j/(2j)! f^(2j-1)(N),
  with Bernoulli numbers B_2j. Applied to f(k) = (q + k)^-s it is the Hurwitz zeta function; its
  s -> 1 limit, d/dq, gives digamma's asymptotic series, and integrating digamma gives Stirling's for
  lgamma. Each converges fast once the argument is >= 10, so smaller arguments are first shifted up
  with the recurrences Gamma(x + 1) = x Gamma(x), psi(x + 1) = psi(x) + 1/x.
- Reflection for negative arguments: Gamma(x) Gamma(1 - x) = pi / sin(pi x), and its derivative
  psi(1 - x) - psi(x) = pi / tan(pi x); sin(pi x) is evaluated on x reduced to [-1/2, 1/2] (`_sinpi`),
  so that near the poles it keeps its relative accuracy.
- Near lgamma's zeros x = 1 and 2 the shifted Stirling sum would cancel: there
  lgamma(1 + z) = -gamma z + sum_{k>=2} (-1)^k zeta(k) z^k / k (|z| <= 1/4, 30 terms), and
  lgamma(2 + z) = log1p(z) + lgamma(1 + z).
The incomplete gamma functions P(a, x) = gamma(a, x) / Gamma(a) and Q = 1 - P take the power series
P = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ... (a + n)) for x <= max(1, a), and Legendre's
continued fraction Q = x^a e^-x / Gamma(a) / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / ...))
(evaluated forward with Lentz's method) otherwise; the other one of the pair is 1 minus it.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ._np_special import in_float64

_EULER_GAMMA = 0.57721566490153286061


def _bernoulli_even(count: int) -> list[Fraction]:
    """B_2, B_4, ..., B_2count from the recurrence sum_{k=0}^{m} C(m+1, k) B_k = 0 (B_0 = 1)."""
    b = [Fraction(1)]
    for m in range(1, 2 * count + 1):
        b.append(-sum(math.comb(m + 1, k) * b[k] for k in range(m)) / (m + 1))
    return b[2::2]


_B2J = _bernoulli_even(12)
_STIRLING = [float(b / (2 * j * (2 * j - 1))) for j, b in enumerate(_B2J[:8], 1)]  # B_2j / (2j (2j-1))
_DIGAMMA_ASYMPTOTIC = [float(b / (2 * j)) for j, b in enumerate(_B2J[:8], 1)]  # B_2j / (2j)
_EULER_MACLAURIN = [float(b / math.factorial(2 * j)) for j, b in enumerate(_B2J, 1)]  # B_2j / (2j)!


def _sinpi(x: np.ndarray) -> np.ndarray:
    """sin(pi x), exactly 0 at the integers: x - round(x) is exact, and sin(pi (n + r)) = (-1)^n sin(pi r)."""
    n = np.round(x)
    parity = np.where(np.remainder(n, 2.0) == 0.0, 1.0, -1.0)
    return parity * np.sin(math.pi * (x - n))


def _cospi(x: np.ndarray) -> np.ndarray:
    n = np.round(x)
    parity = np.where(np.remainder(n, 2.0) == 0.0, 1.0, -1.0)
    return parity * np.cos(math.pi * (x - n))


def _shift_up(x: np.ndarray, fold, start: float) -> tuple[np.ndarray, np.ndarray]:
    """(x + n, acc): x >= 1/2 advanced by whole steps to >= 10 (at most 10 steps), with
    acc = fold(... fold(start, x), x + 1 ..., x + n - 1) over the steps taken."""
    acc = np.full_like(x, start)
    for _ in range(10):
        step = x < 10.0
        acc = np.where(step, fold(acc, np.where(step, x, 1.0)), acc)
        x = np.where(step, x + 1.0, x)
    return x, acc


def _lgamma_stirling(t: np.ndarray) -> np.ndarray:
    """lgamma(t) for t >= 10: (t - 1/2) ln t - t + ln(2 pi)/2 + sum_j B_2j / (2j (2j-1) t^(2j-1))."""
    inv, inv2 = 1.0 / t, 1.0 / (t * t)
    tail = np.zeros_like(t)
    for c in reversed(_STIRLING):
        tail = tail * inv2 + c
    return (t - 0.5) * np.log(t) - t + 0.5 * math.log(2.0 * math.pi) + tail * inv


def _lgamma_near_one(z: np.ndarray) -> np.ndarray:
    """lgamma(1 + z) for |z| <= 1/4 (module docstring)."""
    total = np.zeros_like(z)
    for k in range(30, 1, -1):
        total = (total + (-1) ** k * _ZETA_INT[k] / k) * z
    return (total - _EULER_GAMMA) * z


def _lgamma_positive(x: np.ndarray) -> np.ndarray:
    """lgamma(x) for x > 0: x < 1/2 through lgamma(x + 1) - ln x; then the series near 1 and 2, and
    Stirling's sum elsewhere, after lgamma(x) = lgamma(x + n) - ln(x (x + 1) ... (x + n - 1))."""
    tiny = x < 0.5
    y = np.where(tiny, x + 1.0, x)
    t, prod = _shift_up(np.maximum(y, 0.5), np.multiply, 1.0)
    out = _lgamma_stirling(t) - np.log(prod)
    near1, near2 = np.abs(y - 1.0) <= 0.25, np.abs(y - 2.0) <= 0.25
    out = np.where(near1, _lgamma_near_one(np.where(near1, y - 1.0, 0.0)), out)
    z2 = np.where(near2, y - 2.0, 0.0)
    out = np.where(near2, np.log1p(z2) + _lgamma_near_one(z2), out)
    return np.where(tiny, out - np.log(np.where(tiny, x, 1.0)), out)


@in_float64
def lgamma(x: np.ndarray) -> np.ndarray:
    """ln |Gamma(x)|: inf at the poles 0, -1, -2, ... and at +-inf; negative x by reflection,
    lgamma(x) = ln(pi / |sin(pi x)|) - lgamma(1 - x)."""
    neg = x < 0
    pos = _lgamma_positive(np.where(neg, 1.0 - x, np.abs(x)))
    out = np.where(neg, np.log(math.pi / np.abs(_sinpi(x))) - pos, pos)
    return np.where((x <= 0) & (x == np.floor(x)) | np.isinf(x), np.inf, out)


@in_float64
def digamma(x: np.ndarray) -> np.ndarray:
    """psi(x) = d/dx ln Gamma(x): for x >= 10 the asymptotic series
    psi(t) = ln t - 1/(2t) - sum_j B_2j / (2j t^2j); smaller x shifted up by psi(x) = psi(x + n) - sum 1/(x + k);
    negative x by reflection psi(x) = psi(1 - x) - pi / tan(pi x). psi(+-0) = -+inf, nan at the negative
    integers (where the two sides' infinities differ in sign), as PyTorch."""
    neg = x < 0
    y = np.where(neg, 1.0 - x, x)
    t, steps = _shift_up(np.where(y <= 0, 1.0, y), lambda acc, v: acc + 1.0 / v, 0.0)
    inv2 = 1.0 / (t * t)
    tail = np.zeros_like(t)
    for c in reversed(_DIGAMMA_ASYMPTOTIC):
        tail = tail * inv2 + c
    out = np.log(t) - 0.5 / t - tail * inv2 - steps
    out = np.where(neg, out - math.pi * _cospi(x) / _sinpi(x), out)
    out = np.where(x == 0, np.copysign(np.inf, -x), out)
    return np.where(neg & (x == np.floor(x)), np.nan, out)


@in_float64
def zeta(s: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hurwitz zeta(s, q) = sum_{k>=0} (q + k)^-s: the terms summed directly until q + k >= 9 (and at least 9
    of them), then the Euler-Maclaurin tail at a = q + N:
    a^(1-s)/(s-1) + a^-s/2 + sum_j B_2j/(2j)! s (s+1) ... (s+2j-2) a^(-s-2j+1).
    PyTorch's domain: inf at s = 1 and at the poles q = 0, -1, ...; nan for s < 1, and for q < 0 with a
    non-integer s (where (q + k)^-s is not real)."""
    # each element sums its own N terms directly (the others' loop steps leave it as it is), so that its value
    # does not depend on the array it comes in (as the C++ kernel, csrc/special/zeta.cpp); the elements whose
    # value is set below take 9
    pole = (q <= 0) & (q == np.floor(q))
    set_below = pole | (s <= 1) | ((q <= 0) & (s != np.floor(s))) | ~np.isfinite(q)
    steps = np.maximum(9.0, np.ceil(9.0 - np.where(set_below, 9.0, q)))
    total = np.zeros_like(q)
    a = q.copy()
    for k in range(int(np.max(steps, initial=9.0))):
        more = k < steps
        total += np.where(more, np.power(a, -s), 0.0)
        a = np.where(more, a + 1.0, a)
    tail = np.power(a, 1.0 - s) / (s - 1.0) + 0.5 * np.power(a, -s)
    rising = s.copy()  # s (s+1) ... (s+2j-2)
    power = np.power(a, -s - 1.0)
    inv2 = 1.0 / (a * a)
    for j, c in enumerate(_EULER_MACLAURIN, 1):
        tail += c * rising * power
        rising = rising * (s + 2 * j - 1) * (s + 2 * j)
        power = power * inv2
    out = total + tail
    out = np.where((q <= 0) & (s != np.floor(s)), np.nan, out)
    out = np.where(pole, np.inf, out)
    out = np.where(s < 1, np.nan, out)
    return np.where(s == 1, np.inf, out)


_ZETA_INT = [math.nan, math.inf] + [float(zeta(np.array(float(k)), np.array(1.0))) for k in range(2, 31)]


def _prefactor(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """x^a e^-x / Gamma(a), through logarithms (each factor alone over- or underflows long before the product)."""
    return np.exp(a * np.log(x) - x - lgamma(a))


def _lower_series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(a, x) by the power series (module docstring), each element summed until its term is below 1e-17 of its
    sum (and then left as it is while the others go on: its value does not depend on the array it comes in)."""
    term = 1.0 / a
    total = term.copy()
    n = a.copy()
    active = np.ones(a.shape, dtype=bool)
    for _ in range(5000):
        n += 1.0
        term = term * x / n
        total = np.where(active, total + term, total)
        active &= np.abs(term) > 1e-17 * np.abs(total)
        if not active.any():
            break
    return total * _prefactor(a, x)


def _upper_fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q(a, x) by Legendre's continued fraction (module docstring), with Lentz's method: the convergent
    h_n = h_(n-1) C_n D_n, C_n = b_n + a_n / C_(n-1), D_n = 1 / (b_n + a_n D_(n-1)), tiny values kept off 0.
    Each element stops at its first C_n D_n = 1 (to 1e-16, so exactly); one that went on while others converge
    would be multiplied by factors 1 +- 1 ulp up to 5000 times, a drift of up to 1e-13."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = np.full_like(x, 1.0 / tiny)
    d = 1.0 / np.where(b == 0, tiny, b)
    h = d.copy()
    active = np.ones(a.shape, dtype=bool)
    for i in range(1, 5000):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = 1.0 / np.where(d == 0, tiny, d)
        c = b + an / c
        c = np.where(c == 0, tiny, c)
        delta = c * d
        h = np.where(active, h * delta, h)
        active &= np.abs(delta - 1.0) > 1e-16
        if not active.any():
            break
    return h * _prefactor(a, x)


def _incomplete_gamma(a: np.ndarray, x: np.ndarray, upper: bool) -> np.ndarray:
    series = x <= np.maximum(a, 1.0)
    # each method runs on harmless stand-ins where the other one (or a boundary value) answers
    ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    sa, sx = np.where(ok & series, a, 1.0), np.where(ok & series, x, 0.5)
    fa, fx = np.where(ok & ~series, a, 1.0), np.where(ok & ~series, x, 2.0)
    p, q = _lower_series(sa, sx), _upper_fraction(fa, fx)  # the smaller one of P, Q carries the precision
    out = np.where(series, 1.0 - p, q) if upper else np.where(series, p, 1.0 - q)
    lo, hi = (1.0, 0.0) if upper else (0.0, 1.0)
    # a nan argument gives nan (the stand-ins above answered for it) unless a boundary below says otherwise;
    # PyTorch's boundaries, each overriding the ones above it: P(a, inf) = 1, P(inf, x) = 0, P(a, 0) = 0,
    # P(0, x > 0) = 1, nan off the domain
    out = np.where(np.isnan(a) | np.isnan(x), np.nan, out)
    out = np.where(np.isinf(x), hi, out)
    out = np.where(np.isinf(a), np.where(np.isinf(x), np.nan, lo), out)
    out = np.where(x == 0, lo, out)
    out = np.where(a == 0, np.where(x > 0, hi, np.nan), out)
    return np.where((a < 0) | (x < 0), np.nan, out)


@in_float64
def igamma(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The regularized lower incomplete gamma function P(a, x) = 1/Gamma(a) int_0^x t^(a-1) e^-t dt."""
    return _incomplete_gamma(a, x, upper=False)


@in_float64
def igammac(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    return _incomplete_gamma(a, x, upper=True)
