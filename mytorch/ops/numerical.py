"""Finite differences and integrals along a dim, composed of slices (`narrow`), sums and scans, so their
derivatives follow by autograd through the parts.

diff:         out_i = x_(i+1) - x_i, n times (logical xor for bool), after prepend/append
gradient:     central differences on (possibly uneven) coordinates, second order inside:
              f'_i = (h_(i-1)^2 f_(i+1) - h_i^2 f_(i-1) + (h_i^2 - h_(i-1)^2) f_i) / (h_(i-1) h_i (h_(i-1) + h_i)),
              h_i = x_(i+1) - x_i; at the edges one-sided differences of order edge_order (as NumPy's)
trapezoid:    sum_i (x_(i+1) - x_i) (y_(i+1) + y_i) / 2;  cumulative_trapezoid: its running sums
logcumsumexp: out_i = ln sum_(j<=i) e^(x_j), a scan of logaddexp
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import float_dtype, wrap_dims
from .joining import cat
from .pointwise_composite import logaddexp


def _slice(x: Tensor, dim: int, start: int, stop: int | None = None) -> Tensor:
    n = x.shape[dim]
    stop = n if stop is None else (stop if stop >= 0 else n + stop)
    return x.narrow(dim, start, max(stop - start, 0))


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """n-th forward difference along dim: out[i] = x[i+1] - x[i] (applied n times, after prepend/append are joined); linear, so the gradient is the adjoint difference."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    (dim,) = wrap_dims(dim, input.ndim, "diff")
    x = cat([t for t in (prepend, input, append) if t is not None], dim) if prepend is not None or append is not None \
        else input
    for _ in range(n):
        if x.shape[dim] == 0:
            break
        hi, lo = _slice(x, dim, 1), _slice(x, dim, 0, -1)
        x = hi ^ lo if x.dtype is D.bool_ else hi - lo
    return x


def _along(v: Tensor, dim: int, ndim: int) -> Tensor:
    """A 1-D tensor shaped to broadcast along dim of an ndim tensor."""
    return v.reshape([-1 if d == dim else 1 for d in range(ndim)])


def _gradient_dim(f: Tensor, dim: int, spacing, edge_order: int) -> Tensor:
    """df/dx along dim; spacing is a number (uniform step) or a 1-D tensor of coordinates."""
    n = f.shape[dim]
    first = lambda k: _slice(f, dim, k, k + 1)  # noqa: E731
    last = lambda k: _slice(f, dim, n - 1 - k, n - k)  # noqa: E731
    if not isinstance(spacing, Tensor):
        h = float(spacing)
        inner = (_slice(f, dim, 2) - _slice(f, dim, 0, -2)) / (2 * h)
        if edge_order == 1:
            lo, hi = (first(1) - first(0)) / h, (last(0) - last(1)) / h
        else:
            lo = (first(0) * -1.5 + first(1) * 2 - first(2) * 0.5) / h
            hi = (last(2) * 0.5 - last(1) * 2 + last(0) * 1.5) / h
        return cat([lo, inner, hi], dim)
    x = spacing.to(f.dtype) if spacing.dtype is not f.dtype else spacing
    step = x[1:] - x[:-1]
    h0, h1 = _along(step[:-1], dim, f.ndim), _along(step[1:], dim, f.ndim)  # h_(i-1), h_i for the inner points
    inner = (h0 * h0 * _slice(f, dim, 2) - h1 * h1 * _slice(f, dim, 0, -2)
             + (h1 * h1 - h0 * h0) * _slice(f, dim, 1, -1)) / (h0 * h1 * (h0 + h1))
    if edge_order == 1:
        lo, hi = (first(1) - first(0)) / step[0], (last(0) - last(1)) / step[-1]
    else:
        a, b = step[0], step[1]
        lo = (first(0) * -(2 * a + b) / (a * (a + b)) + first(1) * (a + b) / (a * b) - first(2) * a / (b * (a + b)))
        a, b = step[-2], step[-1]
        hi = (last(2) * b / (a * (a + b)) - last(1) * (a + b) / (a * b) + last(0) * (2 * b + a) / (b * (a + b)))
    return cat([lo, inner, hi], dim)


def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1) -> tuple[Tensor, ...]:
    """The derivative estimate along each of `dim` (all dims by default), as NumPy's gradient: spacing is one
    number, one per dim, or one coordinate tensor per dim."""
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = tuple(range(input.ndim)) if dim is None else wrap_dims(dim, input.ndim, "gradient")
    if spacing is None:
        spacing = 1
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                               f"arguments to have the same length, but got a spacing argument of length "
                               f"{len(spacing)} and a dim argument of length {len(dims)}.")
        steps = list(spacing)
    else:
        steps = [spacing] * len(dims)
    f = input if input.dtype.is_floating_point or input.dtype.is_complex else input.to(float_dtype(input.dtype))
    for d in dims:
        if f.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    return tuple(_gradient_dim(f, d, s.item() if isinstance(s, Tensor) and s.ndim == 0 else s, edge_order)
                 for d, s in zip(dims, steps))


