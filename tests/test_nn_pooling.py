"""Max/avg/adaptive pooling, unfold/fold and nearest interpolation vs PyTorch: values, indices, gradients
under a random upstream gradient, gradcheck, errors, and the pooling/upsampling modules."""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like, same

R = np.random.default_rng(0)


def randn(*shape, dtype=np.float32):
    return R.standard_normal(shape).astype(dtype)


def F(T):
    return T.nn.functional


# (kernel, stride, padding, dilation, ceil_mode)
MAX2D = [(2, None, 0, 1, False), (3, 2, 1, 1, False), (3, 2, 1, 1, True), ((3, 2), (2, 1), (1, 0), 1, True),
         (2, 3, 1, 2, False), (3, 1, 1, 2, True), (4, 3, 2, 1, True), (1, 1, 0, 1, False)]


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode", MAX2D)
def test_max_pool2d(kernel, stride, padding, dilation, ceil_mode):
    check(lambda T, x: F(T).max_pool2d(x, kernel, stride, padding, dilation, ceil_mode=ceil_mode,
                                       return_indices=True), randn(2, 3, 8, 7))


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode",
                         [(2, None, 0, 1, False), (3, 2, 1, 1, True), (3, 1, 1, 3, False), (4, 3, 2, 1, True)])
def test_max_pool1d(kernel, stride, padding, dilation, ceil_mode):
    check(lambda T, x: F(T).max_pool1d(x, kernel, stride, padding, dilation, ceil_mode, return_indices=True),
          randn(2, 3, 11))


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode",
                         [(2, None, 0, 1, False), ((3, 2, 2), (2, 1, 2), (1, 0, 1), 1, True), (2, 1, 1, 2, False)])
def test_max_pool3d(kernel, stride, padding, dilation, ceil_mode):
    check(lambda T, x: F(T).max_pool3d(x, kernel, stride, padding, dilation, ceil_mode, return_indices=True),
          randn(2, 3, 6, 5, 7))


@pytest.mark.parametrize("kernel,stride,padding,ceil_mode,count_include_pad,divisor",
                         [(2, None, 0, False, True, None), ((3, 2, 2), 2, 1, True, False, None),
                          (3, (1, 2, 1), (1, 0, 1), False, True, 5)])
def test_avg_pool3d(kernel, stride, padding, ceil_mode, count_include_pad, divisor):
    check(lambda T, x: F(T).avg_pool3d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor),
          randn(2, 3, 6, 5, 7))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_max_pool_layouts_and_ties(layout):
    check(lambda T, x: F(T).max_pool2d(x, 2, return_indices=True), randn(2, 3, 6, 6), layout=layout)
    # ties (and -inf padding next to negative inputs): the first maximum in the window wins, as in PyTorch
    ties = np.round(R.standard_normal((2, 2, 6, 6))).astype(np.float32) - 3
    check(lambda T, x: F(T).max_pool2d(x, 3, 2, 1, return_indices=True), ties, layout=layout)


def test_max_pool_unbatched_integers_and_names():
    check(lambda T, x: F(T).max_pool2d(x, 2, return_indices=True), randn(3, 4, 4))
    check(lambda T, x: T.max_pool1d(x, 2), randn(3, 5))
    check(lambda T, x: F(T).max_pool2d(x, 3, 2, 1), R.integers(-9, 9, (1, 2, 5, 5)))
    same(lambda T: [F(T).max_pool2d(T.ones(1, 1, 2, 2, requires_grad=True), 2).grad_fn.name()])


# (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
AVG2D = [(2, None, 0, False, True, None), (3, 2, 1, False, True, None), (3, 2, 1, False, False, None),
         (3, 2, 1, True, True, None), (3, 2, 1, True, False, None), ((3, 2), (2, 1), (1, 1), True, False, None),
         (4, 3, 2, True, True, None), (2, 1, 1, False, True, 3)]


