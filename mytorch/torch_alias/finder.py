"""`TorchFinder`: an import-system finder that answers every ``torch`` / ``torch.…`` import (and
``torchaudio…``) with an alias of the mytorch module(s) behind that path (see `paths`), ahead of any
installed PyTorch.

A path mytorch has no module for ends the import with ModuleNotFoundError (as a missing module does in
Python), its message naming the ``torch`` path and the importing line.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import types

from . import paths
from .caller import not_supported_message
from .module import AliasModule


class TorchFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finder and loader of the ``torch`` aliases; install it first on ``sys.meta_path``."""

    def find_spec(self, fullname: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        if paths.alias_root(fullname) is None:
            return None
        if paths.targets(fullname) is None:
            raise ModuleNotFoundError(not_supported_message(fullname), name=fullname)
        # every alias is a package, so that an import of any deeper path comes back here
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return AliasModule(spec.name, tuple(importlib.import_module(m) for m in paths.targets(spec.name)))

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the mytorch modules were imported by `create_module`."""
