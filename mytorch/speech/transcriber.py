"""Waveforms to text with a trained `SpeechRecognizer`: features, the encoder and its CTC head, then greedy
decoding or prefix beam search, optionally with a character LM by shallow fusion (`ctc_decoding`); or, with
``decoder="attention"``, the attention decoder's greedy or beam search over a KV cache (`attention_decoding`).

A waveform at any rate is mixed to mono and resampled to the front end's rate first. With beam width 1
and no LM the transcript is the greedy one; a beam ranks prefixes by

    log p_ctc(l) + lm_weight log p_lm(l) + length_bonus |l|
"""
from __future__ import annotations

from .._tensor import Tensor
from ..audio.functional import resample
from ..autograd.grad_mode import no_grad
from ..models.speech_recognizer import SpeechRecognizer
from ..ops.creation import tensor
from .attention_decoding import attention_decode
from .ctc_decoding import ctc_greedy_decode, ctc_prefix_beam_search
from .features import LogMelFeatures
from .lm_fusion import CharLMScorer
from .tokenizer import TranscriptTokenizer

__all__ = ["Transcriber"]


class Transcriber:
    """A recognizer (eval mode) with its tokenizer and front end; `lm` is a `CharLMScorer` over the
    tokenizer's labels, used when lm_weight is not 0 (CTC decoding only). `decoder`: "ctc" or "attention"."""

    def __init__(self, model: SpeechRecognizer, tokenizer: TranscriptTokenizer, front_end: LogMelFeatures,
                 beam_width: int = 1, lm: CharLMScorer | None = None, lm_weight: float = 0.0,
                 length_bonus: float = 0.0, decoder: str = "ctc") -> None:
        if beam_width < 1:
            raise ValueError(f"Transcriber: beam_width must be at least 1, got {beam_width}")
        if decoder not in ("ctc", "attention"):
            raise ValueError(f"Transcriber: decoder must be 'ctc' or 'attention', got {decoder!r}")
        if decoder == "attention" and lm is not None and lm_weight:
            raise ValueError("Transcriber: LM fusion works with the CTC decoder's prefix beam search, not with "
                             "decoder='attention'")
        self.model, self.tokenizer, self.front_end = model.eval(), tokenizer, front_end
        self.beam_width, self.lm, self.lm_weight, self.length_bonus = beam_width, lm, lm_weight, length_bonus
        self.decoder = decoder

    def features(self, waveform: Tensor, sample_rate: int) -> Tensor:
        """Log-mel features (T, n_mels) of waveform (channels, time) or (time,), mixed to mono and resampled."""
        mono = waveform.reshape(-1, waveform.shape[-1]).mean(0)
        if sample_rate != self.front_end.sample_rate:
            mono = resample(mono, sample_rate, self.front_end.sample_rate)
        return self.front_end(mono)

    @no_grad()
    def log_probs(self, waveform: Tensor, sample_rate: int) -> Tensor:
        """The CTC head's log-probabilities (T', V) for waveform (channels, time) or (time,)."""
        features = self.features(waveform, sample_rate)
        memory, _, _ = self.model.encode(features.unsqueeze(0), tensor([features.shape[0]]))
        return self.model.ctc_log_probs(memory)[:, 0]

    def __call__(self, waveform: Tensor, sample_rate: int) -> str:
        """The transcript of one waveform."""
        if self.decoder == "attention":
            with no_grad():
                features = self.features(waveform, sample_rate)
            labels = attention_decode(self.model, features.unsqueeze(0), tensor([features.shape[0]]),
                                      beam_size=self.beam_width)
            return self.tokenizer.decode(labels[0])
        log_probs = self.log_probs(waveform, sample_rate)
        if self.beam_width == 1 and (self.lm is None or self.lm_weight == 0):
            return self.tokenizer.decode(ctc_greedy_decode(log_probs))
        lm = self.lm if self.lm_weight else None
        best = ctc_prefix_beam_search(log_probs, self.beam_width, lm=lm, lm_weight=self.lm_weight,
                                      length_bonus=self.length_bonus, labels=list(self.tokenizer.label_chars))
        return self.tokenizer.decode(best[0].tokens)
