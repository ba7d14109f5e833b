"""prod, cumsum/cumprod, var/std, logsumexp, norm, cummax/cummin, median, nansum/nanmean, aminmax vs torch."""
import math

import numpy as np
import pytest

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like

rng = np.random.default_rng(7)
inf, nan = math.inf, math.nan


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def away_from_zero(*shape, dtype=np.float32):
    """Values in +-[0.5, 1.5]: products and their gradients stay well conditioned."""
    return (rng.uniform(0.5, 1.5, shape) * rng.choice([-1, 1], shape)).astype(dtype)


def distinct(*shape, dtype=np.float32):
    """A random permutation of 0..n-1 (scaled): no ties, so indices are unambiguous."""
    return (rng.permutation(math.prod(shape)).reshape(shape) * 0.5 - 3).astype(dtype)


def ints(*shape, dtype=np.int64):
    return rng.integers(-3, 4, shape).astype(dtype)


WITH_ZEROS = np.array([[1.5, 0.0, 2.0, -1.0],     # one zero
                       [0.0, 2.0, 0.0, 3.0],      # two zeros
                       [2.0, -0.5, 1.5, 0.0],     # a zero last
                       [0.7, 1.2, -2.0, 0.9]],    # none
                      dtype=np.float32)


# ---- prod ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_prod_dims(dim, keepdim):
    f = (lambda T, x: x.prod()) if dim is None else (lambda T, x: T.prod(x, dim, keepdim))
    check(f, away_from_zero(3, 4, 2))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_prod_layouts(layout):
    check(lambda T, x: (x.prod(1), x.prod()), away_from_zero(3, 4), layout=layout)


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_gradient_with_zeros(dim):
    f = (lambda T, x: x.prod()) if dim is None else (lambda T, x: x.prod(dim))
    check(f, WITH_ZEROS)
    check(f, WITH_ZEROS[:, :1].copy())  # a single zero in dim 0
    gradcheck(lambda T, x: f(T, x), WITH_ZEROS[:3, :3])


def test_prod_double_backward_with_zeros():
    x = mytorch.tensor(WITH_ZEROS.astype(np.float64), requires_grad=True)
    assert mytorch.autograd.gradgradcheck(lambda t: t.prod(1), (x,))
    y = mytorch.tensor(np.array([2.0, 0.0, 3.0, 0.5]), requires_grad=True)
    assert mytorch.autograd.gradgradcheck(lambda t: t.prod().reshape(1), (y,))


def test_prod_dtypes_and_scalars():
    check(lambda T, x: (x.prod(), x.prod(0), x.prod(1, dtype=T.float64)), ints(3, 4), grad=False)
    check(lambda T, x: (x.prod(), x.prod(0)), ints(3, 4, dtype=np.int32), grad=False)
    check(lambda T, x: x.prod(), rng.integers(0, 2, (5,)).astype(np.bool_), grad=False)
    check(lambda T, x: x.prod(dtype=T.float64), away_from_zero(3))
    check(lambda T, x: (x.prod(), x.prod(0), x.prod(0, keepdim=True)), np.array(0.0, dtype=np.float32))
    check(lambda T, x: (x.prod(), x.prod(1)), np.zeros((2, 0), dtype=np.float32))


# ---- cumsum / cumprod ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumulative_dims(name, dim):
    check(lambda T, x: getattr(T, name)(x, dim), away_from_zero(3, 4, 2))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumulative_layouts(name, layout):
    check(lambda T, x: getattr(x, name)(1), away_from_zero(3, 4), layout=layout)


def test_cumulative_dtypes():
    for name in ("cumsum", "cumprod"):
        check(lambda T, x: (getattr(x, name)(0), getattr(T, name)(x, 1, dtype=T.float32)), ints(3, 4, dtype=np.int32),
              grad=False)
        check(lambda T, x: getattr(x, name)(0), rng.integers(0, 2, (5,)).astype(np.bool_), grad=False)
        check(lambda T, x: getattr(x, name)(0, dtype=T.float64), rand(4))
        check(lambda T, x: (getattr(x, name)(0), getattr(x, name)(-1)), np.array(1.5, dtype=np.float32))
        check(lambda T, x: getattr(x, name)(1), np.zeros((2, 0), dtype=np.float32))


