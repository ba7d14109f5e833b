"""The padding modules (ConstantPad, ZeroPad, ReflectionPad, ReplicationPad, CircularPad in 1-D/2-D/3-D) vs
PyTorch: repr, values and input gradients (batched and unbatched), and their errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch
from helpers import check, raises_like

R = np.random.default_rng(0)

MODES = ("Zero", "Constant", "Reflection", "Replication", "Circular")
PADDING = {1: (2, (1, 2)), 2: (1, (2, 0, 1, 2)), 3: (1, (1, 2, 0, 1, 2, 1))}


def _make(nn, mode: str, nd: int, padding):
    cls = getattr(nn, f"{mode}Pad{nd}d")
    return cls(padding, 1.5) if mode == "Constant" else cls(padding)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("nd", (1, 2, 3))
@pytest.mark.parametrize("which", (0, 1))
@pytest.mark.parametrize("batched", (True, False))
def test_padding_modules(mode, nd, which, batched):
    padding = PADDING[nd][which]
    m, t = _make(mytorch.nn, mode, nd, padding), _make(torch.nn, mode, nd, padding)
    assert repr(m) == repr(t)
    shape = (2, 3)[1 - batched:] + (4, 5, 3)[:nd]
    check(lambda T, x: (m if T is mytorch else t)(x), R.standard_normal(shape))


def test_negative_padding_crops():
    check(lambda T, x: T.nn.ConstantPad2d((-1, 2, 0, -2), 3.0)(x), R.standard_normal((2, 3, 5, 4)))
    check(lambda T, x: T.nn.ZeroPad1d((-2, 1))(x), R.standard_normal((2, 6)))


@pytest.mark.parametrize("fn,shape,match", [
    (lambda T, x: T.nn.CircularPad2d(1)(x), (3, 4), ["expected 3D or 4D input"]),
    (lambda T, x: T.nn.ReflectionPad1d(3)(x), (2, 3), ["Padding size should be less than"]),
])
def test_errors(fn, shape, match):
    raises_like(fn, R.standard_normal(shape), match=match)
