"""gcd, lcm, the bit shifts (functions and operators), nextafter and frexp vs torch, edge cases included:
zeros and signs, shifts at and past the width, subnormals, infinities, NaN."""
import numpy as np
import torch

import mytorch
from helpers import check, raises_like

rng = np.random.default_rng(8)


def test_gcd_lcm():
    a = np.array([0, -12, 7, 0, 2 ** 40, 35, -9])
    b = np.array([0, 18, 0, -5, 2 ** 20 * 3, -21, -6])
    for name in ("gcd", "lcm"):
        check(lambda T, a, b: getattr(T, name)(a, b), a, b)
        check(lambda T, a, b: getattr(a.int(), name)(b.reshape(-1, 1).int()), a, b)
    raises_like(lambda T, a: T.gcd(a.double(), a.double()), a)


def test_shifts():
    a = np.array([5, -5, 5, -5, 1, -1, 3, -7, 0])
    b = np.array([64, 64, -1, -1, 63, 63, 62, 2, 5])
    check(lambda T, a, b: (T.bitwise_left_shift(a, b), T.bitwise_right_shift(a, b)), a, b)
    check(lambda T, a, b: (a << b, a >> b, a << 3, a >> 1, 2 << b.clamp(0, 8), 100 >> b.clamp(0, 8)), a, b)
    check(lambda T, a, b: (a.int() << b.int(), a.int() >> b.int(), a.to(T.uint8) >> 1), a, b)
    raises_like(lambda T, a: a.double() << 1, a)


def test_nextafter():
    a = np.array([0.0, 0.0, 1.0, np.nan, 2.0, -0.0, -3.5, 1e-310, np.inf, 5.0])
    b = np.array([1.0, -1.0, 1.0, 1.0, np.inf, 1.0, 0.0, 0.0, 0.0, np.nan])
    check(lambda T, a, b: T.nextafter(a, b), a, b, atol=0, rtol=0)
    check(lambda T, a, b: T.nextafter(a.float(), b.float()), a, b, atol=0, rtol=0)
    x = rng.standard_normal(6)
    check(lambda T, x, y: x.nextafter(y) * 3, x, rng.standard_normal(6))


def test_frexp():
    x = np.array([0.0, -0.0, np.inf, np.nan, 1e-310, 8.0, -0.75, 1.7e308, 1.0, 2.0 ** -1022, 3.0, -1e-5])
    check(lambda T, x: T.frexp(x), x, grad=False, atol=0, rtol=0)
    check(lambda T, x: T.frexp(x.float()), np.array([1e-40, 3.0, 3e38, -0.5, 0.0]), grad=False, atol=0, rtol=0)
    y = rng.standard_normal((3, 4)) * 100
    check(lambda T, y: y.frexp().mantissa * 2, y)
    m, e = mytorch.frexp(mytorch.tensor([6.0]))
    assert m.item() == 0.75 and e.item() == 3 and e.dtype is mytorch.int32
    raises_like(lambda T, i: T.frexp(i), np.arange(3))
