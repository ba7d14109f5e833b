"""Word and character error rates of transcripts.

    WER = (S + D + I) / N

with S, D, I the substitutions, deletions and insertions of the word-level edit alignment and N the
number of reference words, each summed over the whole corpus before dividing (a corpus rate, not a mean
of per-utterance rates). CER is the same over characters, spaces included. Both can exceed 1 (a
hypothesis with many insertions).
"""
from __future__ import annotations

from typing import Callable, Sequence

from .edit_distance import EditCounts, edit_counts
from .normalize import normalize_text

__all__ = ["wer", "cer", "word_edit_counts", "char_edit_counts", "word_edit_distance", "char_edit_distance"]

Texts = str | Sequence[str]


def word_edit_counts(reference: str, hypothesis: str, **normalization: bool) -> EditCounts:
    """The word-level edit operations after `normalize_text(..., **normalization)`."""
    return edit_counts(normalize_text(reference, **normalization).split(),
                       normalize_text(hypothesis, **normalization).split())


def char_edit_counts(reference: str, hypothesis: str, **normalization: bool) -> EditCounts:
    """The character-level edit operations (spaces count as characters) after normalisation."""
    return edit_counts(normalize_text(reference, **normalization), normalize_text(hypothesis, **normalization))


def word_edit_distance(reference: str, hypothesis: str, **normalization: bool) -> int:
    """The number of word substitutions, deletions and insertions between the two texts."""
    return word_edit_counts(reference, hypothesis, **normalization).distance


def char_edit_distance(reference: str, hypothesis: str, **normalization: bool) -> int:
    """The number of character substitutions, deletions and insertions between the two texts."""
    return char_edit_counts(reference, hypothesis, **normalization).distance


def _rate(counts_of: Callable[..., EditCounts], unit: str, references: Texts, hypotheses: Texts,
          normalization: dict) -> float:
    refs = [references] if isinstance(references, str) else list(references)
    hyps = [hypotheses] if isinstance(hypotheses, str) else list(hypotheses)
    if len(refs) != len(hyps):
        raise ValueError(f"got {len(refs)} references and {len(hyps)} hypotheses; they must pair up one to one")
    errors = length = 0
    for ref, hyp in zip(refs, hyps):
        counts = counts_of(ref, hyp, **normalization)
        errors += counts.distance
        length += counts.hits + counts.substitutions + counts.deletions
    if length == 0:
        raise ValueError(f"the references hold no {unit}s (after normalisation): the error rate is undefined")
    return errors / length


def wer(references: Texts, hypotheses: Texts, *, lowercase: bool = False, remove_punctuation: bool = False,
        collapse_whitespace: bool = True) -> float:
    """Word error rate of hypotheses against references (one string each, or equal-length lists)."""
    return _rate(word_edit_counts, "word", references, hypotheses,
                 dict(lowercase=lowercase, remove_punctuation=remove_punctuation,
                      collapse_whitespace=collapse_whitespace))


def cer(references: Texts, hypotheses: Texts, *, lowercase: bool = False, remove_punctuation: bool = False,
        collapse_whitespace: bool = True) -> float:
    """Character error rate of hypotheses against references (spaces count as characters)."""
    return _rate(char_edit_counts, "character", references, hypotheses,
                 dict(lowercase=lowercase, remove_punctuation=remove_punctuation,
                      collapse_whitespace=collapse_whitespace))
