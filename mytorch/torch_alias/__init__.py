"""``import torch`` served by mytorch: `as_torch()` installs `TorchFinder` (finder.py), which answers
``torch`` and every ``torch.…`` path (paths.py) with an `AliasModule` (module.py) over the mytorch
module(s) behind it. ``mytorch run SCRIPT`` (mytorch/commands/run.py) does this before running the script.
"""
from __future__ import annotations

import importlib
import os
import sys
import types

from . import paths
from .finder import TorchFinder
from .module import AliasModule

__all__ = ["as_torch", "AliasModule", "TorchFinder"]


def as_torch() -> types.ModuleType:
    """Make ``import torch`` (and ``import torch.nn.functional as F``, …) import mytorch from now on, in
    this process and in the Python processes it starts; returns the ``torch`` alias. Calling it again
    changes nothing.

    Child processes: a spawned multiprocessing child (a DataLoader worker with the "spawn" or
    "forkserver" context) imports the script again before it runs its work, so the alias must be in
    place before its first line runs. `as_torch` sets ``MYTORCH_AS_TORCH=1`` in the environment the
    children inherit, and ``mytorch_as_torch.pth``, which the package installs in site-packages, calls
    `as_torch` at the start of every Python process that finds it set.

    Raises RuntimeError if PyTorch itself is already imported: the modules that hold it could not be
    told apart from the aliases. (For a notebook: call it first, then ``import torch``.)"""
    loaded = sys.modules.get("torch")
    if loaded is not None and not isinstance(loaded, AliasModule):
        raise RuntimeError(f"as_torch(): PyTorch is already imported (from {getattr(loaded, '__file__', '?')}); "
                           "call mytorch.as_torch() before the first `import torch`, in a fresh process")
    if not any(isinstance(f, TorchFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, TorchFinder())
    os.environ["MYTORCH_AS_TORCH"] = "1"
    return importlib.import_module(paths.ROOT)  # answered by the finder above, never by PyTorch
