"""copysign, deg2rad, rad2deg, float_power, ldexp, hypot, heaviside, fmax/fmin, logaddexp/logaddexp2 and
diff, gradient, trapezoid, cumulative_trapezoid, logcumsumexp vs torch: values, dtypes, gradients."""
import math

import numpy as np
import pytest

from helpers import LAYOUTS, check, gradcheck, raises_like

rng = np.random.default_rng(3)


def rand(*shape):
    return rng.standard_normal(shape)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_binary_composites(layout):
    a, b = rand(3, 4), rand(3, 4)
    b[0, :2] = 0.0
    b[1, 0] = -0.0
    a[2, 1] = 0.0
    for fn in (lambda T, a, b: T.copysign(a, b), lambda T, a, b: a.copysign(-2.0),
               lambda T, a, b: T.hypot(a, b), lambda T, a, b: T.fmax(a, b), lambda T, a, b: T.fmin(a, b),
               lambda T, a, b: T.logaddexp(a, b), lambda T, a, b: T.logaddexp2(a, b),
               lambda T, a, b: T.float_power(a.abs(), b), lambda T, a, b: T.ldexp(a, T.tensor([1, 2, 3, 0])),
               lambda T, a, b: T.deg2rad(a) + T.rad2deg(b)):
        check(fn, a, b, layout=layout, atol=1e-12, rtol=1e-10)
        check(fn, a.astype(np.float32), b.astype(np.float32), layout=layout)


def test_ties_nans_infinities_and_integers():
    a = np.array([1.0, np.nan, 2.0, np.nan, np.inf, -np.inf, 3.0, 1e300])
    b = np.array([1.0, 2.0, np.nan, np.nan, np.inf, -np.inf, -np.inf, 1e300])
    for name in ("fmax", "fmin", "logaddexp", "logaddexp2", "hypot"):
        check(lambda T, a, b: getattr(T, name)(a, b), a, b, grad=name in ("fmax", "fmin"), atol=0, rtol=1e-12)
    i, j = rng.integers(-5, 5, (2, 6))
    for fn in (lambda T, i, j: T.copysign(i, j), lambda T, i, j: T.deg2rad(i), lambda T, i, j: T.rad2deg(i),
               lambda T, i, j: T.float_power(i, j.abs()), lambda T, i, j: T.fmax(i, j), lambda T, i, j: T.ldexp(i, j),
               lambda T, i, j: T.heaviside(i, j)):
        check(fn, i, j, grad=False)
    check(lambda T, x, v: T.heaviside(x, v), np.array([-1.0, 0.0, 2.0, np.nan]), np.array([0.5]), grad=False)
    raises_like(lambda T, x, v: T.heaviside(x, v), np.array([1.0]), np.array([1]), match=["different dtypes"])
    raises_like(lambda T, i, j: T.hypot(i, j), np.array([1]), np.array([2]))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_diff_and_integrals(layout):
    x = rand(4, 5)
    for fn in (lambda T, x: T.diff(x), lambda T, x: T.diff(x, n=2, dim=0), lambda T, x: x.diff(n=3),
               lambda T, x: T.diff(x, dim=0, prepend=x[:1] * 2, append=x[-2:]),
               lambda T, x: T.trapezoid(x), lambda T, x: T.trapezoid(x, dx=0.5, dim=0),
               lambda T, x: T.trapezoid(x, T.tensor([0.0, 0.5, 2.0, 2.5, 4.0], dtype=x.dtype)),
               lambda T, x: T.trapz(x, x * 2, dim=0), lambda T, x: T.cumulative_trapezoid(x),
               lambda T, x: T.cumulative_trapezoid(x, T.tensor([0.0, 1.0, 3.0, 3.5], dtype=x.dtype), dim=0),
               lambda T, x: T.logcumsumexp(x, 1), lambda T, x: x.logcumsumexp(0)):
        check(fn, x, layout=layout, atol=1e-12, rtol=1e-10)
    check(lambda T, b: T.diff(b), rng.random(6) > 0.5, grad=False)
    check(lambda T, i: T.diff(i, n=2), rng.integers(0, 9, 7), grad=False)
    check(lambda T, x: T.logcumsumexp(x, 0), np.array([-np.inf, 0.0, 1000.0, -1000.0, np.inf]), grad=False)


@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_logcumsumexp_single_precision_beside_a_huge_entry(dtype):
    # OpInfo's sample: a leading 1e4 makes every later output 1e4 + a few ulps, so e^(x - out) in the backward
    # is only as good as out's rounding; PyTorch scans float and cfloat in double, and so must mytorch to agree
    x = rand(5, 4, 3).astype(dtype)
    x[0] = 1e4
    for dim in (0, 1):
        check(lambda T, x: T.logcumsumexp(x, dim), x, atol=1e-5, rtol=1.3e-6)


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient(edge_order):
    f = rand(5, 6)
    for fn in (lambda T, f: T.gradient(f, edge_order=edge_order),
               lambda T, f: T.gradient(f, spacing=2.0, dim=1, edge_order=edge_order),
               lambda T, f: T.gradient(f, spacing=[0.5, 3.0], edge_order=edge_order),
               lambda T, f: T.gradient(f, spacing=[T.tensor([0.0, 1.0, 1.5, 3.0, 4.0], dtype=f.dtype)], dim=0,
                                       edge_order=edge_order),
               lambda T, f: T.gradient(f, spacing=(T.tensor([0.0, 1.0, 1.5, 3.0, 4.0], dtype=f.dtype),
                                                   T.tensor([0.0, 0.1, 0.4, 0.5, 1.0, 2.0], dtype=f.dtype)),
                                       dim=[0, 1], edge_order=edge_order)):
        check(fn, f, atol=1e-12, rtol=1e-10)
    check(lambda T, i: T.gradient(i), rng.integers(0, 9, (3, 4)), grad=False)
    raises_like(lambda T, x: T.gradient(x, edge_order=2), rand(2))


def test_gradcheck():
    a, b = rand(5), rand(5)
    gradcheck(lambda T, a, b: T.hypot(a, b) + T.logaddexp(a, b) + T.logaddexp2(a, b) + T.copysign(a, b), a, b)
    gradcheck(lambda T, a: T.gradient(a, spacing=[T.tensor([0.0, 1.0, 1.5, 3.0, 4.0], dtype=a.dtype)],
                                      edge_order=2)[0] + T.logcumsumexp(a, 0) + T.cumulative_trapezoid(a)[0], a)
