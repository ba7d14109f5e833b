"""linear, bilinear, embedding, normalize (functional and modules) against PyTorch."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like

rng = np.random.default_rng(0)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("x_shape", [(4, 3), (2, 5, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(x_shape, bias, layout):
    arrays = [rand(*x_shape), rand(6, 3)] + ([rand(6)] if bias else [])
    check(lambda T, x, w, *b: T.nn.functional.linear(x, w, *b), *arrays, layout=layout)


def test_linear_gradcheck_and_second_derivative():
    x, w, b = rand(4, 3, dtype=np.float64), rand(2, 3, dtype=np.float64), rand(2, dtype=np.float64)
    gradcheck(lambda T, x, w, b: T.nn.functional.linear(x, w, b), x, w, b)
    gradcheck(lambda T, x, w: T.nn.functional.linear(x, w), rand(2, 2, 3, dtype=np.float64), w)

    def grads(T, x, w, b):
        y = T.nn.functional.linear(x, w, b).tanh()
        return T.autograd.grad(y.sum(), (x, w), create_graph=True)
    check(grads, x, w, b, atol=1e-8, rtol=1e-7)


def test_linear_grad_fn_and_dtype_and_shape_errors():
    for T in (mytorch, torch):
        x = T.tensor(rand(2, 3), requires_grad=True)
        assert T.nn.functional.linear(x, T.ones(4, 3), T.ones(4)).grad_fn.name() == "AddmmBackward0"
    raises_like(lambda T, x, w: T.nn.functional.linear(x, w), rand(2, 3), rand(5, 4), match=["2x3 and 4x5"])
    raises_like(lambda T, x, w: T.nn.functional.linear(x, w), rand(2, 2, 3), rand(5, 4), match=["4x3 and 4x5"])
    raises_like(lambda T, x, w: T.nn.functional.linear(x, w), rand(2, 3, dtype=np.float64), rand(5, 3),
                match=["double", "float"])


def test_bilinear_matches_torch():
    check(lambda T, a, b, w, c: T.nn.functional.bilinear(a, b, w, c), rand(4, 3), rand(4, 2), rand(5, 3, 2),
          rand(5))
    check(lambda T, a, b, w: T.bilinear(a, b, w), rand(2, 4, 3), rand(2, 4, 2), rand(5, 3, 2))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_embedding_matches_torch(layout):
    idx = np.array([[0, 2, 4], [4, 4, 1]])
    check(lambda T, w: T.nn.functional.embedding(T.tensor(idx), w), rand(5, 3), layout=layout)
    check(lambda T, w: T.nn.functional.embedding(T.tensor(idx), w, padding_idx=4), rand(5, 3), layout=layout)


def test_embedding_options():
    idx = np.array([1, 3, 3, 0, 3])
    check(lambda T, w: T.nn.functional.embedding(T.tensor(idx), w, padding_idx=-2), rand(5, 2))
    check(lambda T, w: T.nn.functional.embedding(T.tensor(idx), w, scale_grad_by_freq=True), rand(5, 2))
    check(lambda T, w: T.nn.functional.embedding(T.tensor(idx, dtype=T.int32), w), rand(5, 2))
    check(lambda T, w: T.nn.functional.embedding(T.tensor(3), w), rand(5, 2))
    gradcheck(lambda T, w: T.nn.functional.embedding(T.tensor(idx), w), rand(5, 2))


def test_embedding_max_norm_renormalizes_rows_in_place():
    w0 = rand(5, 3) * 3
    idx = np.array([0, 2, 2])
    weights = {}
    for T in (mytorch, torch):
        w = T.tensor(w0.copy(), requires_grad=True)
        out = T.nn.functional.embedding(T.tensor(idx), w, max_norm=1.0)
        out.sum().backward()
        weights[T] = (w.detach().numpy(), out.detach().numpy(), w.grad.numpy())
    for a, b in zip(weights[mytorch], weights[torch]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_embedding_errors_like_torch():
    w = rand(3, 2)
    raises_like(lambda T, w: T.nn.functional.embedding(T.tensor([5]), w), w, match=["index out of range"])
    raises_like(lambda T, w: T.nn.functional.embedding(T.tensor([1.0]), w), w, match=["Long, Int"])
    raises_like(lambda T, w: T.nn.functional.embedding(T.tensor([1]), w, padding_idx=3), w,
                match=["Padding_idx"])


def test_normalize_matches_torch():
    check(lambda T, x: T.nn.functional.normalize(x), rand(3, 4))
    check(lambda T, x: T.nn.functional.normalize(x, p=1.0, dim=0), rand(3, 4))
    check(lambda T, x: T.nn.functional.normalize(x, dim=-1), np.zeros((2, 3), np.float32))
