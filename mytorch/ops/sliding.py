"""``Tensor.unfold(dim, size, step)``: every window of `size` consecutive entries along `dim`, starting
each `step` entries, as a view.

With n = (L - size) // step + 1 windows, the view replaces dim by the window index w (stride step * s) and
appends the position j in the window (stride s), s being dim's stride:

    y[..., w, ..., j] = x[..., w * step + j, ...]

Windows overlap when step < size, so an entry of x may appear several times in y; the gradient adds up
every appearance:  dL/dx[..., i, ...] = sum over (w, j) with w * step + j = i of dL/dy[..., w, ..., j],
which is `index_add` of dL/dy (the j dim moved beside w and merged with it) at the indices w * step + j.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from .creation import arange
from .gather_scatter import index_add


def _window_index(n: int, size: int, step: int, like: Tensor) -> Tensor:
    """The flat positions w * step + j of every (w, j), window-major."""
    w = arange(n, dtype=D.int64, device=like.device).reshape(n, 1) * step
    return (w + arange(size, dtype=D.int64, device=like.device).reshape(1, size)).reshape(-1)


class Unfold(Function):
    """y = the windows of x along dim (a view);  dx = index_add of dy at each window entry's position."""

    _grad_name = "UnfoldBackward0"

    @staticmethod
    def forward(ctx, x, dim, size, step):
        ctx.meta = (x.shape, dim, size, step)
        shape, strides = list(x.shape), list(x.stride())
        n = (shape[dim] - size) // step + 1 if x.ndim else 1
        if x.ndim:
            view_shape = shape[:dim] + [n] + shape[dim + 1:] + [size]
            view_strides = strides[:dim] + [strides[dim] * step] + strides[dim + 1:] + [strides[dim]]
        else:
            view_shape, view_strides = [size], [1]
        return x._view_of(x._backend.as_strided(x._data, view_shape, view_strides, 0))

    @staticmethod
    def backward(ctx, g):
        shape, dim, size, step = ctx.meta
        if not shape:
            return g.reshape(()), None, None, None
        n = g.shape[dim]
        merged = g.movedim(-1, dim + 1).reshape(*shape[:dim], n * size, *shape[dim + 1:])
        return index_add(g.new_zeros(shape), dim, _window_index(n, size, step, g), merged), None, None, None


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """The windows of `size` entries along `dimension`, one every `step` entries, as a view with the window
    index in place of `dimension` and the position in the window as a new last dim."""
    d = input._wrap_dim(dimension, "unfold") if input.ndim else 0
    length = input.shape[d] if input.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    return Unfold.apply(input, d, size, step)


def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """`Tensor.unfold`, as a new tensor instead of a view."""
    return unfold(input, dimension, size, step).clone()


__all__ = ["unfold_copy"]
METHODS = {"unfold": unfold}
