"""BPETokenizer: byte-pair encoding (Sennrich et al., 2016) trained and run by the ``tokenizers`` package.

Training starts from the 256 byte symbols (GPT-2's byte-level alphabet, so any text encodes and
decode(encode(s)) == s) and repeatedly merges the most frequent adjacent pair of symbols into a new
symbol until the vocabulary holds ``vocab_size`` entries; text is first split GPT-2's way into words,
numbers and punctuation, each keeping its leading space. The trained tokenizer is saved as a standard
``tokenizer.json`` (readable by Hugging Face tokenizers) and loads back from one.
"""
from __future__ import annotations

import os
from typing import Any, Iterable, Sequence

__all__ = ["BPETokenizer"]


def _tokenizers() -> Any:
    try:
        import tokenizers
    except ImportError:
        raise ImportError("BPETokenizer needs the `tokenizers` package: pip install tokenizers "
                          "(or mytorch's models extra: pip install -e '.[models]')") from None
    return tokenizers


class BPETokenizer:
    """A byte-level BPE ``tokenizers.Tokenizer`` behind the CharTokenizer interface (encode, decode,
    vocab_size, save, to_dict)."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int = 1024, min_frequency: int = 2,
              special_tokens: Sequence[str] = ()) -> "BPETokenizer":
        """Learn merges on ``texts`` until the vocabulary (256 bytes, special tokens, merges) has
        ``vocab_size`` entries (fewer if the corpus runs out of pairs seen ``min_frequency`` times)."""
        tk = _tokenizers()
        if vocab_size < 256 + len(special_tokens):
            raise ValueError(f"BPETokenizer.train: vocab_size {vocab_size} cannot hold the 256 byte symbols and "
                             f"{len(special_tokens)} special tokens")
        tokenizer = tk.Tokenizer(tk.models.BPE())
        tokenizer.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = tk.decoders.ByteLevel()
        trainer = tk.trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                         special_tokens=list(special_tokens), show_progress=False,
                                         initial_alphabet=tk.pre_tokenizers.ByteLevel.alphabet())
        tokenizer.train_from_iterator(texts, trainer)
        return cls(tokenizer)

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "BPETokenizer":
        """Load a ``tokenizer.json``."""
        return cls(_tokenizers().Tokenizer.from_file(str(path)))

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size()

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text).ids

    def decode(self, ids: Iterable[int]) -> str:
        return self.tokenizer.decode([int(i) for i in ids], skip_special_tokens=False)

    def save(self, path: str | os.PathLike) -> None:
        """Write ``tokenizer.json`` (pretty-printed)."""
        self.tokenizer.save(str(path), pretty=True)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "bpe", "tokenizer_json": self.tokenizer.to_str()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "BPETokenizer":
        return cls(_tokenizers().Tokenizer.from_str(d["tokenizer_json"]))

    def __repr__(self) -> str:
        return f"BPETokenizer(vocab_size={self.vocab_size})"
