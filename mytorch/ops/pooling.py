"""Sliding windows and pooling: unfold/fold (im2col and its adjoint), max, average and power-average pooling
(1-D/2-D/3-D), adaptive average and max pooling.

Windows: with kernel k, stride s, padding p and dilation d, output position o covers the input positions
o * s + i * d - p for i = 0..k-1 (per spatial dim). `Unfold` (the backend's im2col) copies them out as
cols[n, c, *i, *o]; `Fold` (col2im) is its adjoint, adding each column entry back where it came from.
Each is the other's derivative: for cols = unfold(x), dx = fold(dcols); for x = fold(cols),
dcols = unfold(dx). Pooling is a reduction over the kernel axes of the windows:

    max_pool:  y[o] = max_i x[o * s + i * d - p] (padding never wins);   dx[argmax position] += dy[o]
    avg_pool:  y[o] = sum_i x[o * s + i - p] / count[o];   dx = fold(dy / count) (through Unfold)
    adaptive_avg_pool:  window j of a dim of size n pooled to m covers [floor(j n / m), ceil((j + 1) n / m));
        averaging those is a matrix A (m x n, 1/len on each window) applied along each dim:
        y = A_h x A_w^T, so dx = A_h^T dy A_w (matmul's backward).
    adaptive_max_pool:  the same windows, y[o] = x[index[o]] with index[o] the position of the window's first
        maximum (row-major); dx[index[o]] += dy[o] (gather's backward).
    lp_pool:  y[o] = (sum_i x[o * s + i]^p)^(1/p), PyTorch's (sign(a) relu(|a|) K)^(1/p) of the average a of
        x^p over the K window positions; the derivative follows those ops.
"""
from __future__ import annotations

import math
from typing import Any

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from .conv import Pads, check_tensor, expand_param
from ._tensor_backend import fused
from ._opmath import opmath
from .creation import tensor
from ._autocast import FP32, autocast_policy


class Unfold(Function):
    """cols[n, c, *i, *o] = x[n, c, *(o * s + i * d - p)] (0 in the padding);  dx = fold(dcols)."""

    _grad_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation):
        be = x._backend
        ctx.spatial = x._data.shape[2:]
        ctx.geometry = (stride, padding, dilation)
        return Tensor._make(be.im2col(x._data, kernel, stride, padding, dilation, 0), be)

    @staticmethod
    def backward(ctx, g):
        return Fold.apply(g, ctx.spatial, *ctx.geometry), None, None, None, None


class Fold(Function):
    """x[n, c, *(o * s + i * d - p)] += cols[n, c, *i, *o] (padding dropped);  dcols = unfold(dx)."""

    _grad_name = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, cols, spatial, stride, padding, dilation):
        be = cols._backend
        ctx.kernel = cols._data.shape[2:2 + len(spatial)]
        ctx.geometry = (stride, padding, dilation)
        return Tensor._make(be.col2im(cols._data, spatial, stride, padding, dilation), be)

    @staticmethod
    def backward(ctx, g):
        return Unfold.apply(g, ctx.kernel, *ctx.geometry), None, None, None, None


