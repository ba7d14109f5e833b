"""Whisper tiny.en on mytorch (mytorch.speech.whisper) against its published definition and faster-whisper.

- The front end equals Whisper's definition written here in NumPy float64 to 1e-4, and faster-whisper's
  feature extractor; 30-s windows cover the content frames and are zero-padded.
- Published weights: on a synthesized utterance the encoder output equals CTranslate2's (faster-whisper's engine,
  float32) and the greedy transcript equals faster-whisper's (beam_size=1, without_timestamps=True,
  condition_on_previous_text=False, temperature 0); beam search equals faster-whisper's beam search.
  (tests/test_transcribe_cli.py compares a stereo 22.05-kHz file through `mytorch transcribe`.)
- Slow (`pytest -m slow tests/test_whisper_transcribe.py`): 40 utterances of numbers, dates and sentences in
  several voices, and one recording longer than 30 s: >= 90% equal transcripts, WER within 1 point. Measured
  on the cpp backend with the sox-resampled synthesis: 40/40 equal, WER 36.78% for both, the long recording
  equal (285 s of CPU).
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

import mytorch
from mytorch.metrics import wer
from mytorch.speech.whisper_features import WINDOW_FRAMES, feature_windows, log_mel_spectrogram
from whisper_reference import (faster_whisper_model, need_faster_whisper, need_whisper_model, reference_log_mel,
                               reference_transcript, synthesized)


def _test_signal(seconds: float, rng) -> np.ndarray:
    """A chirp in noise with a silent stretch (the clamp at max - 8 bites there), 16 kHz."""
    t = np.arange(int(seconds * 16000)) / 16000
    x = 0.5 * np.sin(2 * np.pi * (200 + 1500 * t) * t) + 0.05 * rng.standard_normal(t.shape)
    x[len(x) // 3:len(x) // 2] = 0.0
    return x.astype(np.float32)


@pytest.mark.parametrize("seconds", [2.5, 0.013])
def test_log_mel_matches_the_published_definition(seconds, rng):
    x = _test_signal(seconds, rng)
    got = log_mel_spectrogram(mytorch.tensor(x))
    expected = reference_log_mel(x)
    assert got.dtype == mytorch.float32 and tuple(got.shape) == (80, len(x) // 160 + 1) == expected.shape
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-4, rtol=0)


def test_log_mel_matches_faster_whisper(rng):
    need_faster_whisper()
    from faster_whisper.feature_extractor import FeatureExtractor
    x = _test_signal(3.0, rng)
    np.testing.assert_allclose(log_mel_spectrogram(mytorch.tensor(x)).numpy(), FeatureExtractor()(x), atol=2e-4)


def test_feature_windows_cover_the_content_and_pad_with_zeros(rng):
    features = mytorch.tensor(rng.standard_normal((80, 6501)).astype(np.float32))  # 6500 content frames, 65 s
    windows = feature_windows(features)
    assert [tuple(w.shape) for w in windows] == [(80, WINDOW_FRAMES)] * 3
    np.testing.assert_array_equal(np.concatenate([w.numpy() for w in windows], 1)[:, :6500], features.numpy()[:, :6500])
    assert not windows[2].numpy()[:, 500:].any()
    assert feature_windows(features[:, :1]) == []


def test_log_mel_rejects_bad_input():
    with pytest.raises(ValueError, match=r"mono waveform \(time,\), got shape \[2, 400\]"):
        log_mel_spectrogram(mytorch.zeros((2, 400)))
    with pytest.raises(ValueError, match="empty"):
        log_mel_spectrogram(mytorch.zeros(0))


# ---- the published weights against faster-whisper -----------------------------------------------------------

DATE = ("On March 3, 2005, I paid 42 dollars for 17 tickets.", "en-us")


@functools.lru_cache(maxsize=None)
def _utterance(text: str, voice: str) -> np.ndarray:
    return synthesized(text, voice)


@pytest.fixture(scope="module")
def transcriber(backend):
    need_whisper_model()
    from mytorch.speech.whisper import WhisperTranscriber
    return WhisperTranscriber.from_pretrained("whisper-tiny.en")


@functools.lru_cache(maxsize=None)
def _reference(text: str, voice: str, beam_size: int) -> str:
    """faster-whisper's transcript, computed once for both backends."""
    return reference_transcript(faster_whisper_model(), _utterance(text, voice), beam_size)


@functools.lru_cache(maxsize=None)
def _reference_memory(window: bytes) -> np.ndarray:
    """CTranslate2's encoder output for one window (float32 bytes of (80, 3000)), computed once."""
    import ctranslate2
    features = np.frombuffer(window, np.float32).reshape(1, 80, WINDOW_FRAMES).copy()  # ctranslate2 wants it writable
    return np.array(faster_whisper_model().model.encode(ctranslate2.StorageView.from_array(features)))


