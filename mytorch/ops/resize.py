"""``Tensor.resize_`` and ``Tensor.resize_as_``: a new shape for a tensor in place, with contiguous strides.

PyTorch keeps the storage and lays a new shape over it from the tensor's storage offset, so the elements
are the tensor's values in memory order (row-major for a contiguous tensor): the first n of them when the
new size n is not larger, the same memory; when it is larger, PyTorch grows the storage and leaves the new
elements uninitialized, here a new block whose tail is zeros. The same shape changes nothing. Autograd does not track a resize: a tensor
that requires grad cannot be resized.

Difference from PyTorch: for a tensor whose elements leave gaps in memory (a strided slice), PyTorch reads
the gaps too; here the values are read in memory order without them.
"""
from __future__ import annotations

import math

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ._util import as_shape
from .joining import cat


def _memory_order_values(t: Tensor) -> Tensor:
    """t's elements as one row, in the order they lie in memory (a view where t is contiguous)."""
    if t.is_contiguous():
        return t.reshape(-1)
    strides = t.stride()
    return t.permute(sorted(range(t.ndim), key=lambda d: -strides[d])).reshape(-1)


def resize_(self: Tensor, *sizes, memory_format=None) -> Tensor:
    """Give self the shape `sizes` (contiguous), in place: its first prod(sizes) elements in memory order,
    then zeros where the tensor grows (the module docstring)."""
    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = as_shape(sizes, "resize_")
    if any(n < 0 for n in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
    if shape == tuple(self.shape):
        return self  # as PyTorch: the same sizes keep the strides, contiguous or not
    n = math.prod(shape)
    with no_grad():
        values = _memory_order_values(self.detach())
        if n > values.numel():
            values = cat([values, values.new_zeros(n - values.numel())])
        self._data = values[:n].reshape(shape)._data
    self._version_counter[0] += 1
    return self


def resize_as_(self: Tensor, the_template: Tensor, *, memory_format=None) -> Tensor:
    """self.resize_(the_template.shape)."""
    return resize_(self, tuple(the_template.shape), memory_format=memory_format)


__all__: list[str] = []
METHODS = {"resize_": resize_, "resize_as_": resize_as_}
