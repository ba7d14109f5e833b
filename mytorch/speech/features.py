"""The recognizer's acoustic features: a log-mel spectrogram, normalised per utterance.

For a 16 kHz waveform, frames of 25 ms (n_fft 400, Hann) every 10 ms (hop 160) give the power mel
spectrogram M (n_mels, T) (`mytorch.audio.transforms.MelSpectrogram`, HTK scale); the features are

    L = log(max(M, floor))            the floor keeps silence finite
    x[t, m] = (L[m, t] - mean_t L[m]) / (std_t L[m] + eps)

Normalising every mel band over the utterance's own frames (cepstral mean and variance normalisation)
removes the channel and loudness that differ between voices and recordings, which matters when the test
voices are never heard in training. The result is time first (T, n_mels), as the recognizer takes it.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..audio.transforms import MelSpectrogram

__all__ = ["LogMelFeatures"]


class LogMelFeatures:
    """waveform (1, time) or (time,) at `sample_rate` -> normalised log-mel features (T, n_mels)
    (module docstring)."""

    def __init__(self, n_mels: int = 40, sample_rate: int = 16000, n_fft: int = 400, hop_length: int = 160,
                 floor: float = 1e-10, eps: float = 1e-5) -> None:
        self.n_mels, self.sample_rate, self.floor, self.eps = n_mels, sample_rate, floor, eps
        self.mel = MelSpectrogram(sample_rate, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels)

    def __call__(self, waveform: Tensor) -> Tensor:
        log_mel = self.mel(waveform.reshape(-1)).clamp_min(self.floor).log()  # (n_mels, T)
        mean = log_mel.mean(-1, keepdim=True)
        std = log_mel.std(-1, keepdim=True)
        return ((log_mel - mean) / (std + self.eps)).transpose(0, 1).contiguous()
