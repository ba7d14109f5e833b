"""Edge cases the OpInfo harness (test_opinfo.py) found, as PyTorch: sign keeps a bool tensor, square of
bool is int64, isclose compares bools as 0 and 1; div with a rounding_mode has zero gradients; integer
tensors raised to tensors with negative entries follow PyTorch's integer rule; `Tensor.to` takes
non_blocking and copy positionally in each of its three forms."""
import numpy as np
import pytest

from helpers import LAYOUTS, check, raises_like

rng = np.random.default_rng(29)


def test_sign_square_isclose_on_bool():
    a, b = rng.random((3, 4)) > 0.5, rng.random((3, 4)) > 0.5
    check(lambda T, x: T.sign(x), a)
    check(lambda T, x: x.sign(), a[:, ::2])
    check(lambda T, x: T.square(x), a)
    check(lambda T, x, y: T.isclose(x, y), a, b)
    check(lambda T, x, y: T.isclose(x, y, atol=2.0, equal_nan=True), a, b)
    check(lambda T, x, y: T.isclose(x, y), rng.integers(0, 3, (5,)), rng.integers(0, 3, (5,)))


@pytest.mark.parametrize("mode", ["floor", "trunc"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_div_rounding_mode_gradients_are_zero(mode, layout):
    a, b = rng.standard_normal((3, 4)).astype(np.float32) * 5, rng.standard_normal((1, 4)).astype(np.float32)
    check(lambda T, x, y: T.div(x, y, rounding_mode=mode), a, b, layout=layout)
    check(lambda T, x: x.div(2.5, rounding_mode=mode), a, layout=layout)
    check(lambda T, x, y: T.div(x, y, rounding_mode=mode), rng.integers(-9, 9, (5,)), rng.integers(1, 4, (5,)))


def test_div_floor_rejects_bools():
    raises_like(lambda T, x, y: T.div(x, y, rounding_mode="floor"), rng.random(3) > 0.5, rng.random(3) > 0.5)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8])
def test_integer_tensor_powers_with_negative_exponents(dtype):
    a, b = rng.integers(-3, 4, (4, 5)).astype(dtype), rng.integers(-4, 4, (4, 5)).astype(dtype)
    check(lambda T, x, y: x ** y, a, b)
    check(lambda T, x, y: T.pow(x, y), a[:1], b)
    check(lambda T, y: 2 ** y, b)
    check(lambda T, y: y.__rpow__(-1), b)
    check(lambda T, y: 2.5 ** y, b)
    raises_like(lambda T, x: x ** -1, a, match=["negative integer powers"])


def test_to_takes_positional_non_blocking_and_copy():
    a, b = rng.standard_normal((3, 4)).astype(np.float32), rng.integers(0, 3, (2,))
    check(lambda T, x: x.to(T.float64, False, True), a)
    check(lambda T, x: x.to("cpu", T.int64, False, False), a)
    check(lambda T, x, y: x.to(y, True), a, b)
    check(lambda T, x: x.to(None, T.float16), a)
    check(lambda T, x: x.to(int), a)
    raises_like(lambda T, x: x.to("nodevice"), a)
    raises_like(lambda T, x: x.to(T.float64, False, True, True), a)


def test_to_returns_self_unless_copy(backend):
    import mytorch
    x = mytorch.ones(2, 3)
    assert x.to(mytorch.float32) is x and x.to("cpu", None, False, False) is x
    y = x.to(mytorch.float32, False, True)
    assert y is not x and mytorch.equal(y, x)
