"""``torch.ops.aten``: PyTorch's operator registry, as far as mytorch's ops go by the same names.

``torch.ops.aten.NAME`` is an overload packet and ``.default`` its default overload; here both call the op
mytorch exports as ``mytorch.NAME`` (or, failing that, the Tensor method NAME), which takes the arguments
of every overload PyTorch lists. Other overload names are not distinguished and raise AttributeError.
"""
from __future__ import annotations

from typing import Any, Callable


class OpOverloadPacket:
    """``torch.ops.aten.NAME``: callable, with the op itself as ``.default``."""

    def __init__(self, name: str, op: Callable) -> None:
        self._name = name
        self.default = op

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.default(*args, **kwargs)

    def __getattr__(self, overload: str) -> Any:
        raise AttributeError(f"torch.ops.aten.{self._name} has no overload '{overload}' in mytorch (only "
                             f"'default', which takes every overload's arguments)")

    def __repr__(self) -> str:
        return f"<OpOverloadPacket(op='aten::{self._name}')>"


def __getattr__(name: str) -> OpOverloadPacket:
    import mytorch
    op = getattr(mytorch, name, None)
    if not callable(op) or isinstance(op, type):
        op = getattr(mytorch.Tensor, name, None)
    if not callable(op) or name.startswith("__"):
        raise AttributeError(f"torch.ops.aten.{name} is not supported by mytorch yet")
    return OpOverloadPacket(name, op)
