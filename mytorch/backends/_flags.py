"""What PyTorch's ``torch.backends.<library>`` flag modules share.

Each flag module (`cudnn`, `cuda`, `mkldnn` ...) holds switches that scripts set
on their first lines (``torch.backends.cudnn.benchmark = True``). mytorch's
kernels do not read most of them, but setting and reading them behaves as in
PyTorch: a flag holds a bool and refuses anything else, and ``flags(...)``
context managers set several at once and restore them on exit.
"""
from __future__ import annotations

import types
from contextlib import contextmanager
from typing import Any, Iterator


def check_bool(value: Any, setter: str) -> bool:
    """`value` if it is a bool; otherwise PyTorch's RuntimeError naming its C++ `setter`.

    PyTorch refuses ``benchmark = 1`` rather than reading it as true, so a script that runs here
    fails where it would fail there."""
    if not isinstance(value, bool):
        raise RuntimeError(f"{setter} expects a bool, but got {type(value).__name__}")
    return value


class BoolFlag:
    """A boolean attribute of a flag module (or of an object such as ``cuda.matmul``).

    It is a data descriptor on the module's class, so ``module.flag = value`` goes through
    `check_bool`; there is one module per flag set, so the value lives in the descriptor."""

    def __init__(self, default: bool, setter: str) -> None:
        self.value = default
        self.setter = setter

    def __get__(self, obj: Any, owner: type | None = None) -> bool:
        return self.value

    def __set__(self, obj: Any, value: bool) -> None:
        self.value = check_bool(value, self.setter)


class FlagModule(types.ModuleType):
    """The class a flag module switches itself to (``sys.modules[__name__].__class__ = ...``).

    A module's own globals cannot validate assignments; attributes of its class can, so each flag
    module subclasses this with one `BoolFlag` per flag."""


@contextmanager
def override(target: Any, **values: Any) -> Iterator[None]:
    """Set attributes of `target` for the duration of a ``with`` block, then restore them.

    The previous values are saved before any is set, so a value that fails validation, or an
    exception in the block, leaves every flag as it was."""
    saved = {name: getattr(target, name) for name in values}
    try:
        for name, value in values.items():
            setattr(target, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(target, name, value)
