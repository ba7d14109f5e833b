"""Random numbers: seeding and generators, shapes and dtypes vs torch, distribution properties, errors.

The values themselves are compared with torch's in test_torch_streams.py; here
distribution properties are checked statistically (seeded, so every run sees the same numbers).
"""
import math

import numpy as np
import pytest
import torch

import mytorch
from helpers import TORCH_DTYPES, raises_like


def np_(t) -> np.ndarray:
    return t.detach().to(mytorch.float64).numpy() if t.dtype.is_floating_point else t.numpy()


# ---- seeding and generators -----------------------------------------------------------------------------------

DRAWS = {
    "rand": lambda T, g: T.rand(3, 2, generator=g),
    "randn": lambda T, g: T.randn(4, generator=g),
    "randint": lambda T, g: T.randint(0, 100, (5,), generator=g),
    "randperm": lambda T, g: T.randperm(7, generator=g),
    "normal": lambda T, g: T.normal(T.zeros(3), T.ones(3), generator=g),
    "normal sized": lambda T, g: T.normal(1.0, 2.0, (3,), generator=g),
    "bernoulli": lambda T, g: T.bernoulli(T.full((6,), 0.5), generator=g),
    "multinomial": lambda T, g: T.multinomial(T.ones(5), 3, generator=g),
    "multinomial replacement": lambda T, g: T.multinomial(T.ones(2, 5), 4, True, generator=g),
    "uniform_": lambda T, g: T.empty(4).uniform_(-1, 1, generator=g),
    "normal_": lambda T, g: T.empty(4).normal_(generator=g),
    "bernoulli_": lambda T, g: T.empty(4).bernoulli_(0.3, generator=g),
    "random_": lambda T, g: T.empty(4, dtype=T.int64).random_(0, 50, generator=g),
    "exponential_": lambda T, g: T.empty(4).exponential_(generator=g),
    "geometric_": lambda T, g: T.empty(4).geometric_(0.4, generator=g),
    "cauchy_": lambda T, g: T.empty(4).cauchy_(generator=g),
    "log_normal_": lambda T, g: T.empty(4).log_normal_(generator=g),
    "rand_like": lambda T, g: T.rand_like(T.zeros(3), generator=g),
    "randn_like": lambda T, g: T.randn_like(T.zeros(3), generator=g),
    "randint_like": lambda T, g: T.randint_like(T.zeros(3), 5, 9, generator=g),
}


@pytest.mark.parametrize("name", DRAWS)
def test_same_seed_same_numbers(name):
    draw = DRAWS[name]
    mytorch.manual_seed(3)
    a = draw(mytorch, None)
    mytorch.manual_seed(3)
    b = draw(mytorch, None)
    c = draw(mytorch, None)
    np.testing.assert_array_equal(np_(a), np_(b))
    g = mytorch.Generator().manual_seed(3)
    np.testing.assert_array_equal(np_(draw(mytorch, g)), np_(a))  # a generator seeded alike draws alike
    assert a.numel() <= 3 or not np.array_equal(np_(b), np_(c))  # the stream moves on
    t = draw(torch, torch.Generator().manual_seed(3))
    assert tuple(a.shape) == tuple(t.shape) and TORCH_DTYPES[a.dtype] == t.dtype


def test_generator_is_isolated_from_the_default_one():
    g = mytorch.Generator().manual_seed(7)
    first = mytorch.rand(5, generator=g)
    g.manual_seed(7)
    mytorch.manual_seed(7)
    mytorch.rand(100)  # draws from the default generator don't move g
    np.testing.assert_array_equal(np_(mytorch.rand(5, generator=g)), np_(first))
    mytorch.manual_seed(7)
    np.testing.assert_array_equal(np_(mytorch.rand(5)), np_(first))  # same seed, same stream


def test_seed_and_initial_seed_like_torch():
    for T in (torch, mytorch):
        assert T.manual_seed(12).initial_seed() == 12
        assert T.initial_seed() == 12
        assert T.Generator().manual_seed(-1).initial_seed() == 2 ** 64 - 1
        assert T.Generator().initial_seed() == 67280421310721
        s = T.seed()
        assert isinstance(s, int) and T.initial_seed() == s
    g = mytorch.Generator()
    assert g.seed() == g.initial_seed() and g.device == mytorch.device("cpu")
    assert isinstance(mytorch.default_generator, mytorch.Generator)


