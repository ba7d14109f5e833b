"""The lazy batch and instance norms (num_features from the first input), UninitializedBuffer, and PyTorch's
legacy modules CrossMapLRN2d, NLLLoss2d and Container, against PyTorch: shapes, repr, state_dict, outputs and
gradients, the deprecation warnings."""
import copy
import warnings

import numpy as np
import pytest
import torch

import mytorch
from helpers import check, gradcheck, raises_like, to_numpy

rng = np.random.default_rng(3)
LAZY = [("LazyBatchNorm1d", (4, 3)), ("LazyBatchNorm1d", (4, 3, 5)), ("LazyBatchNorm2d", (2, 3, 4, 4)),
        ("LazyBatchNorm3d", (2, 3, 2, 2, 2)), ("LazyInstanceNorm1d", (2, 3, 5)), ("LazyInstanceNorm2d", (2, 3, 4, 4)),
        ("LazyInstanceNorm3d", (2, 3, 2, 3, 2))]
OPTIONS = [{}, {"affine": False}, {"track_running_stats": False}, {"bias": False}, {"momentum": None, "eps": 1e-3}]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("name,shape", LAZY, ids=[f"{n}-{len(s)}d" for n, s in LAZY])
def test_lazy_norm_becomes_its_eager_class(name, shape, options):
    x = rng.standard_normal(shape)
    g = rng.standard_normal(shape)
    layers = {}
    for T in (mytorch, torch):
        layer = getattr(T.nn, name)(**options).double()  # the dtype waits in the uninitialized tensors
        assert layer.has_uninitialized_params() == (layer.affine or layer.track_running_stats)
        before = repr(layer)
        xt = T.tensor(x, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # instance norm without weights: PyTorch's num_features warning
            for _ in range(2):  # the second step moves the running statistics from what the first left
                y = layer(xt)
        y.backward(T.tensor(g))
        layers[T] = (layer, before, y, xt.grad)
    (m, m_before, m_y, m_grad), (t, t_before, t_y, t_grad) = layers[mytorch], layers[torch]
    assert m_before == t_before and repr(m) == repr(t)
    assert type(m).__name__ == type(t).__name__ == name[4:] and m.num_features == t.num_features
    np.testing.assert_allclose(to_numpy(m_y), to_numpy(t_y), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_numpy(m_grad), to_numpy(t_grad), rtol=1e-10, atol=1e-12)
    m_state, t_state = m.state_dict(), t.state_dict()
    assert list(m_state) == list(t_state)
    for key, value in t_state.items():
        assert m_state[key].dtype == {torch.float64: mytorch.float64, torch.int64: mytorch.int64}[value.dtype]
        np.testing.assert_allclose(to_numpy(m_state[key]), to_numpy(value), rtol=1e-10, err_msg=key)
    for (key, p), (_, q) in zip(m.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(to_numpy(p.grad), to_numpy(q.grad), rtol=1e-10, atol=1e-12, err_msg=key)


def test_lazy_norm_state_and_copies():
    layer = mytorch.nn.LazyBatchNorm2d()
    assert set(layer.state_dict()) == {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}
    assert repr(layer.running_mean) == "<UninitializedBuffer>" and repr(layer.weight) == "<UninitializedParameter>"
    twin = copy.deepcopy(layer)
    assert twin.has_uninitialized_params() and twin.running_mean is not layer.running_mean
    layer(mytorch.ones(2, 5, 3, 3))
    assert type(layer) is mytorch.nn.BatchNorm2d and not hasattr(layer, "_initialize_hook")
    assert type(layer.running_mean) is mytorch.Tensor and layer.running_mean.shape == (5,)
    assert twin(mytorch.ones(2, 4, 1, 1)).shape == (2, 4, 1, 1) and twin.weight.shape == (4,)
    raises_like(lambda T, x: T.nn.LazyBatchNorm2d()(x), rng.standard_normal((2, 3, 4)), match=["expected 4D input"])


def test_uninitialized_buffer():
    for T in (mytorch, torch):
        b = T.nn.UninitializedBuffer(dtype=T.float64, persistent=False)
        assert repr(b) == "<UninitializedBuffer>" and not b.persistent and not b.requires_grad
        b.materialize((2, 3))
        assert type(b) is T.Tensor and tuple(b.shape) == (2, 3) and b.dtype == T.float64


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 8])
def test_cross_map_lrn2d_values(size):
    for channels in (1, 3, 7):
        x = rng.standard_normal((2, channels, 3, 2))
        check(lambda T, x: T.nn.CrossMapLRN2d(size, alpha=0.3, beta=0.6, k=1.5)(x), x, grad=False, rtol=1e-12,
              atol=1e-14)
    assert repr(mytorch.nn.CrossMapLRN2d(size)) == repr(torch.nn.CrossMapLRN2d(size))


