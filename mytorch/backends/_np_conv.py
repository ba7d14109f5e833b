"""Convolution and sliding-window kernels of the NumPy backend (the contract: `base.Backend.conv` & co.).

Geometry, per spatial dim: output position ``o`` reads input position ``o * s + i * d - p`` for kernel
offset ``i`` (stride s, dilation d, padding p before the first element). Positions outside the input
are padding. Everything is vectorised over whole slices: for each kernel offset (kh * kw of them, never
per pixel) one strided slice of the input lines up with the output positions that read inside it.

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

def out_size(size: int, k: int, s: int, pad: tuple[int, int], d: int) -> int:
    """Number of window positions along one dim."""
    return (size + pad[0] + pad[1] - d * (k - 1) - 1) // s + 1


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
def _offsets(spatial, out, kernel, stride, padding, dilation) -> tuple:
    """(kernel index, output slices, input slices, covers all outputs) for every kernel offset that reads
    the input at all. Cached: a training loop asks for the same few geometries at every step."""
    per_dim = [_dim_offsets(*args) for args in
               zip(spatial, out, kernel, stride, (p[0] for p in padding), dilation)]
    res = []
    for combo in itertools.product(*per_dim):
        if None in combo:
            continue
        full = all(osl.stop - osl.start == n for (_, osl, _), n in zip(combo, out))
        res.append((tuple(c[0] for c in combo), tuple(c[1] for c in combo), tuple(c[2] for c in combo), full))
    return tuple(res)


def _key(kernel, stride, padding, dilation) -> tuple:
    """The geometry as hashable tuples (callers may pass lists)."""
    return tuple(kernel), tuple(stride), tuple(tuple(p) for p in padding), tuple(dilation)


def _unfold_into(dst, x, kernel, stride, padding, dilation, value) -> None:
    """dst[n, c, *i, *o] = x[n, c, *(o * s + i * d - p)] (value where that is padding); dst is any view
    with axes (N, C, *kernel, *out)."""
    nd = len(kernel)
    out = dst.shape[2 + nd:]
    offsets = _offsets(x.shape[2:], out, *_key(kernel, stride, padding, dilation))
    if len(offsets) < math.prod(kernel) or not all(full for *_, full in offsets):
        dst[...] = value
    lead = (slice(None), slice(None))
    for kidx, osl, isl, _ in offsets:
        dst[lead + kidx + osl] = x[lead + isl]


def _fold_into(dx, cols, stride, padding, dilation) -> None:
    """The adjoint of `_unfold_into`: dx[n, c, *(o * s + i * d - p)] += cols[n, c, *i, *o]; dx is zeroed."""
    nd = dx.ndim - 2
    kernel, out = cols.shape[2:2 + nd], cols.shape[2 + nd:]
    lead = (slice(None), slice(None))
    for kidx, osl, isl, _ in _offsets(dx.shape[2:], out, *_key(kernel, stride, padding, dilation)):
        dx[lead + isl] += cols[lead + kidx + osl]


def im2col(x, kernel, stride, padding, dilation, value):
    out = tuple(out_size(*a) for a in zip(x.shape[2:], kernel, stride, padding, dilation))
    cols = np.empty(x.shape[:2] + tuple(kernel) + out, dtype=x.dtype)
    _unfold_into(cols, x, kernel, stride, padding, dilation, value)
    return cols


def col2im(cols, spatial, stride, padding, dilation):
    dx = np.zeros(cols.shape[:2] + tuple(spatial), dtype=cols.dtype)
    _fold_into(dx, cols, stride, padding, dilation)
    return dx


def _batch_first(cols, nd: int):
    """Channel-major columns (C, *kernel, N, *out) seen with axes (N, C, *kernel, *out) (no copy)."""
    return cols.transpose((nd + 1, 0) + tuple(range(1, nd + 1)) + tuple(range(nd + 2, 2 * nd + 2)))


def _group_cols(x, kernel, stride, padding, dilation, groups):
    """im2col of x as (groups, C/groups * K, N * L) matrices (channel-major layout), and out."""
    n, c = x.shape[:2]
    nd = len(kernel)
    out = tuple(out_size(*a) for a in zip(x.shape[2:], kernel, stride, padding, dilation))
    buf = np.empty((c,) + tuple(kernel) + (n,) + out, dtype=x.dtype)
    _unfold_into(_batch_first(buf, nd), x, kernel, stride, padding, dilation, 0)
    return buf.reshape(groups, c // groups * math.prod(kernel), n * math.prod(out)), out


def _group_grads(g, groups):
    """g (N, O, *out) as (groups, O/groups, N * L) matrices (channel-major layout)."""
    n, o = g.shape[:2]
    return np.ascontiguousarray(np.moveaxis(g, 1, 0)).reshape(groups, o // groups, n * math.prod(g.shape[2:]))


def conv(x, w, stride, padding, dilation, groups):
    o = w.shape[0]
    cols, out = _group_cols(x, w.shape[2:], stride, padding, dilation, groups)
    y = np.matmul(w.reshape(groups, o // groups, cols.shape[1]), cols)  # (G, O/G, N*L)
    return np.ascontiguousarray(np.moveaxis(y.reshape((o, x.shape[0]) + out), 0, 1))


def conv_backward_input(g, w, spatial, stride, padding, dilation, groups):
    n, o = g.shape[:2]
    nd = g.ndim - 2
    kernel, out = w.shape[2:], g.shape[2:]
    c = w.shape[1] * groups
    w_t = w.reshape(groups, o // groups, w.shape[1] * math.prod(kernel)).transpose(0, 2, 1)  # (G, C/G*K, O/G)
    cols = np.matmul(w_t, _group_grads(g, groups)).reshape((c,) + kernel + (n,) + out)
    return col2im(_batch_first(cols, nd), spatial, stride, padding, dilation)


def conv_backward_weight(x, g, kernel, stride, padding, dilation, groups):
    cols, _ = _group_cols(x, kernel, stride, padding, dilation, groups)
    o = g.shape[1]
    dw = np.matmul(_group_grads(g, groups), cols.transpose(0, 2, 1))  # (G, O/G, C/G * K)
    return dw.reshape((o, x.shape[1] // groups) + tuple(kernel))
