"""gather/scatter, index_* and masked ops, take, nonzero: values, dtypes, gradients and errors vs torch."""
import numpy as np
import pytest

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like

rng = np.random.default_rng(3)


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


IDX = np.array([[0, 2, 1, 2], [1, 0, 2, 2], [2, 1, 0, 0]])  # gather/scatter-add index into a (3, 4) input
PERM = np.array([[1, 0, 2, 2], [2, 2, 0, 1]])  # distinct per column: a deterministic scatter target for dim 0


# ---- gather / scatter ---------------------------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather(layout, dim):
    check(lambda T, x, i: T.gather(x, dim, i), rand(3, 4), IDX % 3, layout=layout)


def test_gather_index_smaller_than_input_and_method():
    check(lambda T, x: x.gather(1, T.tensor([[3, 0], [1, 1]])), rand(3, 4))
    check(lambda T, x: x.gather(0, T.tensor([[2], [0]], dtype=T.int32)), rand(3, 4))
    check(lambda T, x: T.gather(x, 0, T.tensor(0)), np.array(rng.standard_normal(), dtype=np.float32))


def test_max_dim_backward_uses_scatter():
    check(lambda T, x: T.max(x, 1), rand(3, 5))
    check(lambda T, x: T.min(x, 0, keepdim=True), rand(3, 5))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_scatter_src(layout):
    check(lambda T, x, s: T.scatter(x, 0, T.tensor(PERM), s), rand(3, 4), rand(2, 4), layout=layout)


def test_scatter_src_larger_than_index_gets_zero_gradient():
    # torch reads only src[:2, :2] too, but its backward rejects the larger src; we give the unread part zeros
    check(lambda T, x, s: x.scatter(1, T.tensor([[3, 1], [0, 2]]), s), rand(2, 4), rand(3, 3), grad=False)
    s = mytorch.tensor(rand(3, 3), requires_grad=True)
    g = rand(2, 4)
    mytorch.zeros(2, 4).scatter(1, mytorch.tensor([[3, 1], [0, 2]]), s).backward(mytorch.tensor(g))
    expected = np.zeros((3, 3), np.float32)
    expected[:2, :2] = [[g[0, 3], g[0, 1]], [g[1, 0], g[1, 2]]]
    np.testing.assert_array_equal(s.grad.numpy(), expected)


def test_scatter_value_and_keywords():
    check(lambda T, x: T.scatter(x, 0, T.tensor(PERM), 2.5), rand(3, 4))
    check(lambda T, x: x.scatter(1, T.tensor([[1], [0]]), value=-1.0), rand(2, 3))
    check(lambda T, x: T.tensor([[1, 2, 3], [4, 5, 6]]).scatter(1, T.tensor([[1], [0]]), 2.7) + 0 * x, rand(1))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_scatter_add(layout):
    check(lambda T, x, i, s: T.scatter_add(x, 0, i, s), rand(3, 4), IDX, rand(3, 4), layout=layout)
    check(lambda T, x, s: x.scatter_add(1, T.tensor(IDX[:2, :3]), s), rand(2, 4), rand(2, 3), layout=layout)


def test_scatter_reduce_values():
    check(lambda T, x, s: x.scatter(0, T.tensor(IDX), s, reduce="add"), rand(3, 4), rand(3, 4), grad=False)
    check(lambda T, x, s: x.scatter(0, T.tensor(IDX), s, reduce="multiply"), rand(3, 4), rand(3, 4), grad=False)
    check(lambda T, x: x.scatter(0, T.tensor(IDX), 3.0, reduce="multiply"), rand(3, 4), grad=False)


def test_scatter_add_via_reduce_has_gradient():
    x = mytorch.tensor(rand(3, 4), requires_grad=True)
    x.scatter(0, mytorch.tensor(IDX), x, reduce="add").sum().backward()
    assert x.grad is not None
    y = mytorch.tensor(rand(3, 4), requires_grad=True)
    with pytest.raises(RuntimeError, match="multiply"):
        y.scatter(0, mytorch.tensor(IDX), y, reduce="multiply").sum().backward()


def test_gather_scatter_gradcheck():
    i = IDX.copy()
    gradcheck(lambda T, x: T.gather(x, 1, T.tensor(i % 3)), rand(3, 4))
    gradcheck(lambda T, x, s: T.scatter(x, 0, T.tensor(PERM), s), rand(3, 4), rand(2, 4))
    gradcheck(lambda T, x, s: T.scatter_add(x, 0, T.tensor(i), s), rand(3, 4), rand(3, 4))


def test_gather_scatter_double_backward():
    inputs = [mytorch.tensor(rand(3, 4).astype(np.float64), requires_grad=True) for _ in range(2)]
    assert mytorch.autograd.gradgradcheck(lambda x: T_gather_sq(x), inputs[:1])
    assert mytorch.autograd.gradgradcheck(lambda x, s: x.scatter(0, mytorch.tensor(PERM), s[:2] ** 2), inputs)