class MaxPool(Function):
    """y[o] = max_i x[o * s + i * d - p], and the flat input index of that maximum (the first one on ties);
    dx[index[o]] += dy[o]: each output's gradient goes to the position it was read from. Both run the
    backend's `max_pool` primitives (their composite bodies: `backends/_composite.py`)."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation):
        ctx._name = f"MaxPool{len(kernel)}DWithIndicesBackward0"
        y, indices = fused("max_pool", x, kernel, stride, padding, dilation)
        ctx.mark_non_differentiable(indices)
        ctx.indices = indices
        ctx.spatial = x.shape[2:]
        ctx.geometry = (kernel, stride, padding, dilation)
        return y, indices

    @staticmethod
    def backward(ctx, g, _):
        return fused("max_pool_backward", g, ctx.indices, ctx.spatial, *ctx.geometry), None, None, None, None


# ---- window geometry and argument checks -------------------------------------------------------------

def _param(op: str, name: str, value: Any, nd: int) -> tuple:
    t = expand_param(value, nd)
    if t is None:
        raise RuntimeError(f"{op}: {name} must either be a single int, or a tuple of {nd} ints, but got {value}")
    return t


def _batched(op: str, x: Any, nd: int) -> tuple[Tensor, bool]:
    """x with a batch dim, and whether one was added; RuntimeError unless x is (N, C, *spatial) or (C, *spatial)."""
    check_tensor(x, op)
    if x.ndim not in (nd + 1, nd + 2) or any(n == 0 for n in x.shape[-nd - 1:]):
        raise RuntimeError(f"{op}(): Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input with non-zero "
                           f"channel and spatial sizes, but got input of size: {list(x.shape)}")
    return (x.unsqueeze(0), True) if x.ndim == nd + 1 else (x, False)


def _windows(op: str, x: Tensor, nd: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
             ceil_mode: bool) -> tuple[tuple, tuple, Pads, tuple, tuple]:
    """(kernel, stride, padding pairs, dilation, out) of a pooling; the after-padding makes the windows end
    exactly at the last output (more for ceil_mode, possibly negative where floor mode drops inputs)."""
    kernel = _param(op, "kernel_size", kernel_size, nd)
    stride = kernel if stride is None or stride == [] else _param(op, "stride", stride, nd)
    pad = _param(op, "padding", padding, nd)
    dilation = _param(op, "dilation", dilation, nd)
    for name, values, low in (("kernel size", kernel, 1), ("stride", stride, 1), ("dilation", dilation, 1),
                              ("padding", pad, 0)):
        if any(v < low for v in values):
            raise RuntimeError(f"{op}: {name} should be {'greater than zero' if low else 'non-negative'}, but got "
                               f"{list(values)}")
    out = []
    for n, k, s, p, d in zip(x.shape[2:], kernel, stride, pad, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
        span = n + 2 * p - d * (k - 1) - 1
        o = (span + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (o - 1) * s >= n + p:  # the last window must start inside the input or left padding
            o -= 1
        out.append(o)
    if any(o < 1 for o in out):
        sizes = "x".join(map(str, x.shape[1:]))
        raise RuntimeError(f"{op}: Given input size: ({sizes}). Calculated output size: "
                           f"({'x'.join(map(str, [x.shape[1]] + out))}). Output size is too small")
    pads = tuple((p, (o - 1) * s + d * (k - 1) + 1 - n - p)
                 for n, k, s, p, d, o in zip(x.shape[2:], kernel, stride, pad, dilation, out))
    return kernel, stride, pads, dilation, tuple(out)


# ---- max and average pooling -------------------------------------------------------------------------

def _max_pool(op: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool, return_indices: bool):
    x, single = _batched(op, input, nd)
    kernel, stride, pads, dilation, _ = _windows(op, x, nd, kernel_size, stride, padding, dilation, ceil_mode)
    y, indices = MaxPool.apply(x, kernel, stride, pads, dilation)
    if single:
        y, indices = y.squeeze(0), indices.squeeze(0)
    return (y, indices) if return_indices else y


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False):
    """y[n, c, o] = max over the window of input (N, C, L) or (C, L); with return_indices also the index
    of each maximum in L. stride defaults to kernel_size; padding (at most half the kernel) reads -inf."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False):
    """y[n, c, oh, ow] = max over the window of input (N, C, H, W) or (C, H, W); with return_indices also
    each maximum's flat index h * W + w. stride defaults to kernel_size; padding reads -inf."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False):
    """y[n, c, od, oh, ow] = max over the window of input (N, C, D, H, W) or (C, D, H, W); with return_indices
    also each maximum's flat index (d * H + h) * W + w. stride defaults to kernel_size; padding reads -inf."""
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_pool(op: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
              count_include_pad: bool, divisor_override: int | None) -> Tensor:
    x, single = _batched(op, input, nd)
    kernel, stride, pads, dilation, out = _windows(op, x, nd, kernel_size, stride, padding, 1, ceil_mode)
    total = Unfold.apply(x, kernel, stride, pads, dilation).sum(tuple(range(2, 2 + nd)))
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(f"{op}: divisor must be not zero")
        divisor = divisor_override
    else:
        divisor = _window_counts(x.shape[2:], kernel, stride, pads, out, count_include_pad,
                                 x.dtype if x.dtype.is_floating_point else D.int64)
    y = total / divisor if x.dtype.is_floating_point else total.div(divisor, rounding_mode="trunc")
    return y.squeeze(0) if single else y


