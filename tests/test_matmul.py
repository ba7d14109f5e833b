"""Matrix products vs torch: 1-D/2-D/batched/broadcast matmul, mm, bmm, mv, dot, outer."""
import numpy as np
import pytest

from helpers import LAYOUTS, check, gradcheck, raises_like

rng = np.random.default_rng(3)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
          ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)), ((2, 1, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4)),
          ((2, 2, 3), (3,))]


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_matmul_shapes(shapes):
    check(lambda T, a, b: a @ b, rand(*shapes[0]), rand(*shapes[1]))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_matmul_layouts(layout):
    check(lambda T, a, b: T.matmul(a, b), rand(4, 3), rand(3, 5), layout=layout)
    check(lambda T, a, b: T.matmul(a, b), rand(2, 4, 3), rand(2, 3, 3), layout=layout)


def test_named_products():
    check(lambda T, a, b: T.mm(a, b), rand(2, 3), rand(3, 4))
    check(lambda T, a, b: T.bmm(a, b), rand(2, 2, 3), rand(2, 3, 4))
    check(lambda T, a, b: T.mv(a, b), rand(2, 3), rand(3))
    check(lambda T, a, b: T.dot(a, b), rand(3), rand(3))
    check(lambda T, a, b: T.outer(a, b), rand(3), rand(4))
    check(lambda T, a, b: a.mm(b), rand(2, 3), rand(3, 2))


def test_matmul_float64_and_int():
    check(lambda T, a, b: a @ b, rand(2, 3, dtype=np.float64), rand(3, 2, dtype=np.float64), atol=1e-12)
    check(lambda T, a, b: a @ b, rng.integers(0, 5, (2, 3)), rng.integers(0, 5, (3, 2)), grad=False)


def test_matmul_gradcheck():
    for sa, sb in SHAPES:
        gradcheck(lambda T, a, b: a @ b, rand(*sa, dtype=np.float64), rand(*sb, dtype=np.float64))


def test_matmul_double_backward():
    from mytorch.autograd import gradgradcheck
    import mytorch
    a = mytorch.randn(2, 3, dtype=mytorch.float64, requires_grad=True) if hasattr(mytorch, "randn") else \
        mytorch.tensor(rand(2, 3, dtype=np.float64), requires_grad=True)
    b = mytorch.tensor(rand(3, 2, dtype=np.float64), requires_grad=True)
    assert gradgradcheck(lambda a, b: a @ b, (a, b))


@pytest.mark.parametrize("fn, shapes, fragment", [
    (lambda T, a, b: a @ b, ((2, 3), (4, 5)), "2x3 and 4x5"),
    (lambda T, a, b: T.mm(a, b), ((2, 3), (2, 3)), "2x3 and 2x3"),
    (lambda T, a, b: T.dot(a, b), ((3,), (4,)), "3"),
    (lambda T, a, b: T.bmm(a, b), ((2, 2, 3), (3, 3, 4)), "batch"),
    (lambda T, a, b: T.mv(a, b), ((2, 3), (2,)), "2x3"),
])
def test_matmul_errors(fn, shapes, fragment):
    raises_like(fn, rand(*shapes[0]), rand(*shapes[1]), match=[fragment])


def test_matmul_dtype_mismatch():
    raises_like(lambda T, a, b: a @ b, rand(2, 3), rand(3, 2, dtype=np.float64), match=["dtype"])


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_matmul_gradient_of_one_operand_only(shapes):
    import mytorch
    import torch
    a, b = rand(*shapes[0]), rand(*shapes[1])
    for which in (0, 1):
        grads = []
        for T in (mytorch, torch):
            xs = [T.tensor(a), T.tensor(b)]
            xs[which].requires_grad_(True)
            (xs[0] @ xs[1]).sum().backward()
            grads.append(xs[which].grad.numpy())
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5, atol=1e-5)
