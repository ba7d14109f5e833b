"""addmm, addmv, addr, baddbmm, addbmm (beta * input + alpha * product) and their in-place forms vs torch."""
import numpy as np
import pytest

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like

rng = np.random.default_rng(11)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


CASES = {
    "addmm": ((3, 4), (3, 5), (5, 4)),
    "addmv": ((3,), (3, 5), (5,)),
    "addr": ((3, 4), (3,), (4,)),
    "baddbmm": ((2, 3, 4), (2, 3, 5), (2, 5, 4)),
    "addbmm": ((3, 4), (2, 3, 5), (2, 5, 4)),
}
BROADCAST = {"addmm": (4,), "addmv": (1,), "addr": (3, 1), "baddbmm": (3, 1), "addbmm": ()}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_values_and_gradients(name, layout):
    shapes = CASES[name]
    check(lambda T, *xs: getattr(T, name)(*xs), *[rand(*s) for s in shapes], layout=layout)
    check(lambda T, *xs: getattr(T, name)(*xs, beta=0.5, alpha=-2.0), *[rand(*s) for s in shapes], layout=layout)


@pytest.mark.parametrize("name", CASES)
def test_input_broadcasts_and_method(name):
    shapes = (BROADCAST[name],) + CASES[name][1:]
    check(lambda T, m, a, b: getattr(m, name)(a, b, alpha=3), *[rand(*s) for s in shapes])


@pytest.mark.parametrize("name", CASES)
def test_beta_zero_ignores_nan_input(name):
    arrays = [rand(*s) for s in CASES[name]]
    arrays[0][...] = np.nan
    check(lambda T, *xs: getattr(T, name)(*xs, beta=0), *arrays)


@pytest.mark.parametrize("name", CASES)
def test_integers_and_inplace(name):
    arrays = [rng.integers(-4, 4, s) for s in CASES[name]]
    check(lambda T, *xs: getattr(T, name)(*xs, beta=2, alpha=3), *arrays, grad=False)
    check(lambda T, m, a, b: getattr(m.clone(), name + "_")(a, b, beta=0.5), *[rand(*s) for s in CASES[name]])


@pytest.mark.parametrize("name", CASES)
def test_gradcheck(name):
    gradcheck(lambda T, *xs: getattr(T, name)(*xs, beta=0.7, alpha=1.3), *[rand(*s) for s in CASES[name]])


def test_errors():
    raises_like(lambda T, m, a, b: T.addmm(m, a, b), rand(3, 4), rand(3, 5), rand(4, 4))
    raises_like(lambda T, m, a, b: T.addmm(m, a, b), rand(2, 4), rand(3, 5), rand(5, 4))
    raises_like(lambda T, m, a, b: T.addr(m, a, b), rand(3, 4), rand(3, 1), rand(4), match=["1-D", "vec1"])
    raises_like(lambda T, m, a, b: T.baddbmm(m, a, b), rand(2, 3, 4), rand(2, 3, 5), rand(3, 5, 4))
    raises_like(lambda T, m, a, b: T.addmv(m, a, b), rand(3), rand(3, 5), rand(4))


def test_integer_and_bool_results_cast_the_scalars():
    ints = [rng.integers(-4, 4, s) for s in CASES["addmv"]]
    check(lambda T, *xs: T.addmv(*xs, beta=1.7, alpha=2.6), *ints, grad=False)
    bools = [rng.random(s) > 0.5 for s in CASES["addr"]]
    for beta in (0, 3):
        check(lambda T, *xs: T.addr(*xs, beta=beta, alpha=2), *bools, grad=False)


def test_addbmm_shape_errors():
    raises_like(lambda T, m, a, b: T.addbmm(m, a, b), rand(3, 4), rand(2, 3, 5), rand(3, 5, 4),
                match=["same number of batches"])
    raises_like(lambda T, m, a, b: T.addbmm(m, a, b), rand(3, 4), rand(2, 3, 5), rand(2, 4, 4),
                match=["Incompatible matrix sizes"])
    raises_like(lambda T, m, a, b: T.addbmm(m, a, b), rand(3, 4), rand(3, 5), rand(2, 5, 4))
