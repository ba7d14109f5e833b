"""Llama: a decoder-only transformer with RMSNorm, SwiGLU feed-forward, rotary positions and
grouped-query attention (Touvron et al., 2023). SmolLM2 is one.

Per layer, for hidden states x (B, T, E):

    h = x + Attention(RMSNorm(x))          (pre-norm residual blocks, no biases)
    y = h + MLP(RMSNorm(h)),   MLP(z) = W_down (silu(W_gate z) * W_up z)      (SwiGLU)

Attention has H query heads and H_kv <= H key/value heads (query head h reads key/value head
h // (H / H_kv)); queries and keys are rotated by their absolute positions in the half-split
convention (feature pairs (i, i + D/2)) before the scaled dot product, and a causal mask keeps each
position from seeing later ones. Logits = lm_head(RMSNorm(x_last)), lm_head often tied to the
token embedding.

Module and parameter names are Hugging Face's (``model.layers.0.self_attn.q_proj.weight``, ...), so
a Hugging Face Llama state dict loads unchanged.

Decoding: ``forward(input_ids, attention_mask=, position_ids=, past_key_values=)`` takes a
mytorch.generation.KVCache; given one, only the new tokens are fed and the keys and values of the
earlier ones are read from the cache (the model calls ``cache.update(layer, k, v)``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import _dtype as D
from .. import nn
from .._tensor import Tensor
from ..nn import functional as F
from ..ops.creation import arange

__all__ = ["LlamaConfig", "LlamaModel", "LlamaForCausalLM"]


@dataclass
class LlamaConfig:
    """Hyper-parameters, under Hugging Face's LlamaConfig names (defaults: SmolLM2-135M)."""
    vocab_size: int = 49152
    hidden_size: int = 576
    intermediate_size: int = 1536
    num_hidden_layers: int = 30
    num_attention_heads: int = 9
    num_key_value_heads: int = 3
    head_dim: int | None = None  # None: hidden_size // num_attention_heads
    max_position_embeddings: int = 8192
    rms_norm_eps: float = 1e-5
    rope_theta: float = 100000.0
    tie_word_embeddings: bool = True

    def __post_init__(self) -> None:
        if self.head_dim is None:
            self.head_dim = self.hidden_size // self.num_attention_heads
        if self.num_attention_heads % self.num_key_value_heads:
            raise ValueError(f"LlamaConfig: num_attention_heads ({self.num_attention_heads}) must be a multiple of "
                             f"num_key_value_heads ({self.num_key_value_heads})")


class LlamaMLP(nn.Module):
    """SwiGLU: down_proj(silu(gate_proj(x)) * up_proj(x))."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        e, f = config.hidden_size, config.intermediate_size
        self.gate_proj = nn.Linear(e, f, bias=False)
        self.up_proj = nn.Linear(e, f, bias=False)
        self.down_proj = nn.Linear(f, e, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaAttention(nn.Module):
    """Grouped-query self-attention with rotary queries and keys; reads and extends a KV cache."""

    def __init__(self, config: LlamaConfig, layer_idx: int) -> None:
        super().__init__()
        self.layer_idx = layer_idx
        self.num_heads, self.num_kv_heads, self.head_dim = (config.num_attention_heads, config.num_key_value_heads,
                                                            config.head_dim)
        e = config.hidden_size
        self.q_proj = nn.Linear(e, self.num_heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(e, self.num_kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(e, self.num_kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.num_heads * self.head_dim, e, bias=False)

    def _heads(self, x: Tensor, n: int) -> Tensor:
        """(B, T, n * D) -> (B, n, T, D)."""
        return x.unflatten(-1, (n, self.head_dim)).transpose(1, 2)

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, mask: Tensor | None, cache: Any = None) -> Tensor:
        q = nn.apply_rotary_pos_emb(self._heads(self.q_proj(x), self.num_heads), cos, sin)
        k = nn.apply_rotary_pos_emb(self._heads(self.k_proj(x), self.num_kv_heads), cos, sin)
        v = self._heads(self.v_proj(x), self.num_kv_heads)
        if cache is not None:
            k, v = cache.update(self.layer_idx, k, v)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)
        return self.o_proj(out.transpose(1, 2).flatten(-2))


class LlamaDecoderLayer(nn.Module):
    def __init__(self, config: LlamaConfig, layer_idx: int) -> None:
        super().__init__()
        # registration order = Hugging Face's, so state_dict keys come in the same order
        self.self_attn = LlamaAttention(config, layer_idx)
        self.mlp = LlamaMLP(config)
        self.input_layernorm = nn.RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = nn.RMSNorm(config.hidden_size, eps=config.rms_norm_eps)

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, mask: Tensor | None, cache: Any = None) -> Tensor:
        h = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, cache)
        return h + self.mlp(self.post_attention_layernorm(h))


def _positions(attention_mask: Tensor | None, past: int, new: int, device: Any) -> Tensor:
    """Positions of the new tokens: past, past + 1, ... or, with a padding mask (B, past + new; 1 = real
    token), each row's count of real tokens before the token (left padding starts a row at 0)."""
    if attention_mask is None:
        return arange(past, past + new, device=device).unsqueeze(0)
    return (attention_mask.to(D.int64).cumsum(-1) - 1).clamp_min(0)[:, past:]


