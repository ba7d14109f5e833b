"""GPT: a decoder-only transformer language model (Radford et al., 2018/2019), pre-norm, with tied weights.

For token ids x (B, T) and positions 0..T-1:

    h_0 = wte[x] + wpe[0..T-1]                                (learned token and position embeddings)
    a_l = h_{l-1} + c_proj(CausalSelfAttention(ln_1(h_{l-1})))       (pre-norm residual blocks)
    h_l = a_l + c_proj(gelu(c_fc(ln_2(a_l))))
    logits = ln_f(h_L) wte^T                                  (the head shares the embedding matrix)

CausalSelfAttention splits c_attn(x) into queries, keys and values of n_head heads and runs
softmax(q k^T / sqrt(d) + causal mask) v, so position t sees positions <= t only; gelu is GPT-2's tanh
approximation.

Module and parameter names follow nanoGPT (``transformer.wte``, ``transformer.h.0.attn.c_attn``,
``lm_head``...), with nn.Linear weights stored (out, in) as in PyTorch.

Decoding: ``forward(idx, past_key_values=cache)`` takes a mytorch.generation.KVCache; given one, idx
holds only the new tokens, their positions continue after the cached ones, and each layer appends its
keys and values to the cache and attends over all of them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .. import nn
from .._tensor import Tensor
from ..nn import functional as F
from ..ops.creation import arange

__all__ = ["GPTConfig", "GPT"]


@dataclass
class GPTConfig:
    vocab_size: int = 65
    block_size: int = 128  # the longest context (learned positions)
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = True

    def __post_init__(self) -> None:
        if self.n_embd % self.n_head:
            raise ValueError(f"GPTConfig: n_embd ({self.n_embd}) must be a multiple of n_head ({self.n_head})")


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig, layer_idx: int) -> None:
        super().__init__()
        self.layer_idx, self.n_head, self.dropout = layer_idx, config.n_head, config.dropout
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor, cache: Any = None) -> Tensor:
        # (B, T, 3E) -> three (B, H, T, E/H)
        q, k, v = self.c_attn(x).unflatten(-1, (3, self.n_head, -1)).permute(2, 0, 3, 1, 4).unbind(0)
        past = 0
        if cache is not None:
            past = cache.get_seq_length(self.layer_idx)
            k, v = cache.update(self.layer_idx, k, v)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=_causal_mask(past, q.shape[-2], x.device),
                                             is_causal=past == 0,
                                             dropout_p=self.dropout if self.training else 0.0)
        return self.resid_dropout(self.c_proj(out.transpose(1, 2).flatten(-2)))


def _causal_mask(past: int, new: int, device: Any) -> Tensor | None:
    """The bool mask (new, past + new) letting new token i see keys j <= past + i; None when is_causal
    (no past) or no mask (a single new token sees everything) does it."""
    if past == 0 or new == 1:
        return None
    return arange(past + new, device=device) <= (arange(new, device=device) + past).unsqueeze(-1)


class MLP(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, config: GPTConfig, layer_idx: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config, layer_idx)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: Tensor, cache: Any = None) -> Tensor:
        x = x + self.attn(self.ln_1(x), cache)
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """Token ids (B, T) -> next-token logits (B, T, vocab_size); T + cached tokens <= block_size."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict({
            "wte": nn.Embedding(config.vocab_size, config.n_embd),
            "wpe": nn.Embedding(config.block_size, config.n_embd),
            "drop": nn.Dropout(config.dropout),
            "h": nn.ModuleList(Block(config, i) for i in range(config.n_layer)),
            "ln_f": nn.LayerNorm(config.n_embd, bias=config.bias),
        })
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # weight tying (Press & Wolf, 2017)
        self.apply(self._init_weights)
        # GPT-2's scaling: each residual branch's output projection starts at std 0.02 / sqrt(2 L), so the
        # residual stream's variance does not grow with depth
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, 0.0, 0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    @property
    def max_context(self) -> int:
        return self.config.block_size

    def forward(self, idx: Tensor, past_key_values: Any = None) -> Tensor:
        past = 0 if past_key_values is None else past_key_values.get_seq_length()
        t = idx.shape[-1]
        if past + t > self.config.block_size:
            raise ValueError(f"GPT: {past} cached + {t} new tokens exceed the context of "
                             f"{self.config.block_size} positions (block_size)")
        pos = arange(past, past + t, device=idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x, past_key_values)
        return self.lm_head(self.transformer.ln_f(x))