@pytest.mark.parametrize("kernel,stride,padding,ceil_mode,count_include_pad,divisor", AVG2D)
def test_avg_pool2d(kernel, stride, padding, ceil_mode, count_include_pad, divisor):
    check(lambda T, x: F(T).avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor),
          randn(2, 3, 8, 7))


@pytest.mark.parametrize("kernel,stride,padding,ceil_mode,count_include_pad",
                         list(itertools.product((3,), (2,), (0, 1), (False, True), (False, True))))
def test_avg_pool1d(kernel, stride, padding, ceil_mode, count_include_pad):
    check(lambda T, x: F(T).avg_pool1d(x, kernel, stride, padding, ceil_mode, count_include_pad), randn(2, 3, 10))


def test_avg_pool_unbatched_layouts_integers():
    for layout in LAYOUTS:
        check(lambda T, x: F(T).avg_pool2d(x, 3, 2, 1), randn(3, 5, 6), layout=layout)
    check(lambda T, x: F(T).avg_pool2d(x, 2, padding=1), R.integers(-9, 9, (1, 2, 5, 5)))
    check(lambda T, x: T.avg_pool1d(x, 2), randn(1, 3, 6))


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, (1, None), (None, 3), (4, 2)])
def test_adaptive_avg_pool2d(size):
    check(lambda T, x: F(T).adaptive_avg_pool2d(x, size), randn(2, 3, 7, 5))


def test_adaptive_avg_pool_1d_unbatched_layouts():
    for size in (1, 3, 4, 7):
        check(lambda T, x: F(T).adaptive_avg_pool1d(x, size), randn(2, 3, 7))
    for layout in LAYOUTS:
        check(lambda T, x: F(T).adaptive_avg_pool2d(x, 2), randn(3, 5, 5), layout=layout)


@pytest.mark.parametrize("kernel,dilation,padding,stride", [(2, 1, 0, 1), ((3, 2), 2, 1, (2, 1)), (3, 1, 1, 3)])
def test_unfold_fold(kernel, dilation, padding, stride):
    check(lambda T, x: F(T).unfold(x, kernel, dilation, padding, stride), randn(2, 3, 7, 6))
    cols = mytorch.nn.functional.unfold(mytorch.zeros(2, 3, 7, 6), kernel, dilation, padding, stride)
    check(lambda T, c: F(T).fold(c, (7, 6), kernel, dilation, padding, stride), randn(*cols.shape))


def test_unfold_fold_empty_batch_and_complex():
    check(lambda T, x: F(T).unfold(x, 2, 1, 1, (1, 2)), randn(0, 1, 5, 5))
    x = randn(2, 3, 5, 4) + 1j * randn(2, 3, 5, 4)
    check(lambda T, x: F(T).unfold(x, (2, 3), padding=1), x)
    check(lambda T, c: F(T).fold(c, (5, 4), 2), (randn(2, 12, 12) - 1j * randn(2, 12, 12)).astype(np.complex64))
    gradcheck(lambda T, x: F(T).fold(F(T).unfold(x, 2, padding=1), (5, 4), 2, padding=1), x)


INTERP = [dict(scale_factor=2), dict(scale_factor=3), dict(scale_factor=0.5), dict(scale_factor=1.5),
          dict(scale_factor=(2, 0.7)), dict(size=(5, 9)), dict(size=3), dict(size=(14, 8)),
          dict(scale_factor=1.7, recompute_scale_factor=True), dict(scale_factor=1.0001)]


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("kwargs", INTERP)
def test_interpolate_2d(kwargs, mode):
    check(lambda T, x: F(T).interpolate(x, mode=mode, **kwargs), randn(2, 3, 7, 4))


