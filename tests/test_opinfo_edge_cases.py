"""Edge cases the OpInfo harness (test_opinfo.py) found, as PyTorch: sign keeps a bool tensor, square of
bool is int64, isclose compares bools as 0 and 1; div with a rounding_mode has zero gradients."""
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
