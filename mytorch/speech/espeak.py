"""Speech synthesis with Debian's `espeak-ng`: text to a 16 kHz mono waveform for the data we make ourselves.

espeak-ng speaks at 22050 Hz; the waveform is resampled to 16 kHz by `sox` where it is installed (a tenth of
the time: data sets of thousands of utterances are made in minutes), else by our windowed-sinc resampler
(`mytorch.audio.functional.resample`), and peak-normalised, x / max|x| * peak.
A voice is an accent (en-us, en-gb-scotland, ...) and a variant (m1..m8, f1..f5 or a named one), written
"accent+variant"; speed is in words per minute and pitch on espeak's 0-99 scale.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from .._tensor import Tensor
from ..audio import load
from ..audio.functional import resample

__all__ = ["synthesize", "SAMPLE_RATE"]

SAMPLE_RATE = 16000


def _espeak() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise RuntimeError("espeak-ng is not installed: the speech data are synthesized with it (Debian: "
                           "apt-get install espeak-ng; `bash scripts/install_data.sh` installs it)")
    return path


def _run(command: list[str], failure: str) -> None:
    """Run a tool; its failure becomes a RuntimeError that says what failed and quotes the tool's stderr."""
    run = subprocess.run(command, capture_output=True, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"{failure}: {run.stderr.decode(errors='replace').strip()}")


def synthesize(text: str, voice: str = "en-us", speed: int = 160, pitch: int = 50, peak: float = 0.95) -> Tensor:
    """`text` spoken by `voice`: a float32 waveform (1, time) at 16 kHz with peak amplitude `peak`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "speech.wav")
        failure = f"espeak-ng failed for voice {voice!r} on {text!r}"
        _run([_espeak(), "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", path, text], failure)
        if not os.path.exists(path):
            raise RuntimeError(f"{failure}: it wrote no audio")
        sox = shutil.which("sox")
        if sox is not None:
            resampled = os.path.join(tmp, "speech16k.wav")
            # float output: no dither, so the same text and voice give the same samples on every run
            _run([sox, path, "-e", "floating-point", "-b", "32", "-r", str(SAMPLE_RATE), "-c", "1", resampled],
                 f"sox failed to resample espeak-ng's output for voice {voice!r} to {SAMPLE_RATE} Hz")
            path = resampled
        waveform, rate = load(path)
    waveform = resample(waveform.mean(0, keepdim=True), rate, SAMPLE_RATE)  # no-op after sox
    return waveform * (peak / waveform.abs().max().clamp_min(1e-8))
