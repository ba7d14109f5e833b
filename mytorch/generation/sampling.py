"""Choosing the next token from a model's logits: penalties, temperature, top-k / top-p truncation, sampling.

Each step turns the logits z (B, V) of the last position into a distribution p = softmax(z') over the
vocabulary, z' being z after these transformations, in this order:

- repetition penalty r (CTRL, Keskar et al., 2019): for every token already in the sequence,
  z_t -> z_t / r if z_t > 0 else z_t * r, so r > 1 makes repeats less likely;
- temperature T: z -> z / T (T < 1 sharpens p, T > 1 flattens it);
- top-k: keep the k largest logits, set the others to -inf;
- top-p (nucleus, Holtzman et al., 2019): keep the smallest set of most likely tokens whose total
  probability reaches p, i.e. drop token t when the tokens more likely than t already sum to >= p.

Greedy decoding takes argmax z (temperature and truncation cannot change it); sampling draws from p
with a mytorch.Generator, so a seed reproduces the text.
"""
from __future__ import annotations

from dataclasses import dataclass

from .._tensor import Tensor
from ..ops.binary import where
from ..ops.random import Generator, multinomial

__all__ = ["SamplingConfig", "repetition_penalty", "top_k_filter", "top_p_filter", "process_logits",
           "next_token"]


@dataclass
class SamplingConfig:
    """How to pick each next token; do_sample=False is greedy (only repetition_penalty then applies)."""
    do_sample: bool = False
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    repetition_penalty: float = 1.0

    def __post_init__(self) -> None:
        if self.temperature <= 0:
            raise ValueError(f"temperature must be > 0 (use greedy decoding for a deterministic answer), "
                             f"got {self.temperature}")
        if self.top_k is not None and self.top_k < 1:
            raise ValueError(f"top_k must be a positive integer, got {self.top_k}")
        if self.top_p is not None and not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.repetition_penalty <= 0:
            raise ValueError(f"repetition_penalty must be > 0, got {self.repetition_penalty}")


def repetition_penalty(logits: Tensor, previous: Tensor, penalty: float) -> Tensor:
    """z_t / penalty (z_t > 0) or z_t * penalty (z_t <= 0) for each token t in previous (B, S) of its row."""
    seen = logits.gather(1, previous)
    return logits.scatter(1, previous, where(seen < 0, seen * penalty, seen / penalty))


def top_k_filter(logits: Tensor, k: int) -> Tensor:
    """-inf for every logit below the row's k-th largest (ties with it are kept)."""
    k = min(k, logits.shape[-1])
    kth = logits.topk(k).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_filter(logits: Tensor, p: float) -> Tensor:
    """-inf for token t when the probability of the tokens ranked above t already reaches p (the most
    likely token is always kept)."""
    ordered, order = logits.sort(-1, descending=True)
    probs = ordered.softmax(-1)
    before = probs.cumsum(-1) - probs  # probability mass ranked strictly above each token
    drop_sorted = before >= p
    drop = drop_sorted.scatter(-1, order, drop_sorted)  # back to vocabulary order (order is a permutation)
    return logits.masked_fill(drop, float("-inf"))


def process_logits(logits: Tensor, previous: Tensor, config: SamplingConfig) -> Tensor:
    """The transformed logits z' of the module docstring (B, V), for the tokens so far `previous` (B, S)."""
    if config.repetition_penalty != 1.0:
        logits = repetition_penalty(logits, previous, config.repetition_penalty)
    if not config.do_sample:
        return logits
    if config.temperature != 1.0:
        logits = logits / config.temperature
    if config.top_k is not None:
        logits = top_k_filter(logits, config.top_k)
    if config.top_p is not None and config.top_p < 1.0:
        logits = top_p_filter(logits, config.top_p)
    return logits


def next_token(logits: Tensor, previous: Tensor, config: SamplingConfig, generator: Generator | None = None) -> Tensor:
    """The next token id of each row (B,): argmax when greedy, else a draw from softmax(z')."""
    logits = process_logits(logits, previous, config)
    if not config.do_sample:
        return logits.argmax(-1)
    return multinomial(logits.softmax(-1), 1, generator=generator).squeeze(-1)