@pytest.mark.parametrize("shape", [(1, 1, -1), (1, 1, -1, 1), (1, 1, 1, 1, -1)])
def test_interpolate_index_arithmetic(shape):
    """Every output length from 1 to 40 for inputs of 1 to 12, and scale factors near 1 and 2 (where
    PyTorch's 2-D kernel alone copies or halves): the float32 index arithmetic matches, in 1, 2 and 3-D."""
    nd = len(shape) - 2
    for n, m in itertools.product(range(1, 13), range(1, 41)):
        size = tuple(m if s == -1 else 1 for s in shape[2:])
        for mode in ("nearest", "nearest-exact"):
            same(lambda T: F(T).interpolate(T.arange(float(n)).reshape(shape), size=size, mode=mode))
    for n, s in itertools.product((3, 7, 10, 29), (0.4, 1.1, 1.3, 2.1, 2.5, 3.7)):
        scale = tuple(s if d == -1 else 1.0 for d in shape[2:]) if nd > 1 else s
        same(lambda T: F(T).interpolate(T.arange(float(n)).reshape(shape), scale_factor=scale))


def test_interpolate_1d_and_upsample_aliases():
    check(lambda T, x: F(T).interpolate(x, scale_factor=2.5), randn(2, 3, 5))
    for name in ("upsample", "upsample_nearest"):  # deprecated in both, with the same warning
        with pytest.warns(UserWarning, match=f"`nn.functional.{name}` is deprecated"):
            getattr(mytorch.nn.functional, name)(mytorch.zeros(1, 1, 2, 2), scale_factor=2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check(lambda T, x: getattr(F(T), name)(x, scale_factor=2), randn(1, 2, 3, 3))


def test_gradcheck():
    x = randn(1, 2, 5, 4)
    gradcheck(lambda T, x: F(T).max_pool2d(x, 3, 2, 1, ceil_mode=True), x)
    gradcheck(lambda T, x: F(T).avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), x)
    gradcheck(lambda T, x: F(T).adaptive_avg_pool2d(x, (3, 3)), x)
    gradcheck(lambda T, x: F(T).interpolate(x, scale_factor=1.5), x)
    gradcheck(lambda T, x: F(T).fold(F(T).unfold(x, 2, padding=1), (5, 4), 2, padding=1), x)
    gradcheck(lambda T, x: F(T).max_pool1d(x, 2), randn(1, 2, 6))


def test_double_backward():
    xs = [mytorch.tensor(randn(1, 2, 5, 4, dtype=np.float64), requires_grad=True)]
    g = mytorch.autograd.gradgradcheck
    assert g(lambda x: mytorch.nn.functional.max_pool2d(x, 2, 1) ** 2, xs)
    assert g(lambda x: mytorch.nn.functional.avg_pool2d(x, 3, 2, 1) ** 2, xs)


@pytest.mark.parametrize("fn,match", [
    (lambda T, x: F(T).max_pool2d(x[0, 0], 2), ["max_pool2d", "[6, 6]"]),
    (lambda T, x: F(T).max_pool2d(x, 3, padding=2), ["pad should be at most half"]),
    (lambda T, x: F(T).max_pool2d(x[:, :, :2, :2], 3), ["Output size is too small"]),
    (lambda T, x: F(T).max_pool2d(x, 2, stride=0), ["stride"]),
    (lambda T, x: F(T).max_pool2d(x, (2, 2, 2)), ["kernel_size"]),
    (lambda T, x: F(T).max_pool1d(x[0, 0, 0], 2), ["max_pool1d"]),
    (lambda T, x: F(T).avg_pool2d(x, 3, padding=2), ["pad should be at most half"]),
    (lambda T, x: F(T).avg_pool2d(x[:, :, :2, :2], 3), ["Output size is too small"]),
    (lambda T, x: F(T).avg_pool1d(x[0, 0, 0], 2), ["avg_pool1d"]),
    (lambda T, x: F(T).adaptive_avg_pool2d(x[0, 0], 2), ["adaptive_avg_pool2d", "[6, 6]"]),
    (lambda T, x: F(T).adaptive_avg_pool2d(x, (2, 2, 2)), ["output_size"]),
    (lambda T, x: F(T).adaptive_avg_pool2d(x[:, :, :0], 2), ["non-zero size"]),
    (lambda T, x: F(T).interpolate(x, size=3, scale_factor=2), ["only one of size or scale_factor"]),
    (lambda T, x: F(T).interpolate(x), ["either size or scale_factor"]),
    (lambda T, x: F(T).interpolate(x, size=(3, 3, 3)), ["same number of spatial dimensions"]),
    (lambda T, x: F(T).interpolate(x, scale_factor=(2, 2, 2)), ["same number of spatial dimensions"]),
    (lambda T, x: F(T).interpolate(x[0, 0], scale_factor=2), ["Only 3D, 4D and 5D"]),
    (lambda T, x: F(T).interpolate(x, scale_factor=2, mode="cubic"), ["cubic"]),
    (lambda T, x: F(T).interpolate(x, scale_factor=2, align_corners=True), ["align_corners"]),
    (lambda T, x: F(T).interpolate(x, scale_factor=0.1), ["greater than 0"]),
])
def test_errors(fn, match):
    raises_like(fn, randn(2, 3, 6, 6), match=match)