def test_cumsum_precision_of_reverse_sum():
    # the gradient is a reverse cumulative sum; computing it as total - cumsum would lose the small terms
    x = np.array([1e8, 1.0, 1.0, 1.0], dtype=np.float32)
    check(lambda T, x: x.cumsum(0) * T.tensor([1e-8, 1.0, 1.0, 1.0]), x, atol=0, rtol=1e-6)


@pytest.mark.parametrize("dim", [0, 1])
def test_cumprod_gradient_with_zeros(dim):
    check(lambda T, x: x.cumprod(dim), WITH_ZEROS)
    gradcheck(lambda T, x: x.cumprod(dim), WITH_ZEROS)


def test_cumprod_double_backward_with_zeros():
    x = mytorch.tensor(WITH_ZEROS.astype(np.float64), requires_grad=True)
    assert mytorch.autograd.gradgradcheck(lambda t: t.cumprod(1), (x,))
    check(lambda T, x: T.autograd.grad(x.cumprod(1).sum(), x, create_graph=True)[0] * x, WITH_ZEROS)


def test_cumulative_gradcheck_and_inplace():
    gradcheck(lambda T, x: x.cumsum(1), rand(2, 3))
    gradcheck(lambda T, x: x.cumprod(0), away_from_zero(3, 2))
    check(lambda T, x: x.clone().cumsum_(1), rand(2, 3))
    check(lambda T, x: x.clone().cumprod_(0), away_from_zero(3, 2))


# ---- var / std ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2)], ids=str)
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_dims(name, dim, keepdim):
    x = rand(3, 4, 2)
    check(lambda T, x: getattr(T, name)(x, dim, keepdim=keepdim), x)
    check(lambda T, x: getattr(x, name)(dim, correction=0, keepdim=keepdim), x)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_layouts(name, layout):
    check(lambda T, x: (getattr(x, name)(), getattr(x, name)(1)), rand(3, 4), layout=layout)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_arguments(name):
    x = rand(3, 4)
    f = lambda T, *a, **k: getattr(T, name)(*a, **k)  # noqa: E731
    check(lambda T, x: (f(T, x, 1, True), f(T, x, 1, False, True), f(T, x, False), f(T, x, unbiased=False),
                        f(T, x, dim=0, correction=2), f(T, x, correction=0.5)), x)
    check(lambda T, x: (*getattr(T, name + "_mean")(x, 1), *getattr(T, name + "_mean")(x, correction=0, keepdim=True)),
          x)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_without_degrees_of_freedom(name):
    # dof = max(0, N - correction) = 0: PyTorch gives inf (or nan for a zero sum) instead of raising
    x = np.array([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]], dtype=np.float32)
    check(lambda T, x: (getattr(x, name)(1, correction=3), getattr(x, name)(1, correction=5),
                        getattr(x, name)(0, correction=2)), x, grad=False)
    check(lambda T, x: getattr(x, name)(), np.array([5.0], dtype=np.float32), grad=False)


def test_std_of_constant_has_zero_gradient():
    check(lambda T, x: x.std(1), np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]], dtype=np.float32))


def test_var_std_gradcheck():
    x = rand(3, 4, dtype=np.float64)
    gradcheck(lambda T, x: x.var(1), x)
    gradcheck(lambda T, x: x.std((0, 1), correction=0), x)
    gradcheck(lambda T, x: T.std_mean(x, 0), x)
    assert mytorch.autograd.gradgradcheck(lambda t: t.std(1), (mytorch.tensor(x, requires_grad=True),))


# ---- logsumexp ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, -1, (0, 1)], ids=str)
def test_logsumexp_dims(dim, keepdim):
    check(lambda T, x: T.logsumexp(x, dim, keepdim), rand(3, 4, 2))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_logsumexp_layouts(layout):
    check(lambda T, x: x.logsumexp(1), rand(3, 4), layout=layout)


