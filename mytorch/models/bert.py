"""BERT (Devlin et al., 2019): a post-norm transformer encoder with Hugging Face's module and parameter names.

The module tree mirrors ``transformers.BertModel``, so a published ``model.safetensors`` loads by name::

    embeddings.{word,position,token_type}_embeddings, embeddings.LayerNorm
    encoder.layer.<i>.attention.self.{query,key,value}      multi-head self-attention projections
    encoder.layer.<i>.attention.output.{dense,LayerNorm}    out-projection, residual, LayerNorm
    encoder.layer.<i>.intermediate.dense                    feed-forward up-projection + activation
    encoder.layer.<i>.output.{dense,LayerNorm}              feed-forward down-projection, residual, LayerNorm
    pooler.dense                                            tanh(W h_[CLS] + b)

One layer, for hidden states h (B, T, d) with H heads of size d_h = d / H and key mask m (B, T):

    A = softmax(Q K^T / sqrt(d_h) + bias(m)) V         bias = 0 where m = 1, the dtype's minimum where m = 0
    a = LayerNorm(h + Dropout(A W_o + b_o))
    y = LayerNorm(a + Dropout(act(a W_1 + b_1) W_2 + b_2))

Everything is built from mytorch.nn modules, so gradients come from their backward functions.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from typing import Any, Callable, NamedTuple

from .. import _dtype as D
from .. import nn
from .._tensor import Tensor
from ..nn import functional as F
from ..ops.creation import arange, zeros_like
from ..serialization import load

__all__ = ["BertConfig", "BertModel", "BertModelOutput", "BertEmbeddings", "BertSelfAttention", "BertLayer",
           "BertEncoder", "BertPooler"]

# Hugging Face's ``hidden_act`` names -> the activation module each one means
_ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "gelu": nn.GELU,
    "gelu_new": lambda: nn.GELU(approximate="tanh"),
    "gelu_pytorch_tanh": lambda: nn.GELU(approximate="tanh"),
    "relu": nn.ReLU,
    "silu": nn.SiLU,
    "swish": nn.SiLU,
}

# Checkpoint entries (name prefixes) that are not weights: HF stores the position index 0..max-1 as a buffer
_NOT_WEIGHTS = ("embeddings.position_ids",)


@dataclass
class BertConfig:
    """The architecture fields of Hugging Face's ``config.json`` for a BERT model (defaults: bert-base)."""
    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0
    position_embedding_type: str = "absolute"

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(f"BertConfig: hidden_size ({self.hidden_size}) must be a multiple of "
                             f"num_attention_heads ({self.num_attention_heads})")
        if self.hidden_act not in _ACTIVATIONS:
            raise ValueError(f"BertConfig: unsupported hidden_act {self.hidden_act!r}; "
                             f"expected one of {', '.join(_ACTIVATIONS)}")
        if self.position_embedding_type != "absolute":
            raise NotImplementedError(f"BertConfig: position_embedding_type {self.position_embedding_type!r} "
                                      "is not supported (only 'absolute')")

    @classmethod
    def from_dict(cls, config: dict[str, Any]) -> "BertConfig":
        """The config from a parsed ``config.json``; keys that do not shape the network are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in config.items() if k in known})

    @classmethod
    def from_json_file(cls, path: str | os.PathLike) -> "BertConfig":
        with open(path, encoding="utf-8") as fh:
            return cls.from_dict(json.load(fh))


class BertModelOutput(NamedTuple):
    last_hidden_state: Tensor  # (B, T, d)
    pooler_output: Tensor | None  # (B, d): tanh(W h_[CLS] + b), None without a pooler


class BertEmbeddings(nn.Module):
    """LayerNorm(word[ids] + position[0..T-1] + token_type[type_ids]), then dropout."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor | None = None) -> Tensor:
        length, limit = input_ids.shape[-1], self.position_embeddings.num_embeddings
        if length > limit:
            raise ValueError(f"BertEmbeddings: sequence length {length} exceeds max_position_embeddings {limit}")
        if token_type_ids is None:
            token_type_ids = zeros_like(input_ids)
        positions = arange(length, device=input_ids.device)
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions) \
            + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    """softmax(Q K^T / sqrt(d_h) + bias) V per head (the fused scaled_dot_product_attention); returns the heads
    concatenated, (B, T, d). Attention weights are dropped out with attention_probs_dropout_prob in training."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        d = config.hidden_size
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = d // config.num_attention_heads
        self.query = nn.Linear(d, d)
        self.key = nn.Linear(d, d)
        self.value = nn.Linear(d, d)
        self.dropout_prob = config.attention_probs_dropout_prob

    def _heads(self, x: Tensor) -> Tensor:
        """(B, T, d) -> (B, H, T, d_h)."""
        b, t, _ = x.shape
        return x.view(b, t, self.num_attention_heads, self.attention_head_size).transpose(1, 2)

    def forward(self, hidden_states: Tensor, attention_bias: Tensor | None = None) -> Tensor:
        q, k, v = (self._heads(proj(hidden_states)) for proj in (self.query, self.key, self.value))
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=attention_bias,
                                                 dropout_p=self.dropout_prob if self.training else 0.0)
        b, _, t, _ = context.shape
        return context.transpose(1, 2).reshape(b, t, -1)


class BertResidualOutput(nn.Module):
    """LayerNorm(residual + Dropout(dense(x))): closes both the attention and the feed-forward block."""

    def __init__(self, in_features: int, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(in_features, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: Tensor, residual: Tensor) -> Tensor:
        return self.LayerNorm(self.dropout(self.dense(hidden_states)) + residual)


class BertAttention(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertResidualOutput(config.hidden_size, config)

    def forward(self, hidden_states: Tensor, attention_bias: Tensor | None = None) -> Tensor:
        return self.output(self.self(hidden_states, attention_bias), hidden_states)


class BertIntermediate(nn.Module):
    """act(x W_1 + b_1): the feed-forward up-projection."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = _ACTIVATIONS[config.hidden_act]()

    def forward(self, hidden_states: Tensor) -> Tensor:
        return self.intermediate_act_fn(self.dense(hidden_states))


