"""Turning CTC frame posteriors into label sequences: greedy decoding and prefix beam search.

A CTC output path a = (a_1 .. a_T) spells the labels B(a): merge repeated labels, then drop blanks
("aa-ab" -> "aab"). The probability of a label sequence l is the sum over all paths spelling it,
p(l) = sum_{a: B(a) = l} prod_t y_t(a_t).

Greedy decoding takes the best path, B(argmax_t), which need not spell the best sequence. Prefix beam
search (Hannun et al., 2014) keeps the best `beam_width` prefixes after each frame, each with two
log-probabilities: of the paths spelling it that end in a blank (p_b) and in its last label (p_nb).
From frame t-1 to t, for a prefix l with last label e and every label c:

    blank:          p_b(l)     += (p_b(l) + p_nb(l)) y_t(blank)
    repeat e:       p_nb(l)    += p_nb(l) y_t(e)                    (a repeat merges into e)
    extend by c:    p_nb(l+c)  += (p_b(l) + p_nb(l)) y_t(c)         for c != e
                    p_nb(l+e)  += p_b(l) y_t(e)                     (a repeat needs a blank between)

(computed in log space). Shallow fusion with a language model ranks prefixes by

    score(l) = log p_ctc(l) + alpha log p_lm(l) + beta |l|

where p_lm(l) is the product of the model's next-label probabilities along l (the callback gives
log p_lm(c | l), added each time a prefix is extended) and beta, a length bonus, offsets the LM's
preference for short outputs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

from .._tensor import Tensor

__all__ = ["Hypothesis", "ctc_greedy_decode", "ctc_prefix_beam_search"]

LanguageModel = Callable[[tuple[int, ...], int], float]
"""log p(label | prefix) for a prefix of labels (blank never appears)."""

_NEG_INF = float("-inf")


def _logaddexp(a: float, b: float) -> float:
    if a == _NEG_INF:
        return b
    if b == _NEG_INF:
        return a
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


def ctc_greedy_decode(log_probs: Tensor, lengths: Sequence[int] | Tensor | None = None,
                      blank: int = 0) -> list[list[int]]:
    """B(best path) of each utterance of log_probs (N, T, C) (batch first, as torchaudio's decoders take
    emissions), or of one utterance (T, C); `lengths` (N,) limits each to its first frames."""
    single = log_probs.ndim == 2
    best = log_probs.detach().argmax(-1)
    rows = [best.tolist()] if single else best.tolist()
    if lengths is not None:
        lengths = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
        rows = [row[:n] for row, n in zip(rows, lengths)]
    decoded = [[c for i, c in enumerate(row) if c != blank and (i == 0 or row[i - 1] != c)] for row in rows]
    return decoded[0] if single else decoded


@dataclass
class Hypothesis:
    """A decoded label sequence with its CTC log-probability, its LM log-probability (0 without an LM)
    and the fused score that ranked it."""

    tokens: list[int]
    ctc_score: float
    lm_score: float
    score: float


@dataclass
class _Prefix:
    blank: float = _NEG_INF  # log p of the paths so far spelling the prefix and ending in blank
    label: float = _NEG_INF  # ... ending in the prefix's last label
    lm: float = 0.0  # log p_lm(prefix)

    @property
    def total(self) -> float:
        return _logaddexp(self.blank, self.label)


def ctc_prefix_beam_search(log_probs: Tensor, beam_width: int = 8, blank: int = 0, *,
                           lm: LanguageModel | None = None, lm_weight: float = 0.0, length_bonus: float = 0.0,
                           top_k: int | None = None, labels: Sequence[int] | None = None) -> list[Hypothesis]:
    """The `beam_width` best label sequences of one utterance's log_probs (T, C), best first.

    `lm(prefix, label)` returns log p_lm(label | prefix); `lm_weight` (alpha) and `length_bonus` (beta)
    weigh it in the score of the module docstring. `top_k` considers only each frame's k likeliest
    labels as extensions (all by default); `labels` are the ids a prefix may be extended by (every id but
    the blank by default; a recognizer whose outputs include ids that are never labels, such as sos/eos,
    names its labels here).
    """
    if log_probs.ndim != 2:
        raise ValueError(f"ctc_prefix_beam_search expects log_probs of one utterance (T, C), got shape "
                         f"{tuple(log_probs.shape)}")
    if beam_width < 1:
        raise ValueError(f"beam_width must be at least 1, got {beam_width}")
    frames = log_probs.detach().double()  # Python floats hold float64 exactly
    candidates = [c for c in (range(frames.shape[1]) if labels is None else labels) if c != blank]
    allowed = set(candidates)
    if top_k is not None:
        order = frames.argsort(-1, descending=True)[:, :top_k].tolist()
    beam: dict[tuple[int, ...], _Prefix] = {(): _Prefix(blank=0.0)}

    def fused(prefix: tuple[int, ...], state: _Prefix) -> float:
        return state.total + lm_weight * state.lm + length_bonus * len(prefix)

    for t, y in enumerate(frames.tolist()):
        grown: dict[tuple[int, ...], _Prefix] = {}
        extensions = [c for c in order[t] if c in allowed] if top_k is not None else candidates
        for prefix, state in beam.items():
            stay = grown.setdefault(prefix, _Prefix(lm=state.lm))
            stay.blank = _logaddexp(stay.blank, state.total + y[blank])
            last = prefix[-1] if prefix else None
            if last is not None:
                stay.label = _logaddexp(stay.label, state.label + y[last])
            for c in extensions:
                ways_in = (state.blank if c == last else state.total) + y[c]
                if ways_in == _NEG_INF:  # no path spells it (yet): a repeat with no blank between
                    continue
                longer = prefix + (c,)
                if longer not in grown:
                    grown[longer] = _Prefix(lm=state.lm + (lm(prefix, c) if lm is not None else 0.0))
                grown[longer].label = _logaddexp(grown[longer].label, ways_in)
        kept = sorted(grown.items(), key=lambda item: fused(*item), reverse=True)[:beam_width]
        beam = dict(kept)
    return [Hypothesis(list(prefix), state.total, state.lm, fused(prefix, state))
            for prefix, state in sorted(beam.items(), key=lambda item: fused(*item), reverse=True)]
