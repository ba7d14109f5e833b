"""addcmul / addcdiv (and their in-place forms) vs PyTorch: values, gradients, errors."""
import numpy as np
import pytest

from helpers import LAYOUTS, check, gradcheck, raises_like


def rand(*shape, lo=-1.0, hi=1.0, seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, shape).astype(np.float32)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", [1, -0.5])
def test_values_and_grads(name, value, layout):
    lo = 0.5 if name == "addcdiv" else -1.0
    check(lambda T, x, a, b: getattr(T, name)(x, a, b, value=value), rand(3, 4), rand(3, 4, seed=1),
          rand(3, 4, lo=lo, hi=2.0, seed=2), layout=layout)
    check(lambda T, x, a, b: getattr(x, name)(a, b, value=value), rand(4), rand(3, 1, seed=1),
          rand(3, 4, lo=lo, hi=2.0, seed=2))  # broadcast


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
def test_gradcheck(name):
    gradcheck(lambda T, x, a, b: getattr(T, name)(x, a, b, value=0.7), rand(2, 3).astype(np.float64),
              rand(2, 3, seed=1).astype(np.float64), rand(2, 3, lo=0.5, hi=2.0, seed=2).astype(np.float64))


@pytest.mark.parametrize("name", ["addcmul_", "addcdiv_"])
def test_inplace(name):
    def fn(T, x, a, b):
        y = x * 1  # a non-leaf, so the in-place write is recorded
        return getattr(y, name)(a, b, value=0.3)
    check(fn, rand(3, 4), rand(3, 4, seed=1), rand(3, 4, lo=0.5, hi=2.0, seed=2))


def test_errors():
    ints = np.arange(6).reshape(2, 3) + 1
    raises_like(lambda T, x, a, b: T.addcdiv(x, a, b), ints, ints, ints, match=["addcdiv", "int64"])
    raises_like(lambda T, x, a, b: x.addcmul_(a, b), rand(2, 3), rand(3, 2), rand(2, 3), match=["size"])
    leaf_error = raises_like(lambda T, x, a, b: x.requires_grad_().addcmul_(a, b), rand(2), rand(2), rand(2))
    assert "leaf" in str(leaf_error)
