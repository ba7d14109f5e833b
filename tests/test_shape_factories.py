"""rot90, Tensor.unfold (overlapping windows), sum_to_size, constant_pad_nd, positive/resolve_neg/__rdiv__, the
unsafe splits and the factories (scalar_tensor, empty_strided, empty_permuted, tril/triu_indices) vs torch."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like, same

rng = np.random.default_rng(11)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_rot90(layout):
    x = rng.standard_normal((3, 4, 2))
    for k in (-5, -1, 0, 1, 2, 3, 6):
        check(lambda T, x: T.rot90(x, k, [0, 1]), x, layout=layout)
        check(lambda T, x: x.rot90(k, [2, 0]), x, layout=layout)
    raises_like(lambda T, x: T.rot90(x, 1, [0, 0]), x, match=["different"])
    raises_like(lambda T, x: T.rot90(x, 1, [0]), x, match=["rotation dims"])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_unfold_windows_and_overlapping_gradient(layout):
    x = rng.standard_normal((4, 10))
    for dim, size, step in ((1, 3, 2), (1, 4, 1), (0, 2, 3), (-1, 10, 1), (1, 0, 1)):
        check(lambda T, x: x.unfold(dim, size, step) * 1, x, layout=layout)
        check(lambda T, x: T.unfold_copy(x, dim, size, step), x, layout=layout)
    check(lambda T, x: x[0, 0].unfold(0, 1, 1), x)
    gradcheck(lambda T, x: x.unfold(1, 4, 2), x)
    raises_like(lambda T, x: x.unfold(1, 11, 1), x, match=["maximum size"])
    raises_like(lambda T, x: x.unfold(1, 2, 0), x, match=["step"])
    y = mytorch.arange(6.0)
    y.unfold(0, 2, 2)[1, 0] = 9.0  # a view: writes reach the storage
    assert y.tolist() == [0.0, 1.0, 9.0, 3.0, 4.0, 5.0]


def test_sum_to_size_and_padding():
    x = rng.standard_normal((3, 1, 4))
    check(lambda T, x: x.sum_to_size(1, 1, 4), x)
    check(lambda T, x: x.sum_to_size((3, 1, 1)), x)
    check(lambda T, x: x.sum_to_size(4), x)
    check(lambda T, x: (x > 0).sum_to_size(1, 4), x)
    check(lambda T, x: x[0, 0, 0].bool().sum_to_size(()), x)
    raises_like(lambda T, x: x.sum_to_size(2, 4), x, match=["expandable"])
    check(lambda T, x: T.constant_pad_nd(x, [1, 2, 0, 1], 2.5), x)
    check(lambda T, x: T.constant_pad_nd(x, [-1, 1]), x)
    z = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    check(lambda T, z: T.constant_pad_nd(z, [1, 1], 1 + 2j), z)


def test_identities_and_aliases():
    x = rng.standard_normal((3, 5))
    check(lambda T, x: T.positive(x) * 2, x)
    check(lambda T, x: +x * 2, x)
    check(lambda T, x: T.resolve_neg(-x), x)
    assert not mytorch.is_neg(mytorch.tensor(x))
    raises_like(lambda T, x: T.positive(x > 0), x, match=["bool"])
    check(lambda T, x, y: x.__rdiv__(y), x, rng.standard_normal(5))
    check(lambda T, x: x.__rdiv__(2), x)
    check(lambda T, x: T.tensor([3, 4]).__rdiv__(T.tensor([2, 2])), x, grad=False)
    for fn in (lambda T, x: T.unsafe_chunk(x, 2, 1), lambda T, x: x.unsafe_split(2, 0)):
        check(fn, x)


def test_factories():
    same(lambda T: T.scalar_tensor(3))
    same(lambda T: (T.scalar_tensor(-2, dtype=T.int64), T.scalar_tensor(1.5, dtype=T.float64)))
    for row, col, offset in ((4, 3, 0), (3, 5, 1), (5, 5, -2), (0, 3, 0), (3, 0, 0), (2, 6, 9)):
        same(lambda T: (T.tril_indices(row, col, offset), T.triu_indices(row, col, offset)))
    assert mytorch.tril_indices(3, 3, dtype=mytorch.int32).dtype is mytorch.int32
    for size, stride in (((2, 3), (1, 2)), ((4,), (3,)), ((2, 0, 3), (1, 2, 3)), ((), ())):
        e = mytorch.empty_strided(size, stride, dtype=mytorch.float64)
        assert (tuple(e.shape), e.stride(), e.dtype) == (size, stride, mytorch.float64)
        n = mytorch.ones(2).new_empty_strided(size, stride)
        assert (tuple(n.shape), n.stride(), n.dtype) == (size, stride, mytorch.float32)
    p = mytorch.empty_permuted((2, 3, 4), (2, 0, 1))
    assert (tuple(p.shape), p.stride()) == ((2, 3, 4), torch.empty_permuted((2, 3, 4), (2, 0, 1)).stride())
    with pytest.raises(RuntimeError):
        mytorch.empty_permuted((2, 3), (0, 0))


def test_put_renorm_unravel_nonzero_static():
    x = rng.standard_normal((3, 4))
    idx = np.array([0, -1, 5, 5])
    src = rng.standard_normal(4)
    check(lambda T, x, s: x.put(T.tensor(idx[:3]), s[:3]), x, src)
    check(lambda T, x, s: T.put(x, T.tensor(idx), s, accumulate=True), x, src)
    raises_like(lambda T, x: x.put(T.tensor([12]), x[0, :1]), x, match=["out of range"])
    for p, dim, maxnorm in ((2, 0, 1.0), (1, 1, 0.5), (3, -1, 10.0)):
        check(lambda T, x: T.renorm(x, p, dim, maxnorm), x)
    i = np.array([[0, 7, 11, 12], [3, -1, 5, -13]])
    same(lambda T: T.unravel_index(T.tensor(i), (3, 4)))
    same(lambda T: T.unravel_index(T.tensor(9), (2, 5)))
    m = np.array([[0, 1, 0], [2, 0, 3]])
    for size in (0, 2, 5):
        same(lambda T: T.nonzero_static(T.tensor(m), size=size))
    same(lambda T: T.nonzero_static(T.tensor(m), size=4, fill_value=7))


def test_as_strided_scatter():
    x = rng.standard_normal((3, 3))
    s = rng.standard_normal((2, 2))
    # values as torch's; the gradient of input is zero where src was written (torch 2.x instead keeps it
    # there and zeroes the rest, which contradicts its own forward), so it is checked by gradcheck
    check(lambda T, x, s: T.as_strided_scatter(x, s, (2, 2), (1, 2), 1), x, s, grad=False)
    gradcheck(lambda T, x, s: T.as_strided_scatter(x, s, (2, 2), (1, 2), 1), x, s)