def test_manual_seed_out_of_range():
    raises_like(lambda T: T.manual_seed(2 ** 64))


@pytest.mark.parametrize("source", ["default", "generator"])
def test_state_round_trip(source):
    g = mytorch.Generator().manual_seed(5) if source == "generator" else None
    get = g.get_state if g else mytorch.get_rng_state
    put = g.set_state if g else mytorch.set_rng_state
    mytorch.randn(3, generator=g)
    state = get()
    assert state.dtype is mytorch.uint8 and state.ndim == 1
    a = mytorch.randn(10, generator=g)
    mytorch.rand(7, generator=g)
    put(state)
    np.testing.assert_array_equal(np_(mytorch.randn(10, generator=g)), np_(a))


def test_state_carries_the_seed_and_moves_between_generators():
    g = mytorch.Generator().manual_seed(11)
    mytorch.rand(2, generator=g)
    h = mytorch.Generator().set_state(g.get_state())
    assert h.initial_seed() == 11
    np.testing.assert_array_equal(np_(mytorch.rand(4, generator=h)), np_(mytorch.rand(4, generator=g)))


def test_set_state_errors():
    raises_like(lambda T: T.Generator().set_state(T.zeros(3)))
    raises_like(lambda T: T.Generator().set_state(T.zeros(3, dtype=T.uint8)))


# ---- shapes and dtypes vs torch -------------------------------------------------------------------------------

SHAPED = [
    lambda T: T.rand(2, 3), lambda T: T.rand((2, 3)), lambda T: T.rand([4]), lambda T: T.rand(()),
    lambda T: T.rand(0, 2), lambda T: T.rand(size=(2, 1)), lambda T: T.randn(size=[3]), lambda T: T.rand(2, dtype=T.float64), lambda T: T.rand(2, dtype=T.float16),
    lambda T: T.rand(2, dtype=T.bfloat16), lambda T: T.randn(3, 1), lambda T: T.randn(2, dtype=T.float64),
    lambda T: T.randint(5, (2, 2)), lambda T: T.randint(2, 5, (3,)), lambda T: T.randint(low=1, high=4, size=(2,)),
    lambda T: T.randint(high=4, size=(2,)), lambda T: T.randint(4, size=(2,)), lambda T: T.randint(0, 2, (3,), dtype=T.bool),
    lambda T: T.randint(0, 9, (3,), dtype=T.float32), lambda T: T.randint(0, 9, (3,), dtype=T.uint8),
    lambda T: T.randperm(5), lambda T: T.randperm(0), lambda T: T.randperm(4, dtype=T.float32),
    lambda T: T.normal(T.zeros(2, 3), 1.0), lambda T: T.normal(0.0, T.ones(3)),
    lambda T: T.normal(T.zeros(2, 1), T.ones(3)), lambda T: T.normal(T.zeros(3, dtype=T.float64), 2.0),
    lambda T: T.normal(0.0, 1.0, (2, 2)), lambda T: T.normal(0.0, 1.0, size=(1,), dtype=T.float64),
    lambda T: T.bernoulli(T.rand(3)), lambda T: T.bernoulli(T.zeros(2, dtype=T.float64)),
    lambda T: T.bernoulli(T.zeros(2), 0.5), lambda T: T.rand(3).bernoulli(),
    lambda T: T.multinomial(T.ones(4), 2), lambda T: T.multinomial(T.ones(3, 4), 4),
    lambda T: T.ones(3, 4).multinomial(6, replacement=True),
    lambda T: T.rand_like(T.zeros(2, 3, dtype=T.float64)), lambda T: T.randn_like(T.zeros(2), dtype=T.float16),
    lambda T: T.randint_like(T.zeros(2, dtype=T.int32), 10), lambda T: T.randint_like(T.zeros(2), 3, 10),
    lambda T: T.empty(3, dtype=T.int32).random_(), lambda T: T.empty(3, dtype=T.bool).random_(),
    lambda T: T.empty(3, dtype=T.uint8).bernoulli_(0.5), lambda T: T.empty(3, dtype=T.int64).geometric_(0.5),
    lambda T: T.rand(2, requires_grad=True), lambda T: T.randn(2, 2, dtype=T.float64, requires_grad=True),
]


