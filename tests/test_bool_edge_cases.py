"""sign, square and isclose on bool tensors, as PyTorch: sign keeps bool, square promotes to int64,
isclose compares them as 0 and 1."""
import numpy as np

from helpers import check

rng = np.random.default_rng(29)


def test_sign_square_isclose_on_bool():
    a, b = rng.random((3, 4)) > 0.5, rng.random((3, 4)) > 0.5
    check(lambda T, x: T.sign(x), a)
    check(lambda T, x: x.sign(), a[:, ::2])
    check(lambda T, x: T.square(x), a)
    check(lambda T, x, y: T.isclose(x, y), a, b)
    check(lambda T, x, y: T.isclose(x, y, atol=2.0, equal_nan=True), a, b)
    check(lambda T, x, y: T.isclose(x, y), rng.integers(0, 3, (5,)), rng.integers(0, 3, (5,)))
