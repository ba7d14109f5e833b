"""Vocal-tract-length perturbation of log-mel features (Jaitly & Hinton, 2013), for training a recognizer
that meets voices it never heard. torchaudio has no such transform; it sits beside SpecAugment's masks.

A longer or shorter vocal tract scales every formant frequency by about the same factor. Per utterance,
the warp draws a factor a uniformly from [1 - max_warp, 1 + max_warp] and moves the spectrum's content at
f Hz to a f: mel band j (centre c_j on the HTK scale from 0 Hz to the Nyquist frequency) takes the value
the features have at c_j / a, read between the two nearest bands by linear interpolation,

    s_j = mel(c_j / a) / dm - 1                          (fractional band index; dm: the bands' spacing)
    y[n, t, j] = sum_i x[n, t, i] max(0, 1 - |i - s_j|)   (s_j clipped to [0, n_mels - 1])

so the warp is one batched matmul of the features (N, T, n_mels) with an (N, n_mels, n_mels) matrix. Bands
whose source lies above the top band (a < 1) repeat the top band.
"""
from __future__ import annotations

import math

from ... import _dtype as D
from ..._tensor import Tensor
from ...nn.module import Module
from ...ops.creation import arange, linspace
from ...ops.random import rand
from ..functional.mel import hz_to_mel, mel_to_hz

__all__ = ["FrequencyWarp"]


class FrequencyWarp(Module):
    """features (N, T, n_mels) on the HTK mel scale -> the same with each utterance's frequency axis scaled
    by its own random factor in [1 - max_warp, 1 + max_warp] (module docstring). `generator` is mytorch's
    (None: the default one); max_warp 0 returns the features as they are."""

    def __init__(self, n_mels: int, max_warp: float, sample_rate: int = 16000, generator=None) -> None:
        super().__init__()
        if not 0.0 <= max_warp < 1.0:
            raise ValueError(f"FrequencyWarp: max_warp must be in [0, 1), got {max_warp}")
        self.n_mels, self.max_warp, self.generator = n_mels, max_warp, generator
        self.top_mel = hz_to_mel(sample_rate / 2)

    def forward(self, features: Tensor) -> Tensor:
        if self.max_warp == 0:
            return features  # and no random draws
        n, f = features.shape[0], self.n_mels
        spacing = self.top_mel / (f + 1)
        centres = mel_to_hz(linspace(spacing, f * spacing, f, dtype=D.float32))  # (f,) Hz
        factors = 1.0 + self.max_warp * (2.0 * rand(n, 1, generator=self.generator) - 1.0)  # (n, 1)
        source_mel = 2595.0 / math.log(10.0) * (1.0 + centres / factors / 700.0).log()  # (n, f)
        source = (source_mel / spacing - 1.0).clamp(0.0, f - 1.0)
        bands = arange(f, dtype=D.float32).reshape(1, f, 1)
        weights = (1.0 - (bands - source.unsqueeze(1)).abs()).clamp_min(0.0)  # (n, f_in, f_out)
        return features @ weights.to(features.dtype)
