"""Scaled dot-product attention: one fused op with a hand-written backward.

For queries Q (*, L, E), keys K (*, S, E), values V (*, S, Ev), a mask M and a
dropout keep-mask D (0 or 1 / (1 - p), or all ones):

    S = Q K^T * scale + M          (M additive; a bool mask puts -inf where it is False)
    P = softmax(S) along the keys  (a row whose entries are all -inf gives 0 when `safe`, NaN otherwise)
    A = P * D                      (the attention weights, the op's second output)
    O = A V

With G = dL/dO and W = dL/dA (the weights' own upstream gradient, often none):

    dA = G V^T + W,   dP = dA * D,   dS = P * (dP - sum_keys(dP * P))
    dQ = dS K * scale,   dK = dS^T Q * scale,   dV = A^T G,   dM = dS

Batch dims (*) broadcast between Q, K, V and M; the engine sums each gradient
back to its input's shape.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _GradState
from .binary import where

_NEG_INF = float("-inf")


def _softmax_rows(be, s, safe: bool):
    """softmax of backend array s along its last axis. The row maximum is subtracted first (no overflow);
    a fully masked row (all -inf) has maximum -inf: `safe` maps it to zeros, else it yields NaN as a
    plain softmax does."""
    if s.shape[-1] == 0:
        return be.copy(s)
    axis = (s.ndim - 1,)
    m = be.amax(s, axis, True)
    if safe:
        m = be.where(be.isinf(m), _constant(be, 0.0, s), m)
    e = be.exp(be.sub(s, m))
    z = be.sum(e, axis, True)
    if safe:
        z = be.where(be.eq(z, 0.0), _constant(be, 1.0, s), z)
    return be.div(e, z)


def _constant(be, value: float, like):
    """value as a 0-d array of like's dtype: primitives never promote, but a Python float next to a
    bfloat16 array would (NumPy's bfloat16 turns it into float32)."""
    return be.full((), value, be.dtype_of(like))


def _probs(q: Tensor, k: Tensor, mask: Tensor | None, scale: float, safe: bool) -> Tensor:
    """P = softmax(Q K^T * scale + M) in differentiable tensor ops (the backward's create_graph path)."""
    s = (q * scale) @ k.mT
    if mask is not None:
        s = s + mask if mask.dtype.is_floating_point else where(mask, s, _NEG_INF)
    if s.shape[-1] == 0:
        return s
    m = s.detach().amax(-1, keepdim=True)  # any constant per row gives the same softmax
    if safe:
        m = where(m.isinf(), 0.0, m)
    e = (s - m).exp()
    z = e.sum(-1, keepdim=True)
    return e / (where(z == 0, 1.0, z) if safe else z)


class ScaledDotProductAttention(Function):
    """(O, A) = attention(Q, K, V; M, D, scale); the formulas and derivatives are in the module docstring."""

    _grad_name = "ScaledDotProductAttentionBackward0"

    @staticmethod
    def forward(ctx, q, k, v, mask, dropout, scale, safe):
        be = q._backend
        # the scale goes on Q (L x E), cheaper than on the scores (L x S)
        s = be.matmul(be.mul(q._data, _constant(be, scale, q._data)), be.permute(k._data, _swap_last(k.ndim)))
        if mask is not None:
            s = be.add(s, mask._data) if mask.dtype.is_floating_point else \
                be.where(mask._data, s, _constant(be, _NEG_INF, s))
        p = Tensor._make(_softmax_rows(be, s, safe), be)
        a = p if dropout is None else Tensor._make(be.mul(p._data, dropout._data), be)
        out = Tensor._make(be.matmul(a._data, v._data), be)
        ctx.meta = (scale, safe)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(q, k, v, mask, dropout, p)
        return out, a

    @staticmethod
    def backward(ctx, g, w):
        q, k, v, mask, dropout, p = ctx.saved_tensors
        scale, safe = ctx.meta
        need_q, need_k, need_v, need_m = ctx.needs_input_grad[:4]
        if _GradState.enabled:  # create_graph: P depends on Q, K and M, so rebuild it from them
            p = _probs(q, k, mask, scale, safe)
        a = p if dropout is None else p * dropout
        dv = a.mT @ g if need_v and g is not None else None
        if not (need_q or need_k or need_m):
            return None, None, dv, None, None, None, None
        da = g @ v.mT if g is not None else None  # the engine calls with at least one of g, w
        if w is not None:
            da = w if da is None else da + w
        dp = da if dropout is None else da * dropout
        ds = p * (dp - (dp * p).sum(-1, keepdim=True))
        dq = (ds @ k) * scale if need_q else None
        dk = (ds.mT @ q) * scale if need_k else None
        return dq, dk, dv, ds if need_m else None, None, None, None


def _swap_last(ndim: int) -> tuple[int, ...]:
    return tuple(range(ndim - 2)) + (ndim - 1, ndim - 2)


def attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None, dropout: Tensor | None, scale: float,
              safe: bool) -> tuple[Tensor, Tensor]:
    """(output, weights) of the fused op; inputs are assumed validated (see nn.functional.attention).
    A float mask of another dtype (a float32 mask with half-precision inputs) is cast to the inputs'."""
    if mask is not None and mask.dtype.is_floating_point and mask.dtype is not q.dtype:
        mask = mask.to(q.dtype)
    return ScaledDotProductAttention.apply(q, k, v, mask, dropout, scale, safe)


__all__: list = []
METHODS: dict = {}
