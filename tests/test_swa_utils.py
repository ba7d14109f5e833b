"""torch.optim.swa_utils vs PyTorch: AveragedModel's running averages (SWA, EMA through avg_fn and
multi_avg_fn, with and without buffers) over 30 SGD steps of a small batch-norm network from the same
weights; SWALR's lr sequence (cos and linear, alone and after another scheduler) and its state_dict;
update_bn's statistics; PyTorch's errors."""
import copy

import numpy as np
import pytest
import torch

import mytorch
from test_lr_scheduler import _same_error

STEPS = 30


def _net(T):
    """Linear(4, 6) -> BatchNorm1d -> ReLU -> Linear(6, 2), float64, the same weights in both frameworks."""
    net = T.nn.Sequential(T.nn.Linear(4, 6), T.nn.BatchNorm1d(6), T.nn.ReLU(), T.nn.Linear(6, 2)).double()
    rng = np.random.default_rng(0)
    with T.no_grad():
        for p in net.parameters():
            p.copy_(T.tensor(rng.standard_normal(tuple(p.shape))))
    return net


def _batches(T, n=STEPS):
    rng = np.random.default_rng(1)
    return [(T.tensor(rng.standard_normal((8, 4))), T.tensor(rng.standard_normal((8, 2)))) for _ in range(n)]


AVERAGES = {
    "swa": lambda T: {},
    "swa-buffers": lambda T: {"use_buffers": True},
    "ema-multi": lambda T: {"multi_avg_fn": T.optim.swa_utils.get_ema_multi_avg_fn(0.9)},
    "ema-multi-buffers": lambda T: {"multi_avg_fn": T.optim.swa_utils.get_ema_multi_avg_fn(0.8),
                                    "use_buffers": True},
    "ema-avg_fn": lambda T: {"avg_fn": T.optim.swa_utils.get_ema_avg_fn(0.95)},
    "swa-multi": lambda T: {"multi_avg_fn": T.optim.swa_utils.get_swa_multi_avg_fn()},
    "swa-avg_fn": lambda T: {"avg_fn": T.optim.swa_utils.get_swa_avg_fn()},
}


def _train_averaged(T, kwargs, update_from=5):
    """30 SGD steps; from step `update_from` on, the average is updated after each."""
    net = _net(T)
    averaged = T.optim.swa_utils.AveragedModel(net, **kwargs)
    opt = T.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    for step, (x, y) in enumerate(_batches(T)):
        opt.zero_grad()
        ((net(x) - y) ** 2).mean().backward()
        opt.step()
        if step >= update_from:
            averaged.update_parameters(net)
    return averaged


@pytest.mark.parametrize("name", AVERAGES)
def test_averaged_model_matches_torch(name):
    m = _train_averaged(mytorch, AVERAGES[name](mytorch))
    t = _train_averaged(torch, AVERAGES[name](torch))
    m_state, t_state = m.state_dict(), t.state_dict()
    assert list(m_state) == list(t_state)
    for key, tv in t_state.items():
        np.testing.assert_allclose(m_state[key].numpy(), tv.numpy(), rtol=1e-12, atol=1e-14, err_msg=key)
    assert m.n_averaged.item() == STEPS - 5 and m.n_averaged.dtype is mytorch.int64
    x = _batches(mytorch, 1)[0][0]
    m.eval()
    t.eval()
    np.testing.assert_allclose(m(x).detach().numpy(), t(torch.tensor(x.numpy())).detach().numpy(), rtol=1e-12)


def test_averaged_model_is_a_copy():
    net = _net(mytorch)
    averaged = mytorch.optim.swa_utils.AveragedModel(net)
    with mytorch.no_grad():
        net[0].weight.add_(1.0)
    assert not np.array_equal(averaged.module[0].weight.detach().numpy(), net[0].weight.detach().numpy())
    averaged.update_parameters(net)  # the first update copies
    assert np.array_equal(averaged.module[0].weight.detach().numpy(), net[0].weight.detach().numpy())


