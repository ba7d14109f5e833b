"""The default bodies of the optional fused primitives, composed from the required ones.

`base.Backend` states each fused primitive's math and delegates here; a backend
without its own kernel runs these. They use only primitives of the contract
(``be.exp``, ``be.sum``, ``be.matmul``, ...) and never write in place, so they
also run on `mytorch.ops._tensor_backend.TensorBackend`, whose "arrays" are
Tensors: there the same code builds an autograd graph, and it is the
differentiable form of every fused backward (``create_graph=True``).
"""
from __future__ import annotations

import math
from typing import Any

from .. import _dtype as D

Array = Any

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715


def _c(be, value: float, like: Array) -> Array:
    """value as a 0-d array of like's dtype: primitives never promote, but a Python float next to a
    bfloat16 NumPy array would (ml_dtypes turns it into float32)."""
    return be.full((), value, be.dtype_of(like))


def _reshape(be, a: Array, shape: tuple[int, ...]) -> Array:
    """a viewed with a new shape, through a contiguous copy when its strides don't allow a view."""
    v = be.view(a, shape)
    return v if v is not None else be.view(be.copy(a), shape)


def _mean(be, a: Array, axes: tuple[int, ...]) -> Array:
    n = math.prod(a.shape[i] for i in axes)
    return be.div(be.sum(a, axes, True), _c(be, float(n), a))


def _trailing(ndim: int, k: int) -> tuple[int, ...]:
    return tuple(range(ndim - k, ndim))


# ---- matmul_add -----------------------------------------------------------------------------------------

def matmul_add(be, a: Array, b: Array, c: Array) -> Array:
    return be.add(be.matmul(a, b), c)


# ---- softmax ------------------------------------------------------------------------------------------

def shifted_exp(be, x: Array, axis: int) -> tuple[Array, Array, Array, Array]:
    """(m, z, e, s): m = max x, z = x - m, e = e^z, s = sum e^z along axis (m and s kept as size-1 dims).
    Subtracting the maximum keeps e^z <= 1, so logits of any size never overflow; then
    softmax = e / s and log_softmax = z - log s. Every softmax in the composites goes through here."""
    m = be.amax(x, (axis,), True)
    z = be.sub(x, m)
    e = be.exp(z)
    return m, z, e, be.sum(e, (axis,), True)


def softmax(be, x: Array, axis: int) -> Array:
    if x.shape[axis] == 0:  # nothing to normalize, and the max over an empty axis is undefined
        return be.copy(x)
    _, _, e, s = shifted_exp(be, x, axis)
    return be.div(e, s)


def log_softmax(be, x: Array, axis: int) -> Array:
    if x.shape[axis] == 0:
        return be.copy(x)
    _, z, _, s = shifted_exp(be, x, axis)
    return be.sub(z, be.log(s))


def softmax_backward(be, y: Array, g: Array, axis: int) -> Array:
    gy = be.mul(g, y)
    return be.sub(gy, be.mul(y, be.sum(gy, (axis,), True)))


def log_softmax_backward(be, y: Array, g: Array, axis: int) -> Array:
    return be.sub(g, be.mul(be.exp(y), be.sum(g, (axis,), True)))


# ---- GELU ---------------------------------------------------------------------------------------------

def _gelu_tanh_inner(be, x: Array) -> Array:
    """tanh u, u = sqrt(2/pi) (x + 0.044715 x^3)."""
    cube = be.mul(be.mul(be.mul(x, x), x), _c(be, _GELU_C, x))
    return be.tanh(be.mul(be.add(x, cube), _c(be, _SQRT_2_OVER_PI, x)))


