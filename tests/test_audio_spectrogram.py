"""mytorch.audio spectrograms: `functional.spectrogram`, `Spectrogram`, `MelScale` and `MelSpectrogram` against
float64 NumPy references written from the definitions (reflect-padded frames, periodic Hann window, real
FFT, the two normalisations, |X|^power, triangular mel bands), to 1e-4 of each spectrogram's peak; gradients
against the same composition in PyTorch, and gradcheck in float64."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch
from helpers import check, gradcheck
from mytorch.audio import functional as AF
from mytorch.audio import transforms as AT
from test_audio_features import _reference_fbanks


def _reference(x: np.ndarray, n_fft: int, hop: int, win_length: int, pad: int = 0, power: float | None = 2.0,
               normalized: bool | str = False, center: bool = True, pad_mode: str = "reflect") -> np.ndarray:
    """The spectrogram of x (..., time) in float64, from the definition."""
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(win_length) / win_length)  # periodic Hann
    left = (n_fft - win_length) // 2
    window = np.pad(window, (left, n_fft - win_length - left))
    x = np.asarray(x, np.float64)
    widths = [(0, 0)] * (x.ndim - 1)
    if pad:
        x = np.pad(x, widths + [(pad, pad)])
    if center:
        x = np.pad(x, widths + [(n_fft // 2, n_fft // 2)], mode=pad_mode)
    starts = range(0, x.shape[-1] - n_fft + 1, hop)
    frames = np.stack([x[..., s:s + n_fft] for s in starts], axis=-1)  # (..., n_fft, frames)
    spec = np.fft.rfft(frames * window[:, None], axis=-2)
    if normalized == "frame_length":
        spec = spec / np.sqrt(n_fft)
    elif normalized in (True, "window"):
        spec = spec / np.sqrt((window ** 2).sum())
    return spec if power is None else np.abs(spec) ** power


def _close(actual, expected, tol=1e-4):
    actual = actual.numpy() if isinstance(actual, mytorch.Tensor) else actual
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol * np.abs(expected).max())


@pytest.mark.parametrize("n_fft, win_length, hop, pad, power, normalized, center", [
    (400, None, 160, 0, 2.0, False, True),
    (256, 200, 64, 3, 1.0, True, True),
    (64, 48, 16, 0, 0.5, "frame_length", False),
    (128, None, None, 0, 2.0, "window", True),
])
def test_spectrogram_matches_reference(rng, n_fft, win_length, hop, pad, power, normalized, center):
    x = rng.standard_normal((2, 3, 1600)).astype(np.float32)
    transform = AT.Spectrogram(n_fft, win_length, hop, pad, power=power, normalized=normalized, center=center)
    win = win_length or n_fft
    expected = _reference(x, n_fft, hop or win // 2, win, pad, power, normalized, center)
    out = transform(mytorch.tensor(x))
    assert out.dtype is mytorch.float32
    _close(out, expected)


def test_complex_spectrogram_and_functional(rng):
    x = rng.standard_normal(1000)
    window = mytorch.hann_window(200, dtype=mytorch.float64)
    spec = AF.spectrogram(mytorch.tensor(x), 0, window, 256, 100, 200, None, False)
    assert spec.dtype is mytorch.complex128 and tuple(spec.shape) == (129, 11)
    np.testing.assert_allclose(spec.numpy(), _reference(x, 256, 100, 200, power=None), atol=1e-10)
    with pytest.raises(ValueError, match="normalized"):
        AF.spectrogram(mytorch.tensor(x), 0, window, 256, 100, 200, 2.0, "unit")


@pytest.mark.parametrize("norm, scale", [(None, "htk"), ("slaney", "slaney")])
def test_mel_spectrogram_matches_reference(rng, norm, scale):
    x = rng.standard_normal((2, 8000)).astype(np.float32)
    transform = AT.MelSpectrogram(16000, n_fft=400, hop_length=160, n_mels=40, f_min=20.0, norm=norm,
                                  mel_scale=scale)
    fb = _reference_fbanks(201, 20.0, 8000.0, 40, 16000, norm, scale)
    expected = np.einsum("fm,bft->bmt", fb, _reference(x, 400, 160, 400))
    out = transform(mytorch.tensor(x))
    assert tuple(out.shape) == (2, 40, 51) and transform.win_length == 400
    _close(out, expected)
    assert list(transform.state_dict()) == ["mel_scale.fb"]  # the window is not persistent, as torchaudio's
    _close(AT.MelScale(40, 16000, 20.0, None, 201, norm, scale)(mytorch.tensor(_reference(x, 400, 160, 400)
                                                                              .astype(np.float32))), expected)


def _torchaudio_spectrogram(T, x, power, normalized):
    """torchaudio's spectrogram written on T's stft, or mytorch's, for gradients beside PyTorch's."""
    window = T.hann_window(64, dtype=x.dtype)
    if T is mytorch:
        return AF.spectrogram(x, 0, window, 64, 16, 64, power, normalized)
    spec = torch.stft(x, 64, 16, 64, window, normalized=False, return_complex=True)
    if normalized:
        spec = spec / window.pow(2).sum().sqrt()
    return spec.abs().pow(power)


@pytest.mark.parametrize("power, normalized", [(2.0, False), (1.0, True)])
def test_gradients_match_torch(rng, power, normalized):
    check(lambda T, x: _torchaudio_spectrogram(T, x, power, normalized), rng.standard_normal((2, 300)))


def test_gradcheck(rng):
    gradcheck(lambda T, x: AF.spectrogram(x, 2, T.hann_window(12, dtype=x.dtype), 16, 4, 12, 2.0, True),
              rng.standard_normal(60))
    gradcheck(lambda T, x: AT.MelSpectrogram(8000, n_fft=32, hop_length=8, n_mels=4).double()(x),
              rng.standard_normal(80))