def test_logsumexp_extremes():
    big = np.array([[1e4, 1e4 + 1.0, -1e4], [-1e4, -1e4 - 2.0, -1e4 + 1.0]], dtype=np.float32)
    check(lambda T, x: x.logsumexp(1), big)
    infs = np.array([[-inf, -inf, -inf], [inf, 1.0, 2.0], [-inf, 0.0, 1.0], [nan, 1.0, 0.0]], dtype=np.float32)
    check(lambda T, x: x.logsumexp(1), infs)
    check(lambda T, x: (x.logsumexp(1), x.logsumexp(0)), np.zeros((2, 0), dtype=np.float32))
    check(lambda T, x: T.logsumexp(x, 0), ints(4), grad=False)
    gradcheck(lambda T, x: x.logsumexp((0, 1)), rand(2, 3))


# ---- norm ---------------------------------------------------------------------------------------------

PS = [2, 1, inf, -inf, 0, 3, 0.5, -1.5, "fro"]


@pytest.mark.parametrize("p", PS, ids=str)
def test_norm_orders(p):
    x = rand(3, 4)
    check(lambda T, x: (T.norm(x, p), x.norm(p, dim=1), x.norm(p, 0, keepdim=True), T.norm(x, p, dim=(0, 1))), x)


@pytest.mark.parametrize("p", PS, ids=str)
def test_norm_at_zero_and_with_zero_entries(p):
    x = np.array([[0.0, 0.0, 0.0], [0.0, 2.0, -2.0], [1.0, -3.0, 0.5]], dtype=np.float32)
    check(lambda T, x: (x.norm(p, dim=1), T.norm(x[0], p)), x)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_norm_layouts(layout):
    check(lambda T, x: (x.norm(), x.norm(1, dim=0), x.norm(inf, dim=1)), rand(3, 4), layout=layout)


def test_norm_dtype_and_ties():
    check(lambda T, x: (x.norm(dtype=T.float64), T.norm(x, 3, dim=1, dtype=T.float64)), rand(3, 4))
    check(lambda T, x: (x.norm(inf), x.norm(-inf, dim=1)), np.array([[1.0, -3.0, 3.0], [2.0, 2.0, -2.0]],
                                                                    dtype=np.float32))
    check(lambda T, x: x.norm(), rand(3, 4).astype(np.float16), atol=1e-2, rtol=1e-2)


def test_norm_gradcheck():
    x = away_from_zero(2, 3, dtype=np.float64)
    for p in (2, 1, 3, 0.5, inf):
        gradcheck(lambda T, x: x.norm(p, dim=1), x)
    assert mytorch.autograd.gradgradcheck(lambda t: t.norm(dim=1), (mytorch.tensor(x, requires_grad=True),))


def test_norm_errors():
    raises_like(lambda T, x: x.norm(), ints(3), match=["Long"])
    raises_like(lambda T, x: x.norm(dim=(0, 1, 2)), rand(2, 2, 2), match=["dim"])
    raises_like(lambda T, x: x.norm(2, dim=2), rand(2, 2), match=["Dimension out of range"])
    raises_like(lambda T, x: x.norm(inf), np.zeros((0,), dtype=np.float32), match=["empty"])
    check(lambda T, x: x.norm("nuc"), rand(3, 2))


# ---- cummax / cummin ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cum_extremes(name, dim):
    check(lambda T, x: tuple(getattr(T, name)(x, dim)), distinct(3, 5, 2))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cum_extremes_layouts(name, layout):
    check(lambda T, x: tuple(getattr(x, name)(1)), distinct(3, 6), layout=layout)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cum_extremes_ties_nan_and_dtypes(name):
    # ties take the later index and NaN propagates, as in PyTorch
    x = np.array([[1.0, 3.0, 3.0, 2.0, nan, 5.0, nan, 0.0], [2.0, 2.0, 1.0, 1.0, 0.0, 3.0, 3.0, -1.0]],
                 dtype=np.float32)
    check(lambda T, x: tuple(getattr(T, name)(x, 1)), x)
    check(lambda T, x: tuple(getattr(T, name)(x, 0)), ints(7, 3), grad=False)
    check(lambda T, x: tuple(getattr(T, name)(x, 0)), np.array([True, False, True, False]), grad=False)
    check(lambda T, x: tuple(getattr(T, name)(x, 0)), np.array(2.0, dtype=np.float32))
    check(lambda T, x: tuple(getattr(T, name)(x, 1)), np.zeros((2, 0), dtype=np.float32))
    gradcheck(lambda T, x: getattr(T, name)(x, 1).values, distinct(2, 5))
    raises_like(lambda T, x: getattr(T, name)(x, 2), rand(2, 3), match=["Dimension out of range"])


