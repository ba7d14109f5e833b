"""NumPy bodies of the fused primitives where they beat the composite default: the same math (stated in
`base.Backend.softmax` & co.), with fewer temporaries -- each step writes through ``out=`` into an array
this call allocated, so a (16, 4, 128, 128) softmax makes two allocations instead of five.
"""
from __future__ import annotations

import math

import numpy as np

from . import _composite

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def softmax(be, x: np.ndarray, axis: int) -> np.ndarray:
    if x.shape[axis] == 0:
        return x.copy()
    e = np.subtract(x, be.amax(x, (axis,), True))
    np.exp(e, out=e)
    e /= be.sum(e, (axis,), True)
    return e


def log_softmax(be, x: np.ndarray, axis: int) -> np.ndarray:
    if x.shape[axis] == 0:
        return x.copy()
    z = np.subtract(x, be.amax(x, (axis,), True))
    s = be.sum(np.exp(z), (axis,), True)
    z -= np.log(s)
    return z


def softmax_backward(be, y: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    dx = np.multiply(g, y)
    dot = be.sum(dx, (axis,), True)
    dx -= np.multiply(y, dot)
    return dx


def log_softmax_backward(be, y: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    p = np.exp(y)
    p *= be.sum(g, (axis,), True)
    return np.subtract(g, p, out=p)


def gelu(be, x: np.ndarray, approximate: str) -> np.ndarray:
    if approximate == "tanh":
        return _composite.gelu(be, x, approximate)
    cdf = _half_one_plus_erf(be, x)
    cdf *= x
    return cdf


def gelu_backward(be, g: np.ndarray, x: np.ndarray, approximate: str) -> np.ndarray:
    if approximate == "tanh":
        return _composite.gelu_backward(be, g, x, approximate)
    dt = x.dtype.type
    pdf = np.multiply(x, x, out=np.empty(x.shape, x.dtype))  # out=: a 0-d input still gives an array
    pdf *= dt(-0.5)
    np.exp(pdf, out=pdf)
    pdf *= dt(_INV_SQRT_2PI)
    pdf *= x
    pdf += _half_one_plus_erf(be, x)
    pdf *= g
    return pdf


def _half_one_plus_erf(be, x: np.ndarray) -> np.ndarray:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, in a new array."""
    dt = x.dtype.type
    cdf = be.erf(np.multiply(x, dt(_SQRT_HALF), out=np.empty(x.shape, x.dtype)))
    cdf += dt(1)
    cdf *= dt(0.5)
    return cdf


def _per_class(a: np.ndarray) -> np.ndarray:
    """A per-sample (N, *d) array as (N, 1, *d), against the logits (N, C, *d)."""
    return np.expand_dims(a, 1)


def cross_entropy_backward(be, g: np.ndarray, x: np.ndarray, target: np.ndarray, weight: np.ndarray | None,
                           row_max: np.ndarray | None, log_sum: np.ndarray | None, probs: np.ndarray | None,
                           ignore_index: int, label_smoothing: float, log_softmax: bool) -> np.ndarray:
    dt = x.dtype.type
    e, n_classes = label_smoothing, x.shape[1]
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    w_t = valid.astype(x.dtype) if weight is None else np.where(valid, weight[safe], dt(0))
    if log_softmax:
        if probs is not None:
            dx = probs.copy()
        else:
            dx = np.subtract(x, _per_class(row_max))
            dx -= _per_class(log_sum)
            np.exp(dx, out=dx)
        total = w_t * dt(1 - e)  # Q, the row's total weight
        if e > 0:
            w_sum = dt(n_classes) if weight is None else weight.sum(dtype=x.dtype)
            total += valid * (w_sum * dt(e / n_classes))
        dx *= _per_class(total * g)
        if e > 0:
            w_c = dt(1) if weight is None else _composite.class_column(be, weight, x.ndim)
            dx -= w_c * _per_class(valid * g * dt(e / n_classes))
    else:
        dx = np.zeros_like(x)
    index = _per_class(safe)
    picked = np.take_along_axis(dx, index, 1) - _per_class(w_t * g * dt(1 - e))
    np.put_along_axis(dx, index, picked.astype(x.dtype, copy=False), 1)
    return dx


def cross_entropy(be, x: np.ndarray, target: np.ndarray, weight: np.ndarray | None, ignore_index: int,
                  label_smoothing: float, log_softmax: bool):
    dt = x.dtype.type
    e, n_classes = label_smoothing, x.shape[1]
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    if safe.size and (safe.min() < 0 or safe.max() >= n_classes):  # then name the first bad one
        _composite.check_targets(be, target, valid, n_classes)
    w_t = valid.astype(x.dtype) if weight is None else np.where(valid, weight[safe], dt(0))
    index = _per_class(safe)
    if not log_softmax:
        loss = np.take_along_axis(x, index, 1)[:, 0]
        loss *= -w_t
        return loss, w_t, None, None, None
    m = be.amax(x, (1,), True)
    z = np.subtract(x, m)
    p = np.exp(z)
    s = be.sum(p, (1,), True)
    log_s = np.log(s)
    p /= s  # the probabilities, kept for the backward: one pass here spares it an exp
    loss = (np.take_along_axis(z, index, 1) - log_s)[:, 0]
    loss *= -w_t
    if e > 0:  # -(e / C) sum_c w_c lp_c,  sum_c w_c lp_c = sum_c w_c z_c - log s sum_c w_c
        w_z = z if weight is None else z * _composite.class_column(be, weight, x.ndim)
        w_sum = dt(n_classes) if weight is None else weight.sum(dtype=x.dtype)
        lp_sum = be.sum(w_z, (1,), False) - log_s[:, 0] * w_sum
        loss *= dt(1 - e)
        loss -= np.where(valid, lp_sum * dt(e / n_classes), dt(0))
    return loss, w_t, m[:, 0], log_s[:, 0], p
