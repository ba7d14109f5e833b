"""pixel_shuffle / pixel_unshuffle / channel_shuffle and their modules vs torch: values, gradients, batch dims,
errors."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like, same

rng = np.random.default_rng(23)


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape,r", [((1, 8, 2, 3), 2), ((2, 9, 1, 2), 3), ((4, 2, 3), 1), ((2, 1, 4, 3, 2), 2)])
def test_pixel_shuffle(shape, r, layout):
    c = shape[-3] - shape[-3] % (r * r)
    check(lambda T, x: T.nn.functional.pixel_shuffle(x, r), rand(*shape[:-3], c, *shape[-2:]), layout=layout)
    check(lambda T, x: T.pixel_unshuffle(x, r), rand(*shape[:-2], shape[-2] * r, shape[-1] * r), layout=layout)
    check(lambda T, x: T.nn.PixelShuffle(r)(T.nn.PixelUnshuffle(r)(x)), rand(*shape[:-2], 2 * r, r),
          layout=layout)


def test_gradcheck_dtypes_and_reprs():
    gradcheck(lambda T, x: T.pixel_shuffle(x, 2), rand(1, 4, 2, 2))
    gradcheck(lambda T, x: T.pixel_unshuffle(x, 2), rand(2, 1, 2, 4))
    check(lambda T, x: T.pixel_shuffle(x, 2), rng.integers(0, 9, (1, 4, 2, 2)), grad=False)
    same(lambda T: [repr(T.nn.PixelShuffle(3)), repr(T.nn.PixelUnshuffle(2))])


def test_errors():
    raises_like(lambda T, x: T.pixel_shuffle(x, 2), rand(1, 3, 2, 2), match=["divisible by the square"])
    raises_like(lambda T, x: T.pixel_shuffle(x, 2), rand(4, 2), match=["at least 3 dimensions"])
    raises_like(lambda T, x: T.pixel_shuffle(x, 0), rand(1, 4, 2, 2), match=["positive"])
    raises_like(lambda T, x: T.pixel_unshuffle(x, 2), rand(1, 3, 3, 4), match=["height"])
    raises_like(lambda T, x: T.pixel_unshuffle(x, 2), rand(1, 3, 4, 3), match=["width"])


@pytest.mark.parametrize("shape,groups", [((2, 6, 3, 2), 3), ((1, 8, 5), 2), ((2, 4, 2, 1, 3), 4), ((3, 5, 2), 1)])
def test_channel_shuffle(shape, groups):
    check(lambda T, x: T.nn.functional.channel_shuffle(x, groups), np.random.default_rng(1).standard_normal(shape))
    check(lambda T, x: T.nn.ChannelShuffle(groups)(x), np.random.default_rng(2).standard_normal(shape))
    assert repr(mytorch.nn.ChannelShuffle(groups)) == repr(torch.nn.ChannelShuffle(groups))


def test_channel_shuffle_errors():
    raises_like(lambda T, x: T.nn.functional.channel_shuffle(x, 4), np.zeros((2, 6, 3)), match=["divisible by groups"])
    raises_like(lambda T, x: T.nn.functional.channel_shuffle(x, 2), np.zeros((2, 6)), match=["at least 3 dimensions"])