@pytest.mark.parametrize("i", range(len(SHAPED)))
def test_shape_dtype_and_requires_grad_like_torch(i):
    m, t = SHAPED[i](mytorch), SHAPED[i](torch)
    assert tuple(m.shape) == tuple(t.shape)
    assert TORCH_DTYPES[m.dtype] == t.dtype
    assert m.requires_grad == t.requires_grad and m.is_leaf == t.is_leaf


def test_default_dtype_applies():
    for T in (torch, mytorch):
        T.set_default_dtype(T.float64)
    try:
        for f in (lambda T: T.rand(2), lambda T: T.randn(2), lambda T: T.normal(0.0, 1.0, (2,))):
            assert TORCH_DTYPES[f(mytorch).dtype] == f(torch).dtype == torch.float64
    finally:
        torch.set_default_dtype(torch.float32)


# ---- distributions --------------------------------------------------------------------------------------------

N = 20000


@pytest.fixture(autouse=True)
def _seeded():
    mytorch.manual_seed(0)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_rand_is_uniform_in_unit_interval(dtype):
    x = np_(mytorch.rand(N, dtype=getattr(mytorch, dtype)))
    assert x.min() >= 0 and x.max() < 1  # never rounds up to 1, even in 8-bit-mantissa bfloat16
    assert abs(x.mean() - 0.5) < 0.01 and abs(x.std() - math.sqrt(1 / 12)) < 0.01
    np.testing.assert_allclose(np.histogram(x, bins=10, range=(0, 1))[0] / N, 0.1, atol=0.01)


def test_uniform_range():
    x = np_(mytorch.empty(N).uniform_(-2, 3))
    assert x.min() >= -2 and x.max() < 3 and abs(x.mean() - 0.5) < 0.05


@pytest.mark.parametrize("make, mean, std", [
    (lambda: mytorch.randn(N), 0, 1),
    (lambda: mytorch.randn(N, dtype=mytorch.float64), 0, 1),
    (lambda: mytorch.normal(3.0, 2.0, (N,)), 3, 2),
    (lambda: mytorch.normal(mytorch.full((N,), -1.0), 0.5), -1, 0.5),
    (lambda: mytorch.normal(2.0, mytorch.full((N,), 3.0)), 2, 3),
    (lambda: mytorch.empty(N).normal_(5, 0.1), 5, 0.1),
    (lambda: mytorch.empty(N, dtype=mytorch.float16).normal_(), 0, 1),
])
def test_normal_moments(make, mean, std):
    x = np_(make())
    assert abs(x.mean() - mean) < 0.05 * std and abs(x.std() - std) < 0.05 * std
    assert abs(((x - mean) / std > 1).mean() - 0.1587) < 0.01  # the tail, not just two moments


def test_normal_with_tensor_mean_and_std_is_per_element():
    mean = mytorch.tensor([[-10.0], [10.0]]).expand(2, N)
    std = mytorch.tensor([0.1, 1.0]).reshape(2, 1)
    x = np_(mytorch.normal(mean, std))
    np.testing.assert_allclose(x.mean(1), [-10, 10], atol=0.05)
    np.testing.assert_allclose(x.std(1), [0.1, 1.0], rtol=0.05)


def test_normal_layout_and_pin_memory():
    """PyTorch's factory keywords: the strided layout and pin_memory are accepted, other layouts refused."""
    x = mytorch.normal(1.6, 0.3, (2, 2), dtype=mytorch.float64, layout=mytorch.strided, pin_memory=False)
    assert x.shape == (2, 2) and x.dtype is mytorch.float64 and x.layout == mytorch.strided
    with pytest.raises(RuntimeError, match="layout sparse_coo is not supported"):
        mytorch.normal(0.0, 1.0, (2,), layout="sparse_coo")


def test_randint_covers_range():
    x = np_(mytorch.randint(-3, 4, (N,)))
    assert set(np.unique(x)) == set(range(-3, 4))
    np.testing.assert_allclose(np.bincount(x + 3) / N, 1 / 7, atol=0.01)


@pytest.mark.parametrize("n", [1, 5, 100])
def test_randperm_is_a_permutation(n):
    perms = [np_(mytorch.randperm(n)) for _ in range(20)]
    for p in perms:
        np.testing.assert_array_equal(np.sort(p), np.arange(n))
    assert n < 5 or len({tuple(p) for p in perms}) > 1


