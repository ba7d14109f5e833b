"""Band-limited resampling by a windowed-sinc filter, with torchaudio's kernel and defaults.

With the rates reduced by their gcd to orig and new samples per period, an output sample at time j/new
(in periods) is a weighted sum of the inputs at times i/orig around it:

    y_j = sum_i x_i h(i/orig - j/new),   h(tau) = (f_c / orig) sinc(f_c tau) w(f_c tau)

where sinc(u) = sin(pi u)/(pi u), the cutoff f_c = rolloff min(orig, new) keeps only what both rates can
carry (rolloff < 1 leaves room for the filter's transition band), and the window w, of half-width
`lowpass_filter_width` zero crossings, tapers the sinc to a finite filter:

    sinc_interp_hann:    w(u) = cos^2(pi u / (2 W))                              for |u| <= W
    sinc_interp_kaiser:  w(u) = I0(beta sqrt(1 - (u / W)^2)) / I0(beta)          for |u| <= W

(u is clamped to [-W, W], so the taps just outside hold sinc(W) = 0). The output times repeat every
period with `new` phases, so the filter is `new` kernels of 2 width + orig taps, one per phase, where
width = ceil(W orig / f_c) input samples; all phases run as one strided conv1d (stride orig) over the
input padded with width zeros before and width + orig after, and the phases interleave into the output,
ceil(new T / orig) samples long. Built from conv1d, the result is differentiable in the waveform.
"""
from __future__ import annotations

import math

from ... import _dtype as D
from ..._tensor import Tensor
from ...ops.conv import conv1d
from ...ops.creation import arange
from ...ops.joining import pad
from ...ops.special import i0, sinc

__all__ = ["resample", "sinc_resample_kernel"]

_KAISER_BETA = 14.769656459379492  # torchaudio's default beta for sinc_interp_kaiser
_METHODS = ("sinc_interp_hann", "sinc_interp_kaiser")


def _reduced_rates(orig_freq: float, new_freq: float) -> tuple[int, int]:
    if orig_freq <= 0.0 or new_freq <= 0.0:
        raise ValueError("Original frequency and desired frequency should be positive")
    if int(orig_freq) != orig_freq or int(new_freq) != new_freq:
        raise ValueError("Frequencies must be of integer type to ensure quality resampling computation. "
                         f"Got orig_freq={orig_freq}, new_freq={new_freq}")
    gcd = math.gcd(int(orig_freq), int(new_freq))
    return int(orig_freq) // gcd, int(new_freq) // gcd


def sinc_resample_kernel(orig_freq: int, new_freq: int, lowpass_filter_width: int = 6, rolloff: float = 0.99,
                         resampling_method: str = "sinc_interp_hann", beta: float | None = None,
                         dtype: D.dtype | None = None) -> tuple[Tensor, int]:
    """(kernel (new, 1, 2 width + orig), width) for the gcd-reduced rates: h at each phase's taps, computed
    in float64 and cast to `dtype` (float32 by default)."""
    if lowpass_filter_width <= 0:
        raise ValueError("Low pass filter width should be positive.")
    if resampling_method not in _METHODS:
        raise ValueError(f"Invalid resampling method: {resampling_method}")
    orig, new = _reduced_rates(orig_freq, new_freq)
    cutoff = min(orig, new) * rolloff
    width = math.ceil(lowpass_filter_width * orig / cutoff)
    taps = arange(-width, width + orig, dtype=D.float64).reshape(1, 1, -1) / orig  # i / orig
    phases = arange(0, -new, -1, dtype=D.float64).reshape(-1, 1, 1) / new  # -j / new
    u = ((taps + phases) * cutoff).clamp(-lowpass_filter_width, lowpass_filter_width)
    if resampling_method == "sinc_interp_hann":
        window = (u * (math.pi / lowpass_filter_width / 2)).cos() ** 2
    else:
        b = _KAISER_BETA if beta is None else float(beta)
        inside = (1 - (u / lowpass_filter_width) ** 2).clamp_min(0).sqrt()
        window = i0(b * inside) / i0(u.new_full((), b))
    kernel = sinc(u) * window * (cutoff / orig)
    return kernel.to(dtype or D.float32), width


def resample(waveform: Tensor, orig_freq: int, new_freq: int, lowpass_filter_width: int = 6, rolloff: float = 0.99,
             resampling_method: str = "sinc_interp_hann", beta: float | None = None) -> Tensor:
    """waveform (..., time) sampled at orig_freq, resampled to new_freq (see the module docstring)."""
    _reduced_rates(orig_freq, new_freq)
    if orig_freq == new_freq:
        return waveform
    kernel, width = sinc_resample_kernel(orig_freq, new_freq, lowpass_filter_width, rolloff, resampling_method,
                                         beta, waveform.dtype)
    return apply_resample_kernel(waveform, orig_freq, new_freq, kernel, width)


def apply_resample_kernel(waveform: Tensor, orig_freq: int, new_freq: int, kernel: Tensor, width: int) -> Tensor:
    """Run a `sinc_resample_kernel` over waveform (..., time): every phase at once, interleaved."""
    orig, new = _reduced_rates(orig_freq, new_freq)
    if not waveform.dtype.is_floating_point:
        raise TypeError(f"Expected floating point type for waveform tensor, but received {waveform.dtype}.")
    batch_shape, length = waveform.shape[:-1], waveform.shape[-1]
    flat = pad(waveform.reshape(-1, 1, length), (width, width + orig))
    phases = conv1d(flat, kernel.to(waveform.dtype), stride=orig)  # (B, new, frames)
    out = phases.transpose(1, 2).reshape(flat.shape[0], -1)[:, :math.ceil(new * length / orig)]
    return out.reshape(*batch_shape, out.shape[-1])
