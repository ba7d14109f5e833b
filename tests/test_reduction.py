"""sum/mean/max/min/amax/amin/argmax/argmin/all/any vs torch, over dims, tuples and all dims."""
import numpy as np
import pytest

from helpers import LAYOUTS, check, gradcheck, raises_like

rng = np.random.default_rng(4)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


DIMS = [None, 0, 1, -1, (0, 2), (-1, 0, 1)]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin"])
def test_reductions_over_dims(name, dim, keepdim):
    f = lambda T, x: getattr(T, name)(x, dim, keepdim) if dim is not None else (  # noqa: E731
        getattr(x, name)() if not keepdim else getattr(T, name)(x, tuple(range(x.ndim)), keepdim))
    check(f, rand(2, 3, 4))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "max", "min"])
def test_reduction_layouts(name, layout):
    check(lambda T, x: getattr(x, name)(), rand(3, 4), layout=layout)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_with_dim(name, keepdim):
    check(lambda T, x: getattr(T, name)(x, 1, keepdim), rand(3, 4, 2))
    check(lambda T, x: getattr(x, name)(dim=-1, keepdim=keepdim), rand(3, 4))
    res = check(lambda T, x: tuple(getattr(T, name)(x, 0)), rand(5))
    assert res is None


def test_max_ties_and_full_reduction_gradient():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], dtype=np.float32)
    check(lambda T, x: x.max(), x)
    check(lambda T, x: T.amax(x, 1), x)
    check(lambda T, x: T.amin(x, 0), x)
    check(lambda T, x, y: T.max(x, y), x, x[::-1].copy())


def test_sum_dtypes():
    check(lambda T, x: (x.sum(), x.sum(0)), rng.integers(0, 5, (3, 4)).astype(np.int32), grad=False)
    check(lambda T, x: x.sum(), rng.integers(0, 2, (3, 4)).astype(np.bool_), grad=False)
    check(lambda T, x: x.sum(dtype=T.float64), rand(3, 4))
    check(lambda T, x: x.mean(dtype=T.float64), rand(3, 4))


def test_argmax_argmin_all_any():
    x = rand(3, 4)
    for f in (lambda T, x: x.argmax(), lambda T, x: x.argmin(1), lambda T, x: T.argmax(x, 0, keepdim=True),
              lambda T, x: x.argmax(keepdim=True), lambda T, x: (x > 0).all(), lambda T, x: (x > 0).any(1),
              lambda T, x: T.all(x > -5, 0, keepdim=True), lambda T, x: T.count_nonzero(x > 0)):
        check(f, x, grad=False)


def test_reduction_gradcheck():
    x = rand(2, 3, dtype=np.float64)
    gradcheck(lambda T, x: x.sum(1), x)
    gradcheck(lambda T, x: x.mean((0, 1)), x)
    gradcheck(lambda T, x: T.amax(x, 1), x)
    gradcheck(lambda T, x: T.max(x, 0).values, x)


def test_zero_dim_and_empty():
    check(lambda T, x: (x.sum(), x.mean(), x.max(), x.sum(0)), np.array(2.5, dtype=np.float32))
    check(lambda T, x: x.sum(0), np.zeros((0, 3), dtype=np.float32))
    # amax/amin of empty lines over non-empty dims: an empty result (it raised as if no dim were given)
    check(lambda T, x: (x.amax(1), x.amin(-1, keepdim=True), x.max(1)[0]), np.zeros((0, 3), dtype=np.float32))


def test_reduction_errors():
    raises_like(lambda T, x: x.sum(3), rand(2, 3), match=["Dimension out of range", "[-2, 1]", "3"])
    raises_like(lambda T, x: x.long().mean(), rand(2, 3), match=["mean", "Long"])
    raises_like(lambda T, x: x.max(), np.zeros((0,), dtype=np.float32), match=["numel() == 0"])
    raises_like(lambda T, x: x.amax(0), np.zeros((0, 3), dtype=np.float32), match=["reduction dim 0", "non-zero"])
    raises_like(lambda T, x: x.sum((0, 0)), rand(2, 3), match=["multiple times"])