def test_encoder_greedy_and_beam_equal_faster_whisper(transcriber):
    (window,) = feature_windows(log_mel_spectrogram(mytorch.tensor(_utterance(*DATE))))
    with mytorch.no_grad():
        memory = transcriber.model.encode(window.unsqueeze(0))
    np.testing.assert_allclose(memory.numpy(), _reference_memory(window.numpy().tobytes()), atol=2e-3, rtol=1e-3)
    assert transcriber.text(transcriber.decode(memory)).strip() == _reference(*DATE, 1)
    assert transcriber.text(transcriber.decode(memory, beam_size=3)).strip() == _reference(*DATE, 3)


def test_transcribe_checks_its_input(transcriber):
    assert transcriber.transcribe(mytorch.zeros(100)) == ""  # not one frame of content
    with pytest.raises(ValueError, match="beam_size must be >= 1"):
        transcriber.transcribe(mytorch.zeros(16000), beam_size=0)
    with pytest.raises(ValueError, match=r"expected a waveform \(time,\) or \(channels, time\)"):
        transcriber.transcribe(mytorch.zeros((1, 2, 16000)))


# ---- slow: the 40-utterance comparison ----------------------------------------------------------------

def _slow_set() -> list[tuple[str, str]]:
    numbers = ["3 1 4 1 5 9", "Call 555 0199 after 6 o'clock.", "The total is 1,250 dollars.", "Room 42 on floor 7.",
               "7 8 0 2 6", "Flight 370 leaves at 9 45.", "It costs 19 dollars and 99 cents.", "Page 128, line 16.",
               "2 4 6 8 10 12", "About 3,000 people came.", "Order number 86 75 309.", "The code is 9 1 1 4."]
    dates = ["On March 3, 2005, we moved.", "The meeting is on July 4th.", "She was born in 1987.",
             "Monday, January 12, 2015.", "By the end of December 2020.", "The 21st of September.",
             "Friday the 13th of October.", "In the spring of 1999.", "From May 1 to May 15.", "On the 2nd of June, 2010."]
    sentences = ["The quick brown fox jumps over the lazy dog.", "Please call Stella and bring these things with her.",
                 "A rainbow is a division of white light into many beautiful colors.",
                 "She sells sea shells by the sea shore.", "I would like a cup of coffee, please.",
                 "The weather today is sunny with a light breeze.", "Open the window before you leave the room.",
                 "He reads a book every night before bed.", "We are going to the market this afternoon.",
                 "The train to London departs from platform two.", "Turn left at the next traffic light.",
                 "My favourite colour is green.", "The children played in the park until dark.",
                 "Could you repeat that more slowly?", "Science is a way of thinking about the world.",
                 "Please remember to lock the door.", "The museum opens at ten in the morning.",
                 "Water boils at one hundred degrees."]
    voices = ["en-us", "en-gb", "en-us+m3", "en-gb-scotland", "en-us+f2", "en-gb-x-rp+m5", "en-029", "en-us-nyc+f4"]
    texts = numbers + dates + sentences
    return [(text, voices[i % len(voices)]) for i, text in enumerate(texts)]


def _normalized(text: str) -> str:
    return text.replace("-", " ")


@pytest.mark.slow
def test_forty_utterances_and_long_audio(backend, request):
    if backend != "cpp" and "cpp" in mytorch.backends.available_backends():
        pytest.skip("the slow comparison runs once, on the compiled backend")
    transcriber = request.getfixturevalue("transcriber")
    utterances = _slow_set()
    assert len(utterances) == 40
    reference = faster_whisper_model()
    ours, theirs, truth = [], [], []
    for text, voice in utterances:
        audio = _utterance(text, voice)
        ours.append(transcriber.transcribe(mytorch.tensor(audio)))
        theirs.append(reference_transcript(reference, audio))
        truth.append(_normalized(text))
    equal = sum(a == b for a, b in zip(ours, theirs))
    wer_ours = 100 * wer(truth, [_normalized(t) for t in ours], lowercase=True, remove_punctuation=True)
    wer_theirs = 100 * wer(truth, [_normalized(t) for t in theirs], lowercase=True, remove_punctuation=True)
    print(f"\nWhisper tiny.en, 40 utterances: {equal}/40 transcripts equal to faster-whisper's; "
          f"WER mytorch {wer_ours:.2f}%, faster-whisper {wer_theirs:.2f}%")
    for said, a, b in zip(truth, ours, theirs):
        print(f"  spoken: {said!r}\n  mytorch: {a!r}" + ("" if a == b else f"\n  faster-whisper: {b!r}"))
    assert equal >= 36
    assert abs(wer_ours - wer_theirs) <= 1.0
    # a recording longer than 30 s: sentences with pauses, decoded in consecutive windows
    pause = np.zeros(8000, np.float32)
    long_audio = np.concatenate([part for text, voice in utterances[22:34] for part in (_utterance(text, voice), pause)])
    assert len(long_audio) > 30 * 16000
    assert transcriber.transcribe(mytorch.tensor(long_audio)) == reference_transcript(reference, long_audio)