def test_bernoulli_frequencies():
    p = mytorch.tensor([0.0, 0.2, 0.7, 1.0]).reshape(4, 1).expand(4, N)
    x = np_(mytorch.bernoulli(p))
    assert set(np.unique(x)) <= {0.0, 1.0}
    np.testing.assert_allclose(x.mean(1), [0, 0.2, 0.7, 1], atol=0.015)
    assert abs(np_(mytorch.bernoulli(mytorch.zeros(N), 0.3)).mean() - 0.3) < 0.015
    assert abs(np_(mytorch.empty(N, dtype=mytorch.int64).bernoulli_(0.6)).mean() - 0.6) < 0.015
    y = np_(mytorch.empty(2, N).bernoulli_(mytorch.tensor([[0.1], [0.9]])))
    np.testing.assert_allclose(y.mean(1), [0.1, 0.9], atol=0.015)


def test_multinomial_with_replacement_frequencies():
    p = mytorch.tensor([[1.0, 0.0, 3.0, 6.0], [0.0, 0.0, 0.0, 2.0]])
    x = np_(mytorch.multinomial(p, N, replacement=True))
    assert x.shape == (2, N) and x.dtype == np.int64
    np.testing.assert_allclose(np.bincount(x[0], minlength=4) / N, [0.1, 0, 0.3, 0.6], atol=0.015)
    assert (x[1] == 3).all()


def test_multinomial_without_replacement():
    p = mytorch.tensor([1.0, 2.0, 0.0, 7.0])
    draws = np.stack([np_(mytorch.multinomial(p, 3)) for _ in range(2000)])
    assert all(len(set(row)) == 3 for row in draws)
    assert (draws != 2).all()  # a zero-probability category is drawn only when nothing else is left
    np.testing.assert_allclose(np.bincount(draws[:, 0], minlength=4) / 2000, [0.1, 0.2, 0, 0.7], atol=0.03)
    # the second draw follows the renormalized rest: P(second = 0) = .2 * 1/8 + .7 * 1/3
    assert abs((draws[:, 1] == 0).mean() - (0.2 / 8 + 0.7 / 3)) < 0.03
    full = np_(mytorch.multinomial(mytorch.tensor([0.0, 1.0, 1.0]), 3))
    assert sorted(full) == [0, 1, 2] and full[2] == 0


def test_random_ranges():
    x = np_(mytorch.empty(N, dtype=mytorch.int8).random_())
    assert x.min() >= 0 and x.max() == 127
    x = np_(mytorch.empty(N, dtype=mytorch.bool).random_())
    assert set(np.unique(x)) == {False, True}
    x = np_(mytorch.empty(N).random_(5))
    assert set(np.unique(x)) == set(range(5))
    x = np_(mytorch.empty(N, dtype=mytorch.int64).random_(-4, -1))
    assert set(np.unique(x)) == {-4, -3, -2}
    x = np_(mytorch.empty(N, dtype=mytorch.float16).random_())
    assert x.min() >= 0 and x.max() <= 2 ** 11 and (x == np.round(x)).all()


def test_exponential_geometric_cauchy_log_normal():
    x = np_(mytorch.empty(N).exponential_(4.0))
    assert x.min() >= 0 and abs(x.mean() - 0.25) < 0.01
    g = np_(mytorch.empty(N).geometric_(0.25))
    assert g.min() >= 1 and (g == np.round(g)).all() and abs(g.mean() - 4) < 0.1
    c = np_(mytorch.empty(N).cauchy_(2.0, 0.5))
    assert abs(np.median(c) - 2) < 0.03 and abs(np.percentile(c, 75) - 2.5) < 0.05
    ln = np_(mytorch.empty(N, dtype=mytorch.float64).log_normal_(1.0, 0.5))
    assert ln.min() > 0 and abs(np.log(ln).mean() - 1) < 0.02 and abs(np.log(ln).std() - 0.5) < 0.02


# ---- autograd ---------------------------------------------------------------------------------------------------

INPLACE = ["uniform_()", "normal_()", "bernoulli_()", "bernoulli_(0.3)", "random_()", "random_(5)",
           "random_(1, 5)", "exponential_()", "geometric_(0.5)", "log_normal_()", "cauchy_()"]


