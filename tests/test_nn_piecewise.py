"""hardsigmoid, hardswish, hardshrink, softshrink, threshold, prelu, softsign, tanhshrink, glu and Softmax2d:
functions and modules vs torch, values and gradients (at the kinks too), double backward, errors, reprs."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like, same, to_numpy

rng = np.random.default_rng(19)


def rand(*shape, dtype=np.float32, scale=4.0):
    return (rng.standard_normal(shape) * scale).astype(dtype)


def with_kinks(*shape):
    """Random values with the kink points of every activation here mixed in."""
    x = rand(*shape).ravel()
    kinks = np.array([-3, 3, -0.5, 0.5, 0, 1, -1, 0.25], np.float32)
    x[:len(kinks)] = kinks
    return x.reshape(shape)


FUNCTIONS = {
    "hardsigmoid": lambda F, x: F.hardsigmoid(x),
    "hardswish": lambda F, x: F.hardswish(x),
    "hardshrink": lambda F, x: F.hardshrink(x),
    "hardshrink_lambd": lambda F, x: F.hardshrink(x, 1.0),
    "softshrink": lambda F, x: F.softshrink(x),
    "softshrink_lambd": lambda F, x: F.softshrink(x, 0.25),
    "threshold": lambda F, x: F.threshold(x, 0.5, -2.0),
    "softsign": lambda F, x: F.softsign(x),
    "tanhshrink": lambda F, x: F.tanhshrink(x),
    "glu": lambda F, x: F.glu(x),
    "glu_dim0": lambda F, x: F.glu(x, 0),
    "prelu_scalar": lambda F, x: F.prelu(x, x.new_full((1,), 0.3)),
}


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_function(name, layout):
    check(lambda T, x: FUNCTIONS[name](T.nn.functional, x), with_kinks(4, 6), layout=layout)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_gradcheck_and_double_backward(name):
    gradcheck(lambda T, x: FUNCTIONS[name](T.nn.functional, x), rand(2, 4) + 0.1)
    x = mytorch.tensor(rand(2, 4, dtype=np.float64) + 0.1, requires_grad=True)
    assert mytorch.autograd.gradgradcheck(lambda x: FUNCTIONS[name](mytorch.nn.functional, x), [x])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_prelu_per_channel(layout):
    check(lambda T, x, w: T.nn.functional.prelu(x, w), rand(2, 3, 4), rand(3), layout=layout)
    check(lambda T, x, w: x.prelu(w), rand(3, 3), rand(3), layout=layout)
    check(lambda T, x, w: T.prelu(x, w), rand(5), rand(1), layout=layout)
    check(lambda T, x, w: T.prelu(x, w), rand(2, 3), np.float32(0.1))
    gradcheck(lambda T, x, w: T.prelu(x, w), rand(2, 3, 2), rand(3))


def test_threshold_keeps_integer_dtype_and_inplace():
    check(lambda T, x: T.threshold(x, 1, 0.5), rng.integers(-3, 4, (5,)), grad=False)
    check(lambda T, x: T.nn.functional.threshold(x * 1, 0.0, 7.0, inplace=True), rand(3, 3))
    check(lambda T, x: T.threshold_(x * 1, 0.0, 7.0), rand(3, 3))
    check(lambda T, x: T.nn.functional.hardswish(x * 1, inplace=True), rand(3, 3))
    check(lambda T, x: T.nn.functional.hardsigmoid(x * 1, True), rand(3, 3))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_modules(layout):
    x = with_kinks(2, 4, 3, 2)
    for make in (lambda nn: nn.Hardswish(), lambda nn: nn.Hardsigmoid(), lambda nn: nn.Hardshrink(0.3),
                 lambda nn: nn.Softshrink(), lambda nn: nn.Threshold(0.1, 20.0), lambda nn: nn.Softsign(),
                 lambda nn: nn.Tanhshrink(), lambda nn: nn.GLU(1), lambda nn: nn.Softmax2d()):
        check(lambda T, x: make(T.nn)(x), x, layout=layout)
    check(lambda T, x: T.nn.Softmax2d()(x), rand(3, 2, 2), layout=layout)


def test_prelu_module_parameters():
    same(lambda T: T.nn.PReLU(3, init=0.1).weight)
    x = rand(2, 3, 4)
    grads = []
    for T in (mytorch, torch):
        m = T.nn.PReLU(3)
        m(T.tensor(x)).pow(2).sum().backward()
        grads.append(to_numpy(m.weight.grad))
    np.testing.assert_allclose(*grads, rtol=1e-5)


def test_reprs():
    same(lambda T: [repr(m) for m in (T.nn.Hardswish(), T.nn.Hardsigmoid(True), T.nn.Hardshrink(),
                                      T.nn.Softshrink(0.3), T.nn.Threshold(0.1, 2.0, True), T.nn.GLU(),
                                      T.nn.PReLU(3), T.nn.Softsign(), T.nn.Tanhshrink(), T.nn.Softmax2d())])


def test_errors():
    raises_like(lambda T, x: T.nn.functional.glu(x, 1), rand(2, 3), match=["Halving dimension must be even"])
    raises_like(lambda T, x: T.nn.functional.glu(x), np.float32(1.0), match=["scalars"])
    raises_like(lambda T, x: T.nn.functional.softshrink(x, -1.0), rand(3), match=["greater or equal to 0"])
    raises_like(lambda T, x: T.nn.functional.hardswish(x), rng.integers(0, 3, (3,)))
    raises_like(lambda T, x, w: T.prelu(x, w), rand(2, 3), rand(4), match=["channel size"])
    raises_like(lambda T, x, w: T.prelu(x, w), rand(2, 3), rand(3, 1), match=["1D"])
    raises_like(lambda T, x: T.nn.Softmax2d()(x), rand(2, 3), match=["3D or 4D"])


def test_hardshrink_negative_lambd_shrinks_nothing():
    check(lambda T, x: T.nn.functional.hardshrink(x, -0.5), with_kinks(3, 4))
