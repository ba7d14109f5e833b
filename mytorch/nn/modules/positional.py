"""Positional encodings (not in PyTorch's nn; the names say which scheme each is).

- SinusoidalPositionalEncoding (Vaswani et al., 2017): adds a fixed table
  PE[p, 2i] = sin(p w_i), PE[p, 2i + 1] = cos(p w_i), w_i = base^(-2i / d).
- LearnedPositionalEmbedding (BERT, GPT-2): adds a learned row per position.
- RotaryEmbedding (RoPE, Su et al., 2021): rotates each pair of query/key
  features (x_a, x_b) by the angle p w_i, w_i = base^(-2i / r) for a rotary dim r:
      (x_a, x_b) -> (x_a cos - x_b sin, x_b cos + x_a sin).
  Rotations compose, so <R(p) q, R(p') k> depends on p' - p only: attention
  sees relative positions. Which features form pair i is a convention:
  interleaved (GPT-J, the original RoFormer, GGUF/llama.cpp): (x_2i, x_2i+1);
  half-split (GPT-NeoX, Llama and Hugging Face checkpoints): (x_i, x_i+r/2).
"""
from __future__ import annotations

from typing import Any

from ... import _dtype as D
from ..._tensor import Tensor
from ...ops.creation import arange, empty
from ...ops.joining import cat, stack
from ...ops.rotary import fusable, rotary_embedding
from .. import init
from ..module import Module
from ..parameter import Parameter
from .dropout import Dropout

__all__ = ["SinusoidalPositionalEncoding", "LearnedPositionalEmbedding", "RotaryEmbedding", "apply_rotary_pos_emb",
           "sinusoidal_encoding"]


def _frequencies(dim: int, base: float, device: Any = None) -> Tensor:
    """w_i = base^(-2i / dim) for 2i < dim (float32, as the published implementations compute them)."""
    return base ** (arange(0, dim, 2, dtype=D.float32, device=device) / -dim)


def sinusoidal_encoding(num_positions: int, dim: int, base: float = 10000.0, dtype: D.dtype | None = None,
                        device: Any = None) -> Tensor:
    """The (num_positions, dim) table PE[p, 2i] = sin(p w_i), PE[p, 2i + 1] = cos(p w_i), w_i = base^(-2i/dim)."""
    angles = arange(num_positions, dtype=D.float32, device=device).unsqueeze(1) * _frequencies(dim, base, device)
    table = stack([angles.sin(), angles.cos()], -1).flatten(-2)[:, :dim]  # odd dim: no last cos
    return table.to(dtype or D.get_default_dtype())


class _AdditivePositional(Module):
    """Adds table[offset : offset + L] to a sequence (L, N, E), (N, L, E) with batch_first, or (L, E)."""

    max_len: int
    batch_first: bool

    def _table(self) -> Tensor:
        raise NotImplementedError

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        """x plus the encodings of positions offset, offset + 1, ... (offset: tokens already seen, as when
        decoding with a KV cache), then dropout."""
        seq_dim = 1 if self.batch_first and x.ndim == 3 else 0
        n = x.shape[seq_dim]
        if offset < 0 or offset + n > self.max_len:
            raise IndexError(f"{type(self).__name__}: positions {offset}..{offset + n - 1} are out of range for "
                             f"max_len={self.max_len}")
        pe = self._table()[offset:offset + n]
        if x.ndim == 3 and seq_dim == 0:
            pe = pe.unsqueeze(1)
        return self.dropout(x + pe)