def T_gather_sq(x):
    return x.gather(0, mytorch.tensor(IDX)) ** 2


@pytest.mark.parametrize("case, match", [
    (lambda T, x: x.gather(0, T.tensor([1, 0])), ["same number of dimensions"]),
    (lambda T, x: x.gather(0, T.tensor([[5]])), ["index 5", "size 3"]),
    (lambda T, x: x.gather(0, T.tensor([[-1]])), ["index -1"]),
    (lambda T, x: x.gather(1, T.zeros(4, 2, dtype=T.long)), ["no larger than self"]),
    (lambda T, x: x.gather(2, T.tensor([[0]])), ["Dimension out of range"]),
    (lambda T, x: x.gather(0, T.tensor([[0.0]])), ["int32/int64"]),
    (lambda T, x: x.scatter(0, T.tensor([[0]]), x.double()), ["dtype"]),
    (lambda T, x: x.scatter(0, T.tensor(IDX[:2, :2]), T.ones(1, 1)), ["no larger size than src"]),
    (lambda T, x: x.scatter(0, T.tensor([[4]]), 1.0), ["index 4"]),
    (lambda T, x: x.scatter(0, T.tensor([[0]]), x, reduce="max"), ["add or multiply"]),
])
def test_gather_scatter_errors(case, match):
    raises_like(case, rand(3, 4), match=match)


# ---- take / take_along_dim ------------------------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
def test_take_along_dim(layout):
    check(lambda T, x, i: T.take_along_dim(x, i, 1), rand(3, 4), IDX[:, :2] % 4, layout=layout)
    # torch's dim=None path views its inputs, so it needs them contiguous; ours reshapes
    check(lambda T, x, i: T.take_along_dim(x.contiguous(), i.contiguous()), rand(3, 4), IDX % 3, layout=layout)


def test_take_along_dim_broadcasts_and_argsort_like_use():
    check(lambda T, x: x.take_along_dim(T.tensor([[1], [0]]).unsqueeze(0), 1), rand(3, 2, 4))
    check(lambda T, x: T.take_along_dim(x, T.tensor([[0, 1, 1]]), dim=0), rand(2, 1))
    gradcheck(lambda T, x: T.take_along_dim(x, T.tensor([[2], [0]]), 1), rand(2, 3))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_take(layout):
    check(lambda T, x: T.take(x, T.tensor([[0, -1], [5, 5]])), rand(3, 4), layout=layout)
    check(lambda T, x: x.take(T.tensor(2)), rand(3), layout=layout)
    gradcheck(lambda T, x: T.take(x, T.tensor([0, 3, 3, -2])), rand(2, 2))


@pytest.mark.parametrize("case, match", [
    (lambda T, x: T.take(x, T.tensor([12])), ["out of range", "12"]),
    (lambda T, x: T.take(x, T.tensor([-13])), ["-13"]),
    (lambda T, x: T.take(x, T.tensor([1.0])), ["index"]),
    (lambda T, x: T.take_along_dim(x, T.tensor([[1]]), 2), ["Dimension out of range"]),
    (lambda T, x: T.take_along_dim(x, T.tensor([[1]], dtype=T.int32), 1), ["dtype"]),
    (lambda T, x: T.take_along_dim(x, T.ones(2, 1, 1, dtype=T.long), 1), ["same number of dimensions"]),
    (lambda T, x: T.take_along_dim(x, T.ones(5, 1, dtype=T.long), 1), ["must match"]),
])
def test_take_errors(case, match):
    raises_like(case, rand(3, 4), match=match)


# ---- index_select / index_add / index_copy / index_fill -----------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select(layout, dim):
    check(lambda T, x: T.index_select(x, dim, T.tensor([2, 0, 2])), rand(3, 4, 3), layout=layout)


def test_index_select_scalar_index_and_int32():
    check(lambda T, x: x.index_select(1, T.tensor(1)), rand(3, 4))
    check(lambda T, x: x.index_select(0, T.tensor([1, 1], dtype=T.int32)), rand(3, 4))
    check(lambda T, x: x.index_select(0, T.tensor([0])), np.array(rng.standard_normal(), dtype=np.float32))
    check(lambda T, x: T.tensor([[1, 2], [3, 4]]).index_select(0, T.tensor([1])), rand(1), grad=False)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_index_add(layout):
    check(lambda T, x, s: T.index_add(x, 0, T.tensor([0, 2, 0]), s), rand(3, 4), rand(3, 4), layout=layout)
    check(lambda T, x, s: x.index_add(1, T.tensor([3, 3]), s, alpha=-2.5), rand(3, 4), rand(3, 2), layout=layout)


