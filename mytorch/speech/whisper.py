"""Speech to text with a pretrained Whisper on mytorch: front end, prompt, suppression rules, greedy or beam search,
and recordings longer than 30 s in consecutive windows. The decoding is CTranslate2's (faster-whisper's engine)
without timestamps:

    prompt      <|startoftranscript|> <|notimestamps|>     (English-only models; multilingual ones add
                                                             <|en|> <|transcribe|> after the first token)
    every step  logits of config.json's suppress_ids set to -inf (non-speech symbols, the special tokens)
    first step  also suppress_ids_begin (the blank " " and <|endoftext|>: a transcript does not start empty)
    stop        at <|endoftext|>, or after min(448 / 2, 448 - len(prompt) + 1) tokens
    search      greedy (argmax) or beam search (mytorch.generation.generate, num_beams=beam_size; its stopping
                rule is Hugging Face's, CTranslate2's patience-based one can end a search at another point)

The text is the tokenizer's decoding of the tokens below <|endoftext|>. A recording is cut into 30-s windows
of its log-mel features (mytorch.speech.whisper_features); each window is decoded on its own (no previous
text as prompt) and the texts are joined.
"""
from __future__ import annotations

import math
import os
from typing import Any

from .. import _dtype as D
from .._tensor import Tensor
from ..audio.functional import resample
from ..autograd.grad_mode import no_grad
from ..generation.search import generate
from ..models.whisper import Whisper, WhisperCache
from ..models.whisper_loader import load_whisper, whisper_directory
from ..ops.creation import tensor, zeros
from .whisper_features import HOP_LENGTH, SAMPLE_RATE, feature_windows, log_mel_spectrogram

__all__ = ["WhisperTranscriber"]


class _SuppressedDecoder:
    """generate()'s model contract for one window: ``forward(input_ids, past_key_values)`` gives the decoder's
    logits with the suppressed tokens at -inf, and the first generated token's without the begin-suppressed ones."""

    def __init__(self, model: Whisper, memory: Tensor, prompt_length: int, suppress: Tensor,
                 suppress_begin: Tensor) -> None:
        self.model, self.memory, self.prompt_length = model, memory, prompt_length
        self.suppress, self.suppress_begin = suppress, suppress_begin
        self.max_context = model.max_context

    def make_cache(self) -> WhisperCache:
        return self.model.make_cache(self.memory)

    def forward(self, input_ids: Tensor, past_key_values: WhisperCache | None = None) -> Tensor:
        past = 0 if past_key_values is None else past_key_values.get_seq_length()
        memory = self.memory if past_key_values is None else None
        logits = self.model.decode(input_ids, memory, past_key_values) + self.suppress
        if past + input_ids.shape[1] == self.prompt_length:  # the last position predicts the first text token
            logits[:, -1] = logits[:, -1] + self.suppress_begin
        return logits

    __call__ = forward


def _mask(ids: list[int], size: int) -> Tensor:
    """A (size,) float32 row: -inf at ``ids``, 0 elsewhere (added to logits)."""
    row = zeros(size, dtype=D.float32)
    if ids:
        row[tensor(sorted(set(ids)), dtype=D.int64)] = -math.inf
    return row


class WhisperTranscriber:
    """A Whisper model, its tokenizer and its decoding settings; ``transcribe(waveform, sample_rate)`` gives text."""

    def __init__(self, model: Whisper, tokenizer: Any, settings: dict[str, Any]) -> None:
        self.model, self.tokenizer = model, tokenizer
        vocab = model.config.vocab_size
        self.eot = self._token_id("<|endoftext|>")
        self.prompt = [self._token_id("<|startoftranscript|>")]
        if vocab >= 51865:  # multilingual checkpoints have 99 language tokens more than English-only ones
            self.prompt += [self._token_id("<|en|>"), self._token_id("<|transcribe|>")]
        self.prompt.append(self._token_id("<|notimestamps|>"))
        self.suppress = _mask(list(settings.get("suppress_ids", [])), vocab)
        self.suppress_begin = _mask(list(settings.get("suppress_ids_begin", [])), vocab)
        # CTranslate2 caps the generated tokens at half the decoder's positions
        self.max_new_tokens = min(model.max_context // 2, model.max_context - len(self.prompt) + 1)

    @classmethod
    def from_pretrained(cls, name: str = "whisper-tiny.en") -> "WhisperTranscriber":
        """The model ``name`` (mytorch.models.whisper_loader.WHISPER_MODELS) with its tokenizer and config.json."""
        folder = whisper_directory(name)
        model, settings = load_whisper(folder)
        try:
            from tokenizers import Tokenizer
        except ImportError:
            raise ModuleNotFoundError("Whisper's tokenizer needs the 'tokenizers' package: pip install "
                                      "'mytorch[models]'", name="tokenizers") from None
        return cls(model, Tokenizer.from_file(os.path.join(folder, "tokenizer.json")), settings)

    def _token_id(self, token: str) -> int:
        token_id = self.tokenizer.token_to_id(token)
        if token_id is None:
            raise ValueError(f"Whisper's tokenizer has no token {token}")
        return token_id

    def decode(self, memory: Tensor, beam_size: int = 1) -> list[int]:
        """The text tokens (without <|endoftext|>) the decoder gives for one window's encoder memory (1, P, d)."""
        with no_grad():
            step = _SuppressedDecoder(self.model, memory, len(self.prompt), self.suppress, self.suppress_begin)
            ids = generate(step, tensor([self.prompt], dtype=D.int64), max_new_tokens=self.max_new_tokens,
                           num_beams=beam_size, eos_token_id=self.eot, pad_token_id=self.eot)
        tokens = ids[0, len(self.prompt):].tolist()
        return tokens[:tokens.index(self.eot)] if self.eot in tokens else tokens

    def text(self, tokens: list[int]) -> str:
        """The decoded text of ``tokens`` (those from <|endoftext|> on, the special and timestamp ones, skipped)."""
        return self.tokenizer.decode([t for t in tokens if t < self.eot])

    def transcribe(self, waveform: Tensor, sample_rate: int = SAMPLE_RATE, beam_size: int = 1) -> str:
        """The transcript of ``waveform`` ((time,) or (channels, time), averaged to mono; resampled to 16 kHz)."""
        if beam_size < 1:
            raise ValueError(f"transcribe: beam_size must be >= 1, got {beam_size}")
        if waveform.ndim == 2:
            waveform = waveform.to(D.float32).mean(0)
        if waveform.ndim != 1:
            raise ValueError(f"transcribe: expected a waveform (time,) or (channels, time), got {list(waveform.shape)}")
        if sample_rate != SAMPLE_RATE:
            waveform = resample(waveform.to(D.float32), sample_rate, SAMPLE_RATE)
        if waveform.shape[0] < HOP_LENGTH:  # not one 10-ms frame of content
            return ""
        windows = feature_windows(log_mel_spectrogram(waveform))
        with no_grad():
            texts = [self.text(self.decode(self.model.encode(w.unsqueeze(0)), beam_size)) for w in windows]
        return "".join(texts).strip()
