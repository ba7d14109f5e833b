"""diag, diag_embed, diagflat, trace, cross, atleast_1d/2d/3d and tensordot's size-1 contraction vs torch."""
import warnings

import numpy as np
import pytest

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like, same

rng = np.random.default_rng(13)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("offset", [0, 1, -2])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_diag(offset, layout):
    check(lambda T, v: T.diag(v, offset), rand(4), layout=layout)
    check(lambda T, m: T.diag(m, offset), rand(4, 5), layout=layout)
    check(lambda T, m: m.diag(offset), rand(3, 3), layout=layout)


@pytest.mark.parametrize("offset,dim1,dim2", [(0, -2, -1), (1, 0, 2), (-1, 2, 0), (2, -1, 1)])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_diag_embed(offset, dim1, dim2, layout):
    check(lambda T, x: T.diag_embed(x, offset, dim1, dim2), rand(2, 3), layout=layout)
    check(lambda T, x: x.diag_embed(offset, dim1, dim2), rand(3, 2), layout=layout)


def test_diag_embed_keeps_inf_nan_and_dtypes():
    x = rand(2, 3)
    x[0, 1], x[1, 2] = np.inf, np.nan
    check(lambda T, x: T.diag_embed(x), x)
    check(lambda T, x: T.diag_embed(x, 1), rng.integers(-3, 3, (2, 3)), grad=False)
    check(lambda T, x: T.diag(x), rng.random(3) > 0.5, grad=False)


@pytest.mark.parametrize("offset", [0, 2, -1])
def test_diagflat_and_trace(offset):
    check(lambda T, x: T.diagflat(x, offset), rand(2, 2))
    check(lambda T, x: x.diagflat(offset), rand(3))
    for layout in LAYOUTS:
        check(lambda T, m: T.trace(m), rand(3, 4), layout=layout)
    check(lambda T, m: m.trace(), rng.integers(-3, 3, (3, 3)).astype(np.int32), grad=False)


def test_gradcheck_diag_family():
    gradcheck(lambda T, x: T.diag_embed(x, 1, 0, 2), rand(2, 3))
    gradcheck(lambda T, x: T.diag(x, -1), rand(3, 4))
    gradcheck(lambda T, x: T.diagflat(x), rand(2, 2))
    gradcheck(lambda T, x: T.trace(x), rand(3, 3))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_cross(layout):
    check(lambda T, a, b: T.cross(a, b, dim=1), rand(4, 3), rand(4, 3), layout=layout)
    check(lambda T, a, b: a.cross(b, dim=-1), rand(2, 1, 3), rand(2, 4, 3), layout=layout)  # broadcast
    check(lambda T, a, b: T.cross(a, b, 0), rand(3, 2), rand(3, 1), layout=layout)
    gradcheck(lambda T, a, b: T.cross(a, b, dim=0), rand(3, 2), rand(3, 2))


def test_cross_default_dim_warns_like_torch():
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        check(lambda T, a, b: T.cross(a, b), rand(2, 3, 3), rand(2, 3, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like(lambda T, a, b: T.cross(a, b), rand(2, 4), rand(2, 4), match=["no dimension of size 3"])
        raises_like(lambda T, a, b: T.cross(a, b), rand(3, 4), rand(1, 4), match=["must have length 3"])
    raises_like(lambda T, a, b: T.cross(a, b, dim=1), rand(2, 3), rand(3), match=["same number of dimensions"])


def test_diag_errors():
    raises_like(lambda T, x: T.diag(x), rand(2, 2, 2), match=["1D or 2D"])
    raises_like(lambda T, x: T.trace(x), rand(3), match=["expected a matrix"])
    raises_like(lambda T, x: T.diag_embed(x, 0, 0, 0), rand(3), match=["cannot be identical"])
    raises_like(lambda T, x: T.diag_embed(x, 0, 0, 3), rand(3))


def test_atleast():
    for name in ("atleast_1d", "atleast_2d", "atleast_3d"):
        for shape in [(), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 4)]:
            check(lambda T, x: getattr(T, name)(x), rand(*shape))
        same(lambda T: [t.shape for t in getattr(T, name)(T.ones(2), T.ones(()))])
        same(lambda T: [t.shape for t in getattr(T, name)([T.ones(2, 2), T.ones(3)])])


def test_tensordot_broadcasts_size_one_contractions():
    check(lambda T, a, b: T.tensordot(a, b, dims=([0, 1], [2, 0])), rand(1, 1, 1), rand(2, 1, 2))
    check(lambda T, a, b: T.tensordot(a, b, dims=([0], [1])), rand(3, 2), rand(4, 1))
    raises_like(lambda T, a, b: T.tensordot(a, b, dims=([0], [1])), rand(3, 2), rand(4, 2))