# ---- modules -------------------------------------------------------------------------------------------

MODULES = [
    lambda nn: nn.MaxPool2d(3, 2, 1), lambda nn: nn.MaxPool2d((2, 3), ceil_mode=True, return_indices=True),
    lambda nn: nn.MaxPool1d(3, stride=2, dilation=2), lambda nn: nn.AvgPool2d(3, 2, 1, count_include_pad=False),
    lambda nn: nn.AvgPool2d(2, divisor_override=3), lambda nn: nn.AvgPool1d(3, 2, 1, ceil_mode=True),
    lambda nn: nn.AdaptiveAvgPool2d((2, None)), lambda nn: nn.AdaptiveAvgPool2d(1),
    lambda nn: nn.AdaptiveAvgPool1d(3), lambda nn: nn.Upsample(scale_factor=2),
    lambda nn: nn.Upsample(size=(5, 7), mode="nearest-exact"), lambda nn: nn.UpsamplingNearest2d(scale_factor=3),
    lambda nn: nn.Unfold(2, padding=1), lambda nn: nn.Fold((4, 5), 2),
    lambda nn: nn.MaxPool3d(2, 1, 1, dilation=(1, 2, 1)), lambda nn: nn.AvgPool3d((2, 3, 2), 2, 1, True, False, None),
]


@pytest.mark.parametrize("make", MODULES)
def test_modules(make):
    m, t = make(mytorch.nn), make(torch.nn)
    assert repr(m) == repr(t)
    assert list(m.state_dict()) == list(t.state_dict()) == []
    if isinstance(t, torch.nn.Fold):
        x = randn(2, 12, 12)
    elif isinstance(t, (torch.nn.MaxPool1d, torch.nn.AvgPool1d, torch.nn.AdaptiveAvgPool1d)):
        x = randn(2, 3, 9)
    elif isinstance(t, (torch.nn.MaxPool3d, torch.nn.AvgPool3d)):
        x = randn(2, 3, 5, 6, 4)
    else:
        x = randn(2, 3, 6, 7)
    check(lambda T, x: (m if T is mytorch else t)(x), x)


@pytest.mark.parametrize("nd,shape,size", [(1, (2, 3, 7), 3), (1, (3, 5), 7), (2, (2, 3, 7, 5), (3, None)),
                                           (2, (2, 9, 4), (4, 3)), (3, (2, 3, 5, 6, 4), (2, 3, 2))])
def test_adaptive_max_pool(nd, shape, size):
    check(lambda T, x: getattr(F(T), f"adaptive_max_pool{nd}d")(x, size, return_indices=True), randn(*shape))
    # ties: the first maximum of each window in row-major order takes the gradient, as in PyTorch
    check(lambda T, x: getattr(F(T), f"adaptive_max_pool{nd}d")(x, size), np.round(randn(*shape)))


