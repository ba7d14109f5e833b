"""nn.init vs PyTorch: gains and fans exactly, distributions by their statistics, deterministic fills exactly."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import mytorch
from mytorch.nn import init


def same_error(fn):
    errors = []
    for T in (mytorch, torch):
        with pytest.raises(Exception) as info:
            fn(T)
        errors.append(info.value)
    assert type(errors[0]) is type(errors[1]), errors
    assert str(errors[0]) == str(errors[1])


@pytest.mark.parametrize("nonlinearity,param", [
    ("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None), ("conv_transpose1d", None),
    ("conv_transpose2d", None), ("conv_transpose3d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None),
])
def test_calculate_gain(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)


@pytest.mark.parametrize("args", [("swish",), ("leaky_relu", "x"), ("leaky_relu", True)])
def test_calculate_gain_errors(args):
    same_error(lambda T: T.nn.init.calculate_gain(*args))


@pytest.mark.parametrize("shape", [(3, 5), (7, 2), (4, 3, 5), (8, 4, 3, 3), (2, 6, 1, 2, 3)])
def test_fans(shape):
    assert init._calculate_fan_in_and_fan_out(mytorch.empty(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    for mode in ("fan_in", "fan_out", "FAN_IN"):
        assert init._calculate_correct_fan(mytorch.empty(*shape), mode) == \
            torch.nn.init._calculate_correct_fan(torch.empty(*shape), mode)


def test_fan_errors():
    same_error(lambda T: T.nn.init._calculate_fan_in_and_fan_out(T.empty(5)))
    same_error(lambda T: T.nn.init.kaiming_uniform_(T.empty(3, 4), mode="fan_avg"))
    same_error(lambda T: T.nn.init.xavier_normal_(T.empty(3)))
    same_error(lambda T: T.nn.init.eye_(T.empty(2, 2, 2)))
    same_error(lambda T: T.nn.init.dirac_(T.empty(2, 2)))
    same_error(lambda T: T.nn.init.dirac_(T.empty(3, 2, 3), groups=2))
    same_error(lambda T: T.nn.init.orthogonal_(T.empty(3)))
    same_error(lambda T: T.nn.init.sparse_(T.empty(3, 3, 3), 0.5))


# ---- random schemes: (name, call, shape, distribution, parameters computed from the formulas) ----------------

def _uniform(bound):
    return ("uniform", -bound, bound)


def _normal(std):
    return ("normal", 0.0, std)


CASES = [  # (id, fill(init module, tensor, generator), shape, expected distribution)
    ("uniform", lambda I, t, g: I.uniform_(t, -0.5, 2.0, generator=g), (300, 200), ("uniform", -0.5, 2.0)),
    ("normal", lambda I, t, g: I.normal_(t, 1.5, 0.25, generator=g), (300, 200), ("normal", 1.5, 0.25)),
    ("xavier_uniform", lambda I, t, g: I.xavier_uniform_(t, generator=g), (300, 200), _uniform(math.sqrt(6 / 500))),
    ("xavier_uniform_gain_conv", lambda I, t, g: I.xavier_uniform_(t, gain=2.0, generator=g), (40, 30, 3, 3),
     _uniform(2 * math.sqrt(6 / (70 * 9)))),
    ("xavier_normal", lambda I, t, g: I.xavier_normal_(t, gain=0.5, generator=g), (300, 200),
     _normal(0.5 * math.sqrt(2 / 500))),
    ("kaiming_uniform_default", lambda I, t, g: I.kaiming_uniform_(t, generator=g), (300, 200),
     _uniform(math.sqrt(3) * math.sqrt(2) / math.sqrt(200))),  # a=0 is leaky_relu's slope: the relu gain
    ("kaiming_uniform_linear", lambda I, t, g: I.kaiming_uniform_(t, a=math.sqrt(5), generator=g), (300, 200),
     _uniform(1 / math.sqrt(200))),  # nn.Linear's default: bound = 1/sqrt(fan_in)
    ("kaiming_uniform_fan_out_relu", lambda I, t, g: I.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu",
                                                                         generator=g), (32, 20, 5, 5),
     _uniform(math.sqrt(3) * math.sqrt(2) / math.sqrt(32 * 25))),
    ("kaiming_normal_relu", lambda I, t, g: I.kaiming_normal_(t, nonlinearity="relu", generator=g), (300, 200),
     _normal(math.sqrt(2) / math.sqrt(200))),
    ("kaiming_normal_fan_out_leaky", lambda I, t, g: I.kaiming_normal_(t, a=0.2, mode="fan_out", generator=g),
     (300, 20, 3), _normal(math.sqrt(2 / 1.04) / math.sqrt(900))),
]


@pytest.mark.parametrize("name,fill,shape,dist", CASES, ids=[c[0] for c in CASES])
def test_random_schemes_statistics(name, fill, shape, dist):
    g = mytorch.Generator().manual_seed(0)
    t = mytorch.empty(*shape)
    assert fill(init, t, g) is t
    x = t.numpy().astype(np.float64).ravel()
    kind, p1, p2 = dist
    n = x.size
    if kind == "uniform":
        mean, std = (p1 + p2) / 2, (p2 - p1) / math.sqrt(12)
        assert p1 <= x.min() and x.max() <= p2
        assert x.min() < p1 + 1e-3 * (p2 - p1) and x.max() > p2 - 1e-3 * (p2 - p1)
    else:
        mean, std = p1, p2
        assert abs(np.mean(((x - mean) / std) ** 4) - 3) < 0.15  # the kurtosis of a normal
    assert abs(x.mean() - mean) < 5 * std / math.sqrt(n)
    assert abs(x.std() / std - 1) < 0.02
    # the same call in torch spreads its samples the same way
    ref = fill(torch.nn.init, torch.empty(*shape), None).numpy().astype(np.float64)
    assert abs(x.std() / ref.std() - 1) < 0.03
    if kind == "uniform":
        assert abs((x.max() - x.min()) / (ref.max() - ref.min()) - 1) < 0.01


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (1.0, 2.0, -1.0, 2.0), (0.0, 0.02, -0.04, 0.04),
                                          (-3.0, 1.0, -4.0, 10.0)])
def test_trunc_normal_statistics(mean, std, a, b):
    t = mytorch.empty(200, 500)
    assert init.trunc_normal_(t, mean, std, a, b, generator=mytorch.Generator().manual_seed(1)) is t
    x = t.numpy().astype(np.float64).ravel()
    assert a <= x.min() and x.max() <= b
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: (1 + math.erf(z / math.sqrt(2))) / 2  # noqa: E731
    z = cdf(beta) - cdf(alpha)
    expected_mean = mean + std * (pdf(alpha) - pdf(beta)) / z
    expected_var = std ** 2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - ((pdf(alpha) - pdf(beta)) / z) ** 2)
    assert abs(x.mean() - expected_mean) < 5 * math.sqrt(expected_var / x.size)
    assert abs(x.std() / math.sqrt(expected_var) - 1) < 0.02
    ref = torch.nn.init.trunc_normal_(torch.empty(200, 500), mean, std, a, b).numpy()
    assert abs(x.std() / ref.std() - 1) < 0.03


def test_trunc_normal_warns_far_mean():
    with pytest.warns(UserWarning, match="more than 2 std"):
        init.trunc_normal_(mytorch.empty(10), mean=10.0, std=1.0, a=-2.0, b=2.0)


@pytest.mark.parametrize("shape,gain", [((6, 4), 1.0), ((4, 6), 1.0), ((30, 30), 2.0), ((8, 3, 2, 2), 0.5),
                                        ((2, 5, 3), 1.0), ((1, 7), 1.0)])
def test_orthogonal(shape, gain):
    t = mytorch.empty(*shape)
    assert init.orthogonal_(t, gain=gain, generator=mytorch.Generator().manual_seed(3)) is t
    flat = t.numpy().reshape(shape[0], -1).astype(np.float64)
    gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(gram.shape[0]), atol=1e-5)
    ref = torch.nn.init.orthogonal_(torch.empty(*shape), gain=gain).numpy()  # same norms as torch's
    np.testing.assert_allclose(np.linalg.norm(flat), np.linalg.norm(ref), rtol=1e-5)


def test_householder_qr_matches_torch():
    a = np.random.default_rng(0).standard_normal((7, 4))
    q, r = init._householder_qr(mytorch.tensor(a))
    tq, tr = torch.linalg.qr(torch.tensor(a))
    np.testing.assert_allclose(q.numpy(), tq.numpy(), atol=1e-12)
    np.testing.assert_allclose(r.numpy(), tr.numpy(), atol=1e-12)


def test_orthogonal_empty_is_noop():
    t = mytorch.empty(0, 3)
    assert init.orthogonal_(t) is t


@pytest.mark.parametrize("sparsity", [0.1, 0.5, 0.9])
def test_sparse(sparsity):
    t = init.sparse_(mytorch.empty(20, 7), sparsity, std=0.1, generator=mytorch.Generator().manual_seed(0))
    zeros_per_col = (t.numpy() == 0).sum(axis=0)
    assert (zeros_per_col == math.ceil(sparsity * 20)).all()
    ref = torch.nn.init.sparse_(torch.empty(20, 7), sparsity, std=0.1)
    assert ((ref.numpy() == 0).sum(axis=0) == zeros_per_col).all()


# ---- deterministic fills: exactly torch's ------------------------------------------------------------------------

@pytest.mark.parametrize("fill,shape", [
    (lambda T, t: T.nn.init.constant_(t, 0.3), (3, 4)),
    (lambda T, t: T.nn.init.ones_(t), (2, 5)),
    (lambda T, t: T.nn.init.zeros_(t), (4,)),
    (lambda T, t: T.nn.init.eye_(t), (3, 5)),
    (lambda T, t: T.nn.init.eye_(t), (5, 3)),
    (lambda T, t: T.nn.init.dirac_(t), (4, 3, 3)),
    (lambda T, t: T.nn.init.dirac_(t), (2, 4, 3, 2)),
    (lambda T, t: T.nn.init.dirac_(t, groups=2), (6, 2, 3, 3)),
    (lambda T, t: T.nn.init.dirac_(t, groups=3), (3, 2, 2, 3, 3)),
])
def test_deterministic_fills(fill, shape):
    ours = mytorch.full(shape, 7.0)
    theirs = torch.full(shape, 7.0)
    assert fill(mytorch, ours) is ours
    fill(torch, theirs)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


ALL_FILLS = [
    lambda t: init.uniform_(t), lambda t: init.normal_(t), lambda t: init.trunc_normal_(t),
    lambda t: init.constant_(t, 2.0), lambda t: init.ones_(t), lambda t: init.zeros_(t), lambda t: init.eye_(t),
    lambda t: init.xavier_uniform_(t), lambda t: init.xavier_normal_(t), lambda t: init.kaiming_uniform_(t),
    lambda t: init.kaiming_normal_(t), lambda t: init.orthogonal_(t), lambda t: init.sparse_(t, 0.5),
]


@pytest.mark.parametrize("fill", ALL_FILLS)
def test_fills_parameters_in_place_without_graph(fill):
    p = mytorch.nn.Parameter(mytorch.full((4, 3), 9.0))
    before = p._version
    assert fill(p) is p
    assert p.is_leaf and p.requires_grad and p.grad_fn is None and p._version > before
    assert (p.detach().numpy() != 9.0).any()
    (p * 2).sum().backward()  # still an ordinary trainable leaf
    assert p.grad is not None


@pytest.mark.parametrize("fill", [
    lambda t, g: init.uniform_(t, generator=g), lambda t, g: init.normal_(t, generator=g),
    lambda t, g: init.trunc_normal_(t, generator=g), lambda t, g: init.xavier_uniform_(t, generator=g),
    lambda t, g: init.kaiming_normal_(t, generator=g), lambda t, g: init.orthogonal_(t, generator=g),
    lambda t, g: init.sparse_(t, 0.3, generator=g),
])
def test_generator_reproducible(fill):
    draws = [fill(mytorch.empty(5, 4), mytorch.Generator().manual_seed(s)).numpy() for s in (7, 7, 8)]
    np.testing.assert_array_equal(draws[0], draws[1])
    assert not np.array_equal(draws[0], draws[2])


def test_kaiming_zero_element_warns():
    for fill in (init.kaiming_uniform_, init.kaiming_normal_):
        t = mytorch.empty(0, 3)
        with pytest.warns(UserWarning, match="zero-element"):
            assert fill(t) is t


def test_skip_init_leaves_parameters_alone_and_restores_init():
    import mytorch.nn as nn
    from mytorch.nn.utils import skip_init

    mytorch.manual_seed(0)
    state = mytorch.get_rng_state()
    lin = skip_init(nn.Linear, 4, 3)
    assert isinstance(lin, nn.Linear) and lin.weight.shape == (3, 4)
    assert mytorch.equal(mytorch.get_rng_state(), state)  # no random draw happened
    fresh = nn.Linear(4, 3)  # initialisers work again afterwards
    assert float(fresh.weight.abs().max()) <= 0.5 and not mytorch.equal(mytorch.get_rng_state(), state)
    with pytest.raises(RuntimeError, match="Expected a Module"):
        skip_init(int)
