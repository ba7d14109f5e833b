"""``skip_init``: build a module without running its parameter initialisers."""
from __future__ import annotations

from typing import Any

from .. import init
from ..module import Module

__all__ = ["skip_init"]


def skip_init(module_cls: type[Module], *args: Any, **kwargs: Any) -> Module:
    """``module_cls(*args, **kwargs)`` with every ``nn.init`` initialiser skipped.

    The parameters keep whatever memory they were allocated with (uninitialised, like PyTorch's): use it
    when the weights are about to be loaded anyway, e.g. from a checkpoint, to save the random draws.
    """
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    previous = init._Skip.active
    init._Skip.active = True
    try:
        return module_cls(*args, **kwargs)
    finally:
        init._Skip.active = previous
