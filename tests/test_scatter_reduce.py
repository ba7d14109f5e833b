"""scatter_reduce (sum, prod, mean, amax, amin; with and without input's entries) and index_reduce vs torch:
values for float and integer tensors, repeated destinations, and gradients to input and src."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import check, raises_like

rng = np.random.default_rng(12)
REDUCES = ["sum", "prod", "mean", "amax", "amin"]


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    x = rng.standard_normal((6, 4))
    src = rng.standard_normal((5, 4))
    idx = rng.integers(0, 6, (5, 4))
    check(lambda T, x, s: x.scatter_reduce(0, T.tensor(idx), s, reduce, include_self=include_self), x, src)
    check(lambda T, x, s: T.scatter_reduce(x, 1, T.tensor(idx[:3, :2] % 4), s[:3, :2], reduce,
                                           include_self=include_self), x, src)
    i = rng.integers(-5, 5, (6, 4))
    check(lambda T, i, j: i.scatter_reduce(0, T.tensor(idx), j[:5], reduce, include_self=include_self), i, i * 2)


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce(reduce):
    x = rng.standard_normal((5, 3))
    src = rng.standard_normal((4, 3))
    index = np.array([0, 2, 2, 4])
    for include_self in (True, False):
        check(lambda T, x, s: x.index_reduce(0, T.tensor(index), s, reduce, include_self=include_self), x, src)
        check(lambda T, x, s: T.index_reduce(x.mT, 1, T.tensor(index), s.mT, reduce, include_self=include_self),
              x, src)
    raises_like(lambda T, x: x.index_reduce(0, T.tensor([0]), x[:1], "sum"), x)


def test_errors():
    x = rng.standard_normal((3, 3))
    raises_like(lambda T, x: x.scatter_reduce(0, T.tensor([[0]]), x, "median"), x)
    raises_like(lambda T, x: x.scatter_reduce(0, T.tensor([[0]]), x.float(), "sum"), x, match=["dtype"])