def _phi_cdf(be, x: Array) -> Array:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2."""
    return be.mul(be.add(be.erf(be.mul(x, _c(be, _SQRT_HALF, x))), _c(be, 1.0, x)), _c(be, 0.5, x))


def gelu(be, x: Array, approximate: str) -> Array:
    if approximate == "tanh":
        half_x = be.mul(x, _c(be, 0.5, x))
        return be.mul(half_x, be.add(_gelu_tanh_inner(be, x), _c(be, 1.0, x)))
    return be.mul(x, _phi_cdf(be, x))


def gelu_backward(be, g: Array, x: Array, approximate: str) -> Array:
    one, half = _c(be, 1.0, x), _c(be, 0.5, x)
    if approximate == "tanh":
        t = _gelu_tanh_inner(be, x)
        du = be.mul(be.add(be.mul(be.mul(x, x), _c(be, 3 * _GELU_C, x)), one), _c(be, _SQRT_2_OVER_PI, x))
        dt = be.mul(be.mul(be.mul(x, half), be.sub(one, be.mul(t, t))), du)
        return be.mul(g, be.add(be.mul(be.add(t, one), half), dt))
    pdf = be.mul(be.exp(be.mul(be.mul(x, x), _c(be, -0.5, x))), _c(be, _INV_SQRT_2PI, x))
    return be.mul(g, be.add(_phi_cdf(be, x), be.mul(x, pdf)))


# ---- layer norm and RMS norm --------------------------------------------------------------------------

def _normalize(be, x: Array, axes: tuple[int, ...], weight: Array | None, bias: Array | None,
               eps: float) -> tuple[Array, Array, Array]:
    """(y, mean, rstd) with the statistics over `axes` (kept as size-1 dims); weight and bias broadcast."""
    mean = _mean(be, x, axes)
    d = be.sub(x, mean)
    rstd = be.rsqrt(be.add(_mean(be, be.mul(d, d), axes), _c(be, eps, x)))
    y = be.mul(d, rstd)
    if weight is not None:
        y = be.mul(y, weight)
    if bias is not None:
        y = be.add(y, bias)
    return y, mean, rstd


def _normalize_backward(be, g: Array, x: Array, weight: Array | None, mean: Array, rstd: Array,
                        axes: tuple[int, ...], param_grad, output_mask: tuple[bool, bool, bool]):
    """(dx, dweight, dbias) of `_normalize` over `axes`; param_grad(a) sums a per-element term into the
    parameters' shape."""
    x_hat = be.mul(be.sub(x, mean), rstd)
    dx = dw = db = None
    if output_mask[0]:
        gh = g if weight is None else be.mul(g, weight)
        inner = be.sub(be.sub(gh, _mean(be, gh, axes)), be.mul(x_hat, _mean(be, be.mul(gh, x_hat), axes)))
        dx = be.mul(rstd, inner)
    if output_mask[1] and weight is not None:
        dw = param_grad(be.mul(g, x_hat))
    if output_mask[2]:
        db = param_grad(g)
    return dx, dw, db


def layer_norm(be, x: Array, normalized_ndim: int, weight: Array | None, bias: Array | None,
               eps: float) -> tuple[Array, Array, Array]:
    return _normalize(be, x, _trailing(x.ndim, normalized_ndim), weight, bias, eps)


def _reduce_leading(be, a: Array, k: int) -> Array:
    """a summed over all but its trailing k dims: a parameter's gradient from its broadcast use."""
    lead = tuple(range(a.ndim - k))
    return be.sum(a, lead, False) if lead else a


def layer_norm_backward(be, g: Array, x: Array, weight: Array | None, mean: Array, rstd: Array,
                        normalized_ndim: int, output_mask: tuple[bool, bool, bool]):
    return _normalize_backward(be, g, x, weight, mean, rstd, _trailing(x.ndim, normalized_ndim),
                               lambda a: _reduce_leading(be, a, normalized_ndim), output_mask)


def _channel_axes(x: Array) -> tuple[int, ...]:
    """Every axis of (N, C, *spatial) but the channels."""
    return (0,) + tuple(range(2, x.ndim))


def _as_channels(be, p: Array | None, x: Array) -> Array | None:
    """A C-element parameter shaped (1, C, 1, ...) to broadcast against x."""
    return None if p is None else _reshape(be, p, (1, x.shape[1]) + (1,) * (x.ndim - 2))


def batch_norm(be, x: Array, weight: Array | None, bias: Array | None, eps: float) -> tuple[Array, Array, Array]:
    return _normalize(be, x, _channel_axes(x), _as_channels(be, weight, x), _as_channels(be, bias, x), eps)


def batch_norm_backward(be, g: Array, x: Array, weight: Array | None, mean: Array, rstd: Array,
                        output_mask: tuple[bool, bool, bool]):
    axes = _channel_axes(x)
    dx, dw, db = _normalize_backward(be, g, x, _as_channels(be, weight, x), mean, rstd, axes,
                                     lambda a: be.sum(a, axes, True), output_mask)
    return dx, (None if dw is None else _reshape(be, dw, tuple(weight.shape))), db


def rms_norm(be, x: Array, normalized_ndim: int, weight: Array | None, eps: float) -> tuple[Array, Array]:
    axes = _trailing(x.ndim, normalized_ndim)
    rstd = be.rsqrt(be.add(_mean(be, be.mul(x, x), axes), _c(be, eps, x)))
    y = be.mul(x, rstd)
    return (y if weight is None else be.mul(y, weight)), rstd


def rms_norm_backward(be, g: Array, x: Array, weight: Array | None, rstd: Array, normalized_ndim: int,
                      output_mask: tuple[bool, bool]):
    axes = _trailing(x.ndim, normalized_ndim)
    x_hat = be.mul(x, rstd)
    dx = dw = None
    if output_mask[0]:
        gh = g if weight is None else be.mul(g, weight)
        dx = be.mul(rstd, be.sub(gh, be.mul(x_hat, _mean(be, be.mul(gh, x_hat), axes))))
    if output_mask[1] and weight is not None:
        dw = _reduce_leading(be, be.mul(g, x_hat), normalized_ndim)
    return dx, dw


