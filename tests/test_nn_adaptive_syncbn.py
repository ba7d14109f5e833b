"""AdaptiveLogSoftmaxWithLoss and SyncBatchNorm in one process vs torch, with the same weights: outputs, losses,
input and parameter gradients under a random upstream gradient, initialisation from the same seed, errors.
(SyncBatchNorm across ranks: tests/test_distributed.py.)"""
import numpy as np
import pytest
import torch

import mytorch
from helpers import to_numpy

rng = np.random.default_rng(29)


def _copy_weights(t_mod, m_mod):
    m_mod.load_state_dict({k: mytorch.tensor(v.detach().numpy()) for k, v in t_mod.state_dict().items()})


def _close(m, t, atol=1e-5):
    np.testing.assert_allclose(to_numpy(m), to_numpy(t), atol=atol, rtol=1e-5)


def _grads_match(m_mod, t_mod, atol=1e-5):
    m_params = dict(m_mod.named_parameters())
    for name, p in t_mod.named_parameters():
        if p.grad is None:
            assert m_params[name].grad is None or not to_numpy(m_params[name].grad).any(), name
        else:
            _close(m_params[name].grad, p.grad, atol)


@pytest.mark.parametrize("cutoffs, head_bias, div_value", [([3, 8], False, 4.0), ([2], True, 2.0),
                                                             ([1, 4, 9], True, 1.5)])
def test_adaptive_log_softmax(cutoffs, head_bias, div_value):
    torch.manual_seed(0)
    mytorch.manual_seed(0)
    t_mod = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 12, cutoffs, div_value, head_bias)
    m_mod = mytorch.nn.AdaptiveLogSoftmaxWithLoss(16, 12, cutoffs, div_value, head_bias)
    for (name, p), (m_name, mp) in zip(t_mod.named_parameters(), m_mod.named_parameters()):
        assert name == m_name and tuple(p.shape) == tuple(mp.shape)
        _close(mp, p, 1e-6)  # the same initialisation from the same seed
    _copy_weights(t_mod, m_mod)
    x = rng.standard_normal((20, 32)).astype(np.float32)[:, ::2]  # non-contiguous rows
    target = rng.integers(0, 12, 20)
    target[:3] = [0, 11, cutoffs[-1]]
    xt, xm = torch.tensor(x, requires_grad=True), mytorch.tensor(np.ascontiguousarray(x), requires_grad=True)
    t_out, m_out = t_mod(xt, torch.tensor(target)), m_mod(xm, mytorch.tensor(target))
    _close(m_out.output, t_out.output)
    _close(m_out.loss, t_out.loss)
    assert m_out._fields == ("output", "loss")
    up = rng.standard_normal(20).astype(np.float32)
    (t_out.output * torch.tensor(up)).sum().add(t_out.loss).backward()
    (m_out.output * mytorch.tensor(up)).sum().add(m_out.loss).backward()
    _close(xm.grad, xt.grad)
    _grads_match(m_mod, t_mod)
    _close(m_mod.log_prob(xm), t_mod.log_prob(xt))
    np.testing.assert_array_equal(to_numpy(m_mod.predict(xm)), to_numpy(t_mod.predict(xt)))
    one_t, one_m = t_mod(xt[0], torch.tensor(target[0])), m_mod(xm[0], mytorch.tensor(target[0]))  # unbatched
    _close(one_m.output, one_t.output)
    assert tuple(one_m.output.shape) == ()


def test_adaptive_log_softmax_errors():
    mod = mytorch.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3])
    for bad in ([], [3, 2], [0, 4], [3, 10], [3, 3], [2.5]):
        with pytest.raises(ValueError, match="cutoffs should be"):
            mytorch.nn.AdaptiveLogSoftmaxWithLoss(4, 10, bad)
    cases = [((3, 4), [1, 10, 2], "Target values should be in \\[0, 9\\], but values in range \\[1, 10\\]"),
             ((3, 4), [1, 2], "same size in the batch dimension"), ((4,), [[1]], "multi-target not supported"),
             ((2, 4), 1, "0D target tensor expects 1D input")]
    for shape, target, message in cases:
        with pytest.raises(RuntimeError, match=message):
            mod(mytorch.zeros(shape), mytorch.tensor(target))


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 5)])
def test_syncbatchnorm_in_one_process_is_batchnorm(shape):
    t_mod, m_mod = torch.nn.SyncBatchNorm(3, momentum=0.2), mytorch.nn.SyncBatchNorm(3, momentum=0.2)
    with torch.no_grad():
        t_mod.weight.normal_()
        t_mod.bias.normal_()
    _copy_weights(t_mod, m_mod)
    for step in range(2):
        x = rng.standard_normal(shape).astype(np.float32)
        xt, xm = torch.tensor(x, requires_grad=True), mytorch.tensor(x, requires_grad=True)
        yt, ym = t_mod(xt), m_mod(xm)
        _close(ym, yt)
        up = rng.standard_normal(shape).astype(np.float32)
        (yt * torch.tensor(up)).sum().backward()
        (ym * mytorch.tensor(up)).sum().backward()
        _close(xm.grad, xt.grad, 1e-4)
        _grads_match(m_mod, t_mod, 1e-4)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        _close(getattr(m_mod, name), getattr(t_mod, name))
    _close(m_mod.eval()(xm), t_mod.eval()(xt))
    assert repr(m_mod) == repr(t_mod)


def test_convert_sync_batchnorm_shares_state():
    bn = mytorch.nn.BatchNorm2d(4, momentum=None)
    bn.eval()
    model = mytorch.nn.Sequential(mytorch.nn.Conv2d(3, 4, 1), bn,
                                  mytorch.nn.Sequential(mytorch.nn.BatchNorm1d(2, affine=False)))
    converted = mytorch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert isinstance(converted[1], mytorch.nn.SyncBatchNorm) and isinstance(converted[2][0], mytorch.nn.SyncBatchNorm)
    assert isinstance(converted[0], mytorch.nn.Conv2d)
    assert converted[1].weight is bn.weight and converted[1].running_mean is bn.running_mean
    assert converted[1].momentum is None and not converted[1].training and converted[2][0].weight is None
    t_model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 1), torch.nn.BatchNorm2d(4, momentum=None).eval(),
        torch.nn.Sequential(torch.nn.BatchNorm1d(2, affine=False))))
    assert repr(converted) == repr(t_model)
    with pytest.raises(ValueError, match="expected at least 2D input"):
        mytorch.nn.SyncBatchNorm(3)(mytorch.zeros(3))
