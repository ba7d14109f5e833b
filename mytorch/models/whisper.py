"""Whisper (Radford et al., 2022): an encoder-decoder transformer from a log-mel spectrogram to text tokens.

    features (B, n_mels, 3000)  (30 s of 10 ms frames)
    encoder:  x = GELU(conv1(features));  x = GELU(conv2(x))           kernel 3, padding 1; conv2 has stride 2
              x = x^T + P_enc                                          (B, 1500, d), P_enc sinusoidal (below)
              x = x + SelfAttn(LN(x));  x = x + MLP(LN(x))             per layer (pre-norm), MLP = fc2 GELU fc1
              memory = LN(x)
    decoder:  y = Embed(tokens) + P_dec[past : past + T]               P_dec learned, 448 positions
              y = y + CausalSelfAttn(LN(y));  y = y + CrossAttn(LN(y), memory);  y = y + MLP(LN(y))
              logits = LN(y) Embed^T                                   output projection tied to the embedding

Attention is multi-head scaled dot-product softmax(q k^T / sqrt(D)) v; the key projections have no bias.
The encoder's positions are fixed sinusoids in Whisper's layout, the sines of all frequencies then the cosines:

    P_enc[p, i] = sin(p w_i),  P_enc[p, d/2 + i] = cos(p w_i),  w_i = exp(-i log(10000) / (d/2 - 1)),  i < d/2

Decoding keeps a WhisperCache: the self-attention keys and values of the tokens seen so far (a KVCache) and,
computed once per audio, each layer's cross-attention keys and values of the encoder memory.

Module and parameter names are Hugging Face's WhisperForConditionalGeneration's without its ``model.``
prefix (``encoder.layers.0.self_attn.k_proj.weight``, ...), so its state dict loads after removing it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from .. import _dtype as D
from .. import nn
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..generation.kv_cache import KVCache
from ..nn import functional as F
from ..ops.creation import arange, ones
from ..ops.joining import cat

__all__ = ["WhisperConfig", "Whisper", "WhisperCache", "whisper_sinusoids"]


@dataclass
class WhisperConfig:
    """Hyper-parameters under Hugging Face's WhisperConfig names (defaults: tiny.en)."""
    vocab_size: int = 51864
    num_mel_bins: int = 80
    d_model: int = 384
    encoder_layers: int = 4
    encoder_attention_heads: int = 6
    decoder_layers: int = 4
    decoder_attention_heads: int = 6
    encoder_ffn_dim: int = 1536
    decoder_ffn_dim: int = 1536
    max_source_positions: int = 1500  # encoder frames: 3000 mel frames halved by conv2
    max_target_positions: int = 448
    activation_function: str = "gelu"  # "gelu" (exact, Whisper's) or "gelu_tanh"


def whisper_sinusoids(length: int, channels: int) -> Tensor:
    """The (length, channels) table P_enc of the module docstring: [sin(p w_i) | cos(p w_i)], in float32."""
    if channels % 2:
        raise ValueError(f"whisper_sinusoids: channels must be even, got {channels}")
    half = channels // 2
    rates = (arange(half, dtype=D.float64) * (-math.log(10000.0) / (half - 1))).exp()
    angles = arange(length, dtype=D.float64).unsqueeze(1) * rates
    return cat([angles.sin(), angles.cos()], 1).to(D.float32)


class WhisperCache(KVCache):
    """A KVCache for the decoder's self-attention plus each layer's cross-attention keys and values (B, H, S, D),
    computed once from the encoder memory; ``reorder`` (beam search) selects rows of both."""

    def __init__(self, cross: list[tuple[Tensor, Tensor]]) -> None:
        super().__init__()
        self.cross = cross

    def reorder(self, index: Tensor) -> None:
        """Keep batch rows `index` (with repeats) of the self-attention cache and of the cross keys and values."""
        super().reorder(index)
        self.cross = [(k.index_select(0, index), v.index_select(0, index)) for k, v in self.cross]


def _activation(name: str) -> str:
    if name == "gelu":
        return "none"
    if name == "gelu_tanh":
        return "tanh"
    raise ValueError(f"Whisper: unsupported activation_function {name!r}; expected 'gelu' or 'gelu_tanh'")