def _window_counts(spatial, kernel, stride, pads, out, include_pad: bool, dt: D.dtype) -> int | Tensor:
    """The divisor of each output of an average pooling (an int when all are equal): the window's size
    clipped to the padded input (include_pad) or to the input itself; a product of one factor per dim."""
    per_dim = []
    for n, k, s, (p, _), o in zip(spatial, kernel, stride, pads, out):
        counts = []
        for j in range(o):
            start = j * s - p
            end = min(start + k, n + p)
            counts.append(end - start if include_pad else min(end, n) - max(start, 0))
        per_dim.append(counts)
    if all(len(set(c)) == 1 for c in per_dim):
        return math.prod(c[0] for c in per_dim)
    divisor = 1
    for d, counts in enumerate(per_dim):
        divisor = divisor * tensor(counts, dtype=dt).reshape((-1,) + (1,) * (len(per_dim) - 1 - d))
    return divisor


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """y[n, c, o] = mean of input (N, C, L) or (C, L) over the window; padding (zeros) counts in the mean
    when count_include_pad. stride defaults to kernel_size."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """y[n, c, oh, ow] = mean of input (N, C, H, W) or (C, H, W) over the window (sum / divisor_override
    when given); padding (zeros) counts in the mean when count_include_pad. stride defaults to kernel_size."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """y[n, c, od, oh, ow] = mean of input (N, C, D, H, W) or (C, D, H, W) over the window (sum /
    divisor_override when given); padding (zeros) counts in the mean when count_include_pad."""
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# ---- adaptive average pooling --------------------------------------------------------------------------

def _average_matrix(n: int, m: int, like: Tensor) -> Tensor:
    """A (m x n): row j averages window j = [floor(j n / m), ceil((j + 1) n / m)) of a dim of size n."""
    rows = [[1 / (hi - lo) if lo <= i < hi else 0.0 for i in range(n)] for lo, hi in _window_bounds(n, m)]
    return tensor(rows, dtype=like.dtype).reshape(m, n)


def _adaptive_sizes(op: str, nd: int, input: Tensor, output_size: Any) -> tuple:
    """The output size per spatial dim (None entries keep the input's), after PyTorch's checks of input and size."""
    check_tensor(input, op)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(input.shape)}")
    for d in range(1, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but "
                               f"input has sizes {list(input.shape)} with dimension {d} being empty")
    sizes = (output_size,) * nd if isinstance(output_size, int) or output_size is None else tuple(output_size)
    if len(sizes) != nd or not all(s is None or isinstance(s, int) and s >= 0 for s in sizes):
        raise RuntimeError(f"{op}: output_size must be {nd} non-negative ints (or None), but got {output_size}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{op}(): \"{op}\" not implemented for {input.dtype} input; expected a floating point "
                           f"dtype")
    return tuple(n if m is None else m for n, m in zip(input.shape[-nd:], sizes))


def _window_bounds(n: int, m: int) -> list[tuple[int, int]]:
    """Adaptive window j of a dim of size n pooled to m: [floor(j n / m), ceil((j + 1) n / m))."""
    return [(j * n // m, -(-(j + 1) * n // m)) for j in range(m)]


def _adaptive_avg_pool(op: str, nd: int, input: Tensor, output_size: Any) -> Tensor:
    sizes = _adaptive_sizes(op, nd, input, output_size)
    y = input
    for d, (n, m) in enumerate(zip(input.shape[-nd:], sizes)):
        if m == n:
            continue
        a = _average_matrix(n, m, input)
        axis = input.ndim - nd + d
        y = y @ a.mT if d == nd - 1 else (y.movedim(axis, -1) @ a.mT).movedim(-1, axis)
    return y if y is not input else y.clone()


@opmath
def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of input (N, C, L) or (C, L) to length output_size with windows
    [floor(j L / m), ceil((j + 1) L / m))."""
    return _adaptive_avg_pool("adaptive_avg_pool1d", 1, input, output_size)


@opmath
def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of input (N, C, H, W) or (C, H, W) to output_size (an int, or a pair whose None
    entries keep the input's size), windows as in adaptive_avg_pool1d per dim."""
    return _adaptive_avg_pool("adaptive_avg_pool2d", 2, input, output_size)


@autocast_policy(FP32)
@opmath
def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of input (N, C, D, H, W) or (C, D, H, W) to output_size (an int, or a triple whose None
    entries keep the input's size), windows as in adaptive_avg_pool1d per dim."""
    return _adaptive_avg_pool("adaptive_avg_pool3d", 3, input, output_size)


# ---- adaptive max pooling -----------------------------------------------------------------------------

def _adaptive_argmax(x: Tensor, nd: int, sizes: tuple) -> Tensor:
    """The flat position (within each plane of the last nd dims) of the first maximum of every adaptive
    window. A box's maximum is the maximum over its last dim, then over the one before, ...: reducing the
    last dim first keeps, on ties, the first maximum in row-major order (as PyTorch's scan does)."""
    spatial = x.shape[-nd:]
    index = None
    for d in reversed(range(nd)):
        axis = x.ndim - nd + d
        bounds = _window_bounds(spatial[d], sizes[d])
        k = max(hi - lo for lo, hi in bounds)
        # each window's positions, padded to k by repeating its last one (a repeat never wins a tie)
        starts = tensor([[min(lo + i, hi - 1) for i in range(k)] for lo, hi in bounds], dtype=D.int64)
        windows = x.index_select(axis, starts.reshape(-1)).unflatten(axis, (sizes[d], k))
        x, arg = windows.max(axis + 1)
        picked = starts.reshape((sizes[d], k) + (1,) * (nd - 1 - d)).expand(windows.shape)
        src = picked.gather(axis + 1, arg.unsqueeze(axis + 1)).squeeze(axis + 1)
        stride = math.prod(spatial[d + 1:])  # of dim d in a plane's flat positions
        index = src * stride if index is None else src * stride + index.gather(axis, src)
    return index


def _adaptive_max_pool(op: str, nd: int, input: Tensor, output_size: Any, return_indices: bool):
    sizes = _adaptive_sizes(op, nd, input, output_size)
    with no_grad():
        index = _adaptive_argmax(input.detach(), nd, sizes)
    lead = tuple(input.shape[:-nd])
    y = input.reshape(lead + (-1,)).gather(-1, index.reshape(lead + (-1,))).reshape(index.shape)
    return (y, index) if return_indices else y


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False):
    """Max pooling of input (N, C, L) or (C, L) to length output_size over the windows
    [floor(j L / m), ceil((j + 1) L / m)); with return_indices also each maximum's position in L."""
    return _adaptive_max_pool("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False):
    """Max pooling of input (N, C, H, W) or (C, H, W) to output_size (an int, or a pair whose None entries keep
    the input's size), adaptive windows per dim; with return_indices also each maximum's flat index h * W + w."""
    return _adaptive_max_pool("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False):
    """Max pooling of input (N, C, D, H, W) or (C, D, H, W) to output_size, adaptive windows per dim; with
    return_indices also each maximum's flat index (d * H + h) * W + w."""
    return _adaptive_max_pool("adaptive_max_pool3d", 3, input, output_size, return_indices)


# ---- power-average pooling ---------------------------------------------------------------------------

def _lp_pool(nd: int, input: Tensor, norm_type: float, kernel_size: Any, stride: Any, ceil_mode: bool) -> Tensor:
    avg_pool = (avg_pool1d, avg_pool2d, avg_pool3d)[nd - 1]
    kernel = _param(f"lp_pool{nd}d", "kernel_size", kernel_size, nd)
    a = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (a.sign() * a.abs().relu()).mul(math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """y = (sum over each window of x^p)^(1/p) of input (N, C, L) or (C, L); p = inf would be max pooling."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """y = (sum over each window of x^p)^(1/p) of input (N, C, H, W) or (C, H, W)."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """y = (sum over each window of x^p)^(1/p) of input (N, C, D, H, W) or (C, D, H, W)."""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


# ---- unfold / fold (PyTorch's im2col API) --------------------------------------------------------------

def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """Sliding windows of input (N, C, H, W) or (C, H, W) as columns (N, C * kh * kw, L)."""
    x, single = _batched("unfold", input, 2)
    kernel, dilation, pad, stride = (_param("unfold", name, v, 2) for name, v in
                                     (("kernel_size", kernel_size), ("dilation", dilation), ("padding", padding),
                                      ("stride", stride)))
    pads = tuple((p, p) for p in pad)
    n, c = x.shape[:2]
    cols = Unfold.apply(x, kernel, stride, pads, dilation)  # (N, C, kh, kw, oh, ow)
    y = cols.reshape(n, c * math.prod(kernel), math.prod(cols.shape[4:]))  # sizes, not -1: N may be 0
    return y.squeeze(0) if single else y


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """The adjoint of unfold: sums columns (N, C * kh * kw, L) back into an (N, C, *output_size) image."""
    check_tensor(input, "fold")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"fold(): Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size "
                           f"and non-zero dimensions, but got input of size: {list(input.shape)}")
    spatial, kernel, dilation, pad, stride = (_param("fold", name, v, 2) for name, v in
                                              (("output_size", output_size), ("kernel_size", kernel_size),
                                               ("dilation", dilation), ("padding", padding), ("stride", stride)))
    cols = input.unsqueeze(0) if input.ndim == 2 else input
    k = math.prod(kernel)
    out = [(n + 2 * p - d * (kk - 1) - 1) // s + 1 for n, p, d, kk, s in zip(spatial, pad, dilation, kernel, stride)]
    if cols.shape[1] % k or cols.shape[2] != math.prod(out):
        raise RuntimeError(f"fold(): Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size ({k}) and size of input's dimension 2 to match the calculated number of "
                           f"sliding blocks {' * '.join(map(str, out))} = {math.prod(out)}, but got input of size "
                           f"{list(input.shape)}")
    n, ck = cols.shape[:2]
    pads = tuple((p, p) for p in pad)
    y = Fold.apply(cols.reshape((n, ck // k) + kernel + tuple(out)), spatial, stride, pads, dilation)
    return y.squeeze(0) if input.ndim == 2 else y


# torch's top-level pooling functions; the rest are nn.functional's only
__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "adaptive_avg_pool1d"]
METHODS: dict = {}
