"""SpecAugment as modules: `FrequencyMasking` and `TimeMasking` (`functional.mask_along_axis[_iid]`)."""
from __future__ import annotations

from ..._tensor import Tensor
from ...nn.module import Module
from ..functional.masking import mask_along_axis, mask_along_axis_iid

__all__ = ["FrequencyMasking", "TimeMasking"]


class _AxisMasking(Module):
    """One band along the frequency (axis 1) or time (axis 2) axis of (..., channel, freq, time); with
    iid_masks, a band per example of a 4-D batch. `generator` is mytorch's (None: the default one)."""

    def __init__(self, mask_param: int, axis: int, iid_masks: bool, p: float = 1.0, generator=None) -> None:
        super().__init__()
        self.mask_param, self.axis, self.iid_masks, self.p = mask_param, axis, iid_masks, p
        self.generator = generator

    def forward(self, specgram: Tensor, mask_value: float = 0.0) -> Tensor:
        axis = self.axis + specgram.ndim - 3
        if self.iid_masks:
            return mask_along_axis_iid(specgram, self.mask_param, mask_value, axis, self.p, generator=self.generator)
        return mask_along_axis(specgram, self.mask_param, mask_value, axis, self.p, generator=self.generator)


class FrequencyMasking(_AxisMasking):
    """Mask a band of fewer than freq_mask_param consecutive frequency bins."""

    def __init__(self, freq_mask_param: int, iid_masks: bool = False, *, generator=None) -> None:
        super().__init__(freq_mask_param, 1, iid_masks, generator=generator)


class TimeMasking(_AxisMasking):
    """Mask a band of fewer than time_mask_param consecutive frames (and at most p of them all)."""

    def __init__(self, time_mask_param: int, iid_masks: bool = False, p: float = 1.0, *, generator=None) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"The value of p must be between 0.0 and 1.0 ({p} given).")
        super().__init__(time_mask_param, 2, iid_masks, p, generator=generator)
