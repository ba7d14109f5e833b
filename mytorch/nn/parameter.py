"""nn.Parameter: a leaf tensor that a Module registers as learnable.

A Parameter is an ordinary Tensor whose class tells ``Module.__setattr__`` to
register it. ``Parameter(t)`` shares t's storage and version counter but is a
fresh leaf (cut from any graph t belongs to). Ops never produce Parameters:
they build results with ``Tensor._make``, so ``p * 2`` is a plain Tensor, as in
PyTorch.

`UninitializedParameter` and `UninitializedBuffer` stand in for a lazy module's parameters and buffers until
its first input gives their shapes.

``Buffer(t)`` marks a tensor so that assigning it to a Module attribute
registers a buffer (``self.running_mean = Buffer(zeros(3))``); it is a
detached plain Tensor carrying the flag, as in PyTorch.
"""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer"]


class Parameter(Tensor):
    """A learnable tensor: ``Parameter(data=None, requires_grad=True)``; `data` defaults to an empty tensor."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> "Parameter":
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
        p = cls._make(data._data, data._backend)
        p._version_counter = data._version_counter
        p.requires_grad = requires_grad  # the setter rejects integer dtypes like PyTorch
        return p

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> "Parameter":
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol: Any):
        # pickled as (plain tensor, flag): the tensor brings its own host-array reduction
        return _rebuild_parameter, (self.data, self.requires_grad)


def _rebuild_parameter(data: Tensor, requires_grad: bool) -> Parameter:
    return Parameter(data, requires_grad)


class _Uninitialized:
    """What an uninitialized parameter or buffer shares: it holds no values, only the dtype and device it will
    have; `materialize(shape)` gives it `shape` (uninitialized values, as torch.empty's) and turns it, in place,
    into `cls_to_become`."""
    cls_to_become: type

    def materialize(self, shape: tuple, device: Any = None, dtype: Any = None) -> None:
        from ..ops.creation import empty
        data = empty(shape, device=device or self.device, dtype=dtype or self.dtype)
        self._data, self._backend = data._data, data._backend
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter whose shape is not known yet (a lazy module's, until its first forward)."""
    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> "UninitializedParameter":
        from ..ops.creation import empty
        return super().__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __deepcopy__(self, memo: dict) -> "UninitializedParameter":
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, self.device, self.dtype)
        return memo[id(self)]


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer whose shape is not known yet (a lazy batch norm's running statistics); it becomes a plain
    Tensor when materialized."""
    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device: Any = None, dtype: Any = None,
                persistent: bool = True) -> "UninitializedBuffer":
        from ..ops.creation import empty
        data = empty(0, device=device, dtype=dtype)
        buffer = cls._make(data._data, data._backend)
        buffer.requires_grad, buffer.persistent = requires_grad, persistent
        return buffer

    def __deepcopy__(self, memo: dict) -> "UninitializedBuffer":
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, self.device, self.dtype, self.persistent)
        return memo[id(self)]


def is_lazy(tensor: Any) -> bool:
    """Whether `tensor` is an uninitialized parameter or buffer, waiting for its shape."""
    return isinstance(tensor, _Uninitialized)


class _BufferMeta(type):
    """``isinstance(t, Buffer)`` is true for any tensor flagged by ``Buffer(...)``."""

    def __instancecheck__(cls, obj: Any) -> bool:
        if cls is Buffer and isinstance(obj, Tensor) and getattr(obj, "_is_buffer", False):
            return True
        return super().__instancecheck__(obj)


class Buffer(Tensor, metaclass=_BufferMeta):
    """``Buffer(data=None, *, persistent=True)``: a tensor a Module registers as a buffer on assignment."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Tensor:
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t
