"""Mel scales and the triangular mel filter bank that maps a linear-frequency spectrum to mel bands.

Two mel scales, each mapping frequency f (Hz) to mels m:

    htk:     m = 2595 log10(1 + f / 700)
    slaney:  m = 3 f / 200                                  below 1000 Hz (linear)
             m = 15 + 27 log(f / 1000) / log(6.4)           above (logarithmic, 27 mels per factor 6.4)

`melscale_fbanks` spaces n_mels + 2 points evenly in mels from f_min to f_max and maps them back to
Hz: f_0 < f_1 < ... < f_{n_mels+1}. Band m is a triangle rising from f_m to 1 at f_{m+1} and falling
to 0 at f_{m+2}, sampled at the n_freqs frequencies of an STFT, k (sample_rate // 2) / (n_freqs - 1):

    fb[k, m] = max(0, min((f_k - f_m) / (f_{m+1} - f_m), (f_{m+2} - f_k) / (f_{m+2} - f_{m+1})))

With norm="slaney" each band is scaled by 2 / (f_{m+2} - f_m), so every triangle has unit area in Hz
(constant energy per band, not constant height). A spectrogram (..., n_freqs, time) becomes mel bands
by fb^T @ spec.
"""
from __future__ import annotations

import math
import warnings

from ... import _dtype as D
from ..._tensor import Tensor
from ...ops.binary import maximum, minimum, where
from ...ops.creation import linspace

__all__ = ["melscale_fbanks"]

_SCALES = ("htk", "slaney")
# Slaney's scale: linear below 1000 Hz at 200/3 Hz per mel, logarithmic above
_LINEAR_HZ_PER_MEL = 200.0 / 3
_BREAK_HZ = 1000.0
_BREAK_MEL = _BREAK_HZ / _LINEAR_HZ_PER_MEL
_LOG_STEP = math.log(6.4) / 27.0


def _check_scale(mel_scale: str) -> None:
    if mel_scale not in _SCALES:
        raise ValueError('mel_scale should be one of "htk" or "slaney".')


def hz_to_mel(freq: float, mel_scale: str = "htk") -> float:
    """Frequency in Hz to mels on the chosen scale (module docstring)."""
    _check_scale(mel_scale)
    if mel_scale == "htk":
        return 2595.0 * math.log10(1.0 + freq / 700.0)
    if freq < _BREAK_HZ:
        return freq / _LINEAR_HZ_PER_MEL
    return _BREAK_MEL + math.log(freq / _BREAK_HZ) / _LOG_STEP


def mel_to_hz(mels: Tensor, mel_scale: str = "htk") -> Tensor:
    """Mels to Hz, the inverse of `hz_to_mel`, elementwise."""
    _check_scale(mel_scale)
    if mel_scale == "htk":
        return 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    return where(mels >= _BREAK_MEL, _BREAK_HZ * (_LOG_STEP * (mels - _BREAK_MEL)).exp(), mels * _LINEAR_HZ_PER_MEL)


def melscale_fbanks(n_freqs: int, f_min: float, f_max: float, n_mels: int, sample_rate: int,
                    norm: str | None = None, mel_scale: str = "htk") -> Tensor:
    """The filter bank fb (n_freqs, n_mels) of the module docstring, in float32."""
    if norm is not None and norm != "slaney":
        raise ValueError('norm must be one of None or "slaney"')
    _check_scale(mel_scale)
    freqs = linspace(0, sample_rate // 2, n_freqs, dtype=D.float64).unsqueeze(1)  # (n_freqs, 1)
    mels = linspace(hz_to_mel(f_min, mel_scale), hz_to_mel(f_max, mel_scale), n_mels + 2, dtype=D.float64)
    edges = mel_to_hz(mels, mel_scale)  # f_0 .. f_{n_mels+1}
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (freqs - lower) / (center - lower)
    falling = (upper - freqs) / (upper - center)
    fb = maximum(minimum(rising, falling), freqs.new_zeros(()))
    if norm == "slaney":
        fb = fb * (2.0 / (upper - lower))
    if bool((fb.amax(0) == 0.0).any()):
        warnings.warn(f"At least one mel filterbank has all zero values. The value for `n_mels` ({n_mels}) may be "
                      f"set too high. Or, the value for `n_freqs` ({n_freqs}) may be set too low.")
    return fb.to(D.float32)
