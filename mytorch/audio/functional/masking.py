"""SpecAugment masks (Park et al., 2019): a band of consecutive frequency bins or time frames set to a value.

The band's width is w = floor(u_1 mask_param) and its first index floor(u_2 (L - u_1 mask_param)), with
u_1, u_2 uniform in [0, 1) drawn in that order (torchaudio's draws, from mytorch's generator: the same
seed gives the same masks) and L the length of the masked axis; so w < mask_param and the band fits.
With p < 1 the width is also capped at p L. `mask_along_axis` draws one band for the whole batch;
`mask_along_axis_iid` one per example (and channel). The gradient passes to the unmasked values only.
"""
from __future__ import annotations

from ..._tensor import Tensor
from ...ops.creation import arange
from ...ops.random import rand

__all__ = ["mask_along_axis", "mask_along_axis_iid"]


def _mask_param(mask_param: int, p: float, length: int) -> int:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"The value of p must be between 0.0 and 1.0 ({p} given).")
    return mask_param if p == 1.0 else min(mask_param, int(length * p))


def _check_axis(axis: int, dim: int) -> None:
    if axis not in (dim - 2, dim - 1):
        raise ValueError(f"Only Frequency and Time masking are supported (axis {dim - 2} and axis {dim - 1} "
                         f"supported; {axis} given).")


def _band(width_draw: Tensor, start_draw: Tensor, mask_param: int, length: int) -> tuple[Tensor, Tensor]:
    """(first, end) indices of the band from the two uniform draws."""
    width = width_draw * mask_param
    start = (start_draw * (length - width)).long()
    return start, start + width.long()


def mask_along_axis(specgram: Tensor, mask_param: int, mask_value: float, axis: int, p: float = 1.0, *,
                    generator=None) -> Tensor:
    """specgram (..., freq, time) with one band along `axis` (dim - 2: frequency, dim - 1: time) set to
    mask_value, the same band for every leading index."""
    dim = specgram.ndim
    if dim < 2:
        raise ValueError(f"Spectrogram must have at least two dimensions (time and frequency). Input dimension "
                         f"is {dim}.")
    _check_axis(axis, dim)
    length = specgram.shape[axis]
    mask_param = _mask_param(mask_param, p, length)
    if mask_param < 1:
        return specgram
    width_draw = rand(1, generator=generator)
    start_draw = rand(1, generator=generator)
    start, end = _band(width_draw, start_draw, mask_param, length)
    index = arange(length, device=specgram.device)
    mask = (index >= start) & (index < end)
    if axis == dim - 2:
        mask = mask.unsqueeze(-1)
    return specgram.masked_fill(mask, mask_value)


def mask_along_axis_iid(specgrams: Tensor, mask_param: int, mask_value: float, axis: int, p: float = 1.0, *,
                        generator=None) -> Tensor:
    """specgrams (batch, ..., freq, time), at least 3-D, each (batch, ...) index with its own band."""
    dim = specgrams.ndim
    if dim < 3:
        raise ValueError(f"Spectrogram must have at least three dimensions ({dim} given).")
    _check_axis(axis, dim)
    length = specgrams.shape[axis]
    mask_param = _mask_param(mask_param, p, length)
    if mask_param < 1:
        return specgrams
    leading = specgrams.shape[:dim - 2]
    width_draw = rand(*leading, generator=generator, dtype=specgrams.dtype)
    start_draw = rand(*leading, generator=generator, dtype=specgrams.dtype)
    start, end = _band(width_draw, start_draw, mask_param, length)
    index = arange(length, device=specgrams.device).reshape((-1, 1) if axis == dim - 2 else (-1,))
    start = start.reshape(*leading, 1, 1)
    end = end.reshape(*leading, 1, 1)
    return specgrams.masked_fill((index >= start) & (index < end), mask_value)
