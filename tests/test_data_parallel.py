"""nn.DataParallel / nn.parallel.data_parallel without GPUs: the wrapped module runs as it is, state_dict
keys carry the "module." prefix, and device ids are ignored, as in PyTorch on a CPU machine."""
from __future__ import annotations

import torch

import mytorch
from mytorch import nn


def test_data_parallel_wraps_the_module(backend):
    inner = nn.Linear(2, 3)
    model = nn.DataParallel(inner, device_ids=[0, 1])
    x = mytorch.randn(4, 2)
    assert mytorch.equal(model(x), inner(x)) and model.module is inner and model.device_ids == []
    theirs = torch.nn.DataParallel(torch.nn.Linear(2, 3), device_ids=[0])
    assert list(model.state_dict()) == list(theirs.state_dict()) == ["module.weight", "module.bias"]
    model(x).sum().backward()
    assert inner.weight.grad is not None
    assert mytorch.equal(nn.parallel.data_parallel(inner, x, device_ids=[0]), inner(x))
