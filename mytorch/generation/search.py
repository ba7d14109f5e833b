"""generate(model, input_ids, ...): greedy decoding, sampling and beam search for any decoder model.

The model contract: ``model(input_ids, attention_mask=None, past_key_values=None)`` returns next-token
logits (B, T, V). A model whose forward takes ``past_key_values`` gets a KVCache (or what its
``make_cache()`` returns: a recurrent model's state) and is fed only the new tokens at each step; any
other model is fed the whole sequence again (correct, slower). An attention_mask (B, S) (1 = token,
0 = padding) lets prompts of different lengths share a batch: they are left-padded, so every row's
next token is at the same (last) position.

Beam search (num_beams = K) keeps the K most likely partial continuations of each prompt, scored by
their summed log-probabilities. Each step extends every beam by every token, keeps the 2K best
candidates, retires those ending in EOS among the top K as finished hypotheses scored
sum_logprob / length^length_penalty (length = generated tokens, EOS included), and continues with the
K best unfinished ones. A prompt is done when it has K hypotheses and either early_stopping is set or
no running beam can still beat the worst of them (its score, normalised at the current length, is
no better). The best hypothesis is returned. These are Hugging Face transformers' semantics.
"""
from __future__ import annotations

import inspect
import math
from typing import Any, Callable, Sequence

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops.creation import arange, full, ones, tensor
from ..ops.joining import cat
from ..ops.random import Generator
from .kv_cache import KVCache
from .sampling import SamplingConfig, next_token, repetition_penalty

__all__ = ["generate"]


class _Stepper:
    """Runs the model one step at a time, with a KV cache when the model takes one."""

    def __init__(self, model: Any, attention_mask: Tensor | None, use_cache: bool | None,
                 cache: KVCache | None) -> None:
        takes = inspect.signature(model.forward).parameters
        if use_cache is None:
            use_cache = "past_key_values" in takes
        if use_cache and "past_key_values" not in takes:
            raise TypeError(f"{type(model).__name__}.forward takes no past_key_values: generate with use_cache=False")
        if attention_mask is not None and "attention_mask" not in takes:
            if not bool(attention_mask.all()):
                raise TypeError(f"{type(model).__name__}.forward takes no attention_mask, so padded prompts "
                                "cannot be batched")
            attention_mask = None
        self.model, self.mask = model, attention_mask
        self.last_only = "logits_to_keep" in takes  # the head over the last position only
        self.cache = (cache if cache is not None else getattr(model, "make_cache", KVCache)()) if use_cache else None
        self.fed = 0  # tokens of the sequence the cache already holds (a given cache holds a past before them)

    def logits(self, ids: Tensor) -> Tensor:
        """Next-token logits (B, V) after the sequence ids (B, S)."""
        kwargs: dict[str, Any] = {}
        if self.mask is not None:
            kwargs["attention_mask"] = self.mask
        if self.cache is not None:
            kwargs["past_key_values"] = self.cache
            ids = ids[:, self.fed:]
            self.fed += ids.shape[1]
        if self.last_only:
            kwargs["logits_to_keep"] = 1
        return self.model(ids, **kwargs)[:, -1].to(D.float32)

    def append(self, n: int = 1) -> None:
        """The sequence grows by n tokens per row: they are real tokens for the mask."""
        if self.mask is not None:
            self.mask = cat([self.mask, ones((self.mask.shape[0], n), dtype=self.mask.dtype)], 1)

    def select(self, rows: Tensor) -> None:
        """Keep batch rows `rows` (beam search reorders beams)."""
        if self.cache is not None:
            self.cache.reorder(rows)
        if self.mask is not None:
            self.mask = self.mask.index_select(0, rows)


def _eos_set(eos_token_id: int | Sequence[int] | None) -> list[int]:
    if eos_token_id is None:
        return []
    return [eos_token_id] if isinstance(eos_token_id, int) else list(eos_token_id)


