"""Convolution and sliding-window kernels of the NumPy backend (the contract: `base.Backend.conv` & co.).

Geometry, per spatial dim: output position ``o`` reads input position ``o * s + i * d - p`` for kernel
offset ``i`` (stride s, dilation d, padding p before the first element). Positions outside the input
are padding. No Python loop runs over pixels: im2col is one copy out of a strided view of the (padded)
input, and col2im adds one strided slice per kernel offset (kh * kw of them).

Convolution is im2col + one BLAS product. The columns are laid out channel-major, ``(C, *kernel, N,
*out)``, so a convolution is a single ``(O, C*K) @ (C*K, N*L)`` matrix product (one per group) instead
of N small ones: on this layout BLAS runs near its peak for the channel counts of LeNet/ResNet, and the
weight gradient is one product too, contracting over all N*L positions at once.
"""
from __future__ import annotations

import functools
import itertools
import math

import numpy as np


def _dim_offsets(size: int, out: int, k: int, s: int, p: int, d: int) -> list:
    """For each kernel offset i of one dim: (i, output slice, input slice) over the outputs that read
    inside the input, or None when all of them read padding."""
    res = []
    for i in range(k):
        start = i * d - p  # the input position output 0 reads
        lo = max(0, -(start // s))  # first output reading position >= 0
        hi = min(out, (size - 1 - start) // s + 1)  # one past the last reading position <= size - 1
        if hi <= lo:
            res.append(None)
            continue
        first = start + lo * s
        res.append((i, slice(lo, hi), slice(first, first + (hi - lo - 1) * s + 1, s)))
    return res


@functools.lru_cache(maxsize=256)
def _offsets(spatial, out, kernel, stride, before, dilation) -> tuple:
    """(kernel index, output slices, input slices) for every kernel offset that reads the input at all.
    Cached: a training loop asks for the same few geometries at every step."""
    per_dim = [_dim_offsets(*args) for args in zip(spatial, out, kernel, stride, before, dilation)]
    return tuple((tuple(c[0] for c in combo), tuple(c[1] for c in combo), tuple(c[2] for c in combo))
                 for combo in itertools.product(*per_dim) if None not in combo)


def _windows(x, kernel, stride, padding, dilation, value):
    """The view (N, C, *kernel, *out) of x padded with `value`: windows[n, c, *i, *o] = xp[n, c, *(o*s + i*d)].
    Padding costs one copy of x (the windows repeat each element prod(kernel) times, padding or not);
    a negative after-padding (inputs no window reaches) crops instead."""
    crop = (slice(None),) * 2 + tuple(slice(0, n + min(a, 0)) for n, (_, a) in zip(x.shape[2:], padding))
    x = x[crop]
    if any(b > 0 or a > 0 for b, a in padding):
        shape = x.shape[:2] + tuple(n + b + max(a, 0) for n, (b, a) in zip(x.shape[2:], padding))
        xp = np.zeros(shape, x.dtype) if value == 0 else np.full(shape, value, x.dtype)
        xp[(slice(None),) * 2 + tuple(slice(b, b + n) for n, (b, _) in zip(x.shape[2:], padding))] = x
        x = xp
    out = tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(x.shape[2:], kernel, stride, dilation))
    st = x.strides[2:]
    strides = x.strides[:2] + tuple(t * d for t, d in zip(st, dilation)) + tuple(t * s for t, s in zip(st, stride))
    return np.lib.stride_tricks.as_strided(x, x.shape[:2] + tuple(kernel) + out, strides, writeable=False)


def im2col(x, kernel, stride, padding, dilation, value):
    return np.ascontiguousarray(_windows(x, kernel, stride, padding, dilation, value))


def col2im(cols, spatial, stride, padding, dilation):
    """dx[n, c, *(o * s + i * d - p)] += cols[n, c, *i, *o]: one strided slice add per kernel offset, each
    clipped to the outputs whose position falls inside dx (so no padded buffer and no crop)."""
    nd = len(spatial)
    kernel, out = cols.shape[2:2 + nd], cols.shape[2 + nd:]
    dx = np.zeros(cols.shape[:2] + tuple(spatial), dtype=cols.dtype)
    lead = (slice(None), slice(None))
    geometry = (tuple(kernel), tuple(stride), tuple(p[0] for p in padding), tuple(dilation))
    for kidx, osl, isl in _offsets(tuple(spatial), tuple(out), *geometry):
        dx[lead + isl] += cols[lead + kidx + osl]
    return dx


def _batch_first(cols, nd: int):
    """Channel-major columns (C, *kernel, N, *out) seen with axes (N, C, *kernel, *out) (no copy)."""
    return cols.transpose((nd + 1, 0) + tuple(range(1, nd + 1)) + tuple(range(nd + 2, 2 * nd + 2)))


def _group_cols(x, kernel, stride, padding, dilation, groups):
    """im2col of x as (groups, C/groups * K, N * L) matrices (channel-major layout), and out."""
    n, c = x.shape[:2]
    nd = len(kernel)
    windows = _windows(x, kernel, stride, padding, dilation, 0)
    out = windows.shape[2 + nd:]
    buf = np.empty((c,) + tuple(kernel) + (n,) + out, dtype=x.dtype)
    np.copyto(_batch_first(buf, nd), windows)
    return buf.reshape(groups, c // groups * math.prod(kernel), n * math.prod(out)), out


def _group_grads(g, groups):
    """g (N, O, *out) as (groups, O/groups, N * L) matrices (channel-major layout)."""
    n, o = g.shape[:2]
    return np.ascontiguousarray(np.moveaxis(g, 1, 0)).reshape(groups, o // groups, n * math.prod(g.shape[2:]))


def _matmul(a, b):
    # NumPy multiplies bfloat16 (ml_dtypes) matrices into float32; results keep the operands' dtype
    return np.matmul(a, b).astype(a.dtype, copy=False)


def conv(x, w, stride, padding, dilation, groups):
    o = w.shape[0]
    cols, out = _group_cols(x, w.shape[2:], stride, padding, dilation, groups)
    y = _matmul(w.reshape(groups, o // groups, cols.shape[1]), cols)  # (G, O/G, N*L)
    return np.ascontiguousarray(np.moveaxis(y.reshape((o, x.shape[0]) + out), 0, 1))


def conv_backward_input(g, w, spatial, stride, padding, dilation, groups):
    n, o = g.shape[:2]
    nd = g.ndim - 2
    kernel, out = w.shape[2:], g.shape[2:]
    c = w.shape[1] * groups
    w_t = w.reshape(groups, o // groups, w.shape[1] * math.prod(kernel)).transpose(0, 2, 1)  # (G, C/G*K, O/G)
    cols = _matmul(w_t, _group_grads(g, groups)).reshape((c,) + kernel + (n,) + out)
    return col2im(_batch_first(cols, nd), spatial, stride, padding, dilation)


def conv_backward_weight(x, g, kernel, stride, padding, dilation, groups):
    cols, _ = _group_cols(x, kernel, stride, padding, dilation, groups)
    o = g.shape[1]
    dw = _matmul(_group_grads(g, groups), cols.transpose(0, 2, 1))  # (G, O/G, C/G * K)
    return dw.reshape((o, x.shape[1] // groups) + tuple(kernel))
