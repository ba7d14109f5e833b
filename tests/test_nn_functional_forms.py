"""The functional forms scripts reach for beside the main ones, vs torch: gumbel_softmax (soft and
straight-through hard, drawn from the same seed), the `*_with_indices` pooling forms, celu_ and selu_."""
import numpy as np
import pytest

from helpers import LAYOUTS, check

rng = np.random.default_rng(37)


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_gumbel_softmax_draws_torchs_noise(hard, layout):
    def fn(T, x):
        T.manual_seed(11)
        return T.nn.functional.gumbel_softmax(x, tau=0.7, hard=hard, dim=0)
    check(fn, rand(5, 6), layout=layout)


@pytest.mark.parametrize("name, args, shape", [
    ("max_pool1d_with_indices", (2,), (2, 3, 8)), ("max_pool2d_with_indices", (3, 2, 1), (1, 2, 7, 6)),
    ("max_pool3d_with_indices", (2,), (1, 2, 4, 4, 4)), ("adaptive_max_pool1d_with_indices", (3,), (2, 7)),
    ("adaptive_max_pool2d_with_indices", ((2, 3),), (1, 2, 5, 7)),
    ("adaptive_max_pool3d_with_indices", (2,), (1, 2, 4, 5, 3))])
def test_pooling_with_indices_returns_both(name, args, shape):
    check(lambda T, x: getattr(T.nn.functional, name)(x, *args), rand(*shape), layout="transposed")
    check(lambda T, x: getattr(T.nn.functional, name)(x, *args, return_indices=False), rand(*shape))


def test_fractional_max_pool_with_indices():
    samples = rng.random((1, 2, 2)).astype(np.float32)
    check(lambda T, x: T.nn.functional.fractional_max_pool2d_with_indices(
        x, 2, output_size=3, _random_samples=T.tensor(samples)), rand(1, 2, 7, 7))


def test_celu_and_selu_in_place():
    check(lambda T, x: T.nn.functional.celu_(x * 1, 0.6), rand(4, 5), layout="transposed")
    check(lambda T, x: T.nn.functional.selu_(x * 1), rand(4, 5), layout="sliced")


def test_lazy_linear_takes_in_features_and_torchs_init():
    import mytorch
    import torch
    x = rand(3, 7)
    outs = {}
    for T in (mytorch, torch):
        T.manual_seed(5)
        layer = T.nn.LazyLinear(4)
        assert layer.has_uninitialized_params()
        outs[T] = (layer(T.tensor(x)), layer)
    (m_y, m_layer), (t_y, t_layer) = outs[mytorch], outs[torch]
    assert type(m_layer) is mytorch.nn.Linear and m_layer.in_features == 7
    np.testing.assert_allclose(m_layer.weight.detach().numpy(), t_layer.weight.detach().numpy(), atol=1e-7)
    np.testing.assert_allclose(m_y.detach().numpy(), t_y.detach().numpy(), atol=1e-6)
    assert repr(m_layer) == repr(t_layer)
    assert mytorch.nn.LazyLinear(2, bias=False)(mytorch.ones(5)).shape == (2,)