def _budget(model: Any, prompt_len: int, max_new_tokens: int, past: int) -> int:
    """max_new_tokens, capped so the sequence stays within the model's context (`max_context`, if it has one)."""
    context = getattr(model, "max_context", None)
    if context is None:
        return max_new_tokens
    used = past + prompt_len
    if used >= context:
        raise ValueError(f"the prompt is {used} tokens long but the model's context holds {context}: "
                         "shorten the prompt")
    return min(max_new_tokens, context - used)


def generate(model: Any, input_ids: Tensor, attention_mask: Tensor | None = None, *, max_new_tokens: int = 20,
             do_sample: bool = False, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
             repetition_penalty: float = 1.0, num_beams: int = 1, length_penalty: float = 1.0,
             early_stopping: bool = False, eos_token_id: int | Sequence[int] | None = None,
             pad_token_id: int | None = None, generator: Generator | None = None,
             streamer: Callable[[Tensor], None] | None = None, use_cache: bool | None = None,
             past_key_values: KVCache | None = None) -> Tensor:
    """Continue each prompt of input_ids (B, T) by up to max_new_tokens tokens; returns (B, T + n), the
    prompts followed by their continuations, rows that stopped early padded with pad_token_id (default:
    the first EOS id).

    Greedy (default), sampling (do_sample with temperature / top_k / top_p, drawn from `generator`) or
    beam search (num_beams > 1, with length_penalty / early_stopping). A row stops after emitting any of
    eos_token_id. streamer(tokens (B,)) is called with each step's new tokens (greedy and sampling).
    past_key_values: a KVCache already holding earlier tokens of this sequence (batch 1, e.g. the turns
    of a chat); input_ids then holds only the tokens after them.
    """
    if input_ids.ndim != 2:
        raise ValueError(f"generate: input_ids must be (batch, length), got shape {list(input_ids.shape)}")
    if max_new_tokens < 0:
        raise ValueError(f"generate: max_new_tokens must be >= 0, got {max_new_tokens}")
    if num_beams < 1:
        raise ValueError(f"generate: num_beams must be >= 1, got {num_beams}")
    past = 0 if past_key_values is None else past_key_values.get_seq_length()
    if past and attention_mask is not None:
        raise ValueError("generate: continuing a KV cache is supported without an attention_mask (batch 1)")
    max_new_tokens = _budget(model, input_ids.shape[1], max_new_tokens, past)
    eos = _eos_set(eos_token_id)
    pad = pad_token_id if pad_token_id is not None else (eos[0] if eos else 0)
    sampling = SamplingConfig(do_sample, temperature, top_k, top_p, repetition_penalty)
    with no_grad():
        if num_beams > 1:
            if do_sample:
                raise NotImplementedError("generate: beam search with sampling is not supported; choose one")
            stepper = _Stepper(model, attention_mask, use_cache, past_key_values)
            return _beam_search(stepper, input_ids, max_new_tokens, num_beams, length_penalty, early_stopping,
                                eos, pad, sampling)
        stepper = _Stepper(model, attention_mask, use_cache, past_key_values)
        return _sample(stepper, input_ids, max_new_tokens, eos, pad, sampling, generator, streamer)


def _sample(stepper: _Stepper, ids: Tensor, max_new: int, eos: list[int], pad: int, sampling: SamplingConfig,
            generator: Generator | None, streamer: Callable[[Tensor], None] | None) -> Tensor:
    """Greedy decoding or sampling: one token per row per step until every row has emitted EOS."""
    running = ones(ids.shape[0], dtype=D.bool_)
    eos_ids = tensor(eos, dtype=D.int64) if eos else None
    for _ in range(max_new):
        token = next_token(stepper.logits(ids), ids, sampling, generator)
        token = token.masked_fill(~running, pad)
        ids = cat([ids, token.unsqueeze(1)], 1)
        stepper.append()
        if streamer is not None:
            streamer(token)
        if eos_ids is not None:
            running = running & ~(token.unsqueeze(1) == eos_ids).any(1)
            if not bool(running.any()):
                break
    return ids


