"""torch.masked's reductions and normalizations vs torch (values at fully masked lines included, gradients
through the unmasked entries), nanmedian, and the complex forms of logsumexp, cumprod, var/std and
vector_norm that the masked ops build on."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import check, gradcheck, raises_like

rng = np.random.default_rng(4)
X = rng.standard_normal((3, 5))
MASK = rng.random((3, 5)) < 0.6
MASK[1] = False  # a line with nothing unmasked: each op's identity (or NaN) there


def _m(T, mask):
    return T.tensor(mask)


REDUCTIONS = ["sum", "prod", "amax", "amin", "mean", "norm", "var", "std", "logsumexp"]


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions(name):
    def op(T, x, *args, **kwargs):  # norm takes ord before dim
        return getattr(T.masked, name)(x, *((2.0,) if name == "norm" else ()), *args, **kwargs)
    for dim, keepdim in ((1, False), ((0, 1), True), (None, False), (0, True)):
        check(lambda T, x: op(T, x, dim, keepdim=keepdim, mask=_m(T, MASK)), X)
    check(lambda T, x: op(T, x, 1, mask=_m(T, MASK[0])), X)  # the mask broadcasts
    check(lambda T, x: op(T, x, 1), X)


def test_index_median_integer_and_options():
    for name in ("argmax", "argmin"):
        check(lambda T, x: getattr(T.masked, name)(x, 1, mask=_m(T, MASK)), X, grad=False)
    check(lambda T, x: T.masked.median(x, 1, mask=_m(T, MASK)), X)
    i = rng.integers(-5, 5, (3, 5))
    check(lambda T, i: T.masked.sum(i, 1, mask=_m(T, MASK)), i)
    check(lambda T, i: T.masked.amax(i, 1, mask=_m(T, MASK)), i)
    check(lambda T, i: T.masked.median(i, 1, mask=_m(T, MASK[0])), i)
    raises_like(lambda T, i: T.masked.median(i, 1, mask=_m(T, MASK)), i, match=["fully masked"])
    raises_like(lambda T, i: T.masked.mean(i, 1, mask=_m(T, MASK)), i, match=["floating point"])
    check(lambda T, x: T.masked.var(x, 1, unbiased=False, mask=_m(T, MASK)), X)
    check(lambda T, x: T.masked.std(x, 0, correction=2, keepdim=True, mask=_m(T, MASK)), X)
    check(lambda T, x: T.masked.norm(x, float("inf"), 1, mask=_m(T, MASK)), X)
    check(lambda T, x: T.masked.norm(x, -float("inf"), 1, mask=_m(T, MASK)), X)
    raises_like(lambda T, x: T.masked.sum(x, 0, mask=T.ones(2, 3, 5, dtype=T.bool)), X, match=["broadcastable"])


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin", "cumsum", "cumprod"])
def test_normalizations(name):
    check(lambda T, x: getattr(T.masked, name)(x, 1, mask=_m(T, MASK)), X)
    check(lambda T, x: getattr(T.masked, name)(x, 0, mask=_m(T, MASK)), X)


def test_normalize_and_logaddexp():
    check(lambda T, x: T.masked.normalize(x, 2.0, 1, mask=_m(T, MASK)), X)
    check(lambda T, x: T.masked.normalize(x, 1.0, 0, eps=0.5, mask=_m(T, MASK)), X)
    y = rng.standard_normal((3, 5))
    check(lambda T, x, y: T.masked.logaddexp(x, y, input_mask=_m(T, MASK), other_mask=_m(T, ~MASK)), X, y)


def test_nanmedian():
    x = X.copy()
    x[0, [1, 3]] = np.nan
    x[2] = np.nan
    check(lambda T, x: T.nanmedian(x), x)
    check(lambda T, x: x.nanmedian(1), x)
    check(lambda T, x: T.nanmedian(x, 0, keepdim=True), x)
    check(lambda T, x: T.nanmedian(x[2]), x)
    check(lambda T, x: T.nanmedian(x, 1).values * 2, X)


def test_complex_reductions():
    z = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    check(lambda T, z: T.logsumexp(z, 1), z)
    check(lambda T, z: T.cumprod(z, 1), z)
    check(lambda T, z: T.var(z, 0), z)
    check(lambda T, z: T.std(z, 1, correction=0), z)
    for ord_ in (2, 1, 3, float("inf")):
        check(lambda T, z: T.linalg.vector_norm(z, ord_, 1), z)
    for fn in (lambda T, z: T.logsumexp(z, 1), lambda T, z: T.cumprod(z, 0), lambda T, z: T.std(z, 1),
               lambda T, z: T.linalg.vector_norm(z, 3, 0)):
        gradcheck(fn, z)