@pytest.mark.parametrize("call", INPLACE)
def test_inplace_on_leaf_follows_torch(call):
    raises_like(lambda T: eval("T.zeros(3, requires_grad=True)." + call))
    for T in (torch, mytorch):
        w = T.zeros(3, requires_grad=True)
        with T.no_grad():  # the usual way to initialise a parameter
            out = eval("w." + call)
        assert out is w and w.requires_grad and w.is_leaf and w._version == 1


@pytest.mark.parametrize("call", INPLACE + ["bernoulli_(T.full((3,), 0.2))"])
def test_inplace_on_graph_records_zero_gradient_node(call):
    grads = {}
    for T in (torch, mytorch):
        x = T.ones(3, requires_grad=True)
        y = x * 2
        eval("y." + call)
        grads[T] = y.grad_fn.name()
        (y * 3).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros(3))
    assert grads[mytorch] == grads[torch]


@pytest.mark.parametrize("make", [
    lambda T, m, s: T.normal(m, 1.0), lambda T, m, s: T.normal(0.0, s), lambda T, m, s: T.normal(m, s),
    lambda T, m, s: T.bernoulli(s * 0.5),
])
def test_sampling_from_parameters_records_zero_gradient(make):
    names = {}
    for T in (torch, mytorch):
        m = T.zeros(3, requires_grad=True)
        s = T.ones(3, requires_grad=True)
        out = make(T, m, s)
        names[T] = out.grad_fn.name()
        out.sum().backward()
        for p in (m, s):
            assert p.grad is None or not p.grad.numpy().any()
    assert names[mytorch] == names[torch]


# ---- errors -----------------------------------------------------------------------------------------------------

ERRORS = [
    lambda T: T.multinomial(T.tensor([-1.0, 1.0]), 1),
    lambda T: T.multinomial(T.tensor([float("nan"), 1.0]), 1),
    lambda T: T.multinomial(T.tensor([float("inf"), 1.0]), 1),
    lambda T: T.multinomial(T.tensor([0.0, 0.0]), 1),
    lambda T: T.multinomial(T.tensor([[1.0, 1.0], [0.0, 0.0]]), 1, True),
    lambda T: T.multinomial(T.tensor([1.0, 1.0]), 3),
    lambda T: T.multinomial(T.ones(2, 2, 2), 1),
    lambda T: T.multinomial(T.ones(2), 0),
    lambda T: T.multinomial(T.tensor([1, 2]), 1),
    lambda T: T.bernoulli(T.tensor([1.5])),
    lambda T: T.bernoulli(T.tensor([1, 0])),
    lambda T: T.zeros(2).bernoulli_(1.5),
    lambda T: T.rand(2, dtype=T.int64),
    lambda T: T.randn(2, dtype=T.int32),
    lambda T: T.rand(-1),
    lambda T: T.randperm(-1),
    lambda T: T.randint(5, 5, (2,)),
    lambda T: T.randint(0, 300, (3,), dtype=T.uint8),
    lambda T: T.randint(0, 5, (2,), requires_grad=True),
    lambda T: T.normal(0.0, -1.0, (2,)),
    lambda T: T.normal(T.zeros(2), -1.0),
    lambda T: T.normal(T.zeros(2), -T.ones(2)),
    lambda T: T.normal(T.zeros(2), T.ones(3)),
    lambda T: T.normal(T.zeros(2, dtype=T.int64), 1.0),
    lambda T: T.zeros(2).normal_(0, -1),
    lambda T: T.zeros(2, dtype=T.int64).normal_(),
    lambda T: T.zeros(2, dtype=T.int64).uniform_(),
    lambda T: T.zeros(2).uniform_(2, 1),
    lambda T: T.zeros(2, dtype=T.int64).exponential_(),
    lambda T: T.zeros(2).exponential_(0),
    lambda T: T.zeros(2).random_(3, 2),
    lambda T: T.zeros(3, dtype=T.uint8).random_(0, 300),
    lambda T: T.zeros(2).geometric_(0),
    lambda T: T.zeros(2).geometric_(1),
    lambda T: T.rand_like(T.zeros(2, dtype=T.int64)),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_like_torch(i):
    raises_like(ERRORS[i])
