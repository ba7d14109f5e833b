"""The process-wide switches scripts set first (matmul precision, determinism, default device),
`compile` as the identity, and `F.one_hot`, each against PyTorch."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch
from helpers import raises_like, same


@pytest.fixture(autouse=True)
def _restore():
    yield
    for T in (torch, mytorch):
        T.set_float32_matmul_precision("highest")
        T.use_deterministic_algorithms(False)
        T.set_default_device(None)


def test_switches_read_back_like_pytorch():
    def run(T):
        T.set_float32_matmul_precision("high")
        with pytest.warns(UserWarning, match="is not one of 'highest', 'high', or 'medium'"):
            T.set_float32_matmul_precision("fastest")
        T.use_deterministic_algorithms(True, warn_only=True)
        return [T.get_float32_matmul_precision(), T.are_deterministic_algorithms_enabled(),
                T.is_deterministic_algorithms_warn_only_enabled(), str(T.get_default_device())]
    same(run)


@pytest.mark.parametrize("call", [
    lambda T, x: T.set_float32_matmul_precision(1), lambda T, x: T.use_deterministic_algorithms("yes"),
    lambda T, x: (T.set_default_device("cuda"), T.get_default_device()),
    lambda T, x: (T.set_default_device("cuda"), T.zeros(2)),
    lambda T, x: (T.set_default_device("cuda"), T.randn(2)),
    lambda T, x: (T.set_default_device("cuda"), T.tensor([1.0])),
])
def test_switch_errors(call):
    raises_like(call, np.zeros(1))


def test_factories_follow_the_default_device():
    mytorch.set_default_device("cpu")
    assert mytorch.zeros(2).device == mytorch.device("cpu") and mytorch.arange(3).device.type == "cpu"
    mytorch.set_default_device(None)
    assert mytorch.ones(1).device.type == "cpu"


def test_compile_returns_the_model_itself():
    model = mytorch.nn.Linear(2, 2)
    with pytest.warns(UserWarning, match="runs eagerly"):
        assert mytorch.compile(model) is model
    assert mytorch.compile(disable=True)(model) is model


@pytest.mark.parametrize("values, num_classes", [([0, 2, 1], -1), ([[1, 0], [3, 3]], 5), ([], 3)])
def test_one_hot(values, num_classes):
    same(lambda T: T.nn.functional.one_hot(T.tensor(values, dtype=T.int64), num_classes))


@pytest.mark.parametrize("values, num_classes, dtype", [([0, 2], 2, "int64"), ([0, -2], -1, "int64"),
                                                        ([0.0, 2.0], -1, "float32"), ([], -1, "int64")])
def test_one_hot_errors(values, num_classes, dtype):
    raises_like(lambda T, x: T.nn.functional.one_hot(T.tensor(values, dtype=getattr(T, dtype)), num_classes),
                np.zeros(1))