@pytest.mark.parametrize("nd,shape,norm_type,kernel,stride,ceil_mode", [
    (1, (2, 3, 8), 2, 3, None, False), (1, (3, 7), 1.5, 2, 3, True), (2, (2, 3, 6, 5), 3, (2, 3), 1, False),
    (3, (2, 2, 5, 4, 6), 2, 2, (1, 2, 2), True)])
def test_lp_pool(nd, shape, norm_type, kernel, stride, ceil_mode):
    check(lambda T, x: getattr(F(T), f"lp_pool{nd}d")(x, norm_type, kernel, stride, ceil_mode), np.abs(randn(*shape)))


@pytest.mark.parametrize("make,shape", [
    (lambda nn: nn.AdaptiveMaxPool1d(4, return_indices=True), (2, 3, 9)),
    (lambda nn: nn.AdaptiveMaxPool2d((None, 2)), (2, 3, 5, 7)), (lambda nn: nn.AdaptiveMaxPool3d(2), (3, 4, 5, 3)),
    (lambda nn: nn.LPPool1d(2, 3), (2, 3, 9)), (lambda nn: nn.LPPool2d(1.5, (2, 3), stride=1), (2, 3, 5, 7)),
    (lambda nn: nn.LPPool3d(3, 2, ceil_mode=True), (2, 3, 5, 4, 5))])
def test_adaptive_max_and_lp_pool_modules(make, shape):
    m, t = make(mytorch.nn), make(torch.nn)
    assert repr(m) == repr(t)
    check(lambda T, x: (m if T is mytorch else t)(x), np.abs(randn(*shape)))


@pytest.mark.parametrize("nd,shape,kwargs", [
    (2, (2, 3, 9, 7), {"kernel_size": 2, "output_size": (4, 3)}),
    (2, (3, 10, 8), {"kernel_size": (3, 2), "output_ratio": (0.5, 0.5)}),
    (3, (2, 2, 7, 6, 9), {"kernel_size": (2, 3, 2), "output_size": (3, 2, 5)}),
    (3, (2, 5, 6, 7), {"kernel_size": 2, "output_ratio": (0.5, 0.7, 0.3)})])
def test_fractional_max_pool(nd, shape, kwargs):
    """The same windows as PyTorch's from the same samples (given, or drawn from the same seed)."""
    fn = f"fractional_max_pool{nd}d"
    samples = np.random.default_rng(3).random((shape[0] if len(shape) == nd + 2 else 1, shape[-nd - 1], nd))
    for dtype in (np.float32, np.float64):
        check(lambda T, x: getattr(F(T), fn)(x, return_indices=True, _random_samples=T.tensor(samples.astype(dtype)),
                                             **kwargs), randn(*shape).astype(dtype))

    def seeded(T, x):
        T.manual_seed(7)
        return getattr(F(T), fn)(x, **kwargs)
    check(seeded, randn(*shape))


def test_fractional_max_pool_modules_and_errors():
    samples = np.random.default_rng(4).random((2, 3, 2)).astype(np.float32)
    for make in (lambda nn, s: nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.4), _random_samples=s),
                 lambda nn, s: nn.FractionalMaxPool2d((2, 3), output_size=4, return_indices=True, _random_samples=s)):
        m, t = make(mytorch.nn, mytorch.tensor(samples)), make(torch.nn, torch.tensor(samples))
        assert repr(m) == repr(t) and list(m.state_dict()) == list(t.state_dict())
        check(lambda T, x: (m if T is mytorch else t)(x), randn(2, 3, 10, 9))
    for kwargs in ({}, {"output_size": 2, "output_ratio": 0.5}, {"output_ratio": 1.5}):
        with pytest.raises(ValueError):
            mytorch.nn.FractionalMaxPool2d(2, **kwargs)
    raises_like(lambda T, x: F(T).fractional_max_pool2d(x, 2), randn(1, 2, 5, 5), match=["output_ratio"])
    raises_like(lambda T, x: F(T).fractional_max_pool2d(x, 2, 2, _random_samples=T.tensor(samples[:1].astype(float))),
                randn(1, 3, 5, 5), match=["same dtype as input"])
