"""Functional attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``.

Both run the fused op of mytorch.ops.attention (causal masking and grouped-query heads included).
Mask conventions follow PyTorch's, which differ between the two:
- scaled_dot_product_attention: a bool mask is True where a query MAY attend;
- multi_head_attention_forward (and nn.MultiheadAttention, nn.Transformer*):
  a bool mask is True where attention is NOT allowed.
A float mask is added to the scores in both. A query whose keys are all masked
gets a zero output from scaled_dot_product_attention; multi-head attention with
need_weights=True returns NaN for it (its weights come from a plain softmax),
as PyTorch does.
"""
from __future__ import annotations

import math
import warnings

from ... import _dtype as D
from ..._tensor import Tensor
from ...ops._opmath import opmath
from ...ops._util import broadcast_shapes
from ...ops.attention import attention
from ...ops.creation import zeros, zeros_like
from ...ops.joining import cat, pad
from ...ops.linear import linear
from ...ops._autocast import LOWER_PRECISION_FP, autocast_policy

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _check_sdpa(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None, dropout_p: float) -> None:
    for t, name in ((query, "query"), (key, "key"), (value, "value")):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(f"scaled_dot_product_attention(): Expected query, key, and value to all be at least 2 "
                           f"dimensional, but got query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: "
                           f"{value.ndim} instead.")
    if not (query.dtype is key.dtype is value.dtype) or not query.dtype.is_floating_point:
        raise RuntimeError(f"scaled_dot_product_attention(): Expected query, key, and value to have the same "
                           f"floating point dtype, but got query.dtype: {query.dtype} key.dtype: {key.dtype} and "
                           f"value.dtype: {value.dtype} instead.")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention(): expected query (*, L, E), key (*, S, E) and value "
                           f"(*, S, Ev), but got query {list(query.shape)}, key {list(key.shape)} and value "
                           f"{list(value.shape)}")
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if attn_mask is not None:
        if attn_mask.dtype not in (D.bool_, D.float32, query.dtype):
            raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                               f"attn_mask.dtype: {attn_mask.dtype} and query.dtype: {query.dtype} instead.")


def _check_gqa(query: Tensor, key: Tensor, value: Tensor) -> None:
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hq % hk or hq % hv:
        raise RuntimeError(f"scaled_dot_product_attention(): with enable_gqa=True the number of heads in key "
                           f"({hk}) and value ({hv}) must divide the number of heads in query ({hq})")


