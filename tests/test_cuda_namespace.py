"""``torch.cuda``, ``torch.accelerator``, ``torch.mps`` and ``torch.amp`` answer as PyTorch's CPU-only
build answers: the same values, the same exception types, and GradScaler's arithmetic step by step."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import mytorch
from helpers import raises_like, same

ANSWERS = [
    lambda T: T.cuda.is_available(), lambda T: T.cuda.device_count(), lambda T: T.cuda.is_initialized(),
    lambda T: T.cuda.manual_seed(0), lambda T: T.cuda.manual_seed_all(0), lambda T: T.cuda.seed(),
    lambda T: T.cuda.empty_cache(), lambda T: T.cuda.is_bf16_supported(), lambda T: T.cuda.memory_allocated(),
    lambda T: T.cuda.max_memory_allocated(), lambda T: T.cuda.memory_reserved(),
    lambda T: T.accelerator.is_available(), lambda T: T.accelerator.current_accelerator(),
    lambda T: T.accelerator.device_count(), lambda T: T.mps.is_available(), lambda T: T.mps.device_count(),
    lambda T: T.mps.manual_seed(0), lambda T: T.backends.mps.is_available(), lambda T: T.zeros(2).is_mps,
    lambda T: T.zeros(2).is_xpu, lambda T: T.zeros(2).is_cuda, lambda T: T.zeros(2).is_cpu,
    lambda T: str(T.device("mps:0")), lambda T: T.amp.GradScaler("cpu", enabled=False).get_scale(),
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_answers_like_a_cpu_build(answer):
    assert answer(mytorch) == answer(torch)


@pytest.mark.parametrize("call", [
    lambda T: T.cuda.synchronize(), lambda T: T.cuda.get_device_name(), lambda T: T.cuda.current_device(),
    lambda T: T.cuda.get_device_capability(), lambda T: T.cuda.get_device_properties(0),
    lambda T: T.cuda.initial_seed(), lambda T: T.zeros(2, device="cuda"), lambda T: T.zeros(2).cuda(),
    lambda T: T.zeros(2).to("cuda:0"), lambda T: T.mps.synchronize(), lambda T: T.mps.empty_cache(),
])
def test_what_needs_a_device_raises_like_a_cpu_build(call):
    err = raises_like(lambda T: call(T))
    assert "mytorch has no" in str(err)


def test_cuda_scaler_and_autocast_disable_themselves_without_cuda():
    with pytest.warns(UserWarning, match="CUDA is not available"):
        scaler = mytorch.cuda.amp.GradScaler()
    assert not scaler.is_enabled() and scaler.state_dict() == {}
    with pytest.warns(UserWarning, match="CUDA is not available. Disabling"):
        with mytorch.autocast(device_type="cuda"):
            pass
    with mytorch.autocast(device_type="cpu", dtype=mytorch.bfloat16):  # the CPU's is real (test_autocast.py)
        assert mytorch.is_autocast_enabled("cpu") and not mytorch.is_autocast_enabled()


def _scaled_training(T, overflow_steps=(2, 3)):
    """Loss scaling through backoff, skipped steps and growth, on SGD with momentum."""
    w = T.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=T.float32, requires_grad=True)
    x = T.tensor(np.linspace(0.5, 2, 12).reshape(4, 3), dtype=T.float32)
    opt = T.optim.SGD([w], lr=0.05, momentum=0.9)
    scaler = T.amp.GradScaler("cpu", init_scale=2.0 ** 10, growth_interval=2)
    record = []
    for step in range(7):
        opt.zero_grad()
        scaler.scale((x @ w.t()).pow(2).mean()).backward()
        if step in overflow_steps:
            w.grad[0, 1] = float("nan") if step % 2 else float("inf")
        scaler.unscale_(opt)
        grads = w.grad.clone()
        scaler.step(opt)
        scaler.update()
        record += [grads.nan_to_num(0.0, 0.0, 0.0), w.detach().clone(), scaler.get_scale()]
    return record + [sorted(scaler.state_dict().items())]


def test_grad_scaler_matches_pytorch():
    same(_scaled_training)


def test_grad_scaler_errors_and_state_dict_round_trip():
    for T in (torch, mytorch):
        w = T.ones(2, requires_grad=True)
        opt = T.optim.SGD([w], lr=0.1)
        scaler = T.amp.GradScaler("cpu")
        scaler.scale(w.sum()).backward()
        scaler.unscale_(opt)
        with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
            scaler.unscale_(opt)
        scaler.step(opt)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
            scaler.step(opt)
        scaler.update()
        other = T.amp.GradScaler("cpu", init_scale=4.0)
        other.load_state_dict(scaler.state_dict())
        assert other.state_dict() == scaler.state_dict()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            disabled = T.amp.GradScaler("cpu", enabled=False)
        assert disabled.scale(w) is w and disabled.state_dict() == {}