def _attention_mask(attention_mask: Tensor | None, past: int, new: int, device: Any) -> Tensor | None:
    """The bool mask (B or 1, 1, new, past + new), True where new token i may attend key j: j <= past + i
    (causal) and key j is not padding. None when every key is visible (one new token, no padding)."""
    if new == 1 and attention_mask is None:
        return None
    keys = arange(past + new, device=device)
    mask = keys <= (arange(new, device=device) + past).unsqueeze(-1)  # (new, past + new)
    if attention_mask is not None:
        mask = mask & attention_mask.to(D.bool_)[:, None, :]
    return mask.unsqueeze(-3) if mask.ndim == 3 else mask


class LlamaModel(nn.Module):
    """The decoder stack without the language-model head: token ids (B, T) -> hidden states (B, T, E)."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        self.config = config
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList(LlamaDecoderLayer(config, i) for i in range(config.num_hidden_layers))
        self.norm = nn.RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.rotary_emb = nn.RotaryEmbedding(config.head_dim, base=config.rope_theta)

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, position_ids: Tensor | None = None,
                past_key_values: Any = None) -> Tensor:
        """input_ids (B, T); attention_mask (B, past + T), 1 for tokens and 0 for padding, covering the
        cached tokens too; position_ids (B, T) default to what the mask implies."""
        past = 0 if past_key_values is None else past_key_values.get_seq_length()
        new = input_ids.shape[-1]
        if attention_mask is not None and attention_mask.shape[-1] != past + new:
            raise ValueError(f"LlamaModel: attention_mask covers {attention_mask.shape[-1]} tokens, but there are "
                             f"{past} cached + {new} new ones")
        if position_ids is None:
            position_ids = _positions(attention_mask, past, new, input_ids.device)
        cos, sin = self.rotary_emb(position_ids)
        cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)  # (B, 1, T, D/2): the same angles for every head
        mask = _attention_mask(attention_mask, past, new, input_ids.device)
        x = self.embed_tokens(input_ids)
        for layer in self.layers:
            x = layer(x, cos, sin, mask, past_key_values)
        return self.norm(x)


class LlamaForCausalLM(nn.Module):
    """LlamaModel plus the language-model head: token ids (B, T) -> next-token logits (B, T, vocab)."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        self.config = config
        self.model = LlamaModel(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        if config.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    @property
    def max_context(self) -> int:
        return self.config.max_position_embeddings

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, position_ids: Tensor | None = None,
                past_key_values: Any = None, logits_to_keep: int = 0) -> Tensor:
        """Logits for the last `logits_to_keep` positions (0: all), the head being the costliest matrix."""
        h = self.model(input_ids, attention_mask, position_ids, past_key_values)
        return self.lm_head(h[:, -logits_to_keep:] if logits_to_keep else h)
