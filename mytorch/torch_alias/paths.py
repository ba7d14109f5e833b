"""Where each ``torch.*`` (and ``torchaudio.*``) module path lives in mytorch.

mytorch mirrors PyTorch's package layout, so ``torch.a.b`` is ``mytorch.a.b`` unless this table says
otherwise, and torchaudio's is mirrored by `mytorch.audio` (``torchaudio.functional`` is
``mytorch.audio.functional``). The table lists PyTorch's paths whose contents mytorch keeps elsewhere
(or split across files); a tuple means the names are looked up in each module in turn.
"""
from __future__ import annotations

import importlib.util

ROOT = "torch"
PACKAGE = "mytorch"
# each aliased top-level package -> the mytorch package that mirrors it
ALIASES = {ROOT: PACKAGE, "torchaudio": "mytorch.audio"}

# PyTorch module path -> the mytorch module(s) holding its names.
MOVED: dict[str, tuple[str, ...]] = {
    "torch.nn.modules.module": ("mytorch.nn.module",),
    "torch.nn.modules.activation": ("mytorch.nn.modules.activation", "mytorch.nn.modules.attention"),
    "torch.nn.modules.batchnorm": ("mytorch.nn.modules.normalization",),
    "torch.nn.modules.normalization": ("mytorch.nn.modules.normalization", "mytorch.nn.modules.rmsnorm"),
    "torch.nn.modules.linear": ("mytorch.nn.modules.linear", "mytorch.nn.modules.attention"),
    "torch.nn.modules.flatten": ("mytorch.nn.modules.linear",),
    "torch.nn.modules.fold": ("mytorch.nn.modules.pooling",),
    "torch.nn.modules.upsampling": ("mytorch.nn.modules.pooling",),
    "torch.utils.data._utils": ("mytorch.utils.data",),
    "torch.utils.data._utils.collate": ("mytorch.utils.data.collate",),
}


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def alias_root(name: str) -> str | None:
    """The aliased package (a key of ALIASES) that module path `name` lies in, or None."""
    return next((root for root in ALIASES if name == root or name.startswith(root + ".")), None)


def targets(name: str) -> tuple[str, ...] | None:
    """The mytorch module names behind module path `name` (``"torch"``, ``"torch.…"``, ``"torchaudio…"``),
    or None where mytorch has no such module."""
    if name in MOVED:
        return MOVED[name]
    root = alias_root(name)
    mine = ALIASES[root] + name[len(root):]
    return (mine,) if _exists(mine) else None