# ---- median -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_median_dim(dim, keepdim):
    check(lambda T, x: tuple(T.median(x, dim, keepdim)), distinct(4, 5, 3))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_median_layouts(layout):
    check(lambda T, x: (x.median(), *x.median(1)), distinct(3, 4), layout=layout)


def test_median_ties_nan_and_dtypes():
    check(lambda T, x: x.median(), np.array([1.0, 2.0, 2.0, 2.0, 5.0, 0.0], dtype=np.float32))  # grad split
    x = np.array([[1.0, nan, 3.0, nan], [1.0, 2.0, 3.0, 4.0]], dtype=np.float32)
    check(lambda T, x: (x.median(), *x.median(1)), x)
    check(lambda T, x: (x.median(), *x.median(0)), distinct(6).astype(np.int64), grad=False)
    check(lambda T, x: (x.median(), *x.median(0), *x.median(0, keepdim=True)),
          np.array(1.5, dtype=np.float32))
    check(lambda T, x: x.median(), np.zeros((0,), dtype=np.float32))
    gradcheck(lambda T, x: (x.median(), x.median(0).values), distinct(3, 4))
    raises_like(lambda T, x: x.median(1), np.zeros((2, 0), dtype=np.float32), match=["non-zero size"])


# ---- nansum / nanmean / aminmax ---------------------------------------------------------------------------

def test_nansum_nanmean():
    x = np.array([[1.0, nan, 2.0], [nan, nan, nan], [0.5, -1.0, 3.0]], dtype=np.float32)
    for dim in (None, 0, 1):
        check(lambda T, x: (T.nansum(x, dim), x.nanmean(dim), T.nanmean(x, dim, keepdim=True)), x)
    check(lambda T, x: (x.nansum(), x.nansum(1, dtype=T.float64)), ints(3, 4, dtype=np.int8), grad=False)
    check(lambda T, x: x.nansum(), rand(3, 4), layout="transposed")
    gradcheck(lambda T, x: (x.nansum(1), x.nanmean(0)), rand(2, 3))
    raises_like(lambda T, x: x.nanmean(), ints(3), match=["nanmean", "Long"])


def test_aminmax():
    x = np.array([[1.0, 4.0, 4.0], [-2.0, 0.0, 3.0]], dtype=np.float32)
    check(lambda T, x: tuple(T.aminmax(x)), x)
    check(lambda T, x: tuple(x.aminmax(dim=1)), x)
    check(lambda T, x: tuple(x.aminmax(dim=0, keepdim=True)), x, layout="sliced")
    check(lambda T, x: tuple(x.aminmax()), ints(5), grad=False)
    assert mytorch.aminmax(mytorch.tensor([1.0, 2.0])).max.item() == 2.0
    raises_like(lambda T, x: T.aminmax(x), np.zeros((0,), dtype=np.float32), match=["empty"])


# ---- errors -----------------------------------------------------------------------------------------------

def test_statistics_errors():
    x = rand(2, 3)
    raises_like(lambda T, x: x.prod(2), x, match=["Dimension out of range"])
    raises_like(lambda T, x: x.var(5), x, match=["Dimension out of range"])
    raises_like(lambda T, x: x.long().var(), x, match=["floating point"])
    raises_like(lambda T, x: x.long().std(0), x, match=["floating point"])
    raises_like(lambda T, x: x.cumsum(-3), x, match=["Dimension out of range"])
    raises_like(lambda T, x: T.logsumexp(x, 2), x, match=["Dimension out of range"])
    raises_like(lambda T, x: x.median(2), x, match=["Dimension out of range"])
    raises_like(lambda T, x: x.std((0, 0)), x, match=["multiple times"])
