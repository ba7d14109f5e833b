"""KVCache: the keys and values an attention layer has already computed, kept for the next tokens.

Decoding token t with a plain forward pass recomputes the keys and values of tokens 0..t-1 at every
step: O(t) work per layer for a result that never changes (a causal model's past does not depend on
its future). The cache stores them once; a step then feeds only the new token, appends its key and
value, and attends over the whole stored sequence.

Storage: per layer one (B, H_kv, capacity, D) buffer for keys and one for values, filled left to
right; when full, the capacity doubles (a copy, amortised O(1) per token), so appending is a slice
write rather than a concatenation of the whole past at every step.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops.creation import empty

__all__ = ["KVCache"]


class KVCache:
    """Per-layer keys and values (B, H_kv, S, D) of the S tokens seen so far.

    An attention layer calls ``keys, values = cache.update(layer_idx, k, v)`` with the new tokens'
    (B, H_kv, T, D) keys and values and attends over the returned (B, H_kv, S + T, D) views.
    """

    def __init__(self) -> None:
        self._keys: list[Tensor] = []
        self._values: list[Tensor] = []
        self._lengths: list[int] = []

    def get_seq_length(self, layer_idx: int = 0) -> int:
        """Number of cached tokens (of layer `layer_idx`; every layer has the same after a full step)."""
        return self._lengths[layer_idx] if layer_idx < len(self._lengths) else 0

    def __len__(self) -> int:
        return len(self._lengths)

    def update(self, layer_idx: int, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
        if layer_idx > len(self._lengths):
            raise IndexError(f"KVCache.update: layer {layer_idx} before layer {len(self._lengths)} was cached")
        if layer_idx == len(self._lengths):
            self._keys.append(_grow(None, key, key.shape[-2]))
            self._values.append(_grow(None, value, value.shape[-2]))
            self._lengths.append(0)
        start = self._lengths[layer_idx]
        stop = start + key.shape[-2]
        if stop > self._keys[layer_idx].shape[-2]:
            self._keys[layer_idx] = _grow(self._keys[layer_idx][..., :start, :], key, 2 * stop)
            self._values[layer_idx] = _grow(self._values[layer_idx][..., :start, :], value, 2 * stop)
        keys, values = self._keys[layer_idx], self._values[layer_idx]
        with no_grad():
            keys[..., start:stop, :] = key
            values[..., start:stop, :] = value
        self._lengths[layer_idx] = stop
        return keys[..., :stop, :], values[..., :stop, :]

    def reorder(self, index: Tensor) -> None:
        """Keep batch rows `index` (int64, with repeats): beam search continues some beams twice."""
        self._keys = [k.index_select(0, index) for k in self._keys]
        self._values = [v.index_select(0, index) for v in self._values]


def _grow(old: Tensor | None, like: Tensor, capacity: int) -> Tensor:
    """A buffer shaped like `like` along every dim but the sequence one (-2), holding `capacity`
    positions, starting with a copy of `old`."""
    shape = list(like.shape)
    shape[-2] = capacity
    buf = empty(shape, dtype=like.dtype, device=like.device)
    if old is not None:
        with no_grad():
            buf[..., :old.shape[-2], :] = old
    return buf