class SinusoidalPositionalEncoding(_AdditivePositional):
    """x + PE[positions] with the fixed sinusoidal table (a non-persistent buffer), then dropout."""

    def __init__(self, d_model: int, max_len: int = 5000, dropout: float = 0.0, batch_first: bool = False,
                 base: float = 10000.0, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.d_model, self.max_len, self.batch_first, self.base = d_model, max_len, batch_first, base
        self.dropout = Dropout(dropout)
        self.register_buffer("pe", sinusoidal_encoding(max_len, d_model, base, dtype, device), persistent=False)

    def _table(self) -> Tensor:
        return self.pe

    def extra_repr(self) -> str:
        return f"{self.d_model}, max_len={self.max_len}, batch_first={self.batch_first}, base={self.base}"


class LearnedPositionalEmbedding(_AdditivePositional):
    """x + weight[positions] with a learned (max_len, d_model) table initialised N(0, init_std^2) (GPT-2's
    0.02 by default), then dropout."""

    def __init__(self, max_len: int, d_model: int, dropout: float = 0.0, batch_first: bool = False,
                 init_std: float = 0.02, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.max_len, self.d_model, self.batch_first, self.init_std = max_len, d_model, batch_first, init_std
        self.dropout = Dropout(dropout)
        self.weight = Parameter(empty((max_len, d_model), device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight, 0.0, self.init_std)

    def _table(self) -> Tensor:
        return self.weight

    def extra_repr(self) -> str:
        return f"{self.max_len}, {self.d_model}, batch_first={self.batch_first}"


class RotaryEmbedding(Module):
    """The angles of rotary position embeddings for a rotary dim `dim` (even; often the head dim).

    ``cos, sin = rope(positions)`` for integer positions of any shape (or an int n: positions 0..n-1)
    gives tensors of shape positions.shape + (dim / 2,): one angle per feature pair, the same for both
    conventions. ``rope.rotate(x, positions)`` applies them to x (..., L, head_dim) in this module's
    convention (`interleaved`); see apply_rotary_pos_emb.
    """

    def __init__(self, dim: int, base: float = 10000.0, interleaved: bool = False, device: Any = None) -> None:
        super().__init__()
        if dim <= 0 or dim % 2:
            raise ValueError(f"RotaryEmbedding: dim must be a positive even number, got {dim}")
        self.dim, self.base, self.interleaved = dim, base, interleaved
        self.register_buffer("inv_freq", _frequencies(dim, base, device), persistent=False)

    def forward(self, positions: Tensor | int) -> tuple[Tensor, Tensor]:
        if isinstance(positions, int):
            positions = arange(positions, device=self.inv_freq.device)
        angles = positions.unsqueeze(-1).to(self.inv_freq.dtype) * self.inv_freq
        return angles.cos(), angles.sin()

    def rotate(self, x: Tensor, positions: Tensor | int) -> Tensor:
        cos, sin = self(positions)
        return apply_rotary_pos_emb(x, cos, sin, self.interleaved)

    def extra_repr(self) -> str:
        return f"{self.dim}, base={self.base}, interleaved={self.interleaved}"


def apply_rotary_pos_emb(x: Tensor, cos: Tensor, sin: Tensor, interleaved: bool = False) -> Tensor:
    """Rotate the first r = 2 * cos.shape[-1] features of x (..., L, D) pairwise; the rest pass through
    (partial rotary, as GPT-J and GPT-NeoX). cos and sin (..., L, r / 2) broadcast against x's leading dims
    (e.g. (L, r / 2) for every batch and head). Pair i is (x_2i, x_2i+1) when interleaved, else
    (x_i, x_i+r/2):  (a, b) -> (a cos_i - b sin_i, b cos_i + a sin_i)."""
    if tuple(cos.shape) != tuple(sin.shape):
        raise RuntimeError(f"apply_rotary_pos_emb(): cos {list(cos.shape)} and sin {list(sin.shape)} must have "
                           "the same shape")
    half = cos.shape[-1]
    r = 2 * half
    if r > x.shape[-1]:
        raise RuntimeError(f"apply_rotary_pos_emb(): cos/sin of {half} angles rotate {r} features, but x has only "
                           f"{x.shape[-1]} (shape {list(x.shape)})")
    cos, sin = cos.to(x.dtype), sin.to(x.dtype)
    if fusable(x, cos, sin):
        return rotary_embedding(x, cos, sin, interleaved)
    rotary = x[..., :r]
    if interleaved:
        pairs = rotary.unflatten(-1, (half, 2))
        a, b = pairs[..., 0], pairs[..., 1]
        out = stack([a * cos - b * sin, b * cos + a * sin], -1).flatten(-2)
    else:
        a, b = rotary[..., :half], rotary[..., half:]
        out = cat([a * cos - b * sin, b * cos + a * sin], -1)
    return out if r == x.shape[-1] else cat([out, x[..., r:]], -1)
