"""Fused loss kernels: cross-entropy over classes (log-softmax + negative log-likelihood in one node) and
binary cross-entropy on probabilities and on logits.

Each is one `Function` whose backward is written by hand -- the short closed form instead of the chain
of log-softmax, gather, mean. Cross-entropy over class indices runs the backend's fused primitive
(`Backend.cross_entropy`); the others are written in tensor ops, so that the gradient is itself
differentiable.
Argument checking lives in `mytorch.nn.functional.loss`; these kernels assume valid arguments.

Notation for the class losses: x has the classes along dim c (dim 1, or dim 0 for one unbatched
sample); lp = log_softmax(x) along c; a sample i is one position of x outside c.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _GradState
from ._tensor_backend import fused
from .binary import where

# what the API reference lists (the ops package re-exports none)
__all__ = ["CrossEntropy", "SoftCrossEntropy", "BinaryCrossEntropy", "BinaryCrossEntropyWithLogits"]
METHODS: dict = {}


def _class_weights(weight: Tensor | None, ndim: int, c: int) -> Tensor | float:
    """The class weights shaped to broadcast along dim c of an ndim-dim tensor (1 without weights)."""
    if weight is None:
        return 1.0
    return weight.reshape(tuple(-1 if i == c else 1 for i in range(ndim)))


class CrossEntropy(Function):
    """Cross-entropy of class indices t (N, d1, ...) under logits x (N, C, d1, ...), reduced ("none", "sum",
    "mean"); with ``log_softmax=False`` x already is log-probabilities (the negative log-likelihood loss).
    The per-sample loss and its derivative are those of `Backend.cross_entropy` and
    `Backend.cross_entropy_backward`, which this runs (class weights w, label smoothing e, ignore_index):

        loss_i = -(1 - e) w_{t_i} lp_{i t_i} - (e / C) sum_c w_c lp_ic     (0 where t_i is ignored)
        "mean" divides the sum by the total weight of the counted targets, W = sum_i w_{t_i}.
    The kernel checks the targets (IndexError naming the first out of range) and returns each row's
    maximum and log-sum, from which the backward recomputes the probabilities (or the probabilities
    themselves, where the backend has them at hand).
    """

    _grad_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, smoothing, reduction, log_softmax):
        unbatched = x.ndim == 1
        if unbatched:  # one sample: the kernels want classes on dim 1
            x, target = x.unsqueeze(0), target.unsqueeze(0)
        if target.dtype is not D.int64:
            target = target.to(D.int64)
        loss, w_t, *stats = fused("cross_entropy", x, target, weight, ignore_index, smoothing, log_softmax)
        count = w_t.sum()
        ctx.meta = (ignore_index, smoothing, reduction, log_softmax, unbatched)
        ctx.save_for_backward(x, target, weight, *stats, count)
        if reduction == "none":
            return loss.reshape(()) if unbatched else loss
        total = loss.sum()
        return total if reduction == "sum" else total / count

    @staticmethod
    def backward(ctx, g):
        ignore_index, smoothing, reduction, log_softmax, unbatched = ctx.meta
        x, target, weight, row_max, log_sum, probs, count = ctx.saved_tensors
        if reduction == "mean":
            # every target ignored: the loss is 0 / 0, but no sample takes a gradient (0, as in PyTorch)
            g = g / where((target != ignore_index).any(), count, 1)
        elif reduction == "none":
            g = g.reshape(target.shape)
        if _GradState.enabled and log_softmax:  # create_graph: p depends on x, so its normalizer must too
            row_max, log_sum, probs = fused("cross_entropy", x, target, weight, ignore_index, smoothing,
                                            log_softmax)[2:]
        dx = fused("cross_entropy_backward", g, x, target, weight, row_max, log_sum, probs, ignore_index, smoothing,
                   log_softmax)
        return dx.reshape(dx.shape[1:]) if unbatched else dx, None, None, None, None, None, None


class SoftCrossEntropy(Function):
    """Cross-entropy of class probabilities y (the input's shape) under logits x, reduced:

        loss_i = -sum_c q_ic lp_ic,   q_ic = w_c ((1 - e) y_ic + e / C),   lp = log_softmax(x) along c
        "mean" divides the sum by the number of samples (elements of x / C)
    Derivatives, with p = softmax(x) and Q_i = sum_c q_ic:

        dloss_i/dx_ic = p_ic Q_i - q_ic,   dloss_i/dy_ic = -(1 - e) w_c lp_ic,   dloss_i/dw_c = -q_ic lp_ic / w_c
    """

    _grad_name = "SoftCrossEntropyBackward0"

    @staticmethod
    def forward(ctx, x, y, weight, smoothing, reduction):
        c = 1 if x.ndim > 1 else 0
        dt = D.promote_types(x.dtype, y.dtype) if weight is None else D.result_type(x, y, weight)
        lp = fused("log_softmax", x.to(dt), c)
        loss = -(_soft_distribution(y, weight, smoothing, c) * lp).sum(c)
        n_classes = x.shape[c]
        count = x.numel() // n_classes if n_classes else 0
        ctx.meta = (c, smoothing, reduction, count)
        ctx.save_for_backward(x, y, weight, lp)
        if reduction == "none":
            return loss
        return loss.sum() if reduction == "sum" else loss.sum() / lp.new_full((), count)

    @staticmethod
    def backward(ctx, g):
        c, smoothing, reduction, count = ctx.meta
        x, y, weight, lp = ctx.saved_tensors
        scale = g / count if reduction == "mean" else g.unsqueeze(c) if reduction == "none" and g.ndim else g
        if _GradState.enabled:  # create_graph: compute lp from x so that the gradient depends on x
            lp = fused("log_softmax", x.to(lp.dtype), c)
        q = _soft_distribution(y, weight, smoothing, c)
        gx = (lp.exp() * q.sum(c, keepdim=True) - q) * scale if ctx.needs_input_grad[0] else None
        gy = -(1 - smoothing) * _class_weights(weight, lp.ndim, c) * lp * scale if ctx.needs_input_grad[1] else None
        gw = None
        if ctx.needs_input_grad[2]:
            per_sample = -_soft_distribution(y, None, smoothing, c) * lp * scale
            gw = per_sample.sum([d for d in range(lp.ndim) if d != c]) if lp.ndim > 1 else per_sample
        return gx, gy, gw, None, None


def _soft_distribution(y: Tensor, weight: Tensor | None, smoothing: float, c: int) -> Tensor:
    """q = w ((1 - e) y + e / C) for class-probability targets."""
    if smoothing > 0:
        y = y * (1 - smoothing) + smoothing / y.shape[c]
    return y * _class_weights(weight, y.ndim, c) if weight is not None else y


class BinaryCrossEntropy(Function):
    """l = -(y log x + (1 - y) log(1 - x)), each log clamped at -100 (x = 0 or 1 costs 100, not inf);
    dl/dx = (x - y) / max(x (1 - x), 1e-12),   dl/dy = log(1 - x) - log x."""

    _grad_name = "BinaryCrossEntropyBackward0"

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return -(y * x.log().clamp_min(-100) + (1 - y) * (-x).log1p().clamp_min(-100))

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = g * (x - y) / (x * (1 - x)).clamp_min(1e-12) if ctx.needs_input_grad[0] else None
        gy = g * ((-x).log1p() - x.log()) if ctx.needs_input_grad[1] else None
        return gx, gy


def _softplus_neg(x: Tensor) -> Tensor:
    """log(1 + e^-x) = log(1 + e^-|x|) + max(-x, 0): no overflow for either sign."""
    return (-x.abs()).exp().log1p() + (-x).clamp_min(0)


class BinaryCrossEntropyWithLogits(Function):
    """l = (1 - y) x + (1 + (pw - 1) y) log(1 + e^-x)   (= -pw y log s(x) - (1 - y) log(1 - s(x)), s = sigmoid)
    dl/dx = (1 - y) - (1 + (pw - 1) y) s(-x),   dl/dy = -x + (pw - 1) log(1 + e^-x);   pw = 1 without pos_weight."""

    _grad_name = "BinaryCrossEntropyWithLogitsBackward0"

    @staticmethod
    def forward(ctx, x, y, pos_weight):
        ctx.save_for_backward(x, y, pos_weight)
        return (1 - y) * x + _log_weight(y, pos_weight) * _softplus_neg(x)

    @staticmethod
    def backward(ctx, g):
        x, y, pw = ctx.saved_tensors
        gx = g * ((1 - y) - _log_weight(y, pw) * (-x).sigmoid()) if ctx.needs_input_grad[0] else None
        gy = None
        if ctx.needs_input_grad[1]:
            gy = g * (-x + (pw - 1) * _softplus_neg(x)) if pw is not None else g * -x
        return gx, gy, None


def _log_weight(y: Tensor, pos_weight: Tensor | None) -> Tensor | float:
    """1 + (pw - 1) y: the weight of the log-sigmoid term."""
    return 1 + (pos_weight - 1) * y if pos_weight is not None else 1.0