class WhisperAttention(nn.Module):
    """Multi-head attention with Whisper's projections (no key bias)."""

    def __init__(self, d_model: int, num_heads: int) -> None:
        super().__init__()
        if d_model % num_heads:
            raise ValueError(f"Whisper: d_model ({d_model}) must be a multiple of the head count ({num_heads})")
        self.num_heads = num_heads
        self.k_proj = nn.Linear(d_model, d_model, bias=False)
        self.v_proj = nn.Linear(d_model, d_model)
        self.q_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def heads(self, x: Tensor) -> Tensor:
        """(B, T, d) -> (B, H, T, d / H)."""
        return x.unflatten(-1, (self.num_heads, -1)).transpose(1, 2)

    def keys_values(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """The keys and values (B, H, S, D) of the states x (B, S, d)."""
        return self.heads(self.k_proj(x)), self.heads(self.v_proj(x))

    def attend(self, x: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None, causal: bool = False) -> Tensor:
        """Queries from x (B, T, d) over the given keys and values; (B, T, d)."""
        out = F.scaled_dot_product_attention(self.heads(self.q_proj(x)), k, v, attn_mask=mask, is_causal=causal)
        return self.out_proj(out.transpose(1, 2).flatten(-2))


class _PreNormLayer(nn.Module):
    """What every Whisper layer has: self-attention and an MLP, each behind a layer norm, each residual.
    Submodules are registered in Hugging Face's order, so state dicts list their keys in the same order."""

    def _add_self_attention(self, d_model: int, num_heads: int) -> None:
        self.self_attn = WhisperAttention(d_model, num_heads)
        self.self_attn_layer_norm = nn.LayerNorm(d_model)

    def _add_mlp(self, config: WhisperConfig, ffn_dim: int) -> None:
        self.approximate = _activation(config.activation_function)
        self.fc1 = nn.Linear(config.d_model, ffn_dim)
        self.fc2 = nn.Linear(ffn_dim, config.d_model)
        self.final_layer_norm = nn.LayerNorm(config.d_model)

    def mlp(self, x: Tensor) -> Tensor:
        """x + fc2(GELU(fc1(LN(x))))."""
        return x + self.fc2(F.gelu(self.fc1(self.final_layer_norm(x)), approximate=self.approximate))


class WhisperEncoderLayer(_PreNormLayer):
    """x + SelfAttn(LN(x)), then + MLP(LN(.))."""

    def __init__(self, config: WhisperConfig) -> None:
        super().__init__()
        self._add_self_attention(config.d_model, config.encoder_attention_heads)
        self._add_mlp(config, config.encoder_ffn_dim)

    def forward(self, x: Tensor) -> Tensor:
        h = self.self_attn_layer_norm(x)
        x = x + self.self_attn.attend(h, *self.self_attn.keys_values(h))
        return self.mlp(x)


class WhisperDecoderLayer(_PreNormLayer):
    """Causal self-attention (cached), cross-attention on the encoder memory, MLP; each pre-norm and residual."""

    def __init__(self, config: WhisperConfig, layer_idx: int) -> None:
        super().__init__()
        self.layer_idx = layer_idx
        self._add_self_attention(config.d_model, config.decoder_attention_heads)
        self.encoder_attn = WhisperAttention(config.d_model, config.decoder_attention_heads)
        self.encoder_attn_layer_norm = nn.LayerNorm(config.d_model)
        self._add_mlp(config, config.decoder_ffn_dim)

    def forward(self, x: Tensor, memory: Tensor | None = None, cache: WhisperCache | None = None) -> Tensor:
        h = self.self_attn_layer_norm(x)
        k, v = self.self_attn.keys_values(h)
        past = 0
        if cache is not None:
            past = cache.get_seq_length(self.layer_idx)
            k, v = cache.update(self.layer_idx, k, v)
        t = x.shape[1]
        # new token i sits at position past + i and may see keys 0 .. past + i
        mask = None
        if past and t > 1:
            mask = ones((t, past + t), dtype=D.bool_, device=x.device).tril(past)
        x = x + self.self_attn.attend(h, k, v, mask, causal=not past and t > 1)
        h = self.encoder_attn_layer_norm(x)
        k, v = cache.cross[self.layer_idx] if cache is not None else self.encoder_attn.keys_values(memory)
        x = x + self.encoder_attn.attend(h, k, v)
        return self.mlp(x)


class WhisperEncoder(nn.Module):
    """log-mel features (B, n_mels, 2 P) -> memory (B, P, d), P = max_source_positions."""

    def __init__(self, config: WhisperConfig) -> None:
        super().__init__()
        d = config.d_model
        self.approximate = _activation(config.activation_function)
        self.conv1 = nn.Conv1d(config.num_mel_bins, d, 3, padding=1)
        self.conv2 = nn.Conv1d(d, d, 3, stride=2, padding=1)
        self.embed_positions = nn.Embedding(config.max_source_positions, d)
        with no_grad():
            self.embed_positions.weight.copy_(whisper_sinusoids(config.max_source_positions, d))
        self.embed_positions.requires_grad_(False)  # fixed, not learned
        self.layers = nn.ModuleList(WhisperEncoderLayer(config) for _ in range(config.encoder_layers))
        self.layer_norm = nn.LayerNorm(d)

    def forward(self, features: Tensor) -> Tensor:
        expected = (self.conv1.in_channels, 2 * self.embed_positions.num_embeddings)
        if features.ndim != 3 or tuple(features.shape[1:]) != expected:
            raise ValueError(f"WhisperEncoder: expected features (batch, {expected[0]}, {expected[1]}), got "
                             f"{list(features.shape)}")
        x = F.gelu(self.conv1(features), approximate=self.approximate)
        x = F.gelu(self.conv2(x), approximate=self.approximate)
        x = x.transpose(1, 2) + self.embed_positions.weight
        for layer in self.layers:
            x = layer(x)
        return self.layer_norm(x)


class WhisperDecoder(nn.Module):
    """tokens (B, T) and memory (or a WhisperCache holding it) -> final states (B, T, d)."""

    def __init__(self, config: WhisperConfig) -> None:
        super().__init__()
        self.embed_tokens = nn.Embedding(config.vocab_size, config.d_model)
        self.embed_positions = nn.Embedding(config.max_target_positions, config.d_model)
        self.layers = nn.ModuleList(WhisperDecoderLayer(config, i) for i in range(config.decoder_layers))
        self.layer_norm = nn.LayerNorm(config.d_model)

    def forward(self, input_ids: Tensor, memory: Tensor | None = None, cache: WhisperCache | None = None,
                position_ids: Tensor | None = None) -> Tensor:
        """``position_ids`` (B, T), as in Hugging Face's decoder, default past .. past + T - 1; given as a tensor they
        stay an input of an ONNX export, whose past length varies."""
        past = 0 if cache is None else cache.get_seq_length()
        t = input_ids.shape[1]
        if past + t > self.embed_positions.num_embeddings:
            raise ValueError(f"WhisperDecoder: positions {past}..{past + t - 1} exceed the "
                             f"{self.embed_positions.num_embeddings} the model was trained with")
        positions = self.embed_positions.weight[past:past + t] if position_ids is None else \
            self.embed_positions(position_ids)
        x = self.embed_tokens(input_ids) + positions
        for layer in self.layers:
            x = layer(x, memory, cache)
        return self.layer_norm(x)


class Whisper(nn.Module):
    """The encoder-decoder of the module docstring. ``forward(features, decoder_input_ids)`` gives teacher-forced
    logits; decoding uses ``encode``, ``make_cache`` and ``decode`` (mytorch.speech.whisper drives them)."""

    def __init__(self, config: WhisperConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = WhisperEncoder(config)
        self.decoder = WhisperDecoder(config)

    def encode(self, features: Tensor) -> Tensor:
        """Encoder memory (B, P, d) of log-mel features (B, n_mels, 2 P)."""
        return self.encoder(features)

    def make_cache(self, memory: Tensor) -> WhisperCache:
        """An empty self-attention cache and the cross-attention keys and values of ``memory`` for every layer."""
        return WhisperCache([layer.encoder_attn.keys_values(memory) for layer in self.decoder.layers])

    def decode(self, input_ids: Tensor, memory: Tensor | None = None, cache: WhisperCache | None = None,
               position_ids: Tensor | None = None) -> Tensor:
        """Next-token logits (B, T, V) for tokens (B, T) after those in ``cache`` (which then replaces memory)."""
        if memory is None and cache is None:
            raise ValueError("Whisper.decode: give the encoder memory or a WhisperCache made from it")
        return F.linear(self.decoder(input_ids, memory, cache, position_ids), self.decoder.embed_tokens.weight)

    def forward(self, input_features: Tensor, decoder_input_ids: Tensor) -> Tensor:
        return self.decode(decoder_input_ids, self.encode(input_features))

    @property
    def max_context(self) -> int:
        """Decoder positions: prompt plus generated tokens fit in this many."""
        return self.config.max_target_positions

    def extra_repr(self) -> str:
        c = self.config
        return f"d_model={c.d_model}, layers={c.encoder_layers}+{c.decoder_layers}, vocab={c.vocab_size}"