class BertLayer(nn.Module):
    """Self-attention block then feed-forward block, each closed by a residual and a LayerNorm (post-norm)."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertResidualOutput(config.intermediate_size, config)

    def forward(self, hidden_states: Tensor, attention_bias: Tensor | None = None) -> Tensor:
        attended = self.attention(hidden_states, attention_bias)
        return self.output(self.intermediate(attended), attended)


class BertEncoder(nn.Module):
    """BERT's stack of transformer layers (self-attention, then the feed-forward block, each with a residual and
    post-layer-norm), as in Hugging Face's BertEncoder.
    """
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(config) for _ in range(config.num_hidden_layers))

    def forward(self, hidden_states: Tensor, attention_bias: Tensor | None = None) -> Tensor:
        for layer in self.layer:
            hidden_states = layer(hidden_states, attention_bias)
        return hidden_states


class BertPooler(nn.Module):
    """tanh(W h_[CLS] + b): the first token's final state, projected."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states: Tensor) -> Tensor:
        return self.activation(self.dense(hidden_states[:, 0]))


def attention_bias(attention_mask: Tensor, dtype: D.dtype) -> Tensor:
    """The additive key mask (B, 1, 1, T) for a 0/1 mask (B, T): 0 where 1, the dtype's minimum where 0.

    A finite minimum rather than -inf keeps a row whose keys are all masked finite (uniform weights), as HF does.
    """
    keep = attention_mask.to(dtype)[:, None, None, :]
    return (1.0 - keep) * D.finfo(dtype).min


class BertModel(nn.Module):
    """The BERT encoder: ``forward(input_ids, attention_mask, token_type_ids)`` -> BertModelOutput."""

    def __init__(self, config: BertConfig, add_pooling_layer: bool = True) -> None:
        super().__init__()
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None,
                token_type_ids: Tensor | None = None) -> BertModelOutput:
        if input_ids.dim() != 2:
            raise ValueError(f"BertModel: input_ids must be (batch, sequence), got shape {tuple(input_ids.shape)}")
        hidden = self.embeddings(input_ids, token_type_ids)
        bias = None if attention_mask is None else attention_bias(attention_mask, hidden.dtype)
        hidden = self.encoder(hidden, bias)
        return BertModelOutput(hidden, None if self.pooler is None else self.pooler(hidden))

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike, add_pooling_layer: bool = True) -> "BertModel":
        """A model built from ``directory/config.json`` with ``directory/model.safetensors`` loaded by name
        (strictly: a missing or unexpected weight raises), in eval mode."""
        config = BertConfig.from_json_file(os.path.join(directory, "config.json"))
        model = cls(config, add_pooling_layer=add_pooling_layer)
        state = load(os.path.join(directory, "model.safetensors"))
        skip = _NOT_WEIGHTS if add_pooling_layer else _NOT_WEIGHTS + ("pooler.",)
        model.load_state_dict({k: v for k, v in state.items() if not k.startswith(skip)})
        return model.eval()
