"""Reductions over one dim, a tuple of dims, or all dims (``keepdim`` as in PyTorch).

The gradient of a reduction is spread back over the reduced dims: `_expand_back`
re-inserts them (size 1) and broadcasts to the input's shape.
"""
from __future__ import annotations

from collections import namedtuple

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import reject_complex, wrap_dims

values_indices = {name: namedtuple(name, ["values", "indices"]) for name in ("max", "min", "sort", "topk",
                                                                             "kthvalue", "mode", "median", "nanmedian",
                                                                             "cummax", "cummin")}


def _axes(x: Tensor, dim, op: str) -> tuple[int, ...] | None:
    """Reduced axes, or None for all of them (also for a 0-d input, whose dim 0 / -1 is itself)."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    axes = wrap_dims(dim, x.ndim, op)
    return axes if x.ndim else None


def _expand_back(g: Tensor, shape: tuple, axes: tuple | None, keepdim: bool) -> Tensor:
    """Undo a reduction's shape: g (reduced shape) -> broadcast view of the input's shape."""
    if not keepdim and shape:
        kept = tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape))
        g = g.reshape(kept)
    return g.expand(shape)


def _count(shape: tuple, axes: tuple | None) -> int:
    n = 1
    for i, s in enumerate(shape):
        if axes is None or i in axes:
            n *= s
    return n


class Sum(Function):
    """y = sum_i x_i over the reduced dims;  dy/dx_i = 1."""

    _grad_name = "SumBackward1"

    @staticmethod
    def forward(ctx, x, axes, keepdim, dt):
        be = x._backend
        data = x._data
        src = be.dtype_of(data)
        target = dt or (src if src._differentiable else D.int64)
        if target is not src:
            data = be.cast(data, target)
        ctx.meta = (x._data.shape, axes, keepdim)
        if axes is None:
            ctx._name = "SumBackward0"
        return Tensor._make(be.sum(data, axes, keepdim), be)

    @staticmethod
    def backward(ctx, g):
        shape, axes, keepdim = ctx.meta
        return _expand_back(g, shape, axes, keepdim), None, None, None


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype: D.dtype | None = None) -> Tensor:
    """Sum over `dim` (all dims when None); integer and bool inputs sum in int64. A sparse tensor sums by its own
    method (``torch.sum(csr, 1, keepdim=True)``)."""
    if isinstance(input, Tensor) and input.layout != "strided":
        return input.sum(dim, keepdim, dtype)
    return Sum.apply(input, None if dim is None else _axes(input, dim, "sum"), keepdim, dtype)


class Mean(Function):
    """y = (1/n) sum_i x_i;  dy/dx_i = 1/n."""

    _grad_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, x, axes, keepdim, dt):
        be = x._backend
        data = x._data
        src = be.dtype_of(data)
        if dt is not None and dt is not src:
            data = be.cast(data, dt)
        elif not src._differentiable:
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                               f"or complex dtype. Got: {src.scalar_name}")
        n = _count(x.shape, axes)
        ctx.meta = (x.shape, axes, keepdim, n)
        if axes is None:
            ctx._name = "MeanBackward0"
        s = be.sum(data, axes, keepdim)
        return Tensor._make(be.div(s, n), be)

    @staticmethod
    def backward(ctx, g):
        shape, axes, keepdim, n = ctx.meta
        return _expand_back(g / n, shape, axes, keepdim), None, None, None


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype: D.dtype | None = None) -> Tensor:
    """Arithmetic mean over `dim`; floating inputs only (as PyTorch)."""
    return Mean.apply(input, _axes(input, dim, "mean"), keepdim, dtype)


class Extreme(Function):
    """y = max (or min) over the reduced dims;  the gradient is shared evenly by the tied extremes."""

    _grad_name = "AmaxBackward0"

    @staticmethod
    def forward(ctx, x, axes, keepdim, name):
        be = x._backend
        kernel = {"max": "max_all", "min": "min_all", "amax": "max_values_cpu", "amin": "min_values_cpu"}[name]
        reject_complex(x, f"\"{kernel}\" not implemented for '{{dtype}}'", NotImplementedError)
        if x.numel() == 0:  # an empty line has no extreme; empty lines are fine while each is not
            if axes is None:
                raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                                   "Specify the reduction dim with the 'dim' argument.")
            for d in axes:
                if x.shape[d] == 0:
                    raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        y = Tensor._make(getattr(be, "amax" if name in ("amax", "max") else "amin")(x._data, axes, keepdim), be)
        ctx._name = {"max": "MaxBackward1", "min": "MinBackward1", "amax": "AmaxBackward0", "amin": "AminBackward0"}[name]
        ctx.save_for_backward(x, y)
        ctx.meta = (axes, keepdim)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        axes, keepdim = ctx.meta
        mask = (x == _expand_back(y, x.shape, axes, keepdim)).to(g.dtype)
        count = mask.sum(axes, keepdim=True) if axes is not None else mask.sum()
        return _expand_back(g, x.shape, axes, keepdim) * mask / count, None, None, None


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The largest value over the dims `dim` (all dims when empty);  the gradient is shared evenly by the entries
    equal to the maximum.
    """
    return Extreme.apply(input, _axes(input, dim, "amax"), keepdim, "amax")


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The smallest value over the dims `dim` (all dims when empty);  the gradient is shared evenly by the entries
    equal to the minimum.
    """
    return Extreme.apply(input, _axes(input, dim, "amin"), keepdim, "amin")


class ExtremeDim(Function):
    """(values, indices) = max (or min) along one dim;  the gradient goes to the chosen index."""

    _grad_name = "MaxBackward0"

    @staticmethod
    def forward(ctx, x, dim, keepdim, name):
        be = x._backend
        reject_complex(x, f"{name}(): does not support complex input")
        if x.shape and x.shape[dim] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
        arg = be.argmax if name == "max" else be.argmin
        idx = arg(x._data, dim if x.ndim else None, True)
        values = be.gather(x._data, dim, idx) if x.ndim else x._data
        if not keepdim and x.ndim:
            idx = be.view(idx, tuple(s for i, s in enumerate(idx.shape) if i != dim))
            values = be.view(values, idx.shape)
        ctx.meta = (x.shape, dim, keepdim)
        ctx._name = "MaxBackward0" if name == "max" else "MinBackward0"
        indices = Tensor._make(be.cast(idx, D.int64), be)
        ctx.save_for_backward(indices)
        return Tensor._make(be.copy(values), be), indices

    @staticmethod
    def backward(ctx, g, _):
        (indices,) = ctx.saved_tensors
        shape, dim, keepdim = ctx.meta
        if not shape:
            return g, None, None, None
        if not keepdim:
            g, indices = g.unsqueeze(dim), indices.unsqueeze(dim)
        return g.new_zeros(shape).scatter(dim, indices, g), None, None, None


def _max_min(name: str, input: Tensor, dim=None, keepdim: bool = False):
    if dim is None:
        return Extreme.apply(input, None, False, name)
    if isinstance(dim, Tensor):
        from .binary import maximum, minimum
        return (maximum if name == "max" else minimum)(input, dim)
    d = input._wrap_dim(dim, name)
    return values_indices[name](*ExtremeDim.apply(input, d, keepdim, name))


def max(input: Tensor, dim=None, keepdim: bool = False):
    """max(input) -> the largest value; max(input, dim) -> (values, indices); max(input, other) -> maximum."""
    return _max_min("max", input, dim, keepdim)


def min(input: Tensor, dim=None, keepdim: bool = False):
    """min(input) -> the smallest value; min(input, dim) -> (values, indices); min(input, other) -> minimum."""
    return _max_min("min", input, dim, keepdim)


def _arg(name: str, input: Tensor, dim, keepdim: bool) -> Tensor:
    be = input._backend
    reject_complex(input, f"{name}(): does not support complex input")
    if input.numel() == 0:
        raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
    if dim is None:
        flat = be.view(input._data, (-1,))
        flat = flat if flat is not None else be.copy(input._data).reshape(-1)
        out = getattr(be, name)(flat, 0, False)
        if keepdim:
            out = be.view(out, (1,) * input.ndim)
    else:
        d = input._wrap_dim(dim, name)
        out = getattr(be, name)(input._data, d if input.ndim else None, keepdim)
    return Tensor._make(be.cast(out, D.int64), be)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the (first) largest value, over all elements or along `dim`; int64, no gradient."""
    return _arg("argmax", input, dim, keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the (first) smallest value, over all elements or along `dim`; int64, no gradient."""
    return _arg("argmin", input, dim, keepdim)


def _logical_reduce(name: str):
    def reduce(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
        be = input._backend
        out = getattr(be, name)(input._data, _axes(input, dim, name), keepdim)
        # a uint8 input gives uint8 0 / 1, as in PyTorch (from before it had bool tensors)
        return Tensor._make(be.cast(out, D.uint8) if input.dtype is D.uint8 else out, be)
    reduce.__name__ = name
    reduce.__doc__ = f"Whether {name} elements are true (nonzero) over `dim`; a bool tensor (uint8 for uint8 input)."
    return reduce


all, any = _logical_reduce("all"), _logical_reduce("any")


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """The number of entries != 0 over `dim` (all when None), as int64; no gradient."""
    return sum(input != 0, dim)


__all__ = ["sum", "mean", "amax", "amin", "max", "min", "argmax", "argmin", "all", "any", "count_nonzero"]
METHODS = {name: globals()[name] for name in __all__}
