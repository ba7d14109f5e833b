"""Text for language models: tokenizers (characters; byte-level BPE via ``tokenizers``) and corpora."""
from __future__ import annotations

import json
import os
from typing import Any, Union

from .bpe import BPETokenizer
from .char import CharTokenizer
from .shakespeare import VALIDATION_PLAYS, load_shakespeare, shakespeare_texts

__all__ = ["CharTokenizer", "BPETokenizer", "Tokenizer", "tokenizer_from_dict", "load_tokenizer",
           "VALIDATION_PLAYS", "load_shakespeare", "shakespeare_texts"]

Tokenizer = Union[CharTokenizer, BPETokenizer]


def tokenizer_from_dict(d: dict[str, Any]) -> Tokenizer:
    """The tokenizer that ``to_dict()`` described (a checkpoint stores its tokenizer this way)."""
    kinds = {"char": CharTokenizer, "bpe": BPETokenizer}
    if not isinstance(d, dict) or d.get("type") not in kinds:
        raise ValueError(f"not a tokenizer description (expected a dict with type 'char' or 'bpe'): {d!r:.80}")
    return kinds[d["type"]].from_dict(d)


def load_tokenizer(path: str | os.PathLike) -> Tokenizer:
    """A tokenizer saved by ``save``: a CharTokenizer's JSON or a ``tokenizer.json`` (BPE)."""
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    if isinstance(d, dict) and "model" in d:  # the tokenizers package's format
        return BPETokenizer.from_file(path)
    return tokenizer_from_dict(d)
