"""addmm, baddbmm and addbmm against PyTorch: values and gradients of all three operands (broadcast input,
beta and alpha, beta = 0 ignoring a NaN input), as functions and methods, and the shape errors."""
import numpy as np
import pytest

from helpers import check, raises_like

rng = np.random.default_rng(0)


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("scale", [{}, {"beta": 0.5, "alpha": -2.0}])
def test_values_and_gradients(scale):
    check(lambda T, c, a, b: T.addmm(c, a, b, **scale), randn(3, 4), randn(3, 5), randn(5, 4))
    check(lambda T, c, a, b: c.addmm(a, b, **scale), randn(4), randn(3, 5), randn(5, 4))
    check(lambda T, c, a, b: T.baddbmm(c, a, b, **scale), randn(2, 3, 4), randn(2, 3, 5), randn(2, 5, 4))
    check(lambda T, c, a, b: c.baddbmm(a, b, **scale), randn(3, 1), randn(2, 3, 5), randn(2, 5, 4))
    check(lambda T, c, a, b: T.addbmm(c, a, b, **scale), randn(3, 4), randn(2, 3, 5), randn(2, 5, 4))


def test_beta_zero_ignores_input():
    nan = np.full((2, 2), np.nan, np.float32)
    check(lambda T, c, a, b: T.addmm(c, a, b, beta=0), nan, randn(2, 3), randn(3, 2), grad=False)


@pytest.mark.parametrize("fn, shapes", [
    (lambda T, c, a, b: T.addmm(c, a, b), [(2, 4), (2, 3), (4, 4)]),
    (lambda T, c, a, b: T.addmm(c, a, b), [(5, 5), (2, 3), (3, 4)]),
    (lambda T, c, a, b: T.baddbmm(c, a, b), [(2, 2, 2), (2, 2, 3), (3, 2, 2)]),
    (lambda T, c, a, b: T.addbmm(c, a, b), [(2, 2), (2, 2, 3), (3, 3, 2)]),
])
def test_errors(fn, shapes):
    raises_like(fn, *[randn(*s) for s in shapes])