def test_cross_map_lrn2d_gradient_and_errors():
    # the derivative of the values above; PyTorch's legacy backward is that of another window, so no comparison
    x = rng.standard_normal((1, 5, 2, 2))
    gradcheck(lambda T, x: T.nn.CrossMapLRN2d(3, alpha=0.3, beta=0.6, k=1.5)(x), x)
    raises_like(lambda T, x: T.nn.CrossMapLRN2d(3)(x), rng.standard_normal((2, 3, 4)), match=["Expected input to be 4D"])


def test_nll_loss_2d_and_container_are_deprecated_aliases():
    logp = np.ascontiguousarray(np.log(rng.dirichlet(np.ones(4), (2, 3, 5)).transpose(0, 3, 1, 2)))
    target = rng.integers(0, 4, (2, 3, 5))
    target[0, 0, 0] = 2

    def loss(T, p):
        with pytest.warns(FutureWarning, match="`NLLLoss2d` has been deprecated"):
            fn = T.nn.NLLLoss2d(weight=T.tensor([1.0, 2.0, 0.5, 1.5], dtype=T.float64), ignore_index=2)
        return fn(p, T.tensor(target))

    check(loss, logp, rtol=1e-10, atol=1e-12)
    boxes = []
    for T in (mytorch, torch):
        with pytest.warns(FutureWarning, match="`nn.Container` is deprecated"):
            boxes.append(T.nn.Container(encoder=T.nn.Linear(2, 3), act=T.nn.ReLU()))
        assert [name for name, _ in boxes[-1].named_children()] == ["encoder", "act"]
        assert list(boxes[-1].state_dict()) == ["encoder.weight", "encoder.bias"]
    assert repr(boxes[0]) == repr(boxes[1])


@pytest.mark.parametrize("lazy,eager,shape", [("LazyLinear", (4, 3), (2, 4)), ("LazyConv2d", (1, 2, 3), (1, 1, 5, 5)),
                                              ("LazyBatchNorm1d", (3,), (4, 3))])
def test_lazy_module_loads_a_trained_state_dict(lazy, eager, shape):
    # the state dict's shapes materialize the uninitialized tensors before its values are copied in (PyTorch's
    # lazy load hook); the first forward then has nothing left to initialize
    trained = getattr(torch.nn, lazy[4:])(*eager)
    trained(torch.tensor(rng.standard_normal((8, *shape[1:])), dtype=torch.float32))  # moves running statistics
    state = {k: v.detach().numpy() for k, v in trained.state_dict().items()}
    x = rng.standard_normal(shape)
    outputs = {}
    for T in (mytorch, torch):
        module = getattr(T.nn, lazy)(*eager[1:])
        module.load_state_dict({k: T.tensor(v) for k, v in state.items()})
        assert not module.has_uninitialized_params()
        outputs[T] = (module.eval()(T.tensor(x, dtype=T.float32)), type(module).__name__)
    np.testing.assert_allclose(to_numpy(outputs[mytorch][0]), to_numpy(outputs[torch][0]), rtol=1e-5, atol=1e-5)
    assert outputs[mytorch][1] == outputs[torch][1]
