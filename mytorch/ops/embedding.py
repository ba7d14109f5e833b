"""Embedding lookup: row i of the output is row ``indices[i]`` of the weight table.

    y[..., :] = W[idx[...], :]
    dL/dW[k, :] = sum of g[..., :] over the positions where idx == k
                  (nothing for padding_idx; divided by k's count in the batch with scale_grad_by_freq)

With sparse=True dL/dW is PyTorch's sparse COO gradient instead: indices (1, n) = the looked-up rows in
input order (padding_idx's left out, repeats kept: uncoalesced), values (n, dim) = the output gradient's
rows, so an optimizer touches only the rows a batch used.

embedding_bag reduces the looked-up rows of each bag b (a row of a 2-D input, or a slice of a 1-D input
between two offsets) without materialising them per position for the caller:

    sum:  y[b] = sum_{j in b} s_j W[idx_j]   (s: per_sample_weights, else 1)     mean: the sum / |b|
    max:  y[b] = max_{j in b} W[idx_j] elementwise
(entries at padding_idx left out; an empty bag gives zeros). The derivative is the lookup's, through the
reduction: each row receives s_j g[b] (g[b] / |b| for mean, g[b] at the arg-max entries for max).
"""
from __future__ import annotations

import warnings

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from .binary import where
from .creation import arange, full, zeros
from .sparse import FromValues


class Embedding(Function):
    """y = W[idx];  dW = index_add of g over idx (rows at padding_idx get none), or with `sparse` the COO
    tensor of g's rows at idx."""

    _grad_name = "EmbeddingBackward0"

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq, sparse=False):
        be = weight._backend
        flat = indices.reshape(-1)
        rows = be.index(weight._data, (flat._data,))
        ctx.meta = (weight.shape[0], padding_idx, scale_grad_by_freq, sparse)
        ctx.save_for_backward(flat)
        return Tensor._make(be.view(rows, tuple(indices.shape) + (weight.shape[1],)), be)

    @staticmethod
    def backward(ctx, g):
        (flat,) = ctx.saved_tensors
        num, padding_idx, scale_grad_by_freq, sparse = ctx.meta
        rows = g.reshape(-1, g.shape[-1])
        if sparse:
            return _sparse_grad(rows, flat, num, padding_idx, scale_grad_by_freq), None, None, None, None
        if padding_idx is not None:
            rows = rows * (flat != padding_idx).to(rows.dtype).unsqueeze(1)
        if scale_grad_by_freq:
            counts = flat.new_zeros(num).index_add(0, flat, flat.new_ones(flat.shape))
            rows = rows / counts[flat].to(rows.dtype).unsqueeze(1)
        return rows.new_zeros((num, rows.shape[1])).index_add(0, flat, rows), None, None, None, None


def _sparse_grad(rows: Tensor, flat: Tensor, num: int, padding_idx: int | None,
                 scale_grad_by_freq: bool) -> Tensor:
    """PyTorch's sparse weight gradient: the rows of g at the looked-up indices, in input order, those at
    padding_idx left out; coalesced only when it lists at most one row (PyTorch's rule)."""
    if scale_grad_by_freq:
        raise RuntimeError("embedding_backward: scale_grad_by_freq not supported with sparse gradients")
    if padding_idx is not None:
        kept = flat != padding_idx
        flat, rows = flat[kept], rows[kept]
    n = flat.shape[0]
    return FromValues.apply(rows, flat.reshape(1, n), (num, rows.shape[1]), n <= 1)