def test_index_add_integer_alpha():
    check(lambda T, x: T.tensor([[1, 2], [3, 4]]).index_add(0, T.tensor([1, 1]), T.tensor([[1, 1], [2, 2]]),
                                                             alpha=3), rand(1), grad=False)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_index_copy(layout):
    check(lambda T, x, s: T.index_copy(x, 1, T.tensor([3, 0]), s), rand(3, 4), rand(3, 2), layout=layout)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_index_fill(layout):
    check(lambda T, x: T.index_fill(x, 1, T.tensor([3, -4]), -1.5), rand(3, 4), layout=layout)
    check(lambda T, x, v: x.index_fill(0, T.tensor([1]), v.sum()), rand(3, 4), rand(2), layout=layout)


def test_index_ops_gradcheck():
    gradcheck(lambda T, x: T.index_select(x, 1, T.tensor([1, 1, 0])), rand(2, 3))
    gradcheck(lambda T, x, s: T.index_add(x, 0, T.tensor([1, 1]), s, alpha=2.0), rand(2, 3), rand(2, 3))
    gradcheck(lambda T, x, s: T.index_copy(x, 0, T.tensor([1, 0]), s), rand(2, 3), rand(2, 3))
    gradcheck(lambda T, x, v: T.index_fill(x, 1, T.tensor([2]), v.sum()), rand(2, 3), rand(1))


@pytest.mark.parametrize("case, match", [
    (lambda T, x: x.index_select(0, T.tensor([[0]])), ["vector"]),
    (lambda T, x: x.index_select(0, T.tensor([3])), ["out of range"]),
    (lambda T, x: x.index_select(0, T.tensor([-1])), ["out of range"]),
    (lambda T, x: x.index_select(0, T.tensor([1.0])), ["int32/int64"]),
    (lambda T, x: x.index_add(0, T.tensor([0, 0]), T.ones(2, 4, dtype=T.float64)), ["same scalar type"]),
    (lambda T, x: x.index_add(0, T.tensor([0, 0]), T.ones(3, 4)), ["Number of indices (2)"]),
    (lambda T, x: x.index_add(0, T.tensor([0, 0]), T.ones(2, 5)), ["source tensor shape must match"]),
    (lambda T, x: x.index_add(0, T.tensor([0, 5]), T.ones(2, 4)), ["index 5"]),
    (lambda T, x: x.index_add(0, T.tensor([[0, 1]]), T.ones(2, 4)), ["vector"]),
    (lambda T, x: x.index_copy(0, T.tensor([0, -1]), T.ones(2, 4)), ["index -1"]),
    (lambda T, x: x.index_copy(0, T.tensor([0, 1]), T.ones(2, 4).double()), ["source"]),
    (lambda T, x: x.index_fill(0, T.tensor([0, 5]), 1), ["index 5"]),
    (lambda T, x: x.index_fill(0, T.tensor([0, 1]), T.tensor([1.0, 2.0])), ["0-dimensional"]),
    (lambda T, x: x.index_fill(0, T.tensor([0, 1], dtype=T.int32), 1.0), ["int64"]),
])
def test_index_errors(case, match):
    raises_like(case, rand(3, 4), match=match)


# ---- masked ops --------------------------------------------------------------------------------------

MASK = rng.random((3, 4)) > 0.5


@pytest.mark.parametrize("layout", LAYOUTS)
def test_masked_fill(layout):
    check(lambda T, x, m: T.masked_fill(x, m, -2.0), rand(3, 4), MASK, layout=layout)
    check(lambda T, x, v: x.masked_fill(T.tensor(MASK[0]), v.sum()), rand(3, 4), rand(2), layout=layout)


def test_masked_fill_broadcasts_and_keeps_dtype():
    check(lambda T, x: x.masked_fill(T.tensor(MASK).unsqueeze(0), 1.0), rand(2, 1, 4))
    check(lambda T, x: x.masked_fill(T.tensor(True), 7.0), rand(2, 3))
    check(lambda T, x: T.tensor([[1, 2], [3, 4]]).masked_fill(T.tensor([True, False]), 2.7), rand(1), grad=False)
    check(lambda T, x: (x > 0).masked_fill(T.tensor([True, False]), True), rand(3, 2))
    check(lambda T, x: x.masked_fill(T.tensor([False, True]), T.tensor(3.0, dtype=T.float64)), rand(3, 2))
    gradcheck(lambda T, x, v: T.masked_fill(x, T.tensor(MASK), v.sum()), rand(3, 4), rand(1))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_masked_select(layout):
    check(lambda T, x, m: T.masked_select(x, m), rand(3, 4), MASK, layout=layout)
    check(lambda T, x: x.masked_select(T.tensor(MASK[1])), rand(2, 3, 4), layout=layout)
    check(lambda T, x: x.masked_select(T.tensor(MASK).unsqueeze(1)), rand(3, 1, 4), layout=layout)
    gradcheck(lambda T, x: T.masked_select(x, T.tensor(MASK)), rand(3, 4))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_masked_scatter(layout):
    check(lambda T, x, m, s: T.masked_scatter(x, m, s), rand(3, 4), MASK, rand(3, 5), layout=layout)
    check(lambda T, x, s: x.masked_scatter(T.tensor(MASK[2]), s), rand(2, 4), rand(9), layout=layout)
    gradcheck(lambda T, x, s: T.masked_scatter(x, T.tensor(MASK), s), rand(3, 4), rand(13))


