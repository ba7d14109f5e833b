"""Text normalisation before scoring: the options the usual WER tools offer, applied in a fixed order."""
from __future__ import annotations

import string
import unicodedata

__all__ = ["normalize_text"]


def _is_punctuation(ch: str) -> bool:
    """ASCII punctuation and every Unicode punctuation category (quotes, dashes, ...)."""
    return ch in string.punctuation or unicodedata.category(ch).startswith("P")


def normalize_text(text: str, *, lowercase: bool = False, remove_punctuation: bool = False,
                   collapse_whitespace: bool = True) -> str:
    """`text` lowercased, with punctuation removed (each mark deleted, not replaced by a space, so
    "don't" becomes "dont"), and whitespace runs collapsed to one space and stripped at the ends."""
    if lowercase:
        text = text.lower()
    if remove_punctuation:
        text = "".join(ch for ch in text if not _is_punctuation(ch))
    if collapse_whitespace:
        text = " ".join(text.split())
    return text
