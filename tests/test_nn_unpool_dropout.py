"""max_unpool1d/2d/3d, pdist, rrelu, alpha dropout and channel dropout (1-D/3-D), functions and modules, vs torch:
values and gradients (random upstream gradient, non-contiguous inputs), the random ones drawn from the same
seed, gradcheck in float64, and PyTorch's errors."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like, to_numpy

rng = np.random.default_rng(23)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def _pooled(nd: int, shape: tuple, kernel, stride=None, padding=0):
    """(pooled values, indices) from torch's max pooling of a random input: real unpooling inputs."""
    x = torch.tensor(rand(*shape))
    y, idx = getattr(torch.nn.functional, f"max_pool{nd}d")(x, kernel, stride, padding, return_indices=True)
    return y.numpy(), idx.numpy()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("nd, shape, kernel, stride, padding, output_size", [
    (1, (2, 3, 9), 3, 2, 1, None), (1, (3, 8), 2, None, 0, (9,)),
    (2, (2, 3, 6, 7), 2, None, 0, (7, 7)), (2, (3, 7, 5), (3, 2), (2, 1), (1, 0), None),
    (3, (1, 2, 4, 4, 6), 2, None, 0, None), (3, (2, 5, 4, 4), (2, 1, 2), 2, 0, (1, 2, 5, 4, 5))])
def test_max_unpool(nd, shape, kernel, stride, padding, output_size, layout):
    y, idx = _pooled(nd, shape, kernel, stride, padding)
    flat = idx.reshape(-1, idx.shape[-1] if nd == 1 else int(np.prod(idx.shape[-nd:])))
    unique = all(len(set(row)) == len(row) for row in flat)
    if not unique and layout == "expanded":
        layout = "contiguous"  # an expanded y puts different values on a repeated index: which one wins is unspecified
    fn = f"max_unpool{nd}d"

    def unpool(T, y):
        return getattr(T.nn.functional, fn)(y, T.tensor(idx), kernel, stride, padding, output_size)
    check(unpool, y, layout=layout)
    module = f"MaxUnpool{nd}d"
    check(lambda T, y: getattr(T.nn, module)(kernel, stride, padding)(y, T.tensor(idx), output_size), y)
    if unique:  # a repeated index is overwritten: no derivative there
        gradcheck(unpool, y)


def test_max_unpool_repeated_indices_and_repr():
    y, idx = rand(1, 1, 4), np.array([[[0, 0, 3, 3]]])
    check(lambda T, y: T.nn.functional.max_unpool1d(y, T.tensor(idx), 2), y)  # last write wins; both read dy
    assert repr(mytorch.nn.MaxUnpool2d(2)) == repr(torch.nn.MaxUnpool2d(2))
    assert repr(mytorch.nn.MaxUnpool3d(2, 1, 1)) == repr(torch.nn.MaxUnpool3d(2, 1, 1))


def test_max_unpool_errors():
    y, idx = _pooled(2, (2, 2, 4, 4), 2)
    unpool = lambda i, **kw: lambda T, y: T.nn.functional.max_unpool2d(y, T.tensor(i), 2, **kw)  # noqa: E731
    raises_like(unpool(idx.astype(np.int32)), y, match=["int64"])
    raises_like(unpool(idx[..., :1]), y, match=["same as that of the input"])
    raises_like(unpool(idx[0, 0]), y[0, 0], match=["3d or 4d"])
    raises_like(unpool(np.full_like(idx, 99)), y, match=["invalid max index: 99", "4x4"])
    raises_like(unpool(idx, output_size=(9, 9)), y, match=["invalid output_size", "between 2 and 6"])
    raises_like(unpool(idx, output_size=(1, 4, 4)), y, match=["2 or 4 elements"])


@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 0.5, 3.0, float("inf")])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_pdist(p, layout):
    check(lambda T, x: T.nn.functional.pdist(x, p), rand(6, 4), layout=layout)
    x = rand(4, 3)
    x[2] = x[0]  # a zero distance: gradient 0 there, as torch
    check(lambda T, x: T.pdist(x, p), x)
    check(lambda T, x: T.pdist(x, p), rand(1, 3))  # no pairs
    if p >= 1:
        gradcheck(lambda T, x: T.pdist(x, p), rand(4, 3))


def test_pdist_errors():
    raises_like(lambda T, x: T.pdist(x), rand(2, 2, 2), match=["2D"])
    raises_like(lambda T, x: T.pdist(x, -1.0), rand(3, 2), match=["non-negative"])
    raises_like(lambda T, x: T.pdist(x), np.ones((3, 2), np.int64), match=["floating-point"])


