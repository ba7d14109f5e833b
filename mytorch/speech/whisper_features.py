"""Whisper's front end: 16 kHz audio -> normalised 80-bin log-mel frames, cut into the 30-s windows the encoder takes.

For a waveform x of L samples (faster-whisper's recipe, which is openai-whisper's):

    x' = x followed by 160 zeros (one hop)
    X  = STFT(x'): n_fft 400, hop 160, periodic Hann window, centred (reflect padding of 200), one-sided;
         the last frame is dropped, leaving L // 160 + 1 frames of 201 bins
    M  = fb^T |X|^2                  fb: 80 Slaney-scale mel triangles with Slaney area norm, 0..8000 Hz
    S  = log10(max(M, 1e-10)),  S = max(S, max(S) - 8),  features = (S + 4) / 4

The maximum is taken over the whole recording. The first L // 160 frames are the content; window w covers
frames [3000 w, 3000 w + 3000) of it, and a window shorter than 3000 frames is padded with zeros (padding
the normalised features, as faster-whisper's and openai-whisper's transcribe() do). The spectrum is
computed in float64 and the features returned in float32.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..audio.functional import melscale_fbanks
from ..ops.joining import pad
from ..ops.stft import stft
from ..ops.windows import hann_window

__all__ = ["SAMPLE_RATE", "N_FFT", "HOP_LENGTH", "N_MELS", "WINDOW_FRAMES", "log_mel_spectrogram",
           "feature_windows"]

SAMPLE_RATE = 16000
N_FFT = 400
HOP_LENGTH = 160
N_MELS = 80
WINDOW_FRAMES = 3000  # 30 s of 10-ms frames: the encoder's input length


def log_mel_spectrogram(waveform: Tensor, n_mels: int = N_MELS) -> Tensor:
    """The normalised log-mel features (n_mels, L // 160 + 1) of a 16-kHz waveform (L,) (module docstring)."""
    if waveform.ndim != 1:
        raise ValueError(f"log_mel_spectrogram: expected a mono waveform (time,), got shape {list(waveform.shape)}")
    if waveform.shape[0] == 0:
        raise ValueError("log_mel_spectrogram: the waveform is empty")
    x = pad(waveform.to(D.float64), (0, HOP_LENGTH))
    spec = stft(x, N_FFT, HOP_LENGTH, window=hann_window(N_FFT, dtype=D.float64), center=True, pad_mode="reflect",
                return_complex=True)[:, :-1]
    power = spec.real ** 2 + spec.imag ** 2  # (201, frames)
    fb = melscale_fbanks(N_FFT // 2 + 1, 0.0, SAMPLE_RATE / 2, n_mels, SAMPLE_RATE, norm="slaney", mel_scale="slaney")
    logs = (fb.to(D.float64).T @ power).clamp_min(1e-10).log10()
    logs = logs.clamp_min(float(logs.max()) - 8.0)
    return ((logs + 4.0) / 4.0).to(D.float32)


def feature_windows(features: Tensor) -> list[Tensor]:
    """The encoder inputs (n_mels, 3000) that cover the content frames of ``features`` (module docstring)."""
    content = features.shape[-1] - 1
    windows = []
    for start in range(0, content, WINDOW_FRAMES):
        window = features[:, start:min(start + WINDOW_FRAMES, content)]
        windows.append(pad(window, (0, WINDOW_FRAMES - window.shape[-1])))
    return windows
