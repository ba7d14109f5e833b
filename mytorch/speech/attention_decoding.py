"""Transcripts from a `SpeechRecognizer`'s attention decoder: greedy or beam search with `mytorch.generation`'s
`generate`, one token per step over a KV cache.

Decoding starts from sos and stops at eos (one id, `SOS_EOS`). Without a cache, step u runs the whole
decoder over the prefix y_<u again: O(u) work per layer for keys and values that never change. Here a step
feeds only the newest token: its self-attention keys and values are appended to a `KVCache`, and each
layer's cross-attention keys and values, K_l = memory W_k^l and V_l = memory W_v^l, are computed once per
utterance and kept beside them. The pre-norm layer step is the training forward's, one position at a time:

    x = x + SelfAttn(norm1(x); cached keys),   x = x + CrossAttn(norm2(x); K_l, V_l),   x = x + FF(norm3(x))

then the decoder's final norm and the output projection give the next-token logits; the blank (padding, never
a decoder target) is masked out of them. Beam search reorders
the batch rows each step; the cache reorders the cross-attention keys and the memory's padding with them.
Dropout is not applied: this is inference.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..generation.kv_cache import KVCache
from ..generation.search import generate
from ..models.speech_recognizer import BLANK, SOS_EOS, SpeechRecognizer
from ..nn import functional as F
from ..nn.modules.attention import MultiheadAttention
from ..ops.creation import arange, full, tensor

__all__ = ["RecognizerCache", "attention_decode"]


class RecognizerCache(KVCache):
    """Self-attention keys and values of the tokens decoded so far (`KVCache`), plus per decoder layer the
    cross-attention keys and values (B, H, S, D) of the memory, and the memory's mask (B, 1, 1, S), True at
    frames a query may attend to."""

    def __init__(self, cross: list[tuple[Tensor, Tensor]], attendable: Tensor) -> None:
        super().__init__()
        self.cross, self.attendable = cross, attendable

    def reorder(self, index: Tensor) -> None:
        """Keep batch rows `index` of the self-attention cache, the cross-attention keys and values and the mask."""
        super().reorder(index)
        self.cross = [(k.index_select(0, index), v.index_select(0, index)) for k, v in self.cross]
        self.attendable = self.attendable.index_select(0, index)


def _heads(x: Tensor, n_heads: int) -> Tensor:
    """(B, T, E) -> (B, H, T, E / H)."""
    b, t, e = x.shape
    return x.reshape(b, t, n_heads, e // n_heads).transpose(1, 2)


def _project(attn: MultiheadAttention, x: Tensor, which: slice) -> Tensor:
    """x times the packed in-projection's rows `which` (W_q, W_k or W_v and their bias), split into heads."""
    bias = None if attn.in_proj_bias is None else attn.in_proj_bias[which]
    return _heads(F.linear(x, attn.in_proj_weight[which], bias), attn.num_heads)


def _attend(attn: MultiheadAttention, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None) -> Tensor:
    """Attention of the heads q over k, v, merged back to (B, T, E) and through the output projection."""
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    b, _, t, _ = out.shape
    return attn.out_proj(out.transpose(1, 2).reshape(b, t, attn.embed_dim))


class _DecoderSteps:
    """The recognizer's decoder as a `generate` model: ``forward(input_ids, past_key_values)`` feeds the
    tokens not yet in the cache and returns their next-token logits (B, T, V)."""

    def __init__(self, model: SpeechRecognizer, memory: Tensor, padding: Tensor) -> None:
        self.model, self.blank = model, tensor([BLANK], device=memory.device)
        e = model.config.d_model
        self.q_rows, self.k_rows, self.v_rows = slice(0, e), slice(e, 2 * e), slice(2 * e, 3 * e)
        cross = [(_project(layer.multihead_attn, memory, self.k_rows), _project(layer.multihead_attn, memory,
                                                                                self.v_rows))
                 for layer in model.decoder.layers]
        self.cache = RecognizerCache(cross, (~padding)[:, None, None, :])

    def make_cache(self) -> RecognizerCache:
        return self.cache

    def forward(self, input_ids: Tensor, past_key_values: RecognizerCache | None = None) -> Tensor:
        cache = self.cache if past_key_values is None else past_key_values
        past, t = cache.get_seq_length(), input_ids.shape[1]
        x = self.model.positions(self.model.embed(input_ids), offset=past)
        # query i (position past + i) sees keys 0 .. past + i
        causal = arange(past + t, device=x.device) <= arange(past, past + t, device=x.device).unsqueeze(1)
        for i, layer in enumerate(self.model.decoder.layers):
            h = layer.norm1(x)
            sa = layer.self_attn
            keys, values = cache.update(i, _project(sa, h, self.k_rows), _project(sa, h, self.v_rows))
            x = x + _attend(sa, _project(sa, h, self.q_rows), keys, values, causal)
            ca = layer.multihead_attn
            x = x + _attend(ca, _project(ca, layer.norm2(x), self.q_rows), *cache.cross[i], cache.attendable)
            x = x + layer.linear2(layer.activation(layer.linear1(layer.norm3(x))))
        if self.model.decoder.norm is not None:
            x = self.model.decoder.norm(x)
        return self.model.out(x).index_fill(-1, self.blank, float("-inf"))

    __call__ = forward


@no_grad()
def attention_decode(model: SpeechRecognizer, features: Tensor, lengths: Tensor, *, beam_size: int = 1,
                     max_tokens: int | None = None, length_penalty: float = 1.0) -> list[list[int]]:
    """The label ids (sos and eos removed) the attention decoder gives each utterance of features
    (N, T, n_mels) with lengths (N,): greedy for beam_size 1, else beam search scored
    sum log p / length^length_penalty (`generate`'s). At most `max_tokens` labels (default: the longest
    utterance's encoder frames, the most CTC could emit). The model must be in eval mode."""
    if model.training:
        raise RuntimeError("attention_decode: the model is in training mode (dropout, SpecAugment); call .eval()")
    if beam_size < 1:
        raise ValueError(f"attention_decode: beam_size must be at least 1, got {beam_size}")
    memory, memory_lengths, padding = model.encode(features, lengths)
    steps = _DecoderSteps(model, memory, padding)
    budget = int(memory_lengths.max()) if max_tokens is None else max_tokens
    budget = min(budget, model.config.max_len - 1)
    start = full((features.shape[0], 1), SOS_EOS, dtype=D.int64, device=features.device)
    out = generate(steps, start, max_new_tokens=budget, num_beams=beam_size, length_penalty=length_penalty,
                   eos_token_id=SOS_EOS, pad_token_id=BLANK)
    labels = []
    for row in out[:, 1:].tolist():
        end = row.index(SOS_EOS) if SOS_EOS in row else len(row)
        labels.append(row[:end])
    return labels
