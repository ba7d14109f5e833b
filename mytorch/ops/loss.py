"""Fused loss kernels: cross-entropy over classes (log-softmax + negative log-likelihood in one node) and
binary cross-entropy on probabilities and on logits.

Each is one `Function` whose backward is written by hand -- the short closed form instead of the chain
of log-softmax, gather, mean -- in tensor ops, so that the gradient is itself differentiable.
Argument checking lives in `mytorch.nn.functional.loss`; these kernels assume valid arguments.

Notation for the class losses: x has the classes along dim c (dim 1, or dim 0 for one unbatched
sample); lp = log_softmax(x) along c; a sample i is one position of x outside c.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from .binary import where
from .gather_scatter import Gather
from .statistics import _line

__all__: list[str] = []
METHODS: dict = {}


def _log_softmax(x: Tensor, c: int) -> Tensor:
    """lp = x - m - log sum_c e^{x - m} with m = max_c x: e^. never overflows (logits of +-1e4 are fine)."""
    be = x._backend
    z = be.sub(x._data, be.amax(x._data, (c,), True))
    return x._wrap(be.sub(z, be.log(be.sum(be.exp(z), (c,), True))))


def _class_weights(weight: Tensor | None, ndim: int, c: int) -> Tensor | float:
    """The class weights shaped to broadcast along dim c of an ndim-dim tensor (1 without weights)."""
    if weight is None:
        return 1.0
    return weight.reshape(tuple(-1 if i == c else 1 for i in range(ndim)))


def class_index(target: Tensor, ignore_index: int, num_classes: int) -> tuple[Tensor, Tensor]:
    """(safe, valid): valid marks the targets that are not `ignore_index`; safe is the target with the
    ignored ones replaced by class 0, so it can index. IndexError naming the first target outside
    [0, num_classes) that is not ignored."""
    target = target.long()
    valid = target != ignore_index
    safe = where(valid, target, 0)
    if safe.numel() and ((safe < 0) | (safe >= num_classes)).any().item():
        bad = safe[(safe < 0) | (safe >= num_classes)][0].item()
        raise IndexError(f"Target {bad} is out of bounds.")
    return safe, valid


class CrossEntropy(Function):
    """Cross-entropy of the class distributions q_i against lp_i, reduced ("none", "sum", "mean"):

        loss_i = -sum_c q_ic lp_ic
        class indices t_i (weights w, smoothing e, C classes, 0 where t_i is ignored):
            q_ic = w_c ((1 - e) [c = t_i] + e / C),   "mean" divides by sum_i w_{t_i}
        class probabilities y_i:
            q_ic = w_c ((1 - e) y_ic + e / C),        "mean" divides by the number of samples
    Derivatives, with p = softmax(x) = e^lp and Q_i = sum_c q_ic:
        dloss_i/dx_ic = p_ic Q_i - q_ic        (p - onehot(t) for one unweighted target)
        dloss_i/dy_ic = -(1 - e) w_c lp_ic,    dloss_i/dw_c = -((1 - e) y_ic + e / C) lp_ic  (probabilities)

    With ``log_softmax=False`` the input already is lp (log-probabilities): that is the negative
    log-likelihood loss, whose derivative is -q_ic.
    """

    _grad_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, smoothing, reduction, log_softmax):
        c = 1 if x.ndim > 1 else 0
        n_classes = x.shape[c]
        lp = _log_softmax(x, c) if log_softmax else x
        if target.dtype.is_floating_point:
            loss = -(_soft_distribution(target, weight, smoothing, n_classes, c) * lp).sum(c)
            count = x.numel() // n_classes if n_classes else 0
            ctx.save_for_backward(x if log_softmax else None, lp, target, weight)
        else:
            # the target's own term is read with a gather, not summed over a one-hot: a log-probability
            # of -inf at another class (a masked logit) must not turn the sum into nan
            safe, valid = class_index(target, ignore_index, n_classes)
            w_t = weight[safe] if weight is not None else 1.0
            picked = Gather.apply(lp, c, safe.unsqueeze(c)).squeeze(c)
            loss = where(valid, -picked * w_t, 0.0)
            if smoothing > 0:
                spread = where(valid, -(lp * _class_weights(weight, x.ndim, c)).sum(c), 0.0)
                loss = loss * (1 - smoothing) + spread * (smoothing / n_classes)
            count = where(valid, w_t, 0.0).sum() if weight is not None else valid.sum()
            ctx.save_for_backward(x if log_softmax else None, lp, safe, valid, weight)
        ctx.meta = (c, n_classes, smoothing, reduction, log_softmax, count, target.dtype.is_floating_point)
        if reduction == "none":
            return loss
        return loss.sum() if reduction == "sum" else loss.sum() / count

    @staticmethod
    def backward(ctx, g):
        c, n_classes, smoothing, reduction, log_softmax, count, probs = ctx.meta
        saved = ctx.saved_tensors
        x, lp, weight = saved[0], saved[1], saved[-1]
        scale = g / count if reduction == "mean" else g.unsqueeze(c) if reduction == "none" and g.ndim else g
        if log_softmax and is_grad_enabled():  # create_graph: recompute lp so the gradient depends on x
            lp = x - x.logsumexp(c, keepdim=True)
        if probs:
            q = _soft_distribution(saved[2], weight, smoothing, n_classes, c)
        else:
            q = _hard_distribution(saved[2], saved[3], weight, smoothing, n_classes, c, lp.dtype)
        gx = gy = gw = None
        if ctx.needs_input_grad[0]:
            gx = ((lp.exp() * q.sum(c, keepdim=True) - q) if log_softmax else -q) * scale
        if probs and ctx.needs_input_grad[1]:
            gy = -(1 - smoothing) * _class_weights(weight, lp.ndim, c) * lp * scale
        if probs and ctx.needs_input_grad[2]:
            per_sample = -_soft_distribution(saved[2], None, smoothing, n_classes, c) * lp * scale
            gw = per_sample.sum([d for d in range(lp.ndim) if d != c]) if lp.ndim > 1 else per_sample
        return gx, gy, gw, None, None, None, None


def _soft_distribution(y: Tensor, weight: Tensor | None, smoothing: float, n_classes: int, c: int) -> Tensor:
    """q = w ((1 - e) y + e / C) for class-probability targets."""
    if smoothing > 0:
        y = y * (1 - smoothing) + smoothing / n_classes
    return y * _class_weights(weight, y.ndim, c) if weight is not None else y


def _hard_distribution(safe: Tensor, valid: Tensor, weight: Tensor | None, smoothing: float, n_classes: int,
                       c: int, dt: D.dtype) -> Tensor:
    """q = w ((1 - e) onehot(t) + e / C) for class-index targets, zero for the ignored ones."""
    valid = valid.unsqueeze(c)
    ndim = safe.ndim + 1
    q = ((safe.unsqueeze(c) == Tensor._make(_line(safe._backend, n_classes, c, ndim), safe._backend))
         & valid).to(dt)
    if smoothing > 0:
        q = q * (1 - smoothing) + valid.to(dt) * (smoothing / n_classes)
    return q * _class_weights(weight, ndim, c) if weight is not None else q


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