@autocast_policy(LOWER_PRECISION_FP)
@opmath  # PyTorch's CPU kernel for half inputs computes in float32 and rounds the output once
def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query key^T * scale + mask) value, scale = 1 / sqrt(E) by default.

    query (*, L, E), key (*, S, E), value (*, S, Ev) -> (*, L, Ev); batch dims broadcast. attn_mask
    (broadcastable to (*, L, S)) is bool (True = may attend) or float (added to the scores). is_causal
    lets query i attend keys j <= i (aligned at the top left when L != S; combined with attn_mask if
    both are given). dropout_p drops attention weights (always: pass 0 in evaluation). enable_gqa:
    key/value may have fewer heads (dim -3) than query, each serving a group of query heads.
    """
    _check_sdpa(query, key, value, attn_mask, dropout_p)
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    gqa = enable_gqa and query.ndim >= 3 and not query.shape[-3] == key.shape[-3] == value.shape[-3]
    if gqa:
        _check_gqa(query, key, value)
        if key.shape[-3] != value.shape[-3]:  # rare: bring both to the query's heads (a copy)
            hq = query.shape[-3]
            key = key.repeat_interleave(hq // key.shape[-3], -3)
            value = value.repeat_interleave(hq // value.shape[-3], -3)
            gqa = False
    heads = (query.shape[-3],) if gqa else ()
    batch = broadcast_shapes(query.shape[:-2 - len(heads)], key.shape[:-2 - len(heads)],
                             value.shape[:-2 - len(heads)], op="scaled_dot_product_attention") + heads
    if attn_mask is not None:
        broadcast_shapes(attn_mask.shape, batch + (query.shape[-2], key.shape[-2]),
                         op="scaled_dot_product_attention")
    # is_causal with attn_mask: both apply (as PyTorch's CPU kernel; its math path refuses the pair)
    return attention(query, key, value, attn_mask, dropout_p, scale, is_causal, True, False, gqa)[0]


# ---- multi-head attention ------------------------------------------------------------------------------

def _additive_mask(mask: Tensor | None, name: str, dtype: D.dtype, other: Tensor | None = None,
                   other_name: str = "") -> Tensor | None:
    """A bool mask (True = masked) as an additive float mask (-inf where True); float masks pass."""
    if mask is None:
        return None
    if mask.dtype is not D.bool_ and not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {name} are supported")
    if other is not None and other.dtype is not mask.dtype:
        warnings.warn(f"Support for mismatched {name} and {other_name} is deprecated. Use same type for both "
                      "instead.", stacklevel=3)
    if mask.dtype is D.bool_:
        # zeros_like, not zeros(mask.shape): a trace (mytorch.onnx) then sees the mask's batch and length in it
        return zeros_like(mask, dtype=dtype).masked_fill(mask, float("-inf"))
    return mask


def _check_mha_shapes(query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None,
                      attn_mask: Tensor | None, num_heads: int) -> bool:
    """Whether the inputs are batched (3-D) or one sequence (2-D); AssertionError as PyTorch otherwise."""
    if query.ndim not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D "
                             "query tensor")
    batched = query.ndim == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {query.ndim}-D but found "
                             f"{key.ndim}-D and {value.ndim}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or "
                             f"{query.ndim - 1}-D but found {key_padding_mask.ndim}-D tensor instead")
    if attn_mask is not None and attn_mask.ndim not in (2, 3):
        raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                             f"{attn_mask.ndim}-D tensor instead")
    if not batched and attn_mask is not None and attn_mask.ndim == 3:
        expected = (num_heads, query.shape[0], key.shape[0])
        if tuple(attn_mask.shape) != expected:
            raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}")
    return batched


def _project(query: Tensor, key: Tensor, value: Tensor, in_proj_weight: Tensor | None,
             in_proj_bias: Tensor | None, separate: tuple[Tensor | None, ...] | None):
    """q, k, v = query W_q^T + b_q, key W_k^T + b_k, value W_v^T + b_v, with the weights packed in
    in_proj_weight (3E, E) or given separately; self-attention runs one packed product."""
    bq = bk = bv = None
    if in_proj_bias is not None:
        bq, bk, bv = in_proj_bias.chunk(3)
    if separate is not None:
        wq, wk, wv = separate
    else:
        if query is key and key is value:
            return linear(query, in_proj_weight, in_proj_bias).chunk(3, -1)
        wq, wk, wv = in_proj_weight.chunk(3)
    return linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None, bias_v: Tensor | None,
        add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor, out_proj_bias: Tensor | None,
        training: bool = True, key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None, static_v: Tensor | None = None,
        average_attn_weights: bool = True, is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention over sequence-first inputs: query (L, N, E), key (S, N, Ek), value (S, N, Ev)
    (or unbatched (L, E), ...). Per head h: softmax(q_h k_h^T / sqrt(E / H) + mask) v_h, heads concatenated
    and projected by out_proj. Masks (bool True = masked, or additive float): attn_mask (L, S) or
    (N * H, L, S), key_padding_mask (N, S). Returns (output (L, N, E), weights (N, L, S) averaged over
    heads, or (N, H, L, S), or None when need_weights is False)."""
    batched = _check_mha_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    dtype = query.dtype
    key_padding_mask = _additive_mask(key_padding_mask, "key_padding_mask", dtype, attn_mask, "attn_mask")
    causal_only = False
    if is_causal:
        if attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer "
                               "module method `generate_square_subsequent_mask` to create this mask.")
        # the hint lets the mask be built on the fly, but only where the mask alone decides
        causal_only = key_padding_mask is None and not need_weights
    attn_mask = None if causal_only else _additive_mask(attn_mask, "attn_mask", dtype)
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                                 f"{tuple(value.shape[:2])}")
        q, k, v = _project(query, key, value, None, in_proj_bias, (q_proj_weight, k_proj_weight, v_proj_weight))
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
        q, k, v = _project(query, key, value, in_proj_weight, in_proj_bias, None)

    src_len = key.shape[0]
    if attn_mask is not None:
        want = (tgt_len, src_len) if attn_mask.ndim == 2 else (bsz * num_heads, tgt_len, src_len)
        if tuple(attn_mask.shape) != want:
            raise RuntimeError(f"The shape of the {attn_mask.ndim}D attn_mask is {list(attn_mask.shape)}, but "
                               f"should be {want}.")
        attn_mask = attn_mask.unsqueeze(0) if attn_mask.ndim == 2 else attn_mask

    def one_more_key(k: Tensor, v: Tensor, extra_k: Tensor, extra_v: Tensor, dim: int):
        """Append a key/value position (learned biases, or zeros); masks let every query see it."""
        nonlocal attn_mask, key_padding_mask
        attn_mask = None if attn_mask is None else pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else pad(key_padding_mask, (0, 1))
        return cat([k, extra_k], dim), cat([v, extra_v], dim)

    if bias_k is not None or bias_v is not None:
        if bias_k is None or bias_v is None:
            raise AssertionError(f"bias_{'k' if bias_v is None else 'v'} is set but "
                                 f"bias_{'v' if bias_v is None else 'k'} is None")
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key.")
        k, v = one_more_key(k, v, bias_k.expand(1, bsz, embed_dim), bias_v.expand(1, bsz, embed_dim), 0)

    # (seq, N, E) -> (N * H, seq, head_dim): each batch element's heads side by side
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, bsz * num_heads, head_dim, "static_k")
    v = _heads(v, static_v, bsz * num_heads, head_dim, "static_v")
    if add_zero_attn:
        z = zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype, device=k.device)
        k, v = one_more_key(k, v, z, z, 1)
    src_len = k.shape[1]

    # masks as (N, H, L, S) or broadcastable to it
    if attn_mask is not None:
        mask = attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else \
            attn_mask.reshape(bsz, num_heads, tgt_len, src_len)
    else:
        mask = None  # causal_only: the kernel masks the keys after each query itself
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"Expected key_padding_mask of shape {(bsz, src_len)}, but got "
                                 f"{tuple(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len)
        mask = kpm if mask is None else mask + kpm

    shape4 = (bsz, num_heads, -1, head_dim)
    out, weights = attention(q.reshape(shape4), k.reshape(shape4), v.reshape(shape4), mask,
                             dropout_p if training else 0.0, 1.0 / math.sqrt(head_dim), causal_only, not need_weights,
                             need_weights)
    out = linear(out.permute(2, 0, 1, 3).reshape(tgt_len, bsz, embed_dim), out_proj_weight, out_proj_bias)
    if not need_weights:
        return (out if batched else out.squeeze(1)), None
    if average_attn_weights:
        weights = weights.mean(1)
    return (out, weights) if batched else (out.squeeze(1), weights.squeeze(0))


def _heads(x: Tensor, static: Tensor | None, n: int, head_dim: int, name: str) -> Tensor:
    """(S, N, E) -> (N * H, S, head_dim), or the precomputed `static` tensor of that layout."""
    if static is None:
        return x.reshape(x.shape[0], n, head_dim).transpose(0, 1)
    if static.shape[0] != n or static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name} of shape ({n}, *, {head_dim}), but got {tuple(static.shape)}")
    return static
