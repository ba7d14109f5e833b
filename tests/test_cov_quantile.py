"""cov (weights, corrections), corrcoef (real and complex), quantile/nanquantile (every interpolation,
dims, keepdim, NaNs, tensor q) and the native_* normalizations vs torch: values and gradients."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import check, gradcheck, raises_like

rng = np.random.default_rng(9)


def test_cov_and_corrcoef():
    x = rng.standard_normal((3, 6))
    f = rng.integers(1, 4, 6)
    a = rng.random(6)
    check(lambda T, x: T.cov(x), x)
    check(lambda T, x: T.cov(x[0]), x)
    check(lambda T, x, f: T.cov(x, correction=0, fweights=f), x, f)
    check(lambda T, x, a: T.cov(x, aweights=a), x, a)
    check(lambda T, x, f, a: x.cov(correction=2, fweights=f, aweights=a), x, f, a)
    check(lambda T, x: T.corrcoef(x), x)
    check(lambda T, x: x.corrcoef(), x[:1])
    check(lambda T, i: T.cov(i), rng.integers(-4, 4, (2, 5)))
    z = x + 1j * rng.standard_normal((3, 6))
    check(lambda T, z: T.cov(z), z)
    check(lambda T, z: T.corrcoef(z), z)
    gradcheck(lambda T, x: T.corrcoef(x), x)
    raises_like(lambda T, x: T.cov(x, fweights=T.ones(5, dtype=T.int64)), x, match=["numel"])
    raises_like(lambda T, x: T.cov(x.reshape(1, 3, 6)), x, match=["two or fewer"])
    with pytest.warns(UserWarning, match="degrees of freedom"):
        mytorch.cov(mytorch.ones(2, 1))


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile(interpolation):
    x = rng.standard_normal((4, 7))
    q = np.array([0.0, 0.25, 0.5, 0.9, 1.0])
    for name in ("quantile", "nanquantile"):
        check(lambda T, x: getattr(T, name)(x, 0.3, interpolation=interpolation), x)
        check(lambda T, x, q: getattr(T, name)(x, q, 1, interpolation=interpolation), x, q)
        check(lambda T, x, q: getattr(x, name)(q, 0, keepdim=True, interpolation=interpolation), x, q)
        check(lambda T, x: getattr(T, name)(x, 0.5, None, True, interpolation=interpolation), x)
        check(lambda T, x: getattr(T, name)(x[0, 0], 0.7, interpolation=interpolation), x)
    y = x.copy()
    y[0, 2] = np.nan
    y[3] = np.nan
    check(lambda T, y: T.quantile(y, 0.4, 1, interpolation=interpolation), y)
    check(lambda T, y: T.nanquantile(y, 0.4, 1, interpolation=interpolation), y)


def test_quantile_errors_and_gradcheck():
    x = rng.standard_normal((3, 5))
    raises_like(lambda T, x: T.quantile(x, 1.5), x, match=["range"])
    raises_like(lambda T, i: T.quantile(i, 0.5), rng.integers(0, 3, 4), match=["float or double"])
    raises_like(lambda T, x: T.quantile(x, 0.5, interpolation="cubic"), x)
    gradcheck(lambda T, x: T.quantile(x, T.tensor([0.2, 0.75], dtype=T.float64), 1), x)


def test_native_norms():
    """native_layer_norm / native_group_norm / native_batch_norm: outputs and statistics (and their
    gradients) as torch's; batch norm's running statistics updated alike; _softmax_backward_data."""
    x = rng.standard_normal((3, 4, 5))
    w, b = rng.standard_normal(5), rng.standard_normal(5)
    check(lambda T, x, w, b: T.native_layer_norm(x, [5], w, b, 1e-5), x, w, b)
    check(lambda T, x: T.native_layer_norm(x, [4, 5], None, None, 0.5), x)
    wc, bc = rng.standard_normal(4), rng.standard_normal(4)
    check(lambda T, x, w, b: T.native_group_norm(x, w, b, 3, 4, 5, 2, 1e-5), x, wc, bc)
    for training in (True, False):
        stats = {T: (T.tensor(rng.standard_normal(4) * 0 + 0.5), T.tensor(np.full(4, 2.0))) for T in (mytorch, torch)}
        check(lambda T, x, w, b: T.native_batch_norm(x, w, b, *stats[T], training, 0.3, 1e-5), x, wc, bc)
        check(lambda T, x: T._native_batch_norm_legit(x, None, None, *stats[T], training, 0.3, 1e-5), x)
        for m, t in zip(stats[mytorch], stats[torch]):
            np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-6)
    y = rng.random((3, 4))
    check(lambda T, g, y: T._softmax_backward_data(g, y.softmax(1), 1, g.dtype), rng.standard_normal((3, 4)), y)