def rotary_embedding(be, x: Array, cos: Array, sin: Array, interleaved: bool) -> Array:
    h, d = cos.shape[-1], x.shape[-1]
    lead = (Ellipsis,)
    a_part, b_part = (slice(0, 2 * h, 2), slice(1, 2 * h, 2)) if interleaved else (slice(0, h), slice(h, 2 * h))
    a, b = be.basic_index(x, lead + (a_part,)), be.basic_index(x, lead + (b_part,))
    ra = be.sub(be.mul(a, cos), be.mul(b, sin))
    rb = be.add(be.mul(b, cos), be.mul(a, sin))
    if interleaved:  # (..., h) twice -> (..., h, 2) -> (..., 2h): pairs side by side
        pairs = [be.view(r, tuple(r.shape) + (1,)) for r in (ra, rb)]
        rotated = be.view(be.concatenate(pairs, -1), tuple(ra.shape[:-1]) + (2 * h,))
    else:
        rotated = be.concatenate([ra, rb], -1)
    return rotated if 2 * h == d else be.concatenate([rotated, be.basic_index(x, lead + (slice(2 * h, d),))], -1)


# ---- cross-entropy --------------------------------------------------------------------------------------

def class_column(be, a: Array, ndim: int) -> Array:
    """A (C,) array shaped (1, C, 1, ...) to broadcast along the class axis 1 of an ndim-dim array."""
    return be.view(a, (1, a.shape[0]) + (1,) * (ndim - 2))


def _per_class(be, a: Array) -> Array:
    """A per-sample array of the target's shape (N, *d) viewed as (N, 1, *d), against (N, C, *d)."""
    return be.view(a, a.shape[:1] + (1,) + a.shape[1:])


def check_targets(be, target: Array, valid: Array, num_classes: int) -> None:
    """IndexError naming the first target (row-major) outside [0, C) that is not ignored. The composite
    reads the offending value on the host; that happens only when one exists."""
    bad = be.logical_and(valid, be.logical_or(be.lt(target, 0), be.ge(target, num_classes)))
    if bool(be.to_host(be.any(bad, None, False))):
        first = be.to_host(be.index(target, (bad,)))[0]
        raise IndexError(f"Target {int(first)} is out of bounds.")


def _target_weights(be, target: Array, weight: Array | None, ignore_index: int, dt) -> tuple[Array, Array, Array]:
    """(safe, valid, w_t): valid marks targets that are not ignore_index, safe is the target with the
    ignored ones replaced by class 0 (so it can index), w_t the target's class weight (0 where ignored)."""
    valid = be.ne(target, ignore_index)
    safe = be.where(valid, target, 0)
    if weight is None:
        return safe, valid, be.cast(valid, dt)
    return safe, valid, be.where(valid, be.index(weight, (safe,)), _c(be, 0.0, weight))


def cross_entropy(be, x: Array, target: Array, weight: Array | None, ignore_index: int, label_smoothing: float,
                  log_softmax: bool):
    dt = be.dtype_of(x)
    n_classes = x.shape[1]
    safe, valid, w_t = _target_weights(be, target, weight, ignore_index, dt)
    check_targets(be, target, valid, n_classes)
    index = _per_class(be, safe)
    if log_softmax:
        m, z, _, s = shifted_exp(be, x, 1)
        log_s = be.log(s)
        stats = (be.view(m, target.shape), be.view(log_s, target.shape))
        lp_t = be.sub(be.gather(z, 1, index), log_s)  # the target's log-probability, read directly
    else:
        stats = (None, None)
        lp_t = be.gather(x, 1, index)
    loss = be.neg(be.mul(be.view(lp_t, target.shape), w_t))
    if label_smoothing > 0:
        # -(e / C) sum_c w_c lp_c,  sum_c w_c lp_c = sum_c w_c z_c - log s sum_c w_c
        w_z = z if weight is None else be.mul(z, class_column(be, weight, x.ndim))
        w_sum = _c(be, float(n_classes), x) if weight is None else be.sum(weight, None, False)
        lp_sum = be.sub(be.sum(w_z, (1,), False), be.mul(be.view(log_s, target.shape), w_sum))
        spread = be.where(valid, be.mul(lp_sum, _c(be, -label_smoothing / n_classes, x)), _c(be, 0.0, x))
        loss = be.add(be.mul(loss, _c(be, 1 - label_smoothing, x)), spread)
    return (loss, w_t) + stats + (None,)


