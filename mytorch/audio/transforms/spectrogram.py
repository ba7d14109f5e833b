"""`Spectrogram`, `MelScale` and `MelSpectrogram`: the STFT power spectrogram and its mel bands, as modules
with torchaudio's arguments (`functional.spectrogram`, `functional.melscale_fbanks`)."""
from __future__ import annotations

from typing import Any, Callable

from ..._tensor import Tensor
from ...nn.module import Module
from ...ops.windows import hann_window
from ..functional.mel import melscale_fbanks
from ..functional.spectrogram import spectrogram

__all__ = ["MelScale", "MelSpectrogram", "Spectrogram"]


class Spectrogram(Module):
    """|STFT(waveform)|^power (..., n_fft // 2 + 1, frames) of waveforms (..., time): a `window_fn(win_length,
    **wkwargs)` window (Hann by default; a non-persistent buffer), win_length n_fft and hop win_length // 2
    by default, frames centred with reflect padding."""

    def __init__(self, n_fft: int = 400, win_length: int | None = None, hop_length: int | None = None,
                 pad: int = 0, window_fn: Callable[..., Tensor] = hann_window, power: float | None = 2.0,
                 normalized: bool | str = False, wkwargs: dict[str, Any] | None = None, center: bool = True,
                 pad_mode: str = "reflect", onesided: bool = True, return_complex: bool | None = None) -> None:
        super().__init__()
        self.n_fft = n_fft
        self.win_length = win_length if win_length is not None else n_fft
        self.hop_length = hop_length if hop_length is not None else self.win_length // 2
        window = window_fn(self.win_length) if wkwargs is None else window_fn(self.win_length, **wkwargs)
        self.register_buffer("window", window, persistent=False)
        self.pad, self.power, self.normalized = pad, power, normalized
        self.center, self.pad_mode, self.onesided = center, pad_mode, onesided

    def forward(self, waveform: Tensor) -> Tensor:
        return spectrogram(waveform, self.pad, self.window, self.n_fft, self.hop_length, self.win_length,
                           self.power, self.normalized, self.center, self.pad_mode, self.onesided)


class MelScale(Module):
    """Mel bands fb^T S (..., n_mels, time) of a spectrogram S (..., n_stft, time), with the filter bank of
    `melscale_fbanks` (n_stft = n_fft // 2 + 1 frequencies from 0 to sample_rate / 2) as a buffer."""

    def __init__(self, n_mels: int = 128, sample_rate: int = 16000, f_min: float = 0.0, f_max: float | None = None,
                 n_stft: int = 201, norm: str | None = None, mel_scale: str = "htk") -> None:
        super().__init__()
        self.n_mels, self.sample_rate = n_mels, sample_rate
        self.f_max = f_max if f_max is not None else float(sample_rate // 2)
        self.f_min, self.norm, self.mel_scale = f_min, norm, mel_scale
        if f_min > self.f_max:
            raise ValueError(f"Require f_min: {f_min} <= f_max: {self.f_max}")
        self.register_buffer("fb", melscale_fbanks(n_stft, f_min, self.f_max, n_mels, sample_rate, norm, mel_scale))

    def forward(self, specgram: Tensor) -> Tensor:
        return (specgram.transpose(-1, -2) @ self.fb.to(specgram.dtype)).transpose(-1, -2)


class MelSpectrogram(Module):
    """`MelScale` of a `Spectrogram`: (..., n_mels, frames) from waveforms (..., time); f_max defaults to
    sample_rate / 2, and the spectrogram is onesided whatever `onesided` says (the mel bands need it)."""

    def __init__(self, sample_rate: int = 16000, n_fft: int = 400, win_length: int | None = None,
                 hop_length: int | None = None, f_min: float = 0.0, f_max: float | None = None, pad: int = 0,
                 n_mels: int = 128, window_fn: Callable[..., Tensor] = hann_window, power: float = 2.0,
                 normalized: bool | str = False, wkwargs: dict[str, Any] | None = None, center: bool = True,
                 pad_mode: str = "reflect", onesided: bool | None = None, norm: str | None = None,
                 mel_scale: str = "htk") -> None:
        super().__init__()
        self.sample_rate, self.n_fft, self.n_mels = sample_rate, n_fft, n_mels
        self.spectrogram = Spectrogram(n_fft, win_length, hop_length, pad, window_fn, power, normalized, wkwargs,
                                       center, pad_mode, onesided=True)
        self.win_length, self.hop_length = self.spectrogram.win_length, self.spectrogram.hop_length
        self.mel_scale = MelScale(n_mels, sample_rate, f_min, f_max, n_fft // 2 + 1, norm, mel_scale)

    def forward(self, waveform: Tensor) -> Tensor:
        return self.mel_scale(self.spectrogram(waveform))
