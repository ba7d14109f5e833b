"""A backend whose arrays are Tensors: the fused primitives' composite bodies, made differentiable.

The default body of every fused primitive (`mytorch.backends._composite`) is written against the
backend contract and never writes in place. Run on `TENSOR_BACKEND`, each primitive it calls is a
differentiable tensor op, so the same code builds an autograd graph. That is how a fused op's
backward stays differentiable for ``create_graph=True`` (double backward, gradgradcheck) without a
second copy of its math: `fused` runs the device kernel on arrays normally, and the composite on
Tensors when grad mode is on during backward.
"""
from __future__ import annotations

from typing import Any

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import _GradState
from ..backends.base import BINARY_OPS, REDUCE_OPS, UNARY_OPS, Backend
from . import binary, creation, joining


class TensorBackend(Backend):
    """The primitives the composite bodies use, on Tensors through differentiable ops."""

    name = "tensor"

    def dtype_of(self, a: Tensor) -> D.dtype:
        return a.dtype

    def full(self, shape, value, dt):
        return creation.full(shape, value, dtype=dt)

    def arange(self, start, end, step, dt):
        return creation.arange(start, end, step, dtype=dt)

    def cast(self, a, dt):
        return a.to(dt)

    def copy(self, a):
        return a.clone()

    def to_host(self, a):
        return a.detach().numpy()

    def view(self, a, shape):
        return a.reshape(shape)

    def permute(self, a, dims):
        return a.permute(tuple(dims))

    def expand(self, a, shape):
        return a.expand(shape)

    def basic_index(self, a, key):
        return a[key]

    def index(self, a, key):
        return a[key]

    def gather(self, a, axis, index):
        return a.gather(axis, index)

    def where(self, cond, a, b):
        return binary.where(cond, a, b)

    def matmul(self, a, b):
        return a.matmul(b)

    def concatenate(self, arrays, axis):
        return joining.cat(list(arrays), axis)

    def argmax(self, a, axis, keepdim):
        return a.argmax(axis, keepdim)

    def im2col(self, x, kernel, stride, padding, dilation, value):
        from .pooling import Unfold  # (pooling runs its fused primitives through this module)
        if value != 0:
            raise NotImplementedError("im2col on Tensors pads with zeros only (Unfold's padding)")
        return Unfold.apply(x, kernel, stride, padding, dilation)

    def col2im(self, cols, spatial, stride, padding, dilation):
        from .pooling import Fold
        return Fold.apply(cols, spatial, stride, padding, dilation)


def _reduction(name: str):
    def reduce(self, a, axes, keepdim):
        return getattr(a, name)(axes, keepdim=keepdim) if axes is not None else getattr(a, name)()
    return reduce


for _name in UNARY_OPS:
    setattr(TensorBackend, _name, lambda self, a, _n=_name: getattr(a, _n)())
for _name in BINARY_OPS:
    setattr(TensorBackend, _name, lambda self, a, b, _f=getattr(binary, _name): _f(a, b))
for _name in REDUCE_OPS:
    setattr(TensorBackend, _name, _reduction(_name))

TENSOR_BACKEND = TensorBackend()


def fused(name: str, *args: Any) -> Any:
    """Run fused primitive `name` on args: on the tensors' own backend (Tensors unwrapped to arrays, array
    results wrapped back into Tensors), or, when grad mode is on (a backward with create_graph), as the
    composite on `TENSOR_BACKEND` so that the result is differentiable."""
    if _GradState.enabled:
        return getattr(TENSOR_BACKEND, name)(*args)
    be = next(a._backend for a in args if isinstance(a, Tensor))
    out = getattr(be, name)(*(a._data if isinstance(a, Tensor) else a for a in args))
    if isinstance(out, tuple):
        return tuple(None if o is None else Tensor._make(o, be) for o in out)
    return Tensor._make(out, be)