@pytest.mark.parametrize("case, match", [
    (lambda T, x: x.masked_fill(T.ones(4, dtype=T.uint8), 1.0), ["mask"]),
    (lambda T, x: x.masked_fill(T.ones(4, dtype=T.bool), T.ones(1)), ["0-dimensional"]),
    (lambda T, x: x.masked_fill(T.ones(5, dtype=T.bool), 1.0), ["size of tensor a (4)", "(5)"]),
    (lambda T, x: x.masked_fill_(T.ones(2, 3, 4, dtype=T.bool), 1.0), ["doesn't match the broadcast shape"]),
    (lambda T, x: x.masked_select(T.ones(4, dtype=T.uint8)), ["mask"]),
    (lambda T, x: x.masked_scatter(T.ones(4, dtype=T.bool), T.ones(5)), ["Number of elements of source"]),
    (lambda T, x: x.masked_scatter(T.ones(4, dtype=T.bool), T.ones(12).double()), ["same dtypes"]),
    (lambda T, x: x.masked_scatter(T.ones(4, dtype=T.uint8), T.ones(30)), ["boolean masks"]),
])
def test_masked_errors(case, match):
    raises_like(case, rand(3, 4), match=match)


# ---- nonzero ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
def test_nonzero(layout):
    a = (rng.random((3, 4)) > 0.5).astype(np.float32)
    check(lambda T, x: T.nonzero(x), a, layout=layout, grad=False)
    check(lambda T, x: T.nonzero(x, as_tuple=True), a, layout=layout, grad=False)
    check(lambda T, x: T.argwhere(x), a, layout=layout, grad=False)
    check(lambda T, x: x.nonzero(), np.array([0.0, float("nan"), 2.0]), grad=False)


@pytest.mark.parametrize("value", [0, 5])
def test_nonzero_scalar(value):
    check(lambda T, x: (T.nonzero(T.tensor(value)), *T.nonzero(T.tensor(value), as_tuple=True)), rand(1),
          grad=False)


# ---- in-place forms ------------------------------------------------------------------------------------------

INPLACE = {
    "scatter_": lambda T, x, s: x.scatter_(0, T.tensor(PERM), s[:2]),
    "scatter_value_": lambda T, x, s: x.scatter_(0, T.tensor(PERM), 1.5),
    "scatter_add_": lambda T, x, s: x.scatter_add_(1, T.tensor(IDX), s),
    "index_add_": lambda T, x, s: x.index_add_(0, T.tensor([1, 1, 0]), s, alpha=2),
    "index_copy_": lambda T, x, s: x.index_copy_(0, T.tensor([2, 0, 1]), s),
    "index_fill_": lambda T, x, s: x.index_fill_(1, T.tensor([0]), s.sum()),
    "masked_fill_": lambda T, x, s: x.masked_fill_(T.tensor(MASK), s[0, 0]),
    "masked_scatter_": lambda T, x, s: x.masked_scatter_(T.tensor(MASK), s),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_autograd(name):
    # the in-place op writes into a non-leaf; gradients flow to both the original tensor and the source
    check(lambda T, x, s: INPLACE[name](T, x * 1, s) * 2, rand(3, 4), rand(3, 4))


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_bumps_version_and_returns_self(name):
    x = mytorch.tensor(rand(3, 4))
    s = mytorch.tensor(rand(3, 4))
    v = x._version
    out = INPLACE[name](mytorch, x, s)
    assert out is x and x._version > v


def test_inplace_writes_through_views():
    def fill(T):
        base = T.zeros(2, 3, 4)
        base[1].masked_fill_(T.tensor(MASK), 1.0)
        base[0].index_fill_(1, T.tensor([2]), 3.0)
        return base
    check(fill, grad=False)


def test_inplace_on_leaf_requiring_grad_raises():
    x = mytorch.tensor(rand(3, 4), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        x.masked_fill_(mytorch.tensor(MASK), 0.0)


def test_inplace_then_backward_through_saved_value_raises():
    x = mytorch.tensor(rand(3, 4), requires_grad=True)
    y = x * 1
    z = y.sin()  # saves y
    y.index_fill_(0, mytorch.tensor([0]), 0.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
