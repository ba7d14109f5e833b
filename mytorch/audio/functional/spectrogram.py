"""The spectrogram of a waveform: the short-time Fourier transform (`torch.stft`), its magnitude raised to a
power, with torchaudio's options.

The waveform x (..., time), padded by `pad` zeros on both sides, is cut into frames every hop samples (each
centred on its time when `center`: n_fft // 2 samples of `pad_mode` padding at both ends), windowed and
transformed:

    X[f, t] = s sum_j w_j x[t hop + j] e^(-2 pi i f j / n_fft),     f = 0 .. n_fft // 2 (onesided)
    S[f, t] = |X[f, t]|^power               (power None: X itself, complex)

The scale s normalises either by the frame length (normalized="frame_length": s = n_fft^(-1/2), the
unitary DFT) or by the window (normalized=True or "window": s = (sum_j w_j^2)^(-1/2), so a unit-power
signal has unit power in every frame); s = 1 otherwise. Composed of stft, abs and pow, S is differentiable
in the waveform (away from the bins where X = 0 and power <= 1, where |X| has no gradient).
"""
from __future__ import annotations

from ..._tensor import Tensor
from ...ops.joining import pad as pad_signal
from ...ops.stft import stft

__all__ = ["spectrogram"]

_NORMS = {False: (False, False), True: (False, True), "window": (False, True), "frame_length": (True, False)}


def spectrogram(waveform: Tensor, pad: int, window: Tensor, n_fft: int, hop_length: int, win_length: int,
                power: float | None, normalized: bool | str, center: bool = True, pad_mode: str = "reflect",
                onesided: bool = True, return_complex: bool | None = None) -> Tensor:
    """S (..., n_fft // 2 + 1, frames) of waveform (..., time) (module docstring); complex when power is None.
    `return_complex` is accepted for torchaudio's signature: a complex result is always complex."""
    if normalized not in _NORMS:
        raise ValueError(f"Invalid normalized parameter: {normalized}. Expected True, False, 'window' or "
                         "'frame_length'.")
    by_frame_length, by_window = _NORMS[normalized]
    if pad > 0:
        waveform = pad_signal(waveform, (pad, pad), "constant")
    shape = waveform.shape
    spec = stft(waveform.reshape(-1, shape[-1]), n_fft, hop_length, win_length, window, center, pad_mode,
                by_frame_length, onesided, return_complex=True)
    spec = spec.reshape(*shape[:-1], *spec.shape[-2:])
    if by_window:
        spec = spec / window.pow(2.0).sum().sqrt()
    if power is None:
        return spec
    magnitude = spec.abs()
    return magnitude if power == 1.0 else magnitude.pow(power)