def cross_entropy_backward(be, g: Array, x: Array, target: Array, weight: Array | None, row_max: Array | None,
                           log_sum: Array | None, probs: Array | None, ignore_index: int, label_smoothing: float,
                           log_softmax: bool) -> Array:
    dt = be.dtype_of(x)
    n_classes, e = x.shape[1], label_smoothing
    safe, valid, w_t = _target_weights(be, target, weight, ignore_index, dt)
    classes = be.view(be.arange(0, n_classes, 1, be.dtype_of(target)), (1, n_classes) + (1,) * (x.ndim - 2))
    onehot = be.eq(classes, _per_class(be, safe))
    picked = be.mul(be.mul(w_t, g), _c(be, e - 1.0, x))  # -(1 - e) w_t g at the target class
    dx = be.where(onehot, _per_class(be, picked), _c(be, 0.0, x))
    if log_softmax:
        p = probs if probs is not None else \
            be.exp(be.sub(be.sub(x, _per_class(be, row_max)), _per_class(be, log_sum)))
        total = be.mul(w_t, _c(be, 1.0 - e, x))  # Q = (1 - e) w_t + (e / C) sum_c w_c  (the row's weight)
        if e > 0:
            w_sum = _c(be, float(n_classes), x) if weight is None else be.sum(weight, None, False)
            total = be.add(total, be.mul(be.cast(valid, dt), be.mul(w_sum, _c(be, e / n_classes, x))))
        dx = be.add(dx, be.mul(p, _per_class(be, be.mul(total, g))))
        if e > 0:
            w_c = _c(be, 1.0, x) if weight is None else class_column(be, weight, x.ndim)
            spread = be.mul(_per_class(be, be.mul(be.cast(valid, dt), g)), _c(be, e / n_classes, x))
            dx = be.sub(dx, be.mul(w_c, spread))
    return dx


# ---- CTC loss ---------------------------------------------------------------------------------------------
# Vectorised over the batch (and the frames where no recursion runs), in the order of operations of
# csrc/fused/ctc_loss.cpp (which states the math), so both backends round float32 as PyTorch does.

def _host_ints(be, a: Array) -> list[int]:
    return [int(v) for v in be.to_host(a).tolist()]


def _ctc_extended(be, targets: Array, target_lengths: list[int], blank: int) -> Array:
    """l' (N, 2 S + 1) int64 from padded (N, S) or concatenated targets: blanks around and between each
    sample's labels, and blanks in the states past 2 S_n (whatever the padding held)."""
    n = len(target_lengths)
    s_max = targets.shape[1] if targets.ndim == 2 else max(target_lengths, default=0)
    if targets.ndim == 1:  # concatenated: gather each sample's labels into a row (the last one repeated)
        starts = [sum(target_lengths[:i]) for i in range(n)]
        rows = [[start + min(k, max(length - 1, 0)) for k in range(s_max)] for start, length in zip(starts, target_lengths)]
        flat = targets if targets.shape[0] else be.full((1,), blank, D.int64)
        targets = be.index(flat, (be.from_host(rows, D.int64),)) if n * s_max else be.full((n, s_max), blank, D.int64)
    k = be.view(be.arange(0, s_max, 1, D.int64), (1, s_max))
    real = be.lt(k, be.from_host([[v] for v in target_lengths], D.int64))
    labels = be.view(be.where(real, targets, be.full((), blank, D.int64)), (n, s_max, 1))
    pairs = be.concatenate([be.full((n, s_max, 1), blank, D.int64), labels], 2)
    return be.concatenate([_reshape(be, pairs, (n, 2 * s_max)), be.full((n, 1), blank, D.int64)], 1)


def _ctc_skip(be, ext: Array) -> Array:
    """(N, L) bool: the step s - 2 -> s is allowed (l'_s != l'_{s-2})."""
    n, states = ext.shape
    head = be.full((n, min(2, states)), False, D.bool_)
    if states <= 2:
        return head
    return be.concatenate([head, be.ne(be.basic_index(ext, (slice(None), slice(2, None))),
                                       be.basic_index(ext, (slice(None), slice(0, -2))))], 1)


def _ctc_shift(be, x: Array, k: int) -> Array:
    """x[:, s - k] (k > 0: from the left) or x[:, s + |k|] (k < 0), -inf where that falls outside."""
    n, states = x.shape
    fill = be.full((n, min(abs(k), states)), -math.inf, be.dtype_of(x))
    if abs(k) >= states:
        return fill
    if k > 0:
        return be.concatenate([fill, be.basic_index(x, (slice(None), slice(0, states - k)))], 1)
    return be.concatenate([be.basic_index(x, (slice(None), slice(-k, None))), fill], 1)


