"""Creating tensors: from data, constants, ranges and other tensors; compared with torch (values, dtype,
shape, requires_grad), plus memory sharing and errors."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import TORCH_DTYPES, raises_like, to_numpy


def same_tensor(make, atol: float = 0.0, rtol: float = 0.0) -> None:
    m, t = make(mytorch), make(torch)
    assert isinstance(m, mytorch.Tensor)
    assert tuple(m.shape) == tuple(t.shape)
    assert TORCH_DTYPES[m.dtype] == t.dtype, f"dtype {m.dtype} != torch {t.dtype}"
    assert m.requires_grad == t.requires_grad and m.is_leaf
    np.testing.assert_allclose(to_numpy(m).astype(np.float64), to_numpy(t).astype(np.float64), atol=atol,
                               rtol=rtol, equal_nan=True)


FROM_DATA = {
    "float": lambda T: T.tensor(1.5), "int": lambda T: T.tensor(3), "bool": lambda T: T.tensor(True),
    "mixed int float": lambda T: T.tensor([1, 2.5]), "bool and int": lambda T: T.tensor([True, 2]),
    "bools": lambda T: T.tensor([[True], [False]]), "nested ints": lambda T: T.tensor([[1, 2], [3, 4]]),
    "tuple": lambda T: T.tensor((1.0, 2.0)), "range": lambda T: T.tensor(range(4)),
    "empty": lambda T: T.tensor([]), "empty nested": lambda T: T.tensor([[], []]),
    "nan inf": lambda T: T.tensor([float("nan"), float("inf"), -1.0]),
    "big float": lambda T: T.tensor([1.5, 2.0 ** 70]),
    "int32 array": lambda T: T.tensor(np.array([1, 2], np.int32)),
    "float64 array": lambda T: T.tensor(np.array([1.5, 2.5])),
    "float16 array": lambda T: T.tensor(np.array([1.5], np.float16)),
    "bool array": lambda T: T.tensor(np.array([True, False])),
    "uint8 array": lambda T: T.tensor(np.array([[0, 255]], np.uint8)),
    "0-d array": lambda T: T.tensor(np.array(2.0)),
    "strided array": lambda T: T.tensor(np.arange(12.0).reshape(3, 4)[:, ::2]),
    "numpy scalars": lambda T: T.tensor(np.float64(1.5)), "numpy int": lambda T: T.tensor(np.int32(3)),
    "0-d tensors in a list": lambda T: T.tensor([T.tensor(1.5), T.tensor(2.0)]),
    "tensor": lambda T: T.tensor(T.arange(4).reshape(2, 2)),
    "cast": lambda T: T.tensor([1, 2], dtype=T.float16),
    "truncating cast": lambda T: T.tensor([1.7, -2.7], dtype=T.int64),
    "bool cast": lambda T: T.tensor([0, 2, -1], dtype=T.bool),
    "bfloat16": lambda T: T.tensor([0.1, 3.0], dtype=T.bfloat16),
    "requires grad": lambda T: T.tensor([1.0, 2.0], requires_grad=True),
    "requires grad float64": lambda T: T.tensor([1, 2], dtype=T.float64, requires_grad=True),
}


@pytest.mark.parametrize("name", FROM_DATA)
def test_tensor_from_data(name):
    same_tensor(FROM_DATA[name])


@pytest.mark.parametrize("name", ["float", "mixed int float", "float64 array", "0-d tensors in a list", "int"])
def test_tensor_follows_default_dtype(name):
    for T in (torch, mytorch):
        T.set_default_dtype(T.float64)
    try:
        same_tensor(FROM_DATA[name])
    finally:
        torch.set_default_dtype(torch.float32)


def test_tensor_copies():
    a = np.array([1.0, 2.0], np.float32)
    t = mytorch.tensor(a)
    a[0] = 5
    assert t[0].item() == 1
    src = mytorch.ones(2, requires_grad=True)
    c = mytorch.tensor(src.detach())
    c.add_(1)
    assert src[0].item() == 1 and not c.requires_grad


def test_from_numpy_shares_memory_both_ways():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = mytorch.from_numpy(a)
    assert t.dtype is mytorch.float32 and tuple(t.shape) == (2, 3)
    a[0, 0] = 100
    assert t[0, 0].item() == 100
    t[1, 2] = -1
    assert a[1, 2] == -1
    t.mul_(2)
    assert a[0, 0] == 200
    np.testing.assert_array_equal(t.numpy(), a)
    assert np.shares_memory(t.numpy(), a)
    s = mytorch.from_numpy(a[:, ::2])  # strided arrays keep their strides
    assert s.stride() == torch.from_numpy(a[:, ::2]).stride()


@pytest.mark.parametrize("dtype", [np.float16, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8,
                                   np.bool_])
def test_from_numpy_dtypes(dtype):
    a = np.zeros(3, dtype)
    assert TORCH_DTYPES[mytorch.from_numpy(a).dtype] == torch.from_numpy(a).dtype


def test_as_tensor_shares_when_it_can():
    a = np.arange(3.0)
    t = mytorch.as_tensor(a)
    a[0] = 9
    assert t[0].item() == 9 and t.dtype is mytorch.float64  # a NumPy array is reused, dtype kept
    c = mytorch.as_tensor(a, dtype=mytorch.float32)
    a[1] = 9
    assert c[1].item() == 1  # a conversion copies
    x = mytorch.ones(2)
    assert mytorch.as_tensor(x) is x and mytorch.as_tensor(x, dtype=mytorch.float32) is x
    same_tensor(lambda T: T.as_tensor([1, 2]))
    same_tensor(lambda T: T.as_tensor(T.ones(2), dtype=T.int64))
    same_tensor(lambda T: T.as_tensor(np.array([1, 2], np.int16)))


FACTORIES = {
    "zeros": lambda T: T.zeros(2, 3), "zeros tuple": lambda T: T.zeros((2, 3)), "zeros list": lambda T: T.zeros([2]),
    "zeros 0-d": lambda T: T.zeros(()), "zeros size kw": lambda T: T.zeros(size=(2, 1)),
    "ones size kw": lambda T: T.ones(size=[3], dtype=T.int8), "zeros empty": lambda T: T.zeros(0, 4),
    "zeros int": lambda T: T.zeros(2, dtype=T.int32), "ones bool": lambda T: T.ones(2, 2, dtype=T.bool),
    "ones grad": lambda T: T.ones(3, requires_grad=True), "ones size tensor": lambda T: T.ones(T.tensor(2), 1),
    "full float": lambda T: T.full((2,), 1.5), "full int": lambda T: T.full((2,), 3),
    "full bool": lambda T: T.full((2, 1), True), "full dtype": lambda T: T.full([2, 2], 3, dtype=T.float64),
    "full grad": lambda T: T.full((2,), 2.0, requires_grad=True),
    "empty shape": lambda T: T.empty(2, 3).zero_(), "empty dtype": lambda T: T.empty((2,), dtype=T.int8).zero_(),
    "zeros_like": lambda T: T.zeros_like(T.ones(2, dtype=T.int32)),
    "ones_like dtype": lambda T: T.ones_like(T.ones(2), dtype=T.float64),
    "full_like int": lambda T: T.full_like(T.ones(2, dtype=T.int64), 2.7),
    "full_like float": lambda T: T.full_like(T.ones(2, 3), 2.7),
    "empty_like": lambda T: T.empty_like(T.ones(2, 3, dtype=T.float16)).zero_(),
    "zeros_like grad": lambda T: T.zeros_like(T.ones(2), requires_grad=True),
    "like a view": lambda T: T.ones_like(T.ones(4, 3).t()[::2]),
    "new_zeros": lambda T: T.ones(2, dtype=T.int32).new_zeros(3),
    "new_ones": lambda T: T.ones(2, dtype=T.float64).new_ones((2, 2)),
    "new_full": lambda T: T.ones(2).new_full((2,), 3),
    "new_empty": lambda T: T.ones(2, dtype=T.int16).new_empty(3).zero_(),
    "new_zeros dtype": lambda T: T.ones(2).new_zeros(2, dtype=T.int8),
    "new_ones grad": lambda T: T.ones(2).new_ones(2, requires_grad=True),
    "new_tensor": lambda T: T.ones(2, dtype=T.float64).new_tensor([1, 2]),
    "new_tensor float16": lambda T: T.ones(2, dtype=T.float16).new_tensor([1.5]),
    "eye": lambda T: T.eye(3), "eye rect": lambda T: T.eye(2, 3), "eye int": lambda T: T.eye(3, dtype=T.int64),
    "eye empty": lambda T: T.eye(0), "eye no cols": lambda T: T.eye(3, 0),
    "eye bool": lambda T: T.eye(2, dtype=T.bool), "eye grad": lambda T: T.eye(2, requires_grad=True),
    "legacy data": lambda T: T.Tensor([1, 2]), "legacy shape": lambda T: T.Tensor(2, 3).zero_(),
    "legacy empty": lambda T: T.Tensor(),
}


@pytest.mark.parametrize("name", FACTORIES)
def test_factories(name):
    same_tensor(FACTORIES[name])


@pytest.mark.parametrize("name", ["zeros", "full float", "eye", "new_tensor", "empty shape"])
def test_factories_follow_default_dtype(name):
    for T in (torch, mytorch):
        T.set_default_dtype(T.float64)
    try:
        same_tensor(FACTORIES[name])
    finally:
        torch.set_default_dtype(torch.float32)


RANGES = {
    "arange": lambda T: T.arange(5), "arange start": lambda T: T.arange(1, 4),
    "arange float": lambda T: T.arange(0, 1, 0.1), "arange float end": lambda T: T.arange(5.0),
    "arange negative": lambda T: T.arange(10, 0, -3), "arange negative float": lambda T: T.arange(0, -1, -0.25),
    "arange half step": lambda T: T.arange(1, 2.5, 0.5), "arange float dtype": lambda T: T.arange(0, 10, 3, dtype=T.float32),
    "arange float to int": lambda T: T.arange(0.5, 5, dtype=T.int64),
    "arange truncated bounds": lambda T: T.arange(0.5, 5, 1.5, dtype=T.int64),
    "arange truncated end": lambda T: T.arange(-2.7, 3, 2, dtype=T.int64),
    "arange truncated down": lambda T: T.arange(1, 0.5, -1, dtype=T.int64),
    "arange empty": lambda T: T.arange(1, 1), "arange tensor": lambda T: T.arange(T.tensor(3)),
    "arange float grad": lambda T: T.arange(5.0, requires_grad=True),
    # the count comes from ceil((end - start) / step) in float64; values are start + i * step, not a running sum
    "arange inexact count": lambda T: T.arange(0, 0.3, 0.1), "arange long": lambda T: T.arange(0, 0.1, 1e-3),
    "arange float64": lambda T: T.arange(-10, 10, 0.3, dtype=T.float64),
    "arange float32": lambda T: T.arange(-3, 3, 0.3), "arange long float32": lambda T: T.arange(0, 1000, 0.1),
    "arange float16": lambda T: T.arange(0, 2, 0.1, dtype=T.float16),
    "linspace": lambda T: T.linspace(0, 1, 5), "linspace one": lambda T: T.linspace(0, 1, 1),
    "linspace none": lambda T: T.linspace(0, 1, 0), "linspace ints": lambda T: T.linspace(-3, 7, 11),
    "linspace int dtype": lambda T: T.linspace(0, 10, 7, dtype=T.int64),
    "linspace int32": lambda T: T.linspace(-5, 5, 4, dtype=T.int32),
    "linspace down": lambda T: T.linspace(1, 0, 4), "linspace float64": lambda T: T.linspace(0.1, 0.9, 9, dtype=T.float64),
    "linspace many": lambda T: T.linspace(-1, 1, 1001), "linspace grad": lambda T: T.linspace(0, 1, 5, requires_grad=True),
    "linspace tensors": lambda T: T.linspace(T.tensor(0.0), T.tensor(1.0), 3),
    "logspace": lambda T: T.logspace(0, 2, 3), "logspace base 2": lambda T: T.logspace(0, 3, 4, base=2),
    "logspace float64": lambda T: T.logspace(0, 2, 3, dtype=T.float64),
    "logspace int": lambda T: T.logspace(0, 2, 3, dtype=T.int64), "logspace negative": lambda T: T.logspace(-1, 1, 5),
}


@pytest.mark.parametrize("name", RANGES)
def test_ranges(name):
    # float32 values may differ from torch's in the last bit (its kernel rounds per SIMD lane): 1 ulp
    same_tensor(RANGES[name], rtol=2e-7, atol=1e-7)


def test_linspace_hits_both_ends_exactly():
    x = mytorch.linspace(-0.7, 1.3, 37)
    assert x[0].item() == np.float32(-0.7) and x[-1].item() == np.float32(1.3)


def test_arange_follows_default_dtype():
    for T in (torch, mytorch):
        T.set_default_dtype(T.float64)
    try:
        same_tensor(RANGES["arange float"])
        same_tensor(RANGES["arange"])
        same_tensor(RANGES["linspace"])
    finally:
        torch.set_default_dtype(torch.float32)


ERRORS = [
    lambda T: T.tensor([[1, 2], [3]]), lambda T: T.tensor([[[1, 2]], [[3]]]), lambda T: T.tensor([[1, 2], 3]),
    lambda T: T.tensor([1, [2, 3]]), lambda T: T.tensor([np.array([1, 2]), np.array([3])]),
    lambda T: T.tensor([1, "a"]), lambda T: T.tensor("a"), lambda T: T.tensor(None), lambda T: T.tensor([[1, None]]),
    lambda T: T.tensor([object()]), lambda T: T.tensor({1: 2}), lambda T: T.tensor(x for x in [1, 2]),
    lambda T: T.tensor(2 ** 63), lambda T: T.tensor([1, -2 ** 63 - 1]), lambda T: T.tensor([300], dtype=T.int8),
    lambda T: T.tensor([1, 2], dtype="float"), lambda T: T.zeros(2, dtype="float"),
    lambda T: T.tensor([1, 2], requires_grad=True), lambda T: T.ones(3, dtype=T.int64, requires_grad=True),
    lambda T: T.arange(5, requires_grad=True),
    lambda T: T.zeros(-1), lambda T: T.zeros(2, -3), lambda T: T.ones(2.5), lambda T: T.empty(-2),
    lambda T: T.full((-1,), 1.0), lambda T: T.zeros_like(T.ones(2), dtype=T.int64, requires_grad=True),
    lambda T: T.arange(0, 1, 0), lambda T: T.arange(0, 5, -1), lambda T: T.arange(-0.5, dtype=T.int64),
    lambda T: T.arange(0, 1, 0.5, dtype=T.int64),
    lambda T: T.linspace(0, 1, -1), lambda T: T.eye(-1), lambda T: T.eye(2, -1),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_like_torch(i):
    raises_like(ERRORS[i])


def test_ragged_message_names_the_dim():
    e = raises_like(lambda T: T.tensor([[[1, 2]], [[3]]]))
    assert "expected sequence of length 2 at dim 2 (got 1)" in str(e)
