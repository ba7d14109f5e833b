"""A character language model on mytorch as the shallow-fusion callback of `ctc_prefix_beam_search`.

For a prefix of recognizer labels l_1..l_k and a next label c, the callback returns

    log p_lm(c | l_1..l_k) = log_softmax(model([bos, t(l_1), ..., t(l_k)]))[last position, t(c)]

where t maps a recognizer label to the LM's token (through the characters both spell) and bos is the token
the LM saw before each line in training (a newline, for an LM trained on one transcript per line). The
beam asks the same prefix once per candidate label, so each prefix's distribution is computed once and
kept. Any causal model taking ids (1, T) to logits (1, T, V) serves: `mytorch.models.GPT`,
`LSTMLanguageModel`, ... `context` keeps only the last tokens for models with a bounded block size.
"""
from __future__ import annotations

from typing import Callable

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..nn import functional as F
from ..ops.creation import tensor

__all__ = ["CharLMScorer"]


class CharLMScorer:
    """log p_lm(label | prefix) from a causal LM (module docstring); `label_to_token` maps recognizer labels
    (blank and sos/eos excluded) to LM token ids."""

    def __init__(self, model: Callable[[Tensor], Tensor], label_to_token: dict[int, int], bos: int,
                 context: int | None = None) -> None:
        self.model, self.label_to_token, self.bos, self.context = model, label_to_token, bos, context
        self._cache: dict[tuple[int, ...], list[float]] = {}

    @classmethod
    def from_chars(cls, model: Callable[[Tensor], Tensor], label_chars: dict[int, str], lm_chars: str,
                   bos_char: str = "\n", context: int | None = None) -> "CharLMScorer":
        """Map labels to LM tokens through their characters: label_chars {label: char}, and lm_chars the LM
        vocabulary in id order (a CharTokenizer's `chars`). A label whose character the LM lacks raises."""
        lm_ids = {c: i for i, c in enumerate(lm_chars)}
        missing = sorted({c for c in label_chars.values() if c not in lm_ids} | ({bos_char} - set(lm_ids)))
        if missing:
            raise ValueError(f"CharLMScorer: the LM's vocabulary lacks {''.join(missing)!r}")
        return cls(model, {label: lm_ids[c] for label, c in label_chars.items()}, lm_ids[bos_char], context)

    def _distribution(self, prefix: tuple[int, ...]) -> list[float]:
        if prefix not in self._cache:
            tokens = [self.bos] + [self.label_to_token[label] for label in prefix]
            if self.context is not None:
                tokens = tokens[-self.context:]
            with no_grad():
                logits = self.model(tensor([tokens], dtype=D.int64))
            self._cache[prefix] = F.log_softmax(logits[0, -1].double(), -1).tolist()
        return self._cache[prefix]

    def __call__(self, prefix: tuple[int, ...], label: int) -> float:
        return self._distribution(prefix)[self.label_to_token[label]]
