"""F.affine_grid and F.grid_sample against PyTorch: every mode, padding mode and align_corners, images
and volumes, locations inside and outside the image, gradients for the input and the grid."""
import numpy as np
import pytest

from helpers import LAYOUTS, check, gradcheck, raises_like

rng = np.random.default_rng(41)


def _grid(*shape):
    # locations beyond [-1, 1] too, so every padding mode is exercised
    return (rng.random(shape) * 2.6 - 1.3).astype(np.float32)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_grid_sample_2d(mode, padding_mode, align_corners):
    x, g = rng.standard_normal((2, 3, 5, 7)).astype(np.float32), _grid(2, 4, 6, 2)
    check(lambda T, a, b: T.nn.functional.grid_sample(a, b, mode=mode, padding_mode=padding_mode,
                                                       align_corners=align_corners), x, g, atol=1e-4)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_3d(mode, padding_mode, align_corners):
    x, g = rng.standard_normal((2, 2, 3, 4, 5)).astype(np.float32), _grid(2, 2, 3, 4, 3)
    check(lambda T, a, b: T.nn.functional.grid_sample(a, b, mode=mode, padding_mode=padding_mode,
                                                       align_corners=align_corners), x, g, atol=1e-4)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_grid_sample_layouts_and_single_pixel_axes(layout):
    x, g = rng.standard_normal((2, 3, 4, 4)).astype(np.float32), _grid(2, 4, 4, 2)
    check(lambda T, a, b: T.nn.functional.grid_sample(a, b, align_corners=False), x, g, layout=layout, atol=1e-4)
    one = rng.standard_normal((1, 2, 1, 5)).astype(np.float32)
    for align in (False, True):
        check(lambda T, a, b: T.nn.functional.grid_sample(a, b, padding_mode="reflection", align_corners=align),
              one, _grid(1, 3, 3, 2), atol=1e-4)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_grid_sample_gradcheck(mode):
    x, g = rng.standard_normal((1, 2, 4, 5)), rng.random((1, 3, 2, 2)) * 1.6 - 0.8
    gradcheck(lambda T, a, b: T.nn.functional.grid_sample(a, b, mode=mode, padding_mode="border",
                                                           align_corners=False), x, g)


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid(align_corners):
    theta2, theta3 = rng.standard_normal((2, 2, 3)).astype(np.float32), rng.standard_normal((2, 3, 4)).astype(np.float32)
    check(lambda T, t: T.nn.functional.affine_grid(t, [2, 3, 5, 4], align_corners=align_corners), theta2)
    check(lambda T, t: T.nn.functional.affine_grid(t, [2, 1, 3, 1, 4], align_corners=align_corners), theta3)
    # a spatial transformer: the sampled image's gradient reaches theta through the grid
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    check(lambda T, t, a: T.nn.functional.grid_sample(
        a, T.nn.functional.affine_grid(t, list(a.shape), align_corners=align_corners), align_corners=align_corners),
        theta2 * 0.5, x, atol=1e-4)


def test_errors_match_pytorch():
    x, g = rng.standard_normal((2, 3, 5, 7)).astype(np.float32), _grid(2, 4, 6, 2)
    raises_like(lambda T, a, b: T.nn.functional.grid_sample(a, b, mode="area"), x, g)
    raises_like(lambda T, a, b: T.nn.functional.grid_sample(a, b, padding_mode="wrap"), x, g)
    raises_like(lambda T, a, b: T.nn.functional.grid_sample(a, b[..., :1]), x, g)
    raises_like(lambda T, a, b: T.nn.functional.grid_sample(a, b[:1]), x, g)
    raises_like(lambda T, a, b: T.nn.functional.grid_sample(a[0], b), x, g)
    raises_like(lambda T, t: T.nn.functional.affine_grid(t, [2, 3, 5, 4]), rng.standard_normal((2, 3, 3)).astype(np.float32))
    raises_like(lambda T, t: T.nn.functional.affine_grid(t, [2, 3, 4]), rng.standard_normal((2, 2, 3)).astype(np.float32))


def test_default_align_corners_warns_like_pytorch(backend):
    import mytorch
    x, g = mytorch.ones(1, 1, 2, 2), mytorch.zeros(1, 1, 1, 2)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        mytorch.nn.functional.grid_sample(x, g)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        mytorch.nn.functional.affine_grid(mytorch.zeros(1, 2, 3), [1, 1, 2, 2])


def test_aten_entry_points():
    """torch.grid_sampler / grid_sampler_2d / grid_sampler_3d take the modes as codes (interpolation 0 bilinear,
    1 nearest, 2 bicubic; padding 0 zeros, 1 border, 2 reflection); affine_grid_generator is affine_grid."""
    x, g = rng.standard_normal((2, 3, 5, 7)).astype(np.float32), _grid(2, 4, 6, 2)
    v, gv = rng.standard_normal((1, 2, 3, 4, 5)).astype(np.float32), _grid(1, 2, 3, 4, 3)
    for mode, padding, align in ((0, 0, False), (1, 1, True), (2, 2, False), (2, 1, True)):
        check(lambda T, a, b: T.grid_sampler_2d(a, b, mode, padding, align), x, g, atol=1e-4)
        check(lambda T, a, b: T.grid_sampler(a, b, mode, padding, align), x, g, atol=1e-4)
    for mode, padding, align in ((0, 2, True), (1, 0, False)):
        check(lambda T, a, b: T.grid_sampler_3d(a, b, mode, padding, align), v, gv, atol=1e-4)
    check(lambda T, t: T.affine_grid_generator(t, [2, 3, 5, 4], True), rng.standard_normal((2, 2, 3)).astype(np.float32))
    raises_like(lambda T, a, b: T.grid_sampler_2d(a, b, 0, 0, False), v, gv, match=["expected 4D input and grid"])
    raises_like(lambda T, a, b: T.grid_sampler_3d(a, b, 2, 0, False), v, gv, match=["bicubic"])
