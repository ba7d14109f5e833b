"""mytorch.transforms against torchvision's documented semantics (checked numerically with NumPy)."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

import mytorch
from mytorch import transforms as T


@pytest.fixture
def img(rng) -> np.ndarray:
    return rng.integers(0, 256, size=(5, 7), dtype=np.uint8)


def test_to_tensor_scales_uint8_gray(img):
    out = T.ToTensor()(mytorch.tensor(img))
    assert out.shape == (1, 5, 7) and out.dtype is mytorch.float32 and out.is_contiguous()
    np.testing.assert_array_equal(out.numpy(), (img.astype(np.float32) / 255)[None])


def test_to_tensor_moves_channels_first(rng):
    hwc = rng.integers(0, 256, size=(4, 6, 3), dtype=np.uint8)
    for pic in (hwc, mytorch.tensor(hwc)):  # NumPy arrays and tensors alike
        out = T.ToTensor()(pic)
        assert out.shape == (3, 4, 6)
        np.testing.assert_array_equal(out.numpy(), hwc.transpose(2, 0, 1).astype(np.float32) / 255)


def test_to_tensor_keeps_other_dtypes_unscaled(rng):
    f = rng.standard_normal((3, 4)).astype(np.float64)
    out = T.ToTensor()(f)
    assert out.dtype is mytorch.float64 and np.array_equal(out.numpy(), f[None])
    ints = T.ToTensor()(np.arange(6, dtype=np.int32).reshape(2, 3))
    assert ints.dtype is mytorch.int32 and ints.tolist() == [[[0, 1, 2], [3, 4, 5]]]
    binary = T.ToTensor()(np.array([[True, False]]))
    assert binary.dtype is mytorch.float32 and binary.tolist() == [[[1.0, 0.0]]]


def test_to_tensor_follows_the_default_dtype(img):
    mytorch.set_default_dtype(mytorch.float64)
    assert T.ToTensor()(img).dtype is mytorch.float64


def test_to_tensor_rejects_other_ranks():
    with pytest.raises(ValueError, match="pic should be 2 or 3 dimensional"):
        T.ToTensor()(np.zeros((1, 2, 3, 4), dtype=np.uint8))


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5)])
def test_normalize_per_channel(shape, rng):
    x = rng.standard_normal(shape).astype(np.float32)
    mean, std = (0.1, -0.2, 0.5), (0.5, 2.0, 0.25)
    out = T.Normalize(mean, std)(mytorch.tensor(x))
    ref = (x - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[:, None, None]
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-6)


def test_normalize_inplace_and_copy(rng):
    x = mytorch.tensor(rng.standard_normal((1, 2, 2)).astype(np.float32))
    before = x.clone()
    out = T.Normalize((0.5,), (2.0,))(x)
    assert out is not x and x.tolist() == before.tolist()
    same = T.Normalize((0.5,), (2.0,), inplace=True)(x)
    assert same is x and np.allclose(x.numpy(), out.numpy())


@pytest.mark.parametrize("arg, err, match", [
    ([[1.0]], TypeError, "img should be Tensor Image"),
    (mytorch.zeros(1, 2, 2, dtype=mytorch.uint8), TypeError, "Input tensor should be a float tensor"),
    (mytorch.zeros(2, 2), ValueError, r"Expected tensor to be a tensor image of size \(\.\.\., C, H, W\)"),
])
def test_normalize_errors(arg, err, match):
    with pytest.raises(err, match=match):
        T.Normalize((0.5,), (1.0,))(arg)


def test_normalize_zero_std():
    with pytest.raises(ValueError, match="std evaluated to zero after conversion to mytorch.float32"):
        T.Normalize((0.0, 0.0), (1.0, 0.0))(mytorch.zeros(2, 2, 2))


def windows(padded: np.ndarray, h: int, w: int) -> dict[tuple[int, int], np.ndarray]:
    return {(i, j): padded[..., i:i + h, j:j + w] for i in range(padded.shape[-2] - h + 1)
            for j in range(padded.shape[-1] - w + 1)}


def offset_of(out: np.ndarray, padded: np.ndarray) -> tuple[int, int]:
    found = [ij for ij, win in windows(padded, *out.shape[-2:]).items() if np.array_equal(win, out)]
    assert found, "the crop is no window of the padded image"
    return found[0]


@pytest.mark.parametrize("padding, np_pad", [
    (None, ((0, 0), (0, 0))), (2, ((2, 2), (2, 2))), ((1, 3), ((3, 3), (1, 1))), ((1, 2, 3, 4), ((2, 4), (1, 3))),
])
def test_random_crop_is_a_window_of_the_padded_image(padding, np_pad, rng):
    # distinct values, and crops large enough to always hold some, so a window identifies its offset
    x = np.arange(1, 6 * 8 + 1, dtype=np.int64).reshape(6, 8)
    padded = np.pad(x, np_pad, constant_values=0)
    crop = T.RandomCrop((5, 7), padding=padding, generator=mytorch.Generator().manual_seed(0))
    seen = Counter(offset_of(crop(mytorch.tensor(x)).numpy(), padded) for _ in range(400))
    # every offset is reachable, about equally often (i ~ U{0..H-h}, j ~ U{0..W-w})
    n_offsets = (padded.shape[0] - 5 + 1) * (padded.shape[1] - 7 + 1)
    assert len(seen) == n_offsets
    assert max(seen.values()) < 3 * 400 / n_offsets


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_random_crop_padding_modes_match_numpy_pad(mode, img):
    """A crop as large as the padded image is the padded image itself."""
    crop = T.RandomCrop((5 + 3 + 2, 7 + 4 + 1), padding=(4, 3, 1, 2), padding_mode=mode, fill=9)
    out = crop(mytorch.tensor(img)).numpy()
    kwargs = {"constant_values": 9} if mode == "constant" else {}
    np.testing.assert_array_equal(out, np.pad(img, ((3, 2), (4, 1)), mode=mode, **kwargs))


def test_random_crop_on_channels_first_floats(rng):
    x = rng.standard_normal((3, 6, 6)).astype(np.float32)
    out = T.RandomCrop(4, padding=1, padding_mode="reflect")(mytorch.tensor(x))
    assert out.shape == (3, 4, 4) and out.dtype is mytorch.float32
    offset_of(out.numpy(), np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="reflect"))


def test_random_crop_pad_if_needed():
    x = mytorch.ones(3, 4, dtype=mytorch.uint8)
    out = T.RandomCrop((5, 6), pad_if_needed=True)(x)
    assert out.shape == (5, 6) and out.sum().item() == 12
    with pytest.raises(ValueError, match=r"Required crop size \(5, 6\) is larger than input image size \(3, 4\)"):
        T.RandomCrop((5, 6))(x)


def test_random_crop_argument_errors():
    with pytest.raises(ValueError, match="Padding mode should be either constant, edge, reflect or symmetric"):
        T.RandomCrop(3, padding=1, padding_mode="wrap")
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element tuple, not a 3 element"):
        T.RandomCrop(3, padding=(1, 2, 3))
    with pytest.raises(ValueError, match="only two dimensions"):
        T.RandomCrop((1, 2, 3))


def test_random_transforms_follow_the_global_seed(img):
    aug = T.Compose([T.RandomCrop(4, padding=2), T.RandomHorizontalFlip()])
    x = mytorch.tensor(img)
    mytorch.manual_seed(7)
    first = [aug(x).tolist() for _ in range(20)]
    mytorch.manual_seed(7)
    assert [aug(x).tolist() for _ in range(20)] == first
    assert len({str(f) for f in first}) > 5


def test_horizontal_flip_probability(img):
    x = mytorch.tensor(img)
    assert np.array_equal(T.RandomHorizontalFlip(p=1.0)(x).numpy(), img[:, ::-1])
    assert T.RandomHorizontalFlip(p=0.0)(x) is x
    flip = T.RandomHorizontalFlip(p=0.3, generator=mytorch.Generator().manual_seed(1))
    flips = sum(not np.array_equal(flip(x).numpy(), img) for _ in range(2000))
    assert abs(flips / 2000 - 0.3) < 0.04  # 4 standard deviations


def test_lambda_and_compose_order():
    pipeline = T.Compose([T.Lambda(lambda v: v + 1), T.Lambda(lambda v: v * 10)])
    assert pipeline(1) == 20
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)


def test_reprs_like_torchvision():
    pipeline = T.Compose([T.RandomCrop(28, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
                          T.Normalize((0.5,), (0.5,)), T.Lambda(abs)])
    assert repr(pipeline) == ("Compose(\n    RandomCrop(size=(28, 28), padding=4)\n    RandomHorizontalFlip(p=0.5)\n"
                              "    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n    Lambda()\n)")
