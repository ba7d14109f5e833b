"""``Variable``, the wrapper of PyTorch before 0.4, kept for the code that still says it: tensors carry
their autograd state themselves now, so ``Variable(t)`` is a new tensor on t's data, detached from t's
graph, with ``requires_grad`` as given, and every tensor is an instance of ``Variable``."""
from __future__ import annotations

import warnings

from .._tensor import Tensor
from . import engine


class _VariableMeta(type):
    def __instancecheck__(cls, other: object) -> bool:
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data=None, requires_grad=False, volatile=False)``: a detached tensor on data's memory.
    ``Variable._execution_engine.queue_callback`` is where PyTorch code finds the engine's final callbacks."""

    _execution_engine = engine

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = False, volatile: bool = False) -> Tensor:
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        if data is None:
            from ..ops.creation import empty  # function level: ops sit above autograd
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)
