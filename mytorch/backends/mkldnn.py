"""``torch.backends.mkldnn``: Intel's oneDNN (formerly MKL-DNN) CPU kernels.

mytorch does not use oneDNN, so `is_available` is False (PyTorch's x86 wheels
say True; a script that checks first then keeps to ordinary tensors, which is
all mytorch has). `enabled` and `deterministic` are flags with PyTorch's
defaults, for scripts that set them.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator

from ._flags import BoolFlag, FlagModule, override


class MkldnnModule(FlagModule):
    """torch.backends.mkldnn's flags (enabled, deterministic), kept as PyTorch keeps them."""
    enabled = BoolFlag(True, "set_enabled_mkldnn")
    """Let convolutions and matmuls use oneDNN where it is available."""
    deterministic = BoolFlag(False, "set_deterministic_mkldnn")
    """Only use oneDNN algorithms that give bitwise-identical results run to run."""


def is_available() -> bool:
    """Whether oneDNN kernels can be used: never in mytorch."""
    return False


@contextmanager
def flags(enabled: bool = False, deterministic: bool = False) -> Iterator[None]:
    """Set the oneDNN flags inside a ``with`` block and restore them after (PyTorch's defaults:
    ``with flags():`` disables oneDNN)."""
    with override(_module, enabled=enabled, deterministic=deterministic):
        yield


_module = sys.modules[__name__]
_module.__class__ = MkldnnModule
