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
from .gather_scatter import Gather, Scatter, _index_range

__all__: list[str] = []
METHODS: dict = {}


def _shifted_exp(be, xd, c: int):
    """(z, e, s): z = x - max_c x, e = e^z, s = sum_c e^z. Shifting by the max keeps e^z <= 1, so logits
    of +-1e4 never overflow; then log_softmax(x) = z - log s and softmax(x) = e / s."""
    z = be.sub(xd, be.amax(xd, (c,), True))
    e = be.exp(z)
    return z, e, be.sum(e, (c,), True)


def _class_weights(weight: Tensor | None, ndim: int, c: int) -> Tensor | float:
    """The class weights shaped to broadcast along dim c of an ndim-dim tensor (1 without weights)."""
    if weight is None:
        return 1.0
    return weight.reshape(tuple(-1 if i == c else 1 for i in range(ndim)))


def _class_index(target: Tensor, ignore_index: int, num_classes: int):
    """(safe, valid) backend arrays: valid marks the targets that are not `ignore_index`; safe is the target
    (int64) with the ignored ones replaced by class 0, so it can index. IndexError naming the first target
    outside [0, num_classes) that is not ignored."""
    be = target._backend
    td = target._data if target.dtype is D.int64 else be.cast(target._data, D.int64)
    valid = be.ne(td, ignore_index)
    safe = be.where(valid, td, 0)
    if target.numel():
        lo, hi = _index_range(target._wrap(safe))
        if lo < 0 or hi >= num_classes:
            t = target._wrap(safe)
            raise IndexError(f"Target {t[(t < 0) | (t >= num_classes)][0].item()} is out of bounds.")
    return safe, valid


class CrossEntropy(Function):
    """Cross-entropy of class indices t (N, d1, ...) under logits x, reduced ("none", "sum", "mean").
    With class weights w, label smoothing e, C classes and lp = log_softmax(x) along c:

        loss_i = -(1 - e) w_{t_i} lp_{i t_i} - (e / C) sum_c w_c lp_ic     (0 where t_i is ignored)
        "mean" divides the sum by the total weight of the counted targets, W = sum_i w_{t_i}
    Derivative, with p = softmax(x) and Q_i = (1 - e) w_{t_i} + (e / C) sum_c w_c (the row's total weight):

        dloss_i/dx_ic = p_ic Q_i - (1 - e) w_{t_i} [c = t_i] - (e / C) w_c     (p - onehot(t) in the plain case)

    With ``log_softmax=False`` the input already is lp (log-probabilities): that is the negative
    log-likelihood loss (no smoothing), whose derivative is just -w_{t_i} [c = t_i].
    The forward runs on backend arrays (it is the hot path of classification training); the backward is
    in tensor ops, so that it is itself differentiable. It keeps e^z and sum_c e^z from the forward, so p
    costs one multiply instead of an exp, and the logits x, from which create_graph recomputes p.
    """

    _grad_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, smoothing, reduction, log_softmax):
        be, dt = x._backend, x.dtype
        c = 1 if x.ndim > 1 else 0
        n_classes, shape = x.shape[c], tuple(target.shape)
        safe, valid = _class_index(target, ignore_index, n_classes)
        index = be.view(safe, shape[:c] + (1,) + shape[c:])
        if log_softmax:
            z, e, s = _shifted_exp(be, x._data, c)
            log_s = be.log(s)
            lp_t = be.sub(be.gather(z, c, index), log_s)  # the target's log-probability, read directly
        else:
            lp_t = be.gather(x._data, c, index)
        w_t = be.where(valid, be.index(weight._data, (safe,)), 0) if weight is not None else be.cast(valid, dt)
        loss = be.neg(be.mul(be.view(lp_t, shape), w_t))
        total = w_t  # Q_i, the row's total weight
        if smoothing > 0:
            # sum_c w_c lp_ic = sum_c w_c z_ic - log s_i sum_c w_c
            w_b = _class_weights(weight, x.ndim, c)
            w_sum = be.sum(weight._data, None, False) if weight is not None else n_classes
            w_z = be.mul(z, w_b._data) if weight is not None else z
            lp_sum = be.sub(be.sum(w_z, (c,), False), be.mul(be.view(log_s, shape), w_sum))
            spread = be.mul(be.where(valid, lp_sum, 0), -smoothing / n_classes)
            loss = be.add(be.mul(loss, 1 - smoothing), spread)
            spread_weight = be.mul(w_sum, smoothing / n_classes) if weight is not None else smoothing
            total = be.add(be.mul(w_t, 1 - smoothing), be.mul(be.cast(valid, dt), spread_weight))
            # a backend may compute a low-precision array times a Python float in a wider type
            loss, total = be.cast(loss, dt), be.cast(total, dt)
        count = be.sum(w_t, None, False)
        ctx.meta = (c, n_classes, smoothing, reduction, x.shape)
        wrap = x._wrap
        softmax = (x, wrap(e), wrap(s)) if log_softmax else (None, None, None)
        ctx.save_for_backward(*softmax, wrap(index), wrap(valid), wrap(w_t), wrap(total), weight, wrap(count))
        if reduction == "none":
            return wrap(loss)
        total_loss = be.sum(loss, None, False)
        return wrap(total_loss if reduction == "sum" else be.div(total_loss, count))

    @staticmethod
    def backward(ctx, g):
        c, n_classes, smoothing, reduction, x_shape = ctx.meta
        x, e, s, index, valid, w_t, total, weight, count = ctx.saved_tensors
        scale = g / count if reduction == "mean" else g  # per sample: 0-d, or the target's shape for "none"
        if e is None:  # NLL: no softmax term
            base = w_t.new_zeros(x_shape)
        elif is_grad_enabled():  # create_graph: compute p from x so that the gradient depends on x
            base = (x - x.logsumexp(c, keepdim=True)).exp() * (total * scale).unsqueeze(c)
        else:
            base = e * ((total * scale).unsqueeze(c) / s)
        gx = Scatter.apply(base, c, index, (w_t * scale * (smoothing - 1)).unsqueeze(c), "add")
        if smoothing > 0:
            gx = gx - _class_weights(weight, gx.ndim, c) * (valid * scale).unsqueeze(c) * (smoothing / n_classes)
        return gx, None, None, None, None, None, None


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
        be = x._backend
        c = 1 if x.ndim > 1 else 0
        dt = D.promote_types(x.dtype, y.dtype) if weight is None else D.result_type(x, y, weight)
        z, _, s = _shifted_exp(be, be.cast(x._data, dt), c)
        lp = x._wrap(be.sub(z, be.log(s)))
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
        if is_grad_enabled():  # create_graph: compute lp from x so that the gradient depends on x
            lp = x - x.logsumexp(c, keepdim=True)
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
