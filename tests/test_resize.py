"""Tensor.resize_ / resize_as_ vs PyTorch: shrinking keeps the same memory (views see writes), the same number
of elements in a new shape, a transposed (dense, permuted) tensor read in memory order, growing (the old values
first), dtypes, and PyTorch's errors."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import raises_like


def both(fn):
    """fn(T) run in both frameworks; their results (nested lists) must be equal."""
    m, t = fn(mytorch), fn(torch)
    assert m == t, (m, t)


@pytest.mark.parametrize("start, new", [((3, 4), (2, 3)), ((5, 5, 5), (25, 5)), ((), ()), ((), (1, 1, 1)),
                                        ((2, 3), (6,)), ((4,), (0,))])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "complex64"])
def test_resize_values_shape_and_dtype(start, new, dtype):
    def fn(T):
        x = (T.arange(float(np.prod(start))).reshape(start) % 3).to(getattr(T, dtype))
        y = x.resize_(new)
        return [y is x, list(x.shape), x.is_contiguous(), str(x.dtype).split(".")[1], x.tolist()]
    both(fn)


def test_shrink_shares_memory_and_permuted_reads_memory_order():
    def fn(T):
        x = T.arange(12.).reshape(3, 4)
        flat = x.view(-1)
        x.resize_(2, 3)
        x[1, 2] = -1.0
        y = T.arange(6.).reshape(2, 3).t()
        return [flat.tolist(), y.resize_(3, 2).tolist(), y.resize_(6).tolist()]  # the same shape is a no-op
    both(fn)


def test_grow_keeps_the_old_values_first():
    for T in (mytorch, torch):
        x = T.arange(3.).resize_(2, 3)
        assert list(x.shape) == [2, 3] and x.view(-1)[:3].tolist() == [0.0, 1.0, 2.0]


def test_resize_as_and_version():
    x = mytorch.zeros(4)
    version = x._version
    x.resize_as_(mytorch.ones(2, 2))
    assert tuple(x.shape) == (2, 2) and x._version == version + 1


@pytest.mark.parametrize("fn", [lambda T, x: x.requires_grad_().resize_(3), lambda T, x: x.resize_(-1, 2)])
def test_errors(fn):
    raises_like(fn, np.ones(2, np.float32))
