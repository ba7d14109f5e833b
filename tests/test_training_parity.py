"""A training run follows PyTorch's step for step: same initial weights (copied from torch), same
batches, float64; mytorch's loss at each of the first 100 steps equals torch's within 1e-6 relative.

Two recipes: an MLP with SGD + momentum + weight decay under OneCycleLR (which also cycles the
momentum), and a narrow ResNet (convolutions, batch norm, residual sums) with Adam under cosine
annealing, on 12x12 images to stay fast. The data are class-dependent patterns plus noise, so the
loss really falls and an error in any step shows in the ones after it.
"""
import numpy as np
import pytest
import torch

import mytorch
from mytorch.models import MLP, ResNet
from torch_models import TorchMLP, TorchResNet

STEPS, BATCH = 100, 16


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # torch's thread pool costs more than it gives on these tiny float64 steps (and stalls on a busy machine)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _data(rng, side, n=400, classes=10):
    means = rng.standard_normal((classes, 1, side, side))
    y = rng.integers(0, classes, n)
    x = means[y] + rng.standard_normal((n, 1, side, side))
    return x, y


def _recipe(T, model, kind):
    if kind == "sgd":
        opt = T.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
        sched = T.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=STEPS)
    else:
        opt = T.optim.Adam(model.parameters(), lr=1e-2)
        sched = T.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=STEPS)
    return opt, sched


def _losses(T, model, kind, x, y, order):
    opt, sched = _recipe(T, model, kind)
    losses = []
    for step in range(STEPS):
        idx = order[step]
        opt.zero_grad()
        loss = T.nn.functional.cross_entropy(model(T.tensor(x[idx])), T.tensor(y[idx]))
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return np.array(losses)


@pytest.mark.parametrize("kind, side, mine, ref", [
    ("sgd", 28, lambda: MLP(hidden=(64, 32)), lambda: TorchMLP(hidden=(64, 32))),
    ("adam", 12, lambda: ResNet(widths=(4, 8)), lambda: TorchResNet(widths=(4, 8))),
])
def test_loss_curve_matches_torch(kind, side, mine, ref):
    rng = np.random.default_rng(0)
    x, y = _data(rng, side)
    order = [rng.choice(len(y), BATCH, replace=False) for _ in range(STEPS)]
    torch.manual_seed(0)
    t_model = ref().double()
    m_model = mine().to(mytorch.float64)
    m_model.load_state_dict({k: mytorch.tensor(v.detach().numpy()) for k, v in t_model.state_dict().items()})
    expected = _losses(torch, t_model, kind, x, y, order)
    got = _losses(mytorch, m_model, kind, x, y, order)
    assert expected[-10:].mean() < 0.75 * expected[:10].mean()  # the recipe learns
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0)
    for k, v in t_model.state_dict().items():  # and ends at the same weights
        np.testing.assert_allclose(m_model.state_dict()[k].numpy(), v.numpy(), rtol=1e-6, atol=1e-9, err_msg=k)