def test_update_bn_matches_torch():
    stats = []
    for T in (torch, mytorch):
        net = _net(T)
        net.eval()
        loader = [(x,) for x, _ in _batches(T, 5)]  # batches as tuples: the first element is the input
        T.optim.swa_utils.update_bn(loader, net)
        assert not net.training and net[1].momentum == 0.1
        stats.append([net[1].running_mean.numpy(), net[1].running_var.numpy(), net[1].num_batches_tracked.item()])
    np.testing.assert_allclose(stats[0][0], stats[1][0], rtol=1e-12)
    np.testing.assert_allclose(stats[0][1], stats[1][1], rtol=1e-12)
    assert stats[0][2] == stats[1][2] == 5


def test_update_bn_without_batch_norm_is_a_no_op():
    net = mytorch.nn.Linear(2, 2)
    mytorch.optim.swa_utils.update_bn([mytorch.ones(1, 2)], net)


def _swalr_trace(T, make, steps=STEPS):
    a, b = T.zeros(2, requires_grad=True), T.zeros(3, requires_grad=True)
    opt = T.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    scheds = make(T, opt)
    out = []
    for _ in range(steps):
        opt.step()
        for s in scheds:
            s.step()
        out.append([g["lr"] for g in opt.param_groups])
    return out, opt, scheds


SWALRS = {
    "cos": lambda T, o: [T.optim.swa_utils.SWALR(o, swa_lr=0.05, anneal_epochs=7)],
    "linear-per-group": lambda T, o: [T.optim.swa_utils.SWALR(o, swa_lr=[0.01, 0.2], anneal_epochs=4,
                                                              anneal_strategy="linear")],
    "no-anneal": lambda T, o: [T.optim.swa_utils.SWALR(o, swa_lr=0.02, anneal_epochs=0)],
    "after-cosine": lambda T, o: [T.optim.lr_scheduler.CosineAnnealingLR(o, T_max=20),
                                  T.optim.swa_utils.SWALR(o, swa_lr=0.03, anneal_epochs=5)],
}


@pytest.mark.parametrize("name", SWALRS)
def test_swalr_matches_torch(name):
    m, m_opt, m_scheds = _swalr_trace(mytorch, SWALRS[name])
    t, t_opt, t_scheds = _swalr_trace(torch, SWALRS[name])
    assert m == t
    m_state, t_state = m_scheds[-1].state_dict(), t_scheds[-1].state_dict()
    t_state.pop("_opt_called", None)
    assert m_state == t_state


def test_swalr_resumes_exactly():
    straight, _, _ = _swalr_trace(mytorch, SWALRS["cos"])
    _, opt, (sched,) = _swalr_trace(mytorch, SWALRS["cos"], steps=3)
    opt_state, sched_state = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    _, opt2, (sched2,) = _swalr_trace(mytorch, SWALRS["cos"], steps=0)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    resumed = []
    for _ in range(STEPS - 3):
        opt2.step()
        sched2.step()
        resumed.append([g["lr"] for g in opt2.param_groups])
    assert resumed == straight[3:]


def _swalr_errors():
    def opt(T):
        return T.optim.SGD([T.zeros(1, requires_grad=True)], lr=0.1)
    return [
        (lambda T: T.optim.swa_utils.SWALR(opt(T), swa_lr=0.1, anneal_strategy="exp"), "anneal_strategy must be"),
        (lambda T: T.optim.swa_utils.SWALR(opt(T), swa_lr=0.1, anneal_epochs=-1), "anneal_epochs must be equal"),
        (lambda T: T.optim.swa_utils.SWALR(opt(T), swa_lr=[0.1, 0.2]), "swa_lr must have the same length"),
        (lambda T: T.optim.swa_utils.get_ema_multi_avg_fn(1.5), "Invalid decay value 1.5"),
        (lambda T: T.optim.swa_utils.get_ema_avg_fn(-0.1), "Invalid decay value -0.1"),
        (lambda T: T.optim.swa_utils.AveragedModel(T.nn.Linear(1, 1), avg_fn=T.optim.swa_utils.get_swa_avg_fn(),
                                                   multi_avg_fn=T.optim.swa_utils.get_swa_multi_avg_fn()),
         "Only one of avg_fn and multi_avg_fn"),
    ]


@pytest.mark.parametrize("make,match", _swalr_errors(), ids=[m for _, m in _swalr_errors()])
def test_errors(make, match):
    _same_error(make, match)
