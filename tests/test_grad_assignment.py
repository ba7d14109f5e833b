"""Assigning ``.grad`` is checked as in PyTorch, and ``copy.deepcopy`` of a tensor keeps its gradient."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import mytorch
from helpers import raises_like


@pytest.mark.parametrize("value", [lambda T: T.ones(3), lambda T: T.ones(2, dtype=T.float64), lambda T: 1.0])
def test_grad_of_another_shape_dtype_or_type_is_refused(value):
    def assign(T, x):
        leaf = T.ones(2, requires_grad=True)
        leaf.grad = value(T)
    err = raises_like(assign, np.zeros(1))
    assert "grad" in str(err)


def test_matching_grad_and_none_are_accepted():
    x = mytorch.ones(2, requires_grad=True)
    x.grad = mytorch.full((2,), 3.0)
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]
    x.grad = None
    assert x.grad is None


def test_deepcopy_keeps_grad_requires_grad_and_attributes():
    for T in (torch, mytorch):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * 3).sum().backward()
        x.note = "kept"
        y = copy.deepcopy(x)
        assert y.requires_grad and y.is_leaf and y.grad.tolist() == [3.0, 3.0] and y.grad is not x.grad
        assert y.note == "kept"
        with T.no_grad():
            y.add_(1)
        assert x.tolist() == [1.0, 2.0]
        with pytest.raises(RuntimeError, match="Only Tensors created explicitly by the user"):
            copy.deepcopy(x * 2)