def _exp(be, x: Array) -> Array:
    """e^x rounded once from float64: glibc's expf, which PyTorch's kernel calls, is correctly rounded, and a
    backend's float32 exp need not be (NumPy's vectorised one is off by an ulp at times)."""
    return be.cast(be.exp(be.cast(x, D.float64)), be.dtype_of(x))


def _log(be, x: Array) -> Array:
    """log x rounded once from float64, as `_exp`."""
    return be.cast(be.log(be.cast(x, D.float64)), be.dtype_of(x))


def _log_add3(be, a: Array, b: Array, c: Array, neg_inf: Array) -> Array:
    """log(e^(a - m) + e^(b - m) + e^(c - m)) + m, m the largest (0 where all are -inf)."""
    m = be.maximum(be.maximum(a, b), c)
    m = be.where(be.eq(m, neg_inf), _c(be, 0.0, a), m)
    total = be.add(be.add(_exp(be, be.sub(a, m)), _exp(be, be.sub(b, m))), _exp(be, be.sub(c, m)))
    return be.add(_log(be, total), m)


def _log_add(be, acc: Array, term: Array, neg_inf: Array) -> Array:
    """log(e^acc + e^term) shifted by the larger; term itself where acc is -inf (an empty sum)."""
    m = be.maximum(acc, term)
    both = be.add(_log(be, be.add(_exp(be, be.sub(acc, m)), _exp(be, be.sub(term, m)))), m)
    return be.where(be.eq(acc, neg_inf), term, both)


def _ctc_inputs(be, log_probs: Array, targets: Array, target_lengths: Array, blank: int):
    """(l' (N, L), skip (N, L), lp_t(l'_s) (T, N, L), -inf of log_probs' dtype)."""
    ext = _ctc_extended(be, targets, _host_ints(be, target_lengths), blank)
    n_frames, batch, _ = log_probs.shape
    index = be.expand(be.view(ext, (1,) + ext.shape), (n_frames,) + ext.shape)
    return ext, _ctc_skip(be, ext), be.gather(log_probs, 2, index), _c(be, -math.inf, log_probs)


def ctc_loss(be, log_probs: Array, targets: Array, input_lengths: Array, target_lengths: Array,
             blank: int) -> tuple[Array, Array]:
    ext, skip, lp_ext, neg_inf = _ctc_inputs(be, log_probs, targets, target_lengths, blank)
    n_frames, batch, states = lp_ext.shape
    first_two = be.lt(be.arange(0, states, 1, D.int64), 2)
    rows = [be.where(first_two, be.basic_index(lp_ext, (0,)), neg_inf)]
    for t in range(1, n_frames):
        prev = rows[-1]
        skipped = be.where(skip, _ctc_shift(be, prev, 2), neg_inf)
        rows.append(be.add(_log_add3(be, prev, _ctc_shift(be, prev, 1), skipped, neg_inf),
                           be.basic_index(lp_ext, (t,))))
    alpha = be.concatenate([be.view(r, (1, batch, states)) for r in rows], 0)
    il, tl = _host_ints(be, input_lengths), _host_ints(be, target_lengths)
    at_end = (be.from_host([max(v - 1, 0) for v in il], D.int64), be.arange(0, batch, 1, D.int64))
    l1 = be.index(alpha, at_end + (be.from_host([2 * v for v in tl], D.int64),))
    l2 = be.where(be.from_host([v > 0 for v in tl], D.bool_),
                  be.index(alpha, at_end + (be.from_host([max(2 * v - 1, 0) for v in tl], D.int64),)), neg_inf)
    m = be.maximum(l1, l2)
    m = be.where(be.eq(m, neg_inf), _c(be, 0.0, m), m)
    nll = be.neg(be.add(_log(be, be.add(_exp(be, be.sub(l1, m)), _exp(be, be.sub(l2, m)))), m))
    no_frames = be.from_host([0.0 if s == 0 else math.inf for s in tl], be.dtype_of(nll))
    return be.where(be.from_host([v == 0 for v in il], D.bool_), no_frames, nll), alpha


