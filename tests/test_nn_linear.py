"""linear, bilinear, embedding, normalize (functional and modules) against PyTorch."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like
from nn_parity import ModulePair

rng = np.random.default_rng(0)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("x_shape", [(4, 3), (2, 5, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(x_shape, bias, layout):
    arrays = [rand(*x_shape), rand(6, 3)] + ([rand(6)] if bias else [])
    check(lambda T, x, w, *b: T.nn.functional.linear(x, w, *b), *arrays, layout=layout)


# x, weight and bias shapes reaching each path of the compiled GEMM, which adds the bias as it writes the
# product: a few float32 rows (dot products), k over a cache block (300), a narrow output (computed
# transposed), a batch of rows, a vector input, and biases broadcast from one value
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
@pytest.mark.parametrize("shapes", [((3, 300), (45, 300), (45,)), ((70, 300), (45, 300), (45,)),
                                    ((130, 33), (10, 33), (10,)), ((2, 7, 33), (20, 33), (20,)),
                                    ((33,), (20, 33), (20,)), ((20, 40), (30, 40), (1,)), ((20, 40), (30, 40), ()),
                                    ((20, 40), (30, 40), None)], ids=str)
def test_linear_gemm_paths_match_torch(shapes, dtype, layout):
    arrays = [rand(*s, dtype=dtype) for s in shapes if s is not None]
    check(lambda T, x, w, *b: T.nn.functional.linear(x, w, *b), *arrays, layout=layout,
          atol=1e-5 if dtype == np.float32 else 1e-12)


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


# ---- modules -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape", [(4, 3), (2, 5, 3)])
def test_linear_module_same_weights_parity(bias, x_shape):
    pair = ModulePair(lambda T: T.nn.Linear(3, 6, bias=bias))
    pair.step(rand(*x_shape))
    pair.step(rand(*x_shape))
    assert repr(pair.m) == repr(pair.t)
    assert pair.m.weight.shape == (6, 3) and (pair.m.bias is None) == (not bias)


def test_linear_default_init_matches_torch_distribution():
    mytorch.manual_seed(0)
    fan_in = 50
    m = mytorch.nn.Linear(fan_in, 400)
    t = torch.nn.Linear(fan_in, 400)
    bound = 1 / np.sqrt(fan_in)
    for name in ("weight", "bias"):
        a, b = getattr(m, name).detach().numpy(), getattr(t, name).detach().numpy()
        assert np.abs(a).max() <= bound and np.abs(a).max() > 0.9 * bound
        assert abs(a.std() - b.std()) < 0.1 * b.std()
        assert abs(a.mean()) < 0.1 * bound
    assert isinstance(m.weight, mytorch.nn.Parameter) and m.weight.requires_grad
    mytorch.manual_seed(1)
    w1 = mytorch.nn.Linear(3, 2).weight.detach().numpy()
    mytorch.manual_seed(1)
    np.testing.assert_array_equal(w1, mytorch.nn.Linear(3, 2).weight.detach().numpy())


def test_linear_dtype_and_parameters():
    m = mytorch.nn.Linear(2, 3, dtype=mytorch.float64)
    assert m.weight.dtype is mytorch.float64 and m.bias.dtype is mytorch.float64
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    assert m(mytorch.ones(4, 2, dtype=mytorch.float64)).dtype is mytorch.float64


def test_bilinear_module_parity():
    pair = ModulePair(lambda T: T.nn.Bilinear(3, 2, 4))
    pair.step(rand(5, 3), rand(5, 2))
    assert repr(pair.m) == repr(pair.t)
    assert np.abs(mytorch.nn.Bilinear(9, 2, 3).weight.detach().numpy()).max() <= 1 / 3


def test_identity_flatten_unflatten():
    for make in (lambda T: T.nn.Identity(54, unused="x"), lambda T: T.nn.Flatten(), lambda T: T.nn.Flatten(0, 1),
                 lambda T: T.nn.Flatten(-2), lambda T: T.nn.Unflatten(1, (2, 3)),
                 lambda T: T.nn.Unflatten(-1, [1, 4])):
        check(lambda T, x: make(T)(x.reshape(2, 6, 4)), rand(2, 6, 4))
        assert repr(make(mytorch)) == repr(make(torch))
    raises_like(lambda T, x: T.nn.Unflatten(1, 3), rand(1))


def test_embedding_module_parity_and_init():
    pair = ModulePair(lambda T: T.nn.Embedding(7, 3, padding_idx=2))
    idx = np.array([[0, 2, 6], [2, 2, 1]])
    pair.step(idx)
    pair.check_state()
    assert repr(pair.m) == repr(pair.t)
    mytorch.manual_seed(0)
    e = mytorch.nn.Embedding(1000, 20, padding_idx=-1)
    w = e.weight.detach().numpy()
    assert e.padding_idx == 999 and not w[999].any()
    assert abs(w[:999].std() - 1) < 0.05 and abs(w[:999].mean()) < 0.05
    assert list(e.state_dict()) == ["weight"]


def test_embedding_module_reprs_and_options():
    for make in (lambda T: T.nn.Embedding(5, 3), lambda T: T.nn.Embedding(5, 3, max_norm=1.0, norm_type=1.0),
                 lambda T: T.nn.Embedding(5, 3, scale_grad_by_freq=True, padding_idx=0)):
        assert repr(make(mytorch)) == repr(make(torch))
    pair = ModulePair(lambda T: T.nn.Embedding(5, 3, max_norm=0.5))
    pair.step(np.array([1, 3, 3]))
    pair.check_state()
    raises_like(lambda T, x: T.nn.Embedding(3, 2, padding_idx=3), rand(1), match=["Padding_idx"])


def test_embedding_from_pretrained():
    w = rand(4, 3)
    for freeze in (True, False):
        m = mytorch.nn.Embedding.from_pretrained(mytorch.tensor(w), freeze=freeze)
        t = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=freeze)
        assert m.weight.requires_grad == t.weight.requires_grad == (not freeze)
        np.testing.assert_array_equal(m(mytorch.tensor([3, 0])).detach().numpy(), w[[3, 0]])
        assert repr(m) == repr(t)
    m = mytorch.nn.Embedding.from_pretrained(mytorch.tensor(w), padding_idx=1)
    np.testing.assert_array_equal(m.weight.detach().numpy(), w)  # the given row is kept, as in PyTorch
    raises_like(lambda T, x: T.nn.Embedding.from_pretrained(x), rand(3))
