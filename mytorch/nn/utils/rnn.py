"""Batching variable-length sequences: `pad_sequence`."""
from __future__ import annotations

from typing import Iterable

from ..._tensor import Tensor
from ...ops.joining import pad, stack

__all__ = ["pad_sequence"]


def pad_sequence(sequences: Iterable[Tensor] | Tensor, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes (L_i, *) into one (L, B, *) tensor, or (B, L, *) with batch_first, where
    L = max L_i; each is padded with padding_value after its end (``padding_side="right"``) or before
    its start ("left"). The result has the first sequence's dtype; gradients flow to each sequence."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.size(0) for s in sequences)
    dtype = sequences[0].dtype
    padded = []
    for s in sequences:
        extra = longest - s.shape[0]
        if s.dtype is not dtype:
            s = s.to(dtype)
        if extra:
            # pad lists (before, after) amounts from the last dim backwards: only dim 0 grows
            s = pad(s, (0, 0) * (s.ndim - 1) + ((extra, 0) if padding_side == "left" else (0, extra)),
                    value=padding_value)
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)
