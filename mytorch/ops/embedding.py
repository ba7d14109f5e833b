"""Embedding lookup: row i of the output is row ``indices[i]`` of the weight table.

    y[..., :] = W[idx[...], :]
    dL/dW[k, :] = sum of g[..., :] over the positions where idx == k
                  (nothing for padding_idx; divided by k's count in the batch with scale_grad_by_freq)
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from .binary import where


class Embedding(Function):
    """y = W[idx];  dW = index_add of g over idx (rows at padding_idx get none)."""

    _grad_name = "EmbeddingBackward0"

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        be = weight._backend
        flat = indices.reshape(-1)
        rows = be.index(weight._data, (flat._data,))
        ctx.meta = (weight.shape[0], padding_idx, scale_grad_by_freq)
        ctx.save_for_backward(flat)
        return Tensor._make(be.view(rows, tuple(indices.shape) + (weight.shape[1],)), be)

    @staticmethod
    def backward(ctx, g):
        (flat,) = ctx.saved_tensors
        num, padding_idx, scale_grad_by_freq = ctx.meta
        rows = g.reshape(-1, g.shape[-1])
        if padding_idx is not None:
            rows = rows * (flat != padding_idx).to(rows.dtype).unsqueeze(1)
        if scale_grad_by_freq:
            counts = flat.new_zeros(num).index_add(0, flat, flat.new_ones(flat.shape))
            rows = rows / counts[flat].to(rows.dtype).unsqueeze(1)
        return rows.new_zeros((num, rows.shape[1])).index_add(0, flat, rows), None, None, None


def _renorm_(weight: Tensor, flat: Tensor, max_norm: float, norm_type: float) -> None:
    """Scale the looked-up rows whose p-norm exceeds max_norm down to max_norm, in place (no gradient)."""
    with no_grad():
        rows = flat.unique()
        norms = weight[rows].norm(norm_type, dim=1, keepdim=True)
        scale = where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight[rows] = weight[rows] * scale


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of weight (num_embeddings, dim) at the integer indices in input: output (*input.shape, dim)."""
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
    return Embedding.apply(weight, input, padding_idx, scale_grad_by_freq)


__all__: list[str] = []
METHODS: dict = {}