def _steps(y: Tensor, x: Tensor | None, dx: float | None, dim: int):
    """The interval widths along dim: dx (a number), or the differences of x (1-D, or broadcast against y)."""
    if x is None:
        return 1.0 if dx is None else dx
    if x.ndim == 1:
        return _along(x[1:] - x[:-1], dim, y.ndim)
    return _slice(x, dim, 1) - _slice(x, dim, 0, -1)


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """Trapezoidal rule along dim: sum_i (x[i+1] - x[i]) (y[i] + y[i+1]) / 2 (spacing dx, 1 by default, when x is not given); linear in y."""
    (dim,) = wrap_dims(dim, y.ndim, "trapezoid")
    if y.shape[dim] == 0:
        return (y.sum(dim) if y.dtype.is_floating_point else y.sum(dim)) * 0
    widths = _steps(y, x, dx, dim)
    return ((_slice(y, dim, 1) + _slice(y, dim, 0, -1)) * widths).sum(dim) / 2


trapz = trapezoid


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """Running trapezoidal rule along dim: out[k] = sum_{i<=k} (x[i+1] - x[i]) (y[i] + y[i+1]) / 2; linear in y."""
    (dim,) = wrap_dims(dim, y.ndim, "cumulative_trapezoid")
    widths = _steps(y, x, dx, dim)
    return ((_slice(y, dim, 1) + _slice(y, dim, 0, -1)) * widths / 2).cumsum(dim)


def _scan_logaddexp(y: Tensor, dim: int) -> Tensor:
    """Hillis-Steele: after the step with offset k, position i holds the log-sum-exp of the 2k entries up to i
    (log2(n) steps of one logaddexp each)."""
    n = y.shape[dim]
    offset = 1
    while offset < n:
        y = cat([_slice(y, dim, 0, offset), logaddexp(_slice(y, dim, offset), _slice(y, dim, 0, n - offset))], dim)
        offset *= 2
    return y if n > 1 else y.clone()


# The scan's working type, PyTorch's CPU accumulation type: double for float and cfloat (so a float32 output is
# the correctly rounded one, and the backward, built of reversed scans, rounds as PyTorch's does), float for the
# half types.
_SCAN_DTYPE = {D.float32: D.float64, D.complex64: D.complex128, D.float16: D.float32, D.bfloat16: D.float32}


class LogCumSumExp(Function):
    """out_i = ln sum_(j<=i) e^(x_j), a scan of stable logaddexp steps (no e^x is formed, so a small prefix keeps
    its precision beside a huge later value);
    dx_i = sum_(j>=i) g_j e^(x_i - out_j), summed in log space for the positive and the negative g_j apart,
    with reversed logcumsumexps (PyTorch's formula, which is differentiable again). For complex x the
    derivative is conjugated, dx_i = e^(conj(x_i)) sum_(j>=i) g_j e^(-conj(out_j)), and the complex log carries
    g's signs and phases, so one reversed logcumsumexp of ln g - conj(out) does."""

    _grad_name = "LogcumsumexpBackward0"

    @staticmethod
    def forward(ctx, x, dim):
        out = _scan_logaddexp(x.to(_SCAN_DTYPE.get(x.dtype, x.dtype)), dim).to(x.dtype)
        ctx.dim = dim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        dim = ctx.dim

        def reverse_logcumsumexp(t: Tensor) -> Tensor:
            return LogCumSumExp.apply(t.flip(dim), dim).flip(dim)

        if x.dtype.is_complex:
            return (reverse_logcumsumexp(g.log() - out.conj()) + x.conj()).exp(), None
        lowest = D.finfo(g.dtype).min
        log_g = g.abs().log()
        positive = reverse_logcumsumexp(log_g.masked_fill(~(g > 0), lowest) - out) + x
        negative = reverse_logcumsumexp(log_g.masked_fill(~(g < 0), lowest) - out) + x
        return positive.exp() - negative.exp(), None


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """out[k] = log sum_{i<=k} exp(x[i]) along dim, computed stably; d out[k] / d x[i] = exp(x[i] - out[k]) for i <= k."""
    (dim,) = wrap_dims(dim, max(input.ndim, 1), "logcumsumexp")
    x = input if input.dtype.is_floating_point or input.dtype.is_complex else input.to(float_dtype(input.dtype))
    if x.ndim == 0:
        return LogCumSumExp.apply(x.reshape(1), 0).reshape(())
    return LogCumSumExp.apply(x, dim)


__all__ = ["diff", "gradient", "trapezoid", "trapz", "cumulative_trapezoid", "logcumsumexp"]
METHODS = {"diff": diff, "logcumsumexp": logcumsumexp}
