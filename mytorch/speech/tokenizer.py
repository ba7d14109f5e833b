"""Transcripts <-> label ids for the recognizer: 0 is the CTC blank (and padding), 1 is sos/eos
(`mytorch.models.speech_recognizer`'s convention), and the characters take ids 2, 3, ... in the order given."""
from __future__ import annotations

from typing import Iterable, Sequence

from .. import _dtype as D
from .._tensor import Tensor
from ..models.speech_recognizer import BLANK, SOS_EOS
from ..ops.creation import tensor

__all__ = ["TranscriptTokenizer"]

_FIRST_LABEL = 2


class TranscriptTokenizer:
    """One label per character of `chars` (by default lowercase English letters, space and apostrophe)."""

    def __init__(self, chars: str = " abcdefghijklmnopqrstuvwxyz'") -> None:
        if len(set(chars)) != len(chars) or not chars:
            raise ValueError(f"TranscriptTokenizer: chars must be distinct and non-empty, got {chars!r}")
        self.chars = chars
        self._ids = {c: i + _FIRST_LABEL for i, c in enumerate(chars)}

    @property
    def vocab_size(self) -> int:
        """Labels plus the blank and sos/eos."""
        return len(self.chars) + _FIRST_LABEL

    @property
    def label_chars(self) -> dict[int, str]:
        """{label id: character}, as `CharLMScorer.from_chars` takes it."""
        return {i: c for c, i in self._ids.items()}

    def encode(self, text: str) -> list[int]:
        try:
            return [self._ids[c] for c in text]
        except KeyError:
            unknown = "".join(sorted(set(text) - set(self._ids)))
            raise ValueError(f"TranscriptTokenizer.encode: {unknown!r} not in the characters {self.chars!r}") from None

    def decode(self, ids: Iterable[int]) -> str:
        """The characters of the label ids; blank and sos/eos are skipped."""
        return "".join(self.chars[i - _FIRST_LABEL] for i in ids if i not in (BLANK, SOS_EOS))

    def batch(self, texts: Sequence[str]) -> tuple[Tensor, Tensor]:
        """(targets (N, S_max) int64 padded with the blank, target lengths (N,)) for ctc_loss and the decoder."""
        encoded = [self.encode(t) for t in texts]
        longest = max((len(e) for e in encoded), default=0)
        padded = [e + [BLANK] * (longest - len(e)) for e in encoded]
        return tensor(padded, dtype=D.int64).reshape(len(texts), longest), tensor([len(e) for e in encoded],
                                                                                   dtype=D.int64)
