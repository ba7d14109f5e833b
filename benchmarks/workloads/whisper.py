"""Whisper tiny.en transcribing a synthesized 16-kHz utterance of about 7 seconds, greedy, float32.

mytorch runs ``mytorch.speech.whisper.WhisperTranscriber`` on the published CTranslate2 weights; the reference
side is faster-whisper on CTranslate2 (float32, the same thread count, greedy, without timestamps), the
reference of issue 10, since PyTorch itself has no Whisper. Throughput is seconds of audio per second (the
inverse of the real-time factor); the checksum is the transcript's length, equal when both hear the same.
"""
from __future__ import annotations

import os

import numpy as np

from ._base import Workload

TEXT = "The meeting moved to the third of May at twenty past nine, and seven people will attend."


def build(torch, framework: str) -> Workload:
    audio = np.load(os.environ["MYTORCH_BENCH_WHISPER_AUDIO"]).astype(np.float32)
    if framework == "mytorch":
        from mytorch.speech.whisper import WhisperTranscriber

        transcriber = WhisperTranscriber.from_pretrained("whisper-tiny.en")
        waveform = torch.tensor(audio)
        transcribe = lambda: transcriber.transcribe(waveform)  # noqa: E731
    else:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from faster_whisper import WhisperModel

        model = WhisperModel(os.environ["MYTORCH_BENCH_WHISPER_DIR"], device="cpu", compute_type="float32",
                             cpu_threads=torch.get_num_threads())

        def transcribe() -> str:
            segments, _ = model.transcribe(audio, beam_size=1, without_timestamps=True, temperature=0.0,
                                           condition_on_previous_text=False, vad_filter=False,
                                           no_speech_threshold=None)
            return "".join(s.text for s in segments).strip()

    def step() -> float:
        return float(len(transcribe()))

    return Workload(step, len(audio) / 16000, "audio s/s", training=False)
