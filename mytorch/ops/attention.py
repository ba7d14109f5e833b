"""Scaled dot-product attention: one fused op running the backend's `scaled_dot_product_attention`.

For queries Q (*, Hq, L, E), keys K (*, Hkv, S, E), values V (*, Hkv, S, Ev), a mask M, a causal flag
and a dropout keep-mask D (0 or 1 / (1 - p)):

    S = Q K^T * scale + M,   P = softmax(S) along the keys,   A = P * D,   O = A V

A (the attention weights) is the op's second output. The formulas, the derivatives and the handling
of fully masked rows are those of `Backend.scaled_dot_product_attention` and its backward, which
this runs. Batch dims (*) broadcast; with ``enable_gqa`` a key/value head serves Hq / Hkv query heads.
"""
from __future__ import annotations

import math

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _GradState
from ._tensor_backend import fused
from ._util import broadcast_shapes
from .creation import ones
from .dropout import dropout


class ScaledDotProductAttention(Function):
    """(O, A) = attention(Q, K, V; M, D, scale, is_causal) on (B, H, L, E) inputs; A is None unless
    need_weights. The math: `Backend.scaled_dot_product_attention` and its backward."""

    _grad_name = "ScaledDotProductAttentionBackward0"

    @staticmethod
    def forward(ctx, q, k, v, mask, keep, scale, is_causal, safe, need_weights):
        flags = (scale, is_causal, safe)
        out, lse, probs = fused("scaled_dot_product_attention", q, k, v, mask, keep, *flags, need_weights)
        ctx.flags = flags
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(q, k, v, mask, keep, out, lse, probs)
        if not need_weights:
            return out, None
        return out, probs if keep is None else probs * keep

    @staticmethod
    def backward(ctx, g, g_weights):
        q, k, v, mask, keep, out, lse, probs = ctx.saved_tensors
        flags = ctx.flags
        if _GradState.enabled:  # create_graph: P depends on Q, K and M, so rebuild it from them
            _, lse, probs = fused("scaled_dot_product_attention", q, k, v, mask, keep, *flags, True)
        dq, dk, dv, dm = fused("scaled_dot_product_attention_backward", g, g_weights, q, k, v, out, lse, probs,
                               mask, keep, *flags, tuple(ctx.needs_input_grad[:4]))
        return dq, dk, dv, dm, None, None, None, None, None


def _at_least_4d(t: Tensor) -> Tensor:
    return t.reshape((1,) * (4 - t.ndim) + tuple(t.shape)) if t.ndim < 4 else t


def _flat_batch(t: Tensor, batch: tuple[int, ...]) -> Tensor:
    """t (*, H, X, Y) broadcast to batch + (H, X, Y) and viewed as (B, H, X, Y) (a copy only when more than
    one batch dim must be merged)."""
    if tuple(t.shape[:-3]) != batch:
        t = t.expand(batch + tuple(t.shape[-3:]))
    return t.reshape((math.prod(batch),) + tuple(t.shape[-3:])) if len(batch) != 1 else t


def attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None, dropout_p: float, scale: float,
              is_causal: bool, safe: bool, need_weights: bool, gqa: bool = False
              ) -> tuple[Tensor, Tensor | None]:
    """(output (*, L, Ev), weights (*, L, S) or None) of the fused op for q (*, L, E), k (*, S, E),
    v (*, S, Ev) with broadcasting batch dims; inputs are assumed validated (see nn.functional.attention).
    gqa: dim -3 of k and v holds Hkv heads (the same number) dividing q's Hq. A float mask of another
    dtype (a float32 mask with half-precision inputs) is cast to the inputs'."""
    ndim = max(q.ndim, k.ndim, v.ndim)
    q, k, v = _at_least_4d(q), _at_least_4d(k), _at_least_4d(v)
    batch = broadcast_shapes(q.shape[:-3], k.shape[:-3], v.shape[:-3])
    if not gqa:  # the heads broadcast like the batch dims
        heads = broadcast_shapes(q.shape[-3:-2], k.shape[-3:-2], v.shape[-3:-2])
        q, k, v = (t.expand(tuple(t.shape[:-3]) + heads + tuple(t.shape[-2:])) for t in (q, k, v))
    shape = batch + (q.shape[-3], q.shape[-2], k.shape[-2])  # of the scores
    q, k, v = _flat_batch(q, batch), _flat_batch(k, batch), _flat_batch(v, batch)
    if mask is not None:
        if mask.dtype.is_floating_point and mask.dtype is not q.dtype:
            mask = mask.to(q.dtype)
        if mask.ndim > 4 or len(batch) > 1:
            mask = _flat_batch(_at_least_4d(mask), batch)
    keep = None
    if dropout_p > 0:
        keep = dropout(ones(q.shape[:2] + (q.shape[2], k.shape[2]), dtype=q.dtype, device=q.device), dropout_p, True)
    out, weights = ScaledDotProductAttention.apply(q, k, v, mask, keep, scale, is_causal, safe, need_weights)
    out_shape = (batch + tuple(out.shape[1:]))[-ndim:]
    if tuple(out.shape) != out_shape:
        out = out.reshape(out_shape)
    return out, None if weights is None else weights.reshape(shape[-ndim:])


# what the API reference lists (the ops package re-exports none)
__all__ = ["ScaledDotProductAttention", "attention"]
METHODS: dict = {}
