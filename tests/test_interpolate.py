"""F.interpolate's interpolating modes against PyTorch: linear (3-D), bilinear and bicubic (4-D), trilinear
(5-D), area and nearest-exact; with align_corners, scale factors (recomputed or not) and explicit sizes,
up and down; outputs and input gradients (random upstream gradient, non-contiguous inputs), float64
gradcheck, nn.Upsample and the deprecated aliases, and PyTorch's errors for modes that do not fit."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import check, gradcheck, raises_like

rng = np.random.default_rng(0)
SHAPES = {"linear": (2, 3, 6), "bilinear": (2, 2, 5, 6), "bicubic": (1, 2, 6, 5), "trilinear": (1, 2, 3, 4, 5)}
RESIZES = [dict(scale_factor=2.0), dict(scale_factor=0.6), dict(scale_factor=1.7, recompute_scale_factor=True),
           dict(scale_factor=2.3), "size"]


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def resize(kwargs, nd: int) -> dict:
    """The resize arguments; 'size' stands for an explicit size per dim (one of them shrinking)."""
    return {"size": (7, 3, 4)[:nd]} if kwargs == "size" else kwargs


@pytest.mark.parametrize("mode", list(SHAPES))
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("kwargs", RESIZES)
def test_interpolating_modes(mode, align_corners, kwargs):
    shape = SHAPES[mode]
    check(lambda T, x: T.nn.functional.interpolate(x, mode=mode, align_corners=align_corners,
                                                    **resize(kwargs, len(shape) - 2)), randn(*shape))


@pytest.mark.parametrize("mode", ["area", "nearest-exact"])
@pytest.mark.parametrize("shape", [(2, 3, 7), (1, 2, 7, 5), (1, 1, 4, 5, 6)])
@pytest.mark.parametrize("kwargs", RESIZES)
def test_area_and_nearest_exact(mode, shape, kwargs):
    check(lambda T, x: T.nn.functional.interpolate(x, mode=mode, **resize(kwargs, len(shape) - 2)), randn(*shape))


@pytest.mark.parametrize("layout", ["transposed", "sliced"])
def test_non_contiguous_and_mixed_scales(layout):
    for mode in ("bilinear", "bicubic"):
        check(lambda T, x: T.nn.functional.interpolate(x, scale_factor=(1.5, 0.75), mode=mode), randn(2, 3, 6, 8),
              layout=layout)


def test_float64_and_gradcheck():
    for mode, shape in SHAPES.items():
        x = rng.standard_normal(shape)
        check(lambda T, x: T.nn.functional.interpolate(x, scale_factor=1.5, mode=mode), x, atol=1e-12, rtol=1e-12)
        gradcheck(lambda T, x: T.nn.functional.interpolate(x, scale_factor=1.5, mode=mode, align_corners=True), x)
    gradcheck(lambda T, x: T.nn.functional.interpolate(x, size=(3, 4), mode="area"), rng.standard_normal((1, 1, 5, 7)))


def test_upsample_modules_and_aliases():
    x = randn(1, 2, 4, 5)
    check(lambda T, x: T.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)(x), x)
    check(lambda T, x: T.nn.Upsample(size=(3, 7), mode="bicubic")(x), x)
    check(lambda T, x: T.nn.UpsamplingBilinear2d(scale_factor=2)(x), x)
    check(lambda T, x: T.nn.AdaptiveAvgPool3d((2, None, 3))(x), randn(1, 2, 5, 4, 7))
    import mytorch
    import torch
    for T in (mytorch, torch):
        assert repr(T.nn.Upsample(scale_factor=2, mode="bilinear")) == "Upsample(scale_factor=2.0, mode='bilinear')"


@pytest.mark.parametrize("call", [
    lambda F, x: F.interpolate(x, scale_factor=2, mode="bilinear"),              # 3-D input
    lambda F, x: F.interpolate(x, scale_factor=2, mode="trilinear"),
    lambda F, x: F.interpolate(x.unsqueeze(0), scale_factor=2, mode="linear"),  # 4-D input
    lambda F, x: F.interpolate(x.unsqueeze(0), scale_factor=2, mode="trilinear"),
    lambda F, x: F.interpolate(x, scale_factor=2, mode="bicubic"),
    lambda F, x: F.interpolate(x, scale_factor=2, mode="area", align_corners=False),
    lambda F, x: F.interpolate(x, scale_factor=2, mode="linear", antialias=True),
    lambda F, x: F.interpolate(x, size=(3, 4), mode="bilinear", recompute_scale_factor=True),
])
def test_errors(call):
    raises_like(lambda T, x: call(T.nn.functional, x), randn(1, 2, 5))


def test_antialias_says_so():
    import mytorch
    with pytest.raises(NotImplementedError, match="antialias"):
        mytorch.nn.functional.interpolate(mytorch.zeros(1, 1, 4, 4), scale_factor=0.5, mode="bilinear",
                                          antialias=True)
