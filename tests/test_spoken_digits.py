"""mytorch.speech.SpokenDigits, the synthesized speech data: transcripts, voices split by variant, 16 kHz
peak-normalised audio, determinism by seed, the on-disk cache, noise, and errors."""
from __future__ import annotations

import numpy as np
import pytest

import mytorch.speech.espeak as espeak
import mytorch.speech.spoken_digits as sd
from mytorch.speech.spoken_digits import DIGIT_WORDS, VARIANTS, SpokenDigits


def test_variants_split_disjoint():
    train, val, test = (set(VARIANTS[s]) for s in ("train", "validation", "test"))
    assert not (train & val) and not (train & test) and not (val & test)


def test_generated_set(tmp_path):
    data = SpokenDigits("test", size=5, seed=3, root=tmp_path)
    assert len(data) == 5 and data.sample_rate == 16000
    for i in range(5):
        waveform, text = data[i]
        words = text.split()
        assert 3 <= len(words) <= 7 and set(words) <= set(DIGIT_WORDS)
        assert waveform.shape[0] == 1 and 0.3 * 16000 < waveform.shape[1] < 6 * 16000
        assert abs(float(waveform.abs().max()) - 0.95) < 1e-3
        accent, variant = data.voices[i].split("+")
        assert variant in VARIANTS["test"] and accent in sd.ACCENTS
    again = SpokenDigits("test", size=5, seed=3, root=tmp_path / "elsewhere")
    assert again.texts == data.texts and again.voices == data.voices
    np.testing.assert_array_equal(again[2][0].numpy(), data[2][0].numpy())
    other = SpokenDigits("test", size=5, seed=4, root=tmp_path)
    assert other.texts != data.texts


def test_sentences_mixed_in(tmp_path):
    """sentences=p: about a fraction p of the utterances are short sentences, cached in a folder of their own."""
    mixed = SpokenDigits("test", size=6, seed=3, root=tmp_path, sentences=0.5)
    kinds = [set(t.split()) <= set(DIGIT_WORDS) for t in mixed.texts]
    assert any(kinds) and not all(kinds)
    for text in (t for t, digits in zip(mixed.texts, kinds) if not digits):
        assert 4 <= len(text.split()) <= 7 and set(text) <= set(" abcdefghijklmnopqrstuvwxyz")
    assert mixed.folder.parent.name == "seed3-n6-clean-sentences0.5"
    assert abs(float(mixed[0][0].abs().max()) - 0.95) < 1e-3
    with pytest.raises(ValueError, match="sentences is the fraction"):
        SpokenDigits("test", size=1, root=tmp_path, sentences=1.5)


def test_sox_and_our_resampler_agree(monkeypatch):
    """sox (where installed) and mytorch's windowed-sinc resampler turn espeak's 22.05 kHz into the same
    16 kHz speech, up to their filters' differences near the band edge (scripts/install_data.sh installs sox)."""
    assert espeak.shutil.which("sox") is not None, "sox is not installed: run scripts/install_data.sh"
    with_sox = espeak.synthesize("four two", "en-us+m1").numpy()[0]
    which = espeak.shutil.which
    monkeypatch.setattr(espeak.shutil, "which", lambda name: None if name == "sox" else which(name))
    ours = espeak.synthesize("four two", "en-us+m1").numpy()[0]
    assert abs(with_sox.shape[0] - ours.shape[0]) <= 1
    n = min(with_sox.shape[0], ours.shape[0])
    assert abs(np.abs(with_sox).max() - 0.95) < 1e-6 and abs(np.abs(ours).max() - 0.95) < 1e-6
    assert np.corrcoef(with_sox[:n], ours[:n])[0, 1] > 0.99


def test_cache_is_reused(tmp_path, monkeypatch):
    first = SpokenDigits("validation", size=2, root=tmp_path)

    def no_synthesis(*args, **kwargs):
        raise AssertionError("the cached set was synthesized again")

    monkeypatch.setattr(sd, "synthesize", no_synthesis)
    second = SpokenDigits("validation", size=2, root=tmp_path)
    assert second.texts == first.texts


def test_noise(tmp_path):
    clean = SpokenDigits("train", size=1, root=tmp_path)[0][0].numpy()
    noisy = SpokenDigits("train", size=1, root=tmp_path, noise_snr_db=(5.0, 5.0))[0][0].numpy()
    assert clean.shape == noisy.shape
    residual = noisy - clean * (np.abs(noisy).max() / np.abs(clean).max())
    assert 0.05 < np.sqrt((residual ** 2).mean() / (noisy ** 2).mean()) < 1.0  # SNR 5 dB: noise is audible


def test_errors(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="split must be one of"):
        SpokenDigits("dev", root=tmp_path)
    monkeypatch.setattr(espeak.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="espeak-ng is not installed"):
        SpokenDigits("train", size=1, seed=9, root=tmp_path)


def test_tool_failures_name_the_tool(monkeypatch):
    """A failing resampler is a RuntimeError naming sox, as a failing synthesizer names espeak-ng."""
    which = espeak.shutil.which
    monkeypatch.setattr(espeak.shutil, "which", lambda name: which("false") if name == "sox" else which(name))
    with pytest.raises(RuntimeError, match="sox failed to resample espeak-ng's output for voice 'en-us'"):
        espeak.synthesize("four", "en-us")
    monkeypatch.setattr(espeak, "_espeak", lambda: which("false"))
    with pytest.raises(RuntimeError, match="espeak-ng failed for voice 'en-us' on 'four'"):
        espeak.synthesize("four", "en-us")
