"""`AliasModule`: what a script gets for ``torch`` or ``torch.…``.

An alias holds no names of its own: reads, writes and ``dir`` go to the mytorch module(s) behind it, so
``torch.backends.cudnn.benchmark = True`` sets mytorch's flag and ``torch.nn.Linear is
mytorch.nn.Linear``. Two kinds of value stay on the alias itself: the import system's bookkeeping
(``__spec__``, ``__path__``, …) and child aliases, so that mytorch's own modules never see a ``torch``
object. A name that none of the modules has is reported as a PyTorch name mytorch lacks.
"""
from __future__ import annotations

import importlib
import types
from typing import Any

from . import paths
from .caller import not_supported_message


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


class AliasModule(types.ModuleType):
    """The ``torch`` module path `name`, backed by the mytorch modules `targets` (searched in order)."""

    def __init__(self, name: str, targets: tuple[types.ModuleType, ...]) -> None:
        super().__init__(name, targets[0].__doc__)
        vars(self)["_mytorch_targets"] = targets  # through vars(): our __setattr__ would forward it
        vars(self)["__file__"] = targets[0].__file__

    def __getattr__(self, name: str) -> Any:
        for target in vars(self)["_mytorch_targets"]:
            try:
                value = getattr(target, name)
            except AttributeError:
                continue
            if isinstance(value, types.ModuleType) and value.__name__.startswith(paths.PACKAGE + "."):
                return self._child(name, value)
            return value
        if _is_dunder(name):  # the import system probing for optional attributes: no message to build
            raise AttributeError(name)
        child = f"{self.__name__}.{name}"
        if paths.targets(child) is not None:  # a submodule mytorch has but has not imported yet
            return importlib.import_module(child)
        raise AttributeError(not_supported_message(child), name=name, obj=self)

    def _child(self, name: str, module: types.ModuleType) -> Any:
        """mytorch submodule `module`, found as attribute `name`, as its ``torch`` alias where it is one."""
        child = f"{self.__name__}.{name}"
        if module.__name__ in (paths.targets(child) or ()):
            return importlib.import_module(child)
        return module  # a helper module that happens to be an attribute (mytorch.nn.functional.math, say)

    def __setattr__(self, name: str, value: Any) -> None:
        if _is_dunder(name) or isinstance(value, AliasModule):
            super().__setattr__(name, value)
        else:
            setattr(self._owner(name), name, value)

    def __delattr__(self, name: str) -> None:
        if name in vars(self):
            super().__delattr__(name)
        else:
            delattr(self._owner(name), name)

    def _owner(self, name: str) -> types.ModuleType:
        """The module a write to `name` goes to: the first that has it, else the first."""
        targets = vars(self)["_mytorch_targets"]
        return next((t for t in targets if hasattr(t, name)), targets[0])

    def __dir__(self) -> list[str]:
        names = set(vars(self))
        for target in vars(self)["_mytorch_targets"]:
            names.update(dir(target))
        return sorted(names)
