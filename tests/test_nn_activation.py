"""Activations, softmax and dropout (functional and modules) against PyTorch."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like

rng = np.random.default_rng(0)


def rand(*shape, scale=2.0, dtype=np.float32):
    return (rng.standard_normal(shape) * scale).astype(dtype)


# name -> fn(T, x): every activation, with non-default arguments where it has them
ACTIVATIONS = {
    "relu": lambda T, x: T.nn.functional.relu(x),
    "relu6": lambda T, x: T.nn.functional.relu6(x * 3),
    "leaky_relu": lambda T, x: T.nn.functional.leaky_relu(x, 0.2),
    "elu": lambda T, x: T.nn.functional.elu(x, 0.7),
    "selu": lambda T, x: T.nn.functional.selu(x),
    "celu": lambda T, x: T.nn.functional.celu(x, 0.5),
    "gelu": lambda T, x: T.nn.functional.gelu(x),
    "gelu_tanh": lambda T, x: T.nn.functional.gelu(x, approximate="tanh"),
    "silu": lambda T, x: T.nn.functional.silu(x),
    "mish": lambda T, x: T.nn.functional.mish(x),
    "sigmoid": lambda T, x: T.nn.functional.sigmoid(x),
    "tanh": lambda T, x: T.nn.functional.tanh(x),
    "softplus": lambda T, x: T.nn.functional.softplus(x),
    "softplus_beta": lambda T, x: T.nn.functional.softplus(x, beta=2.0, threshold=3.0),
    "hardtanh": lambda T, x: T.nn.functional.hardtanh(x, -0.5, 0.7),
    "logsigmoid": lambda T, x: T.nn.functional.logsigmoid(x),
    "softmax": lambda T, x: T.nn.functional.softmax(x, dim=-1),
    "softmax0": lambda T, x: T.nn.functional.softmax(x, 0),
    "log_softmax": lambda T, x: T.nn.functional.log_softmax(x, dim=1),
    "log_softmax0": lambda T, x: T.nn.functional.log_softmax(x, dim=0),
    "softmin": lambda T, x: T.nn.functional.softmin(x, dim=1),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_torch(name, layout):
    check(ACTIVATIONS[name], rand(3, 4), layout=layout)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradcheck(name):
    gradcheck(ACTIVATIONS[name], rand(2, 3, dtype=np.float64))


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "elu", "silu", "mish", "softplus_beta", "softmax",
                                  "log_softmax", "leaky_relu", "selu"])
def test_activation_second_derivative_matches_torch(name):
    fn = ACTIVATIONS[name]

    def first_grad(T, x):
        y = fn(T, x)
        return T.autograd.grad((y * y).sum(), x, create_graph=True)[0]
    check(first_grad, rand(3, 4, dtype=np.float64), atol=1e-8, rtol=1e-7)


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4), ()])
def test_activation_shapes_and_float64(shape):
    x = rand(*shape, dtype=np.float64)
    for name in ("relu", "gelu", "softmax0", "log_softmax0", "silu", "hardtanh"):
        if shape == () and name in ("softmax0", "log_softmax0"):
            continue
        check(ACTIVATIONS[name], x)
    check(lambda T, x: T.softmax(x, 0), x)
    check(lambda T, x: T.log_softmax(x, -1), x)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_extreme_logits_are_stable(dim):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [5.0, 1e4, 1e4 - 1]], dtype=np.float32)
    for fn in (lambda T, x: T.nn.functional.softmax(x, dim), lambda T, x: T.nn.functional.log_softmax(x, dim)):
        check(fn, x)
        out = fn(mytorch, mytorch.tensor(x))
        assert np.isfinite(out.numpy()).all()


def test_softmax_of_empty_tensors():
    for shape, dim in (((2, 0), 1), ((0, 3), 1), ((0,), 0)):
        check(lambda T, x: T.softmax(x, dim), np.zeros(shape, np.float32))
        check(lambda T, x: T.log_softmax(x, dim), np.zeros(shape, np.float32))


def test_softmax_dtype_argument():
    x = rand(3, 4)
    check(lambda T, x: T.nn.functional.softmax(x, 1, dtype=T.float64), x)
    check(lambda T, x: T.nn.functional.log_softmax(x, 0, dtype=T.float64), x)
    ints = rng.integers(-3, 3, (2, 3))
    check(lambda T, x: T.softmax(x, 1, dtype=T.float32), ints)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_safe_softmax_zeroes_fully_masked_lines(dtype):
    x = rand(3, 4, 5, dtype=dtype)
    x[0, :, 1] = -np.inf  # a whole line along dim 1
    x[1, 2, :] = -np.inf  # a whole line along dim 2
    x[2, 1, 3] = -np.inf  # a single masked entry
    for dim in (1, 2, -1, 0):
        check(lambda T, x: T._safe_softmax(x, dim), x)
    check(lambda T, x: T._safe_softmax(x, 1, dtype=T.float64), x)
    check(lambda T, x: T.ops.aten._safe_softmax.default(x, 2), x)
    check(lambda T, x: T._safe_softmax(x, 0), np.array(-np.inf, dtype))
    out = mytorch._safe_softmax(mytorch.tensor(x), 1)
    assert not np.isnan(out.numpy()).any() and out.grad_fn is None
    raises_like(lambda T, x: T._safe_softmax(x, 1), rng.integers(-3, 3, (2, 3)))
    raises_like(lambda T, x: T._safe_softmax(x, 2), x[0])


def test_softmax_implicit_dim_warns_like_torch():
    for ndim in (1, 2, 3, 4):
        x = rand(*(2,) * ndim)
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
            check(lambda T, x: T.nn.functional.softmax(x), x)


def test_tensor_methods_and_top_level_names():
    x = rand(3, 4)
    check(lambda T, x: x.relu(), x)
    check(lambda T, x: x.softmax(1), x)
    check(lambda T, x: x.log_softmax(dim=-1), x)
    check(lambda T, x: T.relu(x), x)
    check(lambda T, x: T.selu(x) + T.celu(x), x)
    check(lambda T, x: (x * 1).relu_(), x)
    check(lambda T, x: T.relu_(x * 1), x)


def test_grad_fn_names_match_torch():
    fused = ("relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "softplus", "hardtanh",
             "softmax", "log_softmax")
    names = {}
    for T in (mytorch, torch):
        x = T.tensor(rand(2, 3), requires_grad=True)
        names[T] = [ACTIVATIONS[n](T, x).grad_fn.name() for n in fused]
    assert names[mytorch] == names[torch]


def test_integer_inputs():
    x = rng.integers(-5, 5, (4,))
    check(lambda T, x: T.nn.functional.relu(x), x)
    check(lambda T, x: T.nn.functional.relu6(x * 2), x)
    check(lambda T, x: T.nn.functional.hardtanh(x), x)
    for name in ("gelu", "silu", "elu", "leaky_relu", "softplus", "mish", "softmax"):
        raises_like(ACTIVATIONS[name], x)


def test_errors_like_torch():
    x = rand(2, 3)
    raises_like(lambda T, x: T.nn.functional.gelu(x, approximate="fast"), x, match=["approximate"])
    raises_like(lambda T, x: T.nn.functional.softmax(x, 2), x, match=["softmax", "range"])
    raises_like(lambda T, x: T.nn.functional.log_softmax(x, -3), x)
    raises_like(lambda T, x: T.nn.functional.hardtanh(x, 1.0, -1.0), x, match=["min_val"])


@pytest.mark.parametrize("name", ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "silu", "mish",
                                  "hardtanh"])
def test_inplace_functional_forms(name):
    kwargs = {"hardtanh": (-0.5, 0.7), "leaky_relu": (0.2,), "elu": (0.7,), "celu": (0.5,)}.get(name, ())

    def fn(T, x):
        y = x * 1
        out = getattr(T.nn.functional, name)(y, *kwargs, inplace=True)
        assert out is y
        return y
    check(fn, rand(3, 4))
    raises_like(lambda T, x: getattr(T.nn.functional, name)(x.requires_grad_(), *kwargs, inplace=True), rand(3),
                match=["leaf"])


def test_inplace_underscore_functions():
    x = rand(3, 4)
    check(lambda T, x: T.nn.functional.relu_(x * 1), x)
    check(lambda T, x: T.nn.functional.leaky_relu_(x * 1, 0.3), x)
    check(lambda T, x: T.nn.functional.elu_(x * 1), x)
    check(lambda T, x: T.nn.functional.hardtanh_(x * 1, -0.2, 0.2), x)


# ---- dropout -------------------------------------------------------------------------------------------

def test_dropout_statistics():
    mytorch.manual_seed(0)
    x = mytorch.ones(200, 500)
    for p in (0.1, 0.5, 0.8):
        y = mytorch.nn.functional.dropout(x, p).numpy()
        kept = y != 0
        assert abs(kept.mean() - (1 - p)) < 0.01
        np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)
        assert abs(y.mean() - 1) < 0.03  # the expectation is preserved


def test_dropout_gradient_is_the_mask():
    x = mytorch.tensor(rand(50, 40), requires_grad=True)
    y = mytorch.nn.functional.dropout(x, 0.4)
    g = mytorch.tensor(rand(50, 40))
    y.backward(g)
    mask = y.detach().numpy() / x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), g.numpy() * mask, rtol=1e-5, atol=1e-6)
    assert (np.isclose(mask, 0) | np.isclose(mask, 1 / 0.6, rtol=1e-5)).all()


def test_dropout_eval_and_edge_probabilities():
    x = mytorch.tensor(rand(4, 5), requires_grad=True)
    F = mytorch.nn.functional
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    z = F.dropout(x, 1.0)
    assert not z.detach().numpy().any() and z.requires_grad
    for p in (-0.1, 1.5):
        raises_like(lambda T, x: T.nn.functional.dropout(x, p), rand(3), match=["dropout probability"])
        raises_like(lambda T, x: T.nn.functional.dropout2d(x, p), rand(2, 3, 4), match=["dropout probability"])


def test_dropout_is_seeded_by_the_global_generator():
    x = mytorch.ones(100)
    mytorch.manual_seed(3)
    a = mytorch.nn.functional.dropout(x, 0.5).numpy()
    mytorch.manual_seed(3)
    b = mytorch.nn.functional.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)


def test_dropout_inplace():
    x = mytorch.ones(1000)
    y = mytorch.nn.functional.dropout(x, 0.5, inplace=True)
    assert y is x and 0.4 < (x.numpy() == 0).mean() < 0.6
    assert x._version == 1
    check(lambda T, x: T.nn.functional.dropout(x * 1, 0.3, training=False, inplace=True), rand(3))


def test_dropout2d_zeroes_whole_channels():
    mytorch.manual_seed(0)
    x = mytorch.ones(8, 16, 3, 3)
    y = mytorch.nn.functional.dropout2d(x, 0.5).numpy()
    per_channel = y.reshape(8, 16, 9)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    assert 0.3 < (per_channel[..., 0] == 0).mean() < 0.7
    with pytest.warns(UserWarning, match="3D input"):
        y3 = mytorch.nn.functional.dropout2d(mytorch.ones(4, 6, 5), 0.5).numpy()
    assert ((y3 == 0).all(-1) | (y3 == 2).all(-1)).all()
    assert mytorch.nn.functional.dropout2d(x, 0.5, training=False) is x


def test_top_level_dropout():
    x = mytorch.ones(10, 10)
    assert mytorch.dropout(x, 0.5, False) is x
    y = mytorch.feature_dropout(mytorch.ones(4, 6, 2), 0.5, True).numpy()
    assert ((y == 0).all(-1) | (y == 2).all(-1)).all()


# ---- modules -----------------------------------------------------------------------------------------------

MODULES = {
    "ReLU": lambda T: T.nn.ReLU(), "ReLU6": lambda T: T.nn.ReLU6(), "LeakyReLU": lambda T: T.nn.LeakyReLU(0.1),
    "ELU": lambda T: T.nn.ELU(alpha=0.5), "SELU": lambda T: T.nn.SELU(), "CELU": lambda T: T.nn.CELU(0.8),
    "GELU": lambda T: T.nn.GELU(), "GELU_tanh": lambda T: T.nn.GELU("tanh"), "SiLU": lambda T: T.nn.SiLU(),
    "Mish": lambda T: T.nn.Mish(), "Sigmoid": lambda T: T.nn.Sigmoid(), "Tanh": lambda T: T.nn.Tanh(),
    "Softplus": lambda T: T.nn.Softplus(beta=2.0, threshold=4.0), "LogSigmoid": lambda T: T.nn.LogSigmoid(),
    "Hardtanh": lambda T: T.nn.Hardtanh(-0.3, 0.4), "Softmax": lambda T: T.nn.Softmax(dim=1),
    "LogSoftmax": lambda T: T.nn.LogSoftmax(-1), "Softmin": lambda T: T.nn.Softmin(0),
    "ReLU_inplace": lambda T: T.nn.ReLU(inplace=True), "ELU_inplace": lambda T: T.nn.ELU(inplace=True),
    "LeakyReLU_inplace": lambda T: T.nn.LeakyReLU(inplace=True), "ReLU6_inplace": lambda T: T.nn.ReLU6(True),
    "SiLU_inplace": lambda T: T.nn.SiLU(True), "Mish_inplace": lambda T: T.nn.Mish(True),
    "Hardtanh_inplace": lambda T: T.nn.Hardtanh(inplace=True),
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_activation_module_matches_torch(name):
    make = MODULES[name]
    check(lambda T, x: make(T)(x * 1), rand(3, 5))  # x * 1: in-place modules must not write into a leaf
    m, t = make(mytorch), make(torch)
    assert repr(m) == repr(t)
    assert list(m.state_dict()) == [] and list(m.parameters()) == []


def test_inplace_module_returns_its_input():
    x = mytorch.tensor(rand(4))
    assert mytorch.nn.ReLU(inplace=True)(x) is x and (x.numpy() >= 0).all()


def test_softmax_module_without_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension"):
        check(lambda T, x: T.nn.Softmax()(x), rand(2, 3))


def test_dropout_modules_train_and_eval():
    for cls in (mytorch.nn.Dropout, mytorch.nn.Dropout2d):
        layer = cls(0.5)
        x = mytorch.ones(8, 16, 2, 2)
        y = layer(x).numpy()
        assert set(np.unique(y)) <= {0.0, 2.0} and 0.3 < (y == 0).mean() < 0.7
        layer.eval()
        assert layer(x) is x
        layer.train()
        assert layer(x) is not x
    for p in (0.0, 0.2, 1.0):
        assert repr(mytorch.nn.Dropout(p)) == repr(torch.nn.Dropout(p))
        assert repr(mytorch.nn.Dropout2d(p, inplace=True)) == repr(torch.nn.Dropout2d(p, inplace=True))
    raises_like(lambda T, x: T.nn.Dropout(1.2), rand(1), match=["dropout probability"])


def test_activation_module_reprs():
    for make in (lambda T: T.nn.ReLU(inplace=True), lambda T: T.nn.Softmax(), lambda T: T.nn.GELU("tanh"),
                 lambda T: T.nn.Hardtanh(inplace=True), lambda T: T.nn.ELU(2.0, True), lambda T: T.nn.CELU(),
                 lambda T: T.nn.SELU(True), lambda T: T.nn.Softplus(), lambda T: T.nn.LeakyReLU()):
        assert repr(make(mytorch)) == repr(make(torch))
    raises_like(lambda T, x: T.nn.Hardtanh(1.0, 1.0), rand(1))
