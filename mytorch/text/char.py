"""CharTokenizer: one token per character, ids in the sorted order of the vocabulary's characters.

A character-level model needs no segmentation: the vocabulary is the set of characters of a corpus
(about 70 for English prose), id(c) is the rank of c in sorted order, and decode(encode(s)) == s for
every string made of those characters. Saved as a small JSON file ``{"type": "char", "chars": "..."}``.
"""
from __future__ import annotations

import json
import os
from typing import Any, Iterable

__all__ = ["CharTokenizer"]


class CharTokenizer:
    """Characters <-> ids for the characters of ``chars`` (duplicates are dropped, the rest sorted)."""

    def __init__(self, chars: Iterable[str]) -> None:
        self.chars = "".join(sorted(set(chars)))
        if not self.chars:
            raise ValueError("CharTokenizer: the vocabulary is empty")
        self._ids = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text: str) -> "CharTokenizer":
        """The vocabulary of every character occurring in ``text``."""
        return cls(text)

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        try:
            return [self._ids[c] for c in text]
        except KeyError:
            unknown = sorted(set(text) - set(self._ids))
            raise ValueError(f"CharTokenizer.encode: characters {''.join(unknown)!r} are not in the vocabulary "
                             f"of {self.vocab_size} characters {self.chars!r}") from None

    def decode(self, ids: Iterable[int]) -> str:
        ids = [int(i) for i in ids]
        bad = [i for i in ids if not 0 <= i < self.vocab_size]
        if bad:
            raise ValueError(f"CharTokenizer.decode: ids {bad[:5]} are outside the vocabulary [0, "
                             f"{self.vocab_size})")
        return "".join(self.chars[i] for i in ids)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "char", "chars": self.chars}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "CharTokenizer":
        return cls(d["chars"])

    def save(self, path: str | os.PathLike) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, ensure_ascii=False)

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={self.vocab_size})"