def _ctc_beta(be, lp_ext: Array, skip: Array, il: list[int], tl: list[int], neg_inf: Array) -> list[Array]:
    """beta_t (N, L) for t = 0 .. T-1, each sample starting at its own last frame T_n - 1 (-inf later)."""
    n_frames, batch, states = lp_ext.shape
    s = be.view(be.arange(0, states, 1, D.int64), (1, states))
    last = be.from_host([[2 * v] for v in tl], D.int64)
    final_states = be.logical_or(be.eq(s, last), be.eq(s, be.sub(last, 1)))
    skip_next = be.concatenate([be.basic_index(skip, (slice(None), slice(2, None))),
                                be.full((batch, min(2, states)), False, D.bool_)], 1)  # s -> s + 2 allowed
    last_frame = be.from_host([[v - 1] for v in il], D.int64)
    nxt = be.full((batch, states), -math.inf, be.dtype_of(lp_ext))
    betas = []
    for t in range(n_frames - 1, -1, -1):
        lp_t = be.basic_index(lp_ext, (t,))
        skipped = be.where(skip_next, _ctc_shift(be, nxt, -2), neg_inf)
        recursed = be.add(_log_add3(be, nxt, _ctc_shift(be, nxt, -1), skipped, neg_inf), lp_t)
        started = be.where(final_states, lp_t, neg_inf)
        nxt = be.where(be.gt(last_frame, t), recursed, be.where(be.eq(last_frame, t), started, neg_inf))
        betas.append(nxt)
    return betas[::-1]


def ctc_loss_backward(be, g: Array, log_probs: Array, targets: Array, input_lengths: Array, target_lengths: Array,
                      nll: Array, log_alpha: Array, blank: int, zero_infinity: bool) -> Array:
    ext, skip, lp_ext, neg_inf = _ctc_inputs(be, log_probs, targets, target_lengths, blank)
    n_frames, batch, n_classes = log_probs.shape
    states = ext.shape[1]
    il, tl = _host_ints(be, input_lengths), _host_ints(be, target_lengths)
    beta = be.concatenate([be.view(b, (1, batch, states)) for b in _ctc_beta(be, lp_ext, skip, il, tl, neg_inf)], 0)
    ab = be.add(log_alpha, beta)
    # the blank's states are the even ones: its log-sum runs on (T, N) columns, from the last state down
    lcab_blank = be.basic_index(ab, (slice(None), slice(None), states - 1))
    for s in range(states - 3, -1, -2):
        lcab_blank = _log_add(be, lcab_blank, be.basic_index(ab, (slice(None), slice(None), s)), neg_inf)
    classes = be.view(be.arange(0, n_classes, 1, D.int64), (1, 1, n_classes))
    lcab = be.where(be.eq(classes, blank), be.view(lcab_blank, (n_frames, batch, 1)), neg_inf)
    for s in range(states - 2, 0, -2):  # each label state log-adds into its class, from the last state down
        label = be.view(be.basic_index(ext, (slice(None), slice(s, s + 1))), (1, batch, 1))
        acc = be.gather(lcab, 2, be.expand(label, (n_frames, batch, 1)))
        term = be.basic_index(ab, (slice(None), slice(None), slice(s, s + 1)))
        lcab = be.where(be.eq(classes, label), _log_add(be, acc, term, neg_inf), lcab)
    per_sample = (1, batch, 1)
    lp = log_probs
    grad = be.mul(be.sub(_exp(be, lp), _exp(be, be.sub(be.add(lcab, be.view(nll, per_sample)), lp))),
                  be.view(g, per_sample))
    live = be.from_host(il, D.int64)
    if zero_infinity:
        live = be.where(be.eq(nll, _c(be, math.inf, nll)), be.full((), 0, D.int64), live)
    frames = be.view(be.arange(0, n_frames, 1, D.int64), (n_frames, 1, 1))
    return be.where(be.lt(frames, be.view(live, per_sample)), grad, _c(be, 0.0, grad))


# ---- scaled dot-product attention -------------------------------------------------------------------------