def _seeded(fn, *arrays, layout="contiguous", seed=5):
    """check() with both generators seeded alike, so the random masks and slopes are the same draws."""
    def run(T, *xs):
        T.manual_seed(seed)
        return fn(T, *xs)
    check(run, *arrays, layout=layout)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_rrelu_training_draws_torchs_slopes(dtype, layout):
    _seeded(lambda T, x: T.nn.functional.rrelu(x, 0.1, 0.3, training=True), rand(30, 20, dtype=dtype),
            layout=layout)
    _seeded(lambda T, x: T.rrelu(x * 1, training=True), rand(7, 5, dtype=dtype))
    _seeded(lambda T, x: T.nn.RReLU(0.2, 0.5)(x), rand(40, dtype=dtype))
    _seeded(lambda T, x: T.nn.functional.rrelu(x * 1, training=True, inplace=True), rand(40, dtype=dtype))


def test_rrelu_eval_slope_and_errors():
    check(lambda T, x: T.nn.functional.rrelu(x, 0.1, 0.3), rand(5, 6), layout="transposed")
    check(lambda T, x: T.nn.RReLU(0.1, 0.5).eval()(x), rand(5, 6))
    gradcheck(lambda T, x: T.nn.functional.rrelu(x, 0.1, 0.3), rand(5))
    raises_like(lambda T, x: T.rrelu(x, training=True), np.ones(3, np.int64), match=["not implemented for"])
    assert repr(mytorch.nn.RReLU(0.1, 0.2, True)) == repr(torch.nn.RReLU(0.1, 0.2, True))


@pytest.mark.parametrize("fn", ["dropout", "alpha_dropout", "feature_alpha_dropout", "dropout1d", "dropout2d",
                                "dropout3d"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_dropout_variants_draw_torchs_masks(fn, layout):
    shape = {"dropout1d": (4, 6, 9), "dropout3d": (3, 4, 2, 3, 5)}.get(fn, (4, 6, 3, 5))
    for p in (0.0, 0.3, 1.0):
        _seeded(lambda T, x: getattr(T.nn.functional, fn)(x, p, True), rand(*shape), layout=layout)
    _seeded(lambda T, x: getattr(T.nn.functional, fn)(x, 0.3, False), rand(*shape))  # evaluation: identity


@pytest.mark.parametrize("module, shape", [("AlphaDropout", (5, 8)), ("FeatureAlphaDropout", (3, 4, 6)),
                                           ("Dropout1d", (4, 7)), ("Dropout3d", (4, 2, 3, 3))])
def test_dropout_modules(module, shape):
    _seeded(lambda T, x: getattr(T.nn, module)(0.4)(x), rand(*shape))  # unbatched where the module allows
    _seeded(lambda T, x: getattr(T.nn, module)(0.4).eval()(x), rand(*shape))
    assert repr(getattr(mytorch.nn, module)(0.4)) == repr(getattr(torch.nn, module)(0.4))


def test_alpha_dropout_keeps_mean_and_variance_and_inplace():
    mytorch.manual_seed(0)
    y = mytorch.nn.functional.alpha_dropout(mytorch.randn(200_000), 0.2, True)
    assert abs(float(y.mean())) < 0.01 and abs(float(y.std()) - 1) < 0.01
    _seeded(lambda T, x: T.nn.functional.alpha_dropout(x * 1, 0.2, True, True), rand(6, 5))
    _seeded(lambda T, x: T.nn.functional.dropout1d(x * 1, 0.5, True, True), rand(6, 5))
    _seeded(lambda T, x: T.alpha_dropout(x, 0.2, True), rand(6, 5))
    _seeded(lambda T, x: T.feature_alpha_dropout(x, 0.2, True), rand(6, 5, 2))


def test_dropout_variant_errors():
    raises_like(lambda T, x: T.nn.functional.dropout1d(x), rand(2, 3, 4, 5), match=["2D or 3D input"])
    raises_like(lambda T, x: T.nn.functional.feature_alpha_dropout(x, 0.5, True), rand(3),
                match=["at least 2 dimensions"])
    for fn in ("alpha_dropout", "feature_alpha_dropout", "dropout1d", "dropout3d"):
        raises_like(lambda T, x: getattr(T.nn.functional, fn)(x, 1.5), rand(2, 3, 4, 5, 6), match=["between 0 and 1"])
    with pytest.warns(UserWarning, match="dropout3d: Received a 3-D input"):
        mytorch.nn.functional.dropout3d(mytorch.ones(2, 3, 4))
    np.testing.assert_array_equal(to_numpy(mytorch.nn.AlphaDropout(0.5).eval()(mytorch.ones(3))), np.ones(3))