class _Hypotheses:
    """The best (at most K) finished beams of one prompt, by length-normalised score."""

    def __init__(self, k: int, length_penalty: float) -> None:
        self.k, self.length_penalty = k, length_penalty
        self.items: list[tuple[float, list[int]]] = []
        self.done = False

    def add(self, tokens: list[int], sum_logprob: float, length: int) -> None:
        self.items.append((sum_logprob / length ** self.length_penalty, tokens))
        self.items.sort(key=lambda item: -item[0])  # stable: an earlier hypothesis wins a tie
        del self.items[self.k:]

    def update_done(self, best_running: float, length: int, early_stopping: bool) -> None:
        """Done: K hypotheses, and early stopping or no running beam (normalised at `length`) beats the worst."""
        if len(self.items) == self.k:
            self.done = early_stopping or best_running / length ** self.length_penalty <= self.items[-1][0]


def _beam_search(stepper: _Stepper, ids: Tensor, max_new: int, k: int, length_penalty: float, early_stopping: bool,
                 eos: list[int], pad: int, sampling: SamplingConfig) -> Tensor:
    batch, prompt_len = ids.shape
    rows = arange(batch).repeat_interleave(k)
    stepper.select(rows)  # each prompt's K beams are rows b*K .. b*K + K - 1
    seqs = ids.index_select(0, rows)
    # only the first beam is live at the start, so the K beams do not all pick the same first token
    scores = [0.0 if j == 0 else -math.inf for j in range(k)] * batch
    hyps = [_Hypotheses(k, length_penalty) for _ in range(batch)]
    eos_set = set(eos)
    for step in range(max_new):
        logprobs = stepper.logits(seqs).log_softmax(-1)
        if sampling.repetition_penalty != 1.0:
            logprobs = repetition_penalty(logprobs, seqs, sampling.repetition_penalty)
        vocab = logprobs.shape[-1]
        total = (logprobs + tensor(scores).unsqueeze(1)).reshape(batch, k * vocab)
        top_scores, top_idx = total.topk(min(2 * k, k * vocab))
        top_scores, top_idx = top_scores.tolist(), top_idx.tolist()
        seq_rows = seqs.tolist()
        last = step == max_new - 1
        keep_rows, keep_tokens, scores = [], [], []
        for b in range(batch):
            running: list[tuple[int, int, float]] = []
            for rank, (score, index) in enumerate(zip(top_scores[b], top_idx[b])):
                row, token = b * k + index // vocab, index % vocab
                if token in eos_set or last:
                    if rank < k and not hyps[b].done:  # only the K best candidates may finish
                        hyps[b].add(seq_rows[row][prompt_len:] + [token], score, step + 1)
                elif len(running) < k:
                    running.append((row, token, score))
            while len(running) < k:  # more EOS than spare candidates: pad with dead beams
                running.append((b * k, pad, -math.inf))
            if not last:
                hyps[b].update_done(running[0][2], step + 1, early_stopping)
            keep_rows += [r for r, _, _ in running]
            keep_tokens += [t for _, t, _ in running]
            scores += [s for _, _, s in running]
        if last or all(h.done for h in hyps):
            break
        index = tensor(keep_rows, dtype=D.int64)
        seqs = cat([seqs.index_select(0, index), tensor(keep_tokens, dtype=D.int64).unsqueeze(1)], 1)
        stepper.select(index)
        stepper.append()
    best = [h.items[0][1] if h.items else [] for h in hyps]
    width = max(len(t) for t in best)
    out = full((batch, prompt_len + width), pad, dtype=D.int64)
    out[:, :prompt_len] = ids
    for b, tokens in enumerate(best):
        if tokens:
            out[b, prompt_len:prompt_len + len(tokens)] = tensor(tokens, dtype=D.int64)
    return out
