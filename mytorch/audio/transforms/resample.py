"""`Resample`: the windowed-sinc resampler of `mytorch.audio.functional.resample` with its kernel built once."""
from __future__ import annotations

from ... import _dtype as D
from ..._tensor import Tensor
from ...nn.module import Module
from ..functional.resample import apply_resample_kernel, sinc_resample_kernel

__all__ = ["Resample"]


class Resample(Module):
    """Resample waveforms (..., time) from orig_freq to new_freq; the kernel is a non-persistent buffer, so
    it follows ``.to()`` and stays out of the state dict, as torchaudio's does."""

    def __init__(self, orig_freq: int = 16000, new_freq: int = 16000, resampling_method: str = "sinc_interp_hann",
                 lowpass_filter_width: int = 6, rolloff: float = 0.99, beta: float | None = None, *,
                 dtype: D.dtype | None = None) -> None:
        super().__init__()
        self.orig_freq, self.new_freq = orig_freq, new_freq
        self.resampling_method, self.beta = resampling_method, beta
        self.lowpass_filter_width, self.rolloff = lowpass_filter_width, rolloff
        if orig_freq != new_freq:
            kernel, self.width = sinc_resample_kernel(orig_freq, new_freq, lowpass_filter_width, rolloff,
                                                      resampling_method, beta, dtype)
            self.register_buffer("kernel", kernel, persistent=False)

    def forward(self, waveform: Tensor) -> Tensor:
        if self.orig_freq == self.new_freq:
            return waveform
        return apply_resample_kernel(waveform, self.orig_freq, self.new_freq, self.kernel, self.width)
