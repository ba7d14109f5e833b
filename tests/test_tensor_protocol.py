"""The Python protocol of Tensor: conversions, iteration, truthiness, hashing, metadata."""
import numpy as np
import pytest
import torch

import mytorch


def test_item_tolist_numpy_array():
    x = mytorch.tensor([[1.5, 2.0], [3.0, 4.0]])
    assert x[0, 0].item() == 1.5 and isinstance(x[0, 0].item(), float)
    assert mytorch.tensor(3).item() == 3 and isinstance(mytorch.tensor(3).item(), int)
    assert mytorch.tensor(True).item() is True
    assert x.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    a = x.numpy()
    a[0, 0] = 9.0  # numpy() shares memory
    assert x[0, 0].item() == 9.0
    assert np.asarray(x).shape == (2, 2)
    assert np.array(x, dtype=np.float64).dtype == np.float64
    with pytest.raises(RuntimeError, match="requires grad"):
        mytorch.zeros(2, requires_grad=True).numpy()
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()


def test_len_iter_bool_hash():
    x = mytorch.arange(6).reshape(3, 2)
    assert len(x) == 3
    rows = list(x)
    assert len(rows) == 3 and rows[1].tolist() == [2, 3]
    with pytest.raises(TypeError, match="0-d"):
        len(mytorch.tensor(1.0))
    with pytest.raises(TypeError, match="0-d"):
        iter(mytorch.tensor(1.0))
    assert bool(mytorch.tensor([1])) is True and bool(mytorch.tensor(0.0)) is False
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mytorch.tensor([1, 2]))
    a, b = mytorch.zeros(1), mytorch.zeros(1)
    assert len({a, b, a}) == 2  # hashing by identity, even though == is elementwise
    assert int(mytorch.tensor(3.7)) == 3 and float(mytorch.tensor(2)) == 2.0
    assert [10, 20, 30][mytorch.tensor(1)] == 20
    with pytest.raises(TypeError):
        [1, 2][mytorch.tensor(1.0)]
    assert f"{mytorch.tensor(2.5):.2f}" == "2.50"


def test_metadata():
    x = mytorch.zeros(2, 3, dtype=mytorch.float64)
    assert x.dtype is mytorch.float64 and x.device == mytorch.device("cpu") and x.device.type == "cpu"
    assert str(x.device) == "cpu" and repr(mytorch.device("cpu")) == "device(type='cpu')"
    assert x.is_leaf and x.grad_fn is None and not x.requires_grad
    assert x.element_size() == 8 and x.nbytes == 48 and x.is_floating_point()
    y = mytorch.ones(2, requires_grad=True)
    z = y * 2
    assert not z.is_leaf and z.grad_fn.name() == "MulBackward0"
    assert y.is_leaf and mytorch.is_tensor(y) and not mytorch.is_tensor([1])
    assert x.type() == "torch.DoubleTensor"
    assert mytorch.float32.itemsize == 4 and repr(mytorch.float32) == "mytorch.float32"


def test_device_arguments():
    assert mytorch.zeros(2, device="cpu").device.type == "cpu"
    assert mytorch.zeros(2).to("cpu").device == "cpu"
    assert mytorch.zeros(2).cpu().device == mytorch.device("cpu")
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):  # PyTorch's CPU builds' type
        mytorch.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="Invalid device string"):
        mytorch.device("cuda:x")


def test_requires_grad_rules_match_torch():
    for T in (mytorch, torch):
        with pytest.raises(RuntimeError, match="floating point"):
            T.zeros(2, dtype=T.int64).requires_grad_()
        x = T.zeros(2, requires_grad=True)
        y = x * 2
        with pytest.raises(RuntimeError, match="leaf variables"):
            y.requires_grad = False
        assert y.detach().requires_grad is False and y.detach().is_leaf


def test_legacy_constructor():
    assert mytorch.Tensor([1, 2]).dtype is mytorch.float32
    assert mytorch.Tensor(2, 3).shape == (2, 3)
    assert isinstance(mytorch.tensor([1.0]), mytorch.Tensor)


def test_data_attribute_shares_storage():
    x = mytorch.ones(3, requires_grad=True)
    d = x.data
    assert not d.requires_grad
    d.mul_(2)
    assert x.tolist() == [2.0, 2.0, 2.0]
    x.data = mytorch.zeros(3)
    assert x.tolist() == [0.0, 0.0, 0.0] and x.requires_grad