def _renorm_(weight: Tensor, flat: Tensor, max_norm: float, norm_type: float) -> None:
    """Scale the looked-up rows whose p-norm exceeds max_norm down to max_norm, in place (no gradient)."""
    with no_grad():
        rows = flat.unique()
        norms = weight[rows].norm(norm_type, dim=1, keepdim=True)
        scale = where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight[rows] = weight[rows] * scale


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of weight (num_embeddings, dim) at the integer indices in input: output (*input.shape, dim).
    With `sparse` the weight's gradient is sparse COO (see the module docstring)."""
    if input.dtype not in (D.int64, D.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.dtype} instead (while checking arguments for embedding)")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding(): 'weight' must be 2-D (num_embeddings, embedding_dim), got shape "
                           f"{list(weight.shape)}")
    num = weight.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise AssertionError(f"Padding_idx must be within num_embeddings (got {padding_idx} for {num} rows)")
        padding_idx %= num
    if input.numel() and (int(input.min()) < 0 or int(input.max()) >= num):
        raise IndexError(f"index out of range in self: embedding indices must be in [0, {num}), got "
                         f"[{int(input.min())}, {int(input.max())}]")
    if max_norm is not None:
        _renorm_(weight, input.reshape(-1), max_norm, norm_type)
    return Embedding.apply(weight, input, padding_idx, scale_grad_by_freq, sparse)


def _bags(input: Tensor, offsets: Tensor | None, include_last_offset: bool) -> tuple[Tensor, Tensor, Tensor, int]:
    """(flat indices, bag of each entry, position of each entry in its bag, number of bags)."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type Tensor")
        b, n = input.shape
        return input.reshape(-1), arange(b).repeat_interleave(n), arange(n).repeat(b), b
    if input.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    offsets = offsets.to(D.int64)
    starts = offsets[:-1] if include_last_offset else offsets
    count = input.shape[0]
    if starts.numel() and (int(starts[0]) != 0 or int(starts.max()) > count):
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0, and offsets may not exceed the input's length {count}")
    # each entry's bag: how many bag starts lie at or before it, minus one (repeated starts: empty bags)
    marks = zeros(count + 1, dtype=D.int64).index_add(0, starts, starts.new_ones(starts.shape))
    bag = marks.cumsum(0)[:count] - 1
    return input, bag, arange(count) - starts[bag], starts.shape[0]


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sum, mean or max of the embedding rows of each bag (see the module docstring): input (B, N) holds B
    bags of N indices, or input (L,) with offsets (B,) (B + 1 with include_last_offset) holds bag i at
    input[offsets[i]:offsets[i + 1]]. Output (B, embedding_dim)."""
    if weight.dtype is D.int64 and input.dtype.is_floating_point:
        # the argument order before PyTorch 0.4, embedding_bag(weight, input): still accepted, with a warning
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage `embedding_bag(weight, "
                      "input, ...)` is deprecated, and should now be `embedding_bag(input, weight, ...)`.",
                      UserWarning, stacklevel=2)
        input, weight = weight, input
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, but got {mode}")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{mode}'). Please open a feature "
                                      f"request on GitHub.")
        if per_sample_weights.shape != input.shape:
            raise ValueError(f"embedding_bag: If per_sample_weights ({list(per_sample_weights.shape)}) is not None, "
                             f"then it must have the same shape as the input ({list(input.shape)})")
    flat, bag, pos, bags = _bags(input, offsets, include_last_offset)
    rows = embedding(flat, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse)  # (L, D)
    counted = flat != (-1 if padding_idx is None else padding_idx % weight.shape[0])
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1)
    # the bags side by side, padded to the longest: entry j sits at (bag[j], pos[j])
    longest = int(pos.max()) + 1 if pos.numel() else 0
    slot = full((bags, longest), -1, dtype=D.int64)
    slot[bag, pos] = where(counted, arange(flat.shape[0]), -1)
    present = (slot >= 0).unsqueeze(2)
    dense = rows[slot.clamp_min(0)]  # (B, longest, D)
    if mode == "max":
        top = where(present, dense, float("-inf")).amax(1) if longest else rows.new_zeros((bags, weight.shape[1]))
        return where(present.any(1), top, 0.0)
    total = where(present, dense, 0.0).sum(1)
    return total / present.sum(1).clamp_min(1).to(total.dtype) if mode == "mean" else total


__all__ = ["embedding_bag"]
METHODS: dict = {}
