"""Fused optimizer updates on NumPy arrays: the math of `base.Backend.sgd_update` & co., allocation-free.

Every step writes through ``out=`` into the parameter, its state buffers or
two scratch arrays, in PyTorch's operation order (so values match its
single-tensor optimizers to rounding). A step makes about ten passes over
the data; on contiguous operands they run chunk by chunk, so a chunk of each
operand stays in cache across all passes instead of streaming from memory ten
times (about 1.5-2x faster for million-element parameters).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

# elements per chunk: ~6 operands x 64K float32 = 1.5 MB, inside a core's L2 cache
_CHUNK = 1 << 16


def run_chunked(kernel: Callable[..., None], arrays: tuple, **scalars) -> None:
    """kernel(*arrays, scratch1, scratch2, **scalars) over matching flat chunks of the arrays.

    ``arrays`` (param first, then grad and the state buffers; None for an absent
    buffer) are chunked only when all are C-contiguous with the param's shape;
    otherwise (a transposed or broadcast gradient) the kernel runs once on the
    whole arrays.
    """
    p = arrays[0]
    n = p.size
    if n <= _CHUNK or not all(a is None or (a.flags.c_contiguous and a.shape == p.shape) for a in arrays):
        kernel(*arrays, np.empty(p.shape, p.dtype), np.empty(p.shape, p.dtype), **scalars)
        return
    flat = [None if a is None else a.reshape(-1) for a in arrays]
    s1, s2 = np.empty(_CHUNK, p.dtype), np.empty(_CHUNK, p.dtype)
    for lo in range(0, n, _CHUNK):
        hi = min(lo + _CHUNK, n)
        kernel(*(None if a is None else a[lo:hi] for a in flat), s1[:hi - lo], s2[:hi - lo], **scalars)


def _effective_grad(param, grad, out, weight_decay, maximize):
    """(-grad if maximize else grad) + weight_decay * param, in out unless it is grad itself."""
    if weight_decay == 0:
        return np.negative(grad, out=out) if maximize else grad
    np.multiply(param, weight_decay, out=out)
    return (np.subtract if maximize else np.add)(out, grad, out=out)


def _lerp_(a, b, w, tmp) -> None:
    """a <- a + w * (b - a), from the nearer end as PyTorch's lerp: b - (b - a) * (1 - w) when w >= 0.5."""
    np.subtract(b, a, out=tmp)
    if w < 0.5:
        np.multiply(tmp, w, out=tmp)
        np.add(a, tmp, out=a)
    else:
        np.multiply(tmp, 1 - w, out=tmp)
        np.subtract(b, tmp, out=a)


def _addcmul_(a, t, value, tmp) -> None:
    """a <- a + value * t * t (PyTorch's addcmul order: (value * t) * t)."""
    np.multiply(t, value, out=tmp)
    np.multiply(tmp, t, out=tmp)
    np.add(a, tmp, out=a)


def sgd(param, grad, buf, s1, s2, *, lr, momentum, dampening, nesterov, weight_decay, maximize, init_buffer):
    g = _effective_grad(param, grad, s1, weight_decay, maximize)
    if buf is not None:
        if init_buffer:
            np.copyto(buf, g)
        else:
            np.multiply(buf, momentum, out=buf)
            # (1 - 0) * g is exactly g: the default dampening skips a pass
            np.add(buf, g if dampening == 0 else np.multiply(g, 1 - dampening, out=s2), out=buf)
        if nesterov:
            np.multiply(buf, momentum, out=s2)
            g = np.add(g, s2, out=s2)
        else:
            g = buf
    np.multiply(g, -lr, out=s2)
    np.add(param, s2, out=param)


def adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, s1, s2, *, beta1, beta2, eps, weight_decay,
         param_scale, step_size, bias_correction2_sqrt, maximize):
    if param_scale != 1:
        np.multiply(param, param_scale, out=param)
    g = _effective_grad(param, grad, s1, weight_decay, maximize)
    _lerp_(exp_avg, g, 1 - beta1, s2)
    np.multiply(exp_avg_sq, beta2, out=exp_avg_sq)
    _addcmul_(exp_avg_sq, g, 1 - beta2, s2)
    v = exp_avg_sq
    if max_exp_avg_sq is not None:
        v = np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
    np.sqrt(v, out=s2)
    np.divide(s2, bias_correction2_sqrt, out=s2)
    np.add(s2, eps, out=s2)
    np.divide(exp_avg, s2, out=s2)
    np.multiply(s2, -step_size, out=s2)
    np.add(param, s2, out=param)


def rmsprop(param, grad, square_avg, grad_avg, buf, s1, s2, *, lr, alpha, eps, weight_decay, momentum, maximize):
    g = _effective_grad(param, grad, s1, weight_decay, maximize)
    np.multiply(square_avg, alpha, out=square_avg)
    _addcmul_(square_avg, g, 1 - alpha, s2)
    if grad_avg is not None:
        _lerp_(grad_avg, g, 1 - alpha, s2)
        np.multiply(grad_avg, grad_avg, out=s2)
        np.subtract(square_avg, s2, out=s2)
        np.sqrt(s2, out=s2)
    else:
        np.sqrt(square_avg, out=s2)
    np.add(s2, eps, out=s2)
    np.divide(g, s2, out=s2)
    if buf is not None:
        np.multiply(buf, momentum, out=buf)
        np.add(buf, s2, out=buf)
        np.multiply(buf, -lr, out=s2)
    else:
        np.multiply(s2, -lr, out=s2)
    np.add(param, s2, out=param)


def adagrad(param, grad, state_sum, s1, s2, *, clr, eps, weight_decay, maximize):
    g = _effective_grad(param, grad, s1, weight_decay, maximize)
    np.multiply(g, g, out=s2)
    np.add(state_sum, s2, out=state_sum)
    np.sqrt(state_sum, out=s2)
    np.add(s2, eps, out=s2)
    np.divide(g, s2, out=s2)
    np.multiply(s2, -clr, out=s2)
    np.add(param, s2, out=param)
