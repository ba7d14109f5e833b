"""``import torch`` served by mytorch: `as_torch()` installs `TorchFinder` (finder.py), which answers
``torch`` and every ``torch.…`` path (paths.py) with an `AliasModule` (module.py) over the mytorch
module(s) behind it. ``mytorch run SCRIPT`` (mytorch/commands/run.py) does this before running the script.
"""
from __future__ import annotations

import importlib
import sys
import types

from . import paths
from .finder import TorchFinder
from .module import AliasModule

__all__ = ["as_torch", "AliasModule", "TorchFinder"]


def as_torch() -> types.ModuleType:
    """Make ``import torch`` (and ``import torch.nn.functional as F``, …) import mytorch from now on, in
    this process; returns the ``torch`` alias. Calling it again changes nothing.

    Raises RuntimeError if PyTorch itself is already imported: the modules that hold it could not be
    told apart from the aliases. (For a notebook: call it first, then ``import torch``.)"""
    loaded = sys.modules.get("torch")
    if loaded is not None and not isinstance(loaded, AliasModule):
        raise RuntimeError(f"as_torch(): PyTorch is already imported (from {getattr(loaded, '__file__', '?')}); "
                           "call mytorch.as_torch() before the first `import torch`, in a fresh process")
    if not any(isinstance(f, TorchFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, TorchFinder())
    return importlib.import_module(paths.ROOT)  # answered by the finder above, never by PyTorch
