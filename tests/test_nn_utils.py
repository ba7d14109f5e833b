"""nn.utils vs PyTorch: gradient clipping (norms and clipped gradients) and parameter/vector conversion."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import mytorch
from mytorch.nn import utils

SHAPES = [(3, 4), (4,), (2, 3, 2), ()]


def params_with_grads(T, seed=0, scale=1.0, none_at=None, special=None):
    """Parameters of SHAPES with fixed random gradients (the one at `none_at` has none)."""
    rng = np.random.default_rng(seed)
    params = []
    for i, shape in enumerate(SHAPES):
        p = T.nn.Parameter(T.tensor(rng.standard_normal(shape).astype(np.float32)))
        g = (rng.standard_normal(shape) * scale).astype(np.float32)
        if special is not None and i == 0:
            g.flat[1] = special
        if i != none_at:
            p.grad = T.tensor(g)
        params.append(p)
    return params


def grads(params):
    return [None if p.grad is None else p.grad.numpy().copy() for p in params]


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, 0.5, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e4])
@pytest.mark.parametrize("none_at", [None, 1])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, none_at):
    ours, theirs = (params_with_grads(T, none_at=none_at) for T in (mytorch, torch))
    total = utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    ref = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, mytorch.Tensor) and total.shape == () and total.dtype is mytorch.float32
    np.testing.assert_allclose(total.item(), ref.item(), rtol=1e-6)
    for g, tg in zip(grads(ours), grads(theirs)):
        if tg is None:
            assert g is None
        else:
            np.testing.assert_allclose(g, tg, rtol=1e-6, atol=1e-7)
    if max_norm < 1:  # clipped: the joint norm is now max_norm
        p = float(norm_type)
        after = utils.get_total_norm([q.grad for q in ours if q.grad is not None], p).item()
        assert after == pytest.approx(max_norm, rel=1e-4)


def test_clip_grad_norm_input_forms():
    ours, theirs = (params_with_grads(T) for T in (mytorch, torch))
    for o, t in zip(ours, theirs):  # a single tensor
        np.testing.assert_allclose(utils.clip_grad_norm_(o, 0.3).item(),
                                   torch.nn.utils.clip_grad_norm_(t, 0.3).item(), rtol=1e-6)
    module = mytorch.nn.ParameterList(params_with_grads(mytorch))
    ref = torch.nn.utils.clip_grad_norm_(params_with_grads(torch), 0.1)
    np.testing.assert_allclose(utils.clip_grad_norm_(module.parameters(), 0.1).item(), ref.item(), rtol=1e-6)
    assert utils.clip_grad_norm_([], 1.0).item() == 0.0
    no_grads = [mytorch.nn.Parameter(mytorch.ones(2))]
    assert utils.clip_grad_norm_(no_grads, 1.0).item() == 0.0 and no_grads[0].grad is None
    with pytest.warns(UserWarning, match="empty generator"):
        utils.clip_grad_norm_((p for p in []), 1.0)
    p = params_with_grads(mytorch)
    assert utils.clip_grad_norm_(p, 1.0, foreach=True).item() > 0  # foreach is accepted


@pytest.mark.parametrize("special", [math.nan, math.inf])
def test_clip_grad_norm_nonfinite(special):
    for T, clip in ((mytorch, utils.clip_grad_norm_), (torch, torch.nn.utils.clip_grad_norm_)):
        params = params_with_grads(T, special=special)
        with pytest.raises(RuntimeError) as info:
            clip(params, 1.0, error_if_nonfinite=True)
        message = str(info.value)
        assert "non-finite" in message and "error_if_nonfinite=False" in message
    ours, theirs = (params_with_grads(T, special=special) for T in (mytorch, torch))
    total = utils.clip_grad_norm_(ours, 1.0)
    ref = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert (math.isnan(total.item()) and math.isnan(ref.item())) or total.item() == ref.item()
    for g, tg in zip(grads(ours), grads(theirs)):
        np.testing.assert_array_equal(np.isnan(g), np.isnan(tg))
        np.testing.assert_allclose(g[~np.isnan(g)], tg[~np.isnan(tg)], rtol=1e-6)


def test_clip_grad_norm_does_not_record_graph():
    params = params_with_grads(mytorch)
    total = utils.clip_grad_norm_(params, 0.5)
    assert total.grad_fn is None and all(p.grad.grad_fn is None for p in params)


@pytest.mark.parametrize("clip_value", [0.5, 2, 0.0])
def test_clip_grad_value_matches_torch(clip_value):
    ours, theirs = (params_with_grads(T, scale=2.0, none_at=2) for T in (mytorch, torch))
    assert utils.clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for g, tg in zip(grads(ours), grads(theirs)):
        if tg is None:
            assert g is None
        else:
            np.testing.assert_array_equal(g, tg)
    single = params_with_grads(mytorch, scale=5.0)[0]
    utils.clip_grad_value_(single, 1.0)
    assert np.abs(single.grad.numpy()).max() <= 1.0


def test_parameters_to_vector():
    ours, theirs = (params_with_grads(T) for T in (mytorch, torch))
    vec = utils.parameters_to_vector(ours)
    ref = torch.nn.utils.parameters_to_vector(theirs)
    np.testing.assert_array_equal(vec.detach().numpy(), ref.detach().numpy())
    for p in ours:
        p.grad = None
    weights = mytorch.arange(vec.numel(), dtype=mytorch.float32)
    (vec * weights).sum().backward()  # differentiable: each parameter gets its slice of the weights
    np.testing.assert_array_equal(np.concatenate([p.grad.numpy().ravel() for p in ours]), weights.numpy())


def test_vector_to_parameters():
    ours = params_with_grads(mytorch)
    n = sum(p.numel() for p in ours)
    vec = mytorch.arange(n, dtype=mytorch.float32)
    assert utils.vector_to_parameters(vec, ours) is None
    np.testing.assert_array_equal(utils.parameters_to_vector(ours).detach().numpy(), vec.numpy())
    assert [tuple(p.shape) for p in ours] == SHAPES and all(type(p) is mytorch.nn.Parameter for p in ours)
    vec.zero_()  # as in PyTorch the parameters now view vec's storage
    assert all(p.abs().sum().item() == 0 for p in ours)
    round_trip = params_with_grads(mytorch, seed=3)
    utils.vector_to_parameters(utils.parameters_to_vector(round_trip).detach() * 2, ours)
    np.testing.assert_array_equal(utils.parameters_to_vector(ours).detach().numpy(),
                                  2 * utils.parameters_to_vector(round_trip).detach().numpy())


def test_vector_to_parameters_rejects_non_tensor():
    messages = []
    for T in (mytorch, torch):
        with pytest.raises(TypeError) as info:
            T.nn.utils.vector_to_parameters([1.0, 2.0], [T.nn.Parameter(T.ones(2))])
        messages.append(str(info.value))
    assert messages[0] == messages[1]
