"""Tensor repr and set_printoptions, compared string for string with PyTorch's."""
import math

import numpy as np
import pytest
import torch

import mytorch


def same_repr(make) -> None:
    """make(T) builds a tensor in framework T; both must print alike (up to the module name)."""
    expected = repr(make(torch)).replace("torch.", "mytorch.")
    assert repr(make(mytorch)) == expected
    assert str(make(mytorch)) == expected


@pytest.fixture(autouse=True)
def _restore_printoptions():
    yield
    for T in (torch, mytorch):
        T.set_printoptions(profile="default")


R = np.random.default_rng(0)
ARRAYS = {
    "floats": np.array([1.0, 2.5, -3.25], np.float32),
    "integral floats": np.array([1.0, -20.0, 300.0], np.float32),
    "small": np.array([1e-5, 0.5], np.float32),
    "large": np.array([1e9, 1.0], np.float32),
    "wide range": np.array([1.0, 2000.0], np.float32),
    "wide integral": np.array([1.0, 1e8 + 8], np.float64),
    "zeros": np.zeros(3, np.float32),
    "neg zero": np.array([-0.0, 1.5], np.float32),
    "nan inf": np.array([np.nan, np.inf, -np.inf, 1.5], np.float32),
    "only nan": np.array([np.nan, np.inf], np.float32),
    "ints": np.array([1, -20, 300], np.int64),
    "int32": np.array([[1, 2], [3, 44]], np.int32),
    "uint8": np.array([0, 255], np.uint8),
    "bool": np.array([[True, False], [False, True]]),
    "float64": np.array([0.1, 0.2], np.float64),
    "float16": np.array([0.1, 1000.0], np.float16),
    "matrix": R.standard_normal((3, 4)).astype(np.float32),
    "3d": R.standard_normal((2, 3, 4)).astype(np.float32),
    "4d": R.integers(-5, 5, (2, 2, 2, 3)).astype(np.int64),
    "long row": R.standard_normal(40).astype(np.float32),
    "long int row": np.arange(100, dtype=np.int64),
    "summarized": np.arange(2000, dtype=np.float32) / 7,
    "summarized 2d": R.standard_normal((40, 50)).astype(np.float32),
    "summarized 3d": np.arange(2 * 30 * 40, dtype=np.int64).reshape(2, 30, 40),
    "summarized short dim": R.standard_normal((5, 300)).astype(np.float32),
    "0-dim": np.array(3.5, np.float32),
    "0-dim int": np.array(7, np.int64),
    "0-dim small": np.array(1e-5, np.float32),
    "0-dim bool": np.array(True),
    "empty": np.zeros((0,), np.float32),
    "empty 2d": np.zeros((0, 3), np.float32),
    "empty int": np.zeros((2, 0), np.int64),
    "empty float64": np.zeros((0,), np.float64),
}


@pytest.mark.parametrize("name", ARRAYS)
def test_values(name):
    same_repr(lambda T: T.tensor(ARRAYS[name]))


def test_bfloat16():
    same_repr(lambda T: T.tensor([0.1, 3.0, 1e-3]).to(T.bfloat16))


@pytest.mark.parametrize("make", [
    lambda T: T.tensor([1.0, 2.0], requires_grad=True),
    lambda T: T.tensor([1.0, 2.0], requires_grad=True) * 2,
    lambda T: T.tensor(2.0, requires_grad=True).exp(),
    lambda T: T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True) + 1,
    lambda T: T.zeros(0, 2, requires_grad=True),
    lambda T: T.tensor(np.arange(60, dtype=np.float32).reshape(3, 20) / 3, requires_grad=True) * 1,
    lambda T: T.tensor(np.arange(17, dtype=np.float32) * 1000, dtype=T.float64, requires_grad=True) * 1,
])
def test_autograd_suffixes(make):
    same_repr(make)


@pytest.mark.parametrize("options", [
    dict(precision=2), dict(precision=8), dict(threshold=5), dict(threshold=5, edgeitems=1), dict(threshold=5, edgeitems=0),
    dict(linewidth=30), dict(sci_mode=True), dict(sci_mode=False), dict(profile="short"), dict(profile="full"),
])
@pytest.mark.parametrize("name", ["floats", "small", "large", "zeros", "matrix", "3d", "ints", "summarized 2d"])
def test_printoptions(options, name):
    for T in (torch, mytorch):
        T.set_printoptions(**options)
    same_repr(lambda T: T.tensor(ARRAYS[name]))


def test_default_dtype_changes_suffix():
    for T in (torch, mytorch):
        T.set_default_dtype(T.float64)
    try:
        same_repr(lambda T: T.tensor([1.5, 2.0]))
        same_repr(lambda T: T.tensor([1.5, 2.0], dtype=T.float32))
        same_repr(lambda T: T.zeros(0))
    finally:
        torch.set_default_dtype(torch.float32)


def test_get_printoptions_and_bad_profile():
    mytorch.set_printoptions(precision=3)
    assert mytorch.get_printoptions()["precision"] == 3
    with pytest.raises(ValueError, match="profile"):
        mytorch.set_printoptions(profile="nope")


def test_repr_of_wide_values_wraps_lines():
    same_repr(lambda T: T.tensor([math.pi * 10 ** k for k in range(12)], dtype=T.float64))
