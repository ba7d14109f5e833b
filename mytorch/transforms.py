"""Image transforms with torchvision's names and semantics, on tensors (PIL is not needed).

Images are tensors [..., H, W] (a data set's raw uint8 [H, W] image, or float [C, H, W] after
ToTensor). Random transforms draw from mytorch's global generator, or from ``generator=`` when given,
so ``mytorch.manual_seed`` (and the DataLoader's per-worker seeding) makes them reproducible.

    ToTensor                uint8 [H, W] or [H, W, C] (tensor, NumPy array or PIL image) -> float [C, H, W] / 255
    Normalize(mean, std)    x[c] -> (x[c] - mean[c]) / std[c] per channel of [..., C, H, W]
    RandomCrop(size, pad)   pad, then a window at a uniformly random offset: i ~ U{0..H-h}, j ~ U{0..W-w}
    RandomHorizontalFlip(p) reverse the W axis with probability p
"""
from __future__ import annotations

import numbers
from typing import Any, Callable, Sequence

from . import _dtype as D
from ._tensor import Tensor
from .ops.creation import tensor
from .ops.gather_scatter import index_select
from .ops.joining import flip, pad as _pad
from .ops.random import Generator, rand, randint

__all__ = ["Compose", "ToTensor", "Normalize", "RandomCrop", "RandomHorizontalFlip", "Lambda"]


class Compose:
    """Apply `transforms` in order."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        return type(self).__name__ + "(" + "".join(f"\n    {t}" for t in self.transforms) + "\n)"


class ToTensor:
    """An image [H, W] or [H, W, C] as a tensor [C, H, W]; uint8 values are scaled to floats in [0, 1], other
    dtypes are kept as they are (torchvision's rule). Tensors, NumPy arrays and PIL images are accepted."""

    def __call__(self, pic: Any) -> Tensor:
        img = pic if isinstance(pic, Tensor) else tensor(pic)
        if img.ndim not in (2, 3):
            raise ValueError(f"ToTensor: pic should be 2 or 3 dimensional (H x W or H x W x C). Got {img.ndim} "
                             "dimensions.")
        img = (img.unsqueeze(0) if img.ndim == 2 else img.permute(2, 0, 1)).contiguous()
        if img.dtype is D.uint8:
            return img.to(D.get_default_dtype()).div_(255)
        if img.dtype is D.bool_:  # a binary (mode "1") image: 0 or 1
            return img.to(D.get_default_dtype())
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Normalize:
    """``(x - mean[c]) / std[c]`` for each channel c of a float image [..., C, H, W]."""

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float, inplace: bool = False) -> None:
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, img: Tensor) -> Tensor:
        if not isinstance(img, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(img)}")
        if not img.dtype.is_floating_point:
            raise TypeError(f"Input tensor should be a float tensor. Got {img.dtype}.")
        if img.ndim < 3:
            raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                             f"{img.size()}")
        mean, std = (tensor(v, dtype=img.dtype).view(-1, 1, 1) for v in (self.mean, self.std))
        if (std == 0).any().item():
            raise ValueError(f"std evaluated to zero after conversion to {img.dtype}, leading to division by zero.")
        if self.inplace:
            return img.sub_(mean).div_(std)
        return (img - mean) / std

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


_PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


class RandomCrop:
    """A random `size` window (an int for a square, or (h, w)) of the image after padding it.

    `padding`: an int for every side, (left/right, top/bottom) or (left, top, right, bottom); `pad_if_needed`
    pads images smaller than `size`. `padding_mode`: constant (with `fill`), edge (repeat the border),
    reflect (mirror without the border: 2 1 | 0 1 2) or symmetric (mirror with it: 1 0 | 0 1 2).
    """

    def __init__(self, size: int | Sequence[int], padding: int | Sequence[int] | None = None,
                 pad_if_needed: bool = False, fill: float = 0, padding_mode: str = "constant", *,
                 generator: Generator | None = None) -> None:
        self.size = _pair(size, "size")
        if padding is not None:
            _sides(padding)  # validate now, not on the first image
        if padding_mode not in _PADDING_MODES:
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode
        self.generator = generator

    def __call__(self, img: Tensor) -> Tensor:
        if self.padding is not None:
            img = self._pad(img, _sides(self.padding))
        (th, tw), h, w = self.size, img.shape[-2], img.shape[-1]
        if self.pad_if_needed and (h < th or w < tw):
            img = self._pad(img, (max(tw - w, 0), max(th - h, 0), max(tw - w, 0), max(th - h, 0)))
            h, w = img.shape[-2], img.shape[-1]
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        i = randint(0, h - th + 1, (1,), generator=self.generator).item()
        j = randint(0, w - tw + 1, (1,), generator=self.generator).item()
        return img[..., i:i + th, j:j + tw]

    def _pad(self, img: Tensor, sides: tuple[int, int, int, int]) -> Tensor:
        left, top, right, bottom = sides
        if self.padding_mode == "constant":
            return _pad(img, (left, right, top, bottom), value=self.fill)
        h, w = img.shape[-2], img.shape[-1]
        rows = tensor(_pad_index(h, top, bottom, self.padding_mode))
        cols = tensor(_pad_index(w, left, right, self.padding_mode))
        return index_select(index_select(img, -2, rows), -1, cols)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


def _pair(size: int | Sequence[int], what: str) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if len(size) == 1:
        return int(size[0]), int(size[0])
    if len(size) != 2:
        raise ValueError(f"Please provide only two dimensions (h, w) for {what}.")
    return int(size[0]), int(size[1])


def _sides(padding: int | Sequence[int]) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) from torchvision's padding forms."""
    if isinstance(padding, numbers.Number):
        p = [int(padding)] * 4
    elif len(padding) in (1, 2, 4):
        p = [int(v) for v in padding]
        p = p * 4 if len(p) == 1 else (p * 2 if len(p) == 2 else p)
    else:
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if min(p) < 0:
        raise ValueError(f"Padding must be non-negative, got {padding}")
    return p[0], p[1], p[2], p[3]


def _pad_index(n: int, before: int, after: int, mode: str) -> list[int]:
    """Which source index each padded position reads along a dim of size n (edge, reflect, symmetric)."""
    out = []
    for p in range(-before, n + after):
        if mode == "edge" or n == 1:
            q = min(max(p, 0), n - 1)
        else:  # mirror images repeat with period 2n (symmetric) or 2n - 2 (reflect: the border isn't repeated)
            period = 2 * n if mode == "symmetric" else 2 * n - 2
            q = p % period
            q = q if q < n else period - q - (1 if mode == "symmetric" else 0)
        out.append(q)
    return out


class RandomHorizontalFlip:
    """Mirror the image left to right (reverse its last dim) with probability p."""

    def __init__(self, p: float = 0.5, *, generator: Generator | None = None) -> None:
        self.p, self.generator = p, generator

    def __call__(self, img: Tensor) -> Tensor:
        if rand(1, generator=self.generator).item() < self.p:
            return flip(img, (-1,))
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class Lambda:
    """Apply a user function as a transform."""

    def __init__(self, lambd: Callable) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
