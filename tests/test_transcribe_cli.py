"""`mytorch transcribe --model whisper-tiny.en` (tests/test_asr_cli.py tests --checkpoint): a stereo 22.05-kHz WAV
file end to end (downmixed and resampled, its transcript equal to faster-whisper's of the same 16-kHz mono signal),
the output formats, the beam width reaching the transcriber, and errors (unreadable file, model not installed,
--lm) as one line and exit code 2."""
from __future__ import annotations

import functools
import json

import numpy as np
import pytest

import mytorch
from mytorch import cli
from mytorch.audio import save
from mytorch.audio.functional import resample
from mytorch.models.gguf_loader import ModelNotInstalled
from mytorch.speech import whisper as whisper_module
from whisper_reference import faster_whisper_model, reference_transcript, synthesized


@functools.lru_cache(maxsize=None)
def _reference(waveform: bytes) -> str:
    """faster-whisper's transcript of a float32 waveform, computed once for both backends."""
    return reference_transcript(faster_whisper_model(), np.frombuffer(waveform, np.float32))


def test_a_stereo_file_at_another_rate_gives_faster_whispers_transcript(tmp_path, capsys):
    path = tmp_path / "speech.wav"
    mono = resample(mytorch.tensor(synthesized("Please call Stella and bring these things.", "en-gb+m3")),
                    16000, 22050)
    stereo = mytorch.stack([mono, 0.5 * mono])  # espeak's own rate, two channels, float32 samples
    save(path, stereo, 22050)
    heard = resample(stereo.mean(0), 22050, 16000).numpy()  # what the model must hear: mono at 16 kHz
    expected = _reference(heard.tobytes())
    assert cli.main(["transcribe", "--model", "whisper-tiny.en", "--json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == [{"file": str(path), "text": expected}]


class _Stub:
    """Records what the command asks of the transcriber."""
    calls: list = []

    @classmethod
    def from_pretrained(cls, name):
        cls.calls.append(name)
        return cls()

    def transcribe(self, waveform, rate, beam_size):
        return f"{tuple(waveform.shape)} at {rate} Hz, beam {beam_size}"


@pytest.fixture
def stub(monkeypatch):
    _Stub.calls = []
    monkeypatch.setattr(whisper_module, "WhisperTranscriber", _Stub)
    return _Stub


def _wavs(tmp_path):
    paths = []
    for i, rate in enumerate((16000, 8000)):
        paths.append(str(tmp_path / f"{i}.wav"))
        save(paths[-1], mytorch.zeros((i + 1, 800)), rate)
    return paths


def test_one_line_per_file_and_json(stub, tmp_path, capsys):
    paths = _wavs(tmp_path)
    assert cli.main(["transcribe", "--model", "whisper-tiny.en", "--beam", "4", *paths]) == 0
    assert capsys.readouterr().out.splitlines() == ["(1, 800) at 16000 Hz, beam 4", "(2, 800) at 8000 Hz, beam 4"]
    assert cli.main(["transcribe", "--model", "whisper-tiny.en", "--json", *paths]) == 0
    assert json.loads(capsys.readouterr().out) == [{"file": paths[0], "text": "(1, 800) at 16000 Hz, beam 1"},
                                                   {"file": paths[1], "text": "(2, 800) at 8000 Hz, beam 1"}]
    assert stub.calls == ["whisper-tiny.en"] * 2


def test_errors(stub, tmp_path, capsys, monkeypatch):
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    assert cli.main(["transcribe", "--model", "whisper-tiny.en", *_wavs(tmp_path), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mytorch transcribe: error:") and "notes.wav" in err
    assert cli.main(["transcribe", "--model", "whisper-tiny.en", "--lm", "lm.pt", _wavs(tmp_path)[0]]) == 2
    assert "Whisper decodes without one" in capsys.readouterr().err

    def missing(name):
        raise ModelNotInstalled(f"model {name!r} is not installed")
    monkeypatch.setattr(_Stub, "from_pretrained", staticmethod(missing))
    assert cli.main(["transcribe", "--model", "whisper-tiny.en", _wavs(tmp_path)[0]]) == 2
    assert "model 'whisper-tiny.en' is not installed" in capsys.readouterr().err
    for argv in (["--model", "whisper-large"], ["--model", "whisper-tiny.en", "--beam", "0"],
                 ["--model", "whisper-tiny.en", "--checkpoint", "asr.pt"]):
        with pytest.raises(SystemExit) as info:
            cli.main(["transcribe", *argv, "x.wav"])
        assert info.value.code == 2