def _grouped(be, a: Array, groups: int) -> Array:
    """(B, Hq, L, X) viewed as (B, Hkv, G, L, X): query head h = kv * G + j serves key/value head kv."""
    b, h, n, d = a.shape
    return _reshape(be, a, (b, h // groups, groups, n, d))


def _ungrouped(be, a: Array) -> Array:
    b, hk, grp, n, d = a.shape
    return be.view(a, (b, hk * grp, n, d))


def _kv(be, a: Array, groups: int) -> Array:
    """A key/value (B, Hkv, S, X) with a size-1 group dim, (B, Hkv, 1, S, X), when heads are grouped."""
    return be.view(a, a.shape[:2] + (1,) + a.shape[2:]) if groups > 1 else a


def _swap_last(be, a: Array) -> Array:
    n = a.ndim
    return be.permute(a, tuple(range(n - 2)) + (n - 1, n - 2))


def _q_times(be, q: Array, kv: Array, groups: int, transpose_kv: bool) -> Array:
    """q (B, Hq, L, X) @ kv (B, Hkv, S, X)^T (transpose_kv) or @ kv (B, Hkv, X', Y), each query head
    against its key/value head."""
    kv = _kv(be, kv, groups)
    kv = _swap_last(be, kv) if transpose_kv else kv
    if groups == 1:
        return be.matmul(q, kv)
    return _ungrouped(be, be.matmul(_grouped(be, q, groups), kv))


def _to_kv(be, a: Array, groups: int) -> Array:
    """A per-query-head (B, Hq, S, X) gradient summed over each group of query heads: (B, Hkv, S, X)."""
    return a if groups == 1 else be.sum(_grouped(be, a, groups), (2,), False)


def _scores(be, q: Array, k: Array, mask: Array | None, scale: float, is_causal: bool) -> Array:
    """S = q k^T * scale + M, with -inf where a bool mask is False or a key lies after the query (causal)."""
    groups = q.shape[1] // k.shape[1]
    s = _q_times(be, be.mul(q, _c(be, scale, q)), k, groups, True)  # the scale on q: L x E, not L x S
    neg_inf = _c(be, -math.inf, s)
    if mask is not None:
        s = be.add(s, mask) if be.dtype_of(mask).is_floating_point else be.where(mask, s, neg_inf)
    if is_causal:
        L, S = s.shape[-2:]
        rows = be.view(be.arange(0, L, 1, D.int64), (L, 1))
        s = be.where(be.ge(rows, be.arange(0, S, 1, D.int64)), s, neg_inf)
    return s


def scaled_dot_product_attention(be, q: Array, k: Array, v: Array, mask: Array | None, keep: Array | None,
                                 scale: float, is_causal: bool, safe: bool):
    groups = q.shape[1] // k.shape[1]
    s = _scores(be, q, k, mask, scale, is_causal)
    if s.shape[-1] == 0:
        lse = be.full(s.shape[:-1], -math.inf, be.dtype_of(s))
        out = be.full(s.shape[:-1] + v.shape[-1:], 0.0, be.dtype_of(s))
        return out, lse, s
    m = be.amax(s, (3,), True)
    if safe:  # a fully masked row: shift by 0 instead of -inf, so its e^. are 0, not NaN
        m = be.where(be.isinf(m), _c(be, 0.0, m), m)
    e = be.exp(be.sub(s, m))
    z = be.sum(e, (3,), True)
    lse = be.view(be.add(m, be.log(z)), s.shape[:-1])
    p = be.div(e, be.where(be.eq(z, _c(be, 0.0, z)), _c(be, 1.0, z), z) if safe else z)
    a = p if keep is None else be.mul(p, keep)
    return _q_times(be, a, v, groups, False), lse, p


def scaled_dot_product_attention_backward(be, g: Array | None, g_weights: Array | None, q: Array, k: Array,
                                          v: Array, out: Array, lse: Array, probs: Array | None,
                                          mask: Array | None, keep: Array | None, scale: float, is_causal: bool,
                                          safe: bool, output_mask: tuple[bool, bool, bool, bool]):
    groups = q.shape[1] // k.shape[1]
    p = probs
    if p is None:
        s = _scores(be, q, k, mask, scale, is_causal)
        # a fully masked row has lse = -inf; +inf there makes e^(S - lse) = e^(-inf) = 0 instead of NaN
        lse = be.where(be.isinf(lse), _c(be, math.inf, lse), lse) if safe else lse
        p = be.exp(be.sub(s, be.view(lse, lse.shape + (1,))))
    a = p if keep is None else be.mul(p, keep)
    dv = None
    if output_mask[2] and g is not None:
        dv = _to_kv(be, be.matmul(_swap_last(be, a), g), groups)
    if not (output_mask[0] or output_mask[1] or output_mask[3]):
        return None, None, dv, None
    da = _q_times(be, g, v, groups, True) if g is not None else None
    if g_weights is not None:
        da = g_weights if da is None else be.add(da, g_weights)
    dp = da if keep is None else be.mul(da, keep)
    ds = be.mul(p, be.sub(dp, be.sum(be.mul(dp, p), (3,), True)))
    ds_scaled = be.mul(ds, _c(be, scale, ds))
    dq = _q_times(be, ds_scaled, k, groups, False) if output_mask[0] else None
    dk = _to_kv(be, be.matmul(_swap_last(be, ds_scaled), q), groups) if output_mask[1] else None
    return dq, dk, dv, ds if output_mask[3] else None


# ---- recurrent cells ---------------------------------------------------------------------------------------

def _split(be, a: Array, parts: int) -> list[Array]:
    """a (B, parts * H) cut into `parts` (B, H) column blocks (views)."""
    h = a.shape[1] // parts
    return [be.basic_index(a, (slice(None), slice(i * h, (i + 1) * h))) for i in range(parts)]


def lstm_cell(be, gates: Array, c: Array):
    i, f, g, o = _split(be, gates, 4)
    i, f, g, o = be.sigmoid(i), be.sigmoid(f), be.tanh(g), be.sigmoid(o)
    c_new = be.add(be.mul(f, c), be.mul(i, g))
    return be.mul(o, be.tanh(c_new)), c_new, be.concatenate([i, f, g, o], 1)


def lstm_cell_backward(be, dh: Array, dc: Array, c: Array, c_new: Array, workspace: Array):
    i, f, g, o = _split(be, workspace, 4)
    one = _c(be, 1.0, c)
    tc = be.tanh(c_new)
    dc = be.add(dc, be.mul(be.mul(dh, o), be.sub(one, be.mul(tc, tc))))
    di = be.mul(be.mul(dc, g), be.mul(i, be.sub(one, i)))
    df = be.mul(be.mul(dc, c), be.mul(f, be.sub(one, f)))
    dg = be.mul(be.mul(dc, i), be.sub(one, be.mul(g, g)))
    do = be.mul(be.mul(dh, tc), be.mul(o, be.sub(one, o)))
    return be.concatenate([di, df, dg, do], 1), be.mul(dc, f)


def gru_cell(be, gx: Array, gh: Array, h: Array):
    x_r, x_z, x_n = _split(be, gx, 3)
    h_r, h_z, h_n = _split(be, gh, 3)
    r = be.sigmoid(be.add(x_r, h_r))
    z = be.sigmoid(be.add(x_z, h_z))
    n = be.tanh(be.add(x_n, be.mul(r, h_n)))
    h_new = be.add(n, be.mul(z, be.sub(h, n)))
    return h_new, be.concatenate([r, z, n, h_n], 1)


def gru_cell_backward(be, dh: Array, h: Array, workspace: Array):
    r, z, n, h_n = _split(be, workspace, 4)
    one = _c(be, 1.0, h)
    dn = be.mul(be.mul(dh, be.sub(one, z)), be.sub(one, be.mul(n, n)))
    dr = be.mul(be.mul(dn, h_n), be.mul(r, be.sub(one, r)))
    dz = be.mul(be.mul(dh, be.sub(h, n)), be.mul(z, be.sub(one, z)))
    return be.concatenate([dr, dz, dn], 1), be.concatenate([dr, dz, be.mul(dn, r)], 1), be.mul(dh, z)


def max_pool(be, x: Array, kernel, stride, padding, dilation):
    n, c = x.shape[:2]
    spatial, nd = x.shape[2:], len(kernel)
    dt = be.dtype_of(x)
    lowest = -math.inf if dt.is_floating_point else D.iinfo(dt).min
    cols = be.im2col(x, kernel, stride, padding, dilation, lowest)
    out = cols.shape[2 + nd:]
    flat = be.view(cols, (n, c, math.prod(kernel), math.prod(out)))
    top = be.amax(flat, (2,), True)
    # which kernel offset won: the first equal to the maximum (NaN wins: it is the maximum). Arg-maxing
    # these booleans is four times faster in NumPy than arg-maxing the values over a middle axis.
    won = be.eq(flat, top)
    if dt.is_floating_point and be.any(be.isnan(top), None, False):
        won = be.logical_or(won, be.isnan(flat))
    arg = be.argmax(won, 2, True)  # (N, C, 1, L)
    # the winner's input position: the same windows cut from a plane holding each position's own index
    positions = _window_positions(be, spatial, kernel, stride, padding, dilation)  # (K, L)
    indices = be.view(be.gather(be.expand(positions, (n, c) + positions.shape), 2, arg), (n, c) + out)
    return be.view(top, (n, c) + out), indices


def max_pool_backward(be, g: Array, indices: Array, spatial, kernel, stride, padding, dilation):
    n, c = g.shape[:2]
    positions = _window_positions(be, spatial, kernel, stride, padding, dilation)  # (K, L)
    length = positions.shape[1]
    # onehot[n, c, k, l]: whether output l took its value from window offset k
    onehot = be.cast(be.eq(be.view(positions, (1, 1) + positions.shape), _reshape(be, indices, (n, c, 1, length))),
                     be.dtype_of(g))
    cols = be.mul(_reshape(be, g, (n, c, 1, length)), onehot)
    return be.col2im(be.view(cols, (n, c) + tuple(kernel) + tuple(g.shape[2:])), spatial, stride, padding, dilation)


def _window_positions(be, spatial, kernel, stride, padding, dilation) -> Array:
    """(K, L) int64: the flat input position (within one plane) that window offset k of output l reads,
    -1 on padding: im2col of a plane whose entries are their own positions (counted from 1, so that the
    zeros im2col pads with become -1)."""
    plane = be.view(be.arange(1, math.prod(spatial) + 1, 1, D.int64), (1, 1) + tuple(spatial))
    cols = be.im2col(plane, kernel, stride, padding, dilation, 0)
    cols = be.view(cols, (math.prod(kernel), math.prod(cols.shape[2 + len(kernel):])))
    return be.sub(cols, be.full((), 1, D.int64))
