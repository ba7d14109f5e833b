"""The language-model recipe of mytorch.training.lm follows PyTorch step for step.

Same initial weights (mytorch's, copied into the torch twins of torch_lm.py), the same batches (drawn
once by mytorch.training.lm.get_batch), float64; PyTorch runs its own AdamW (decay on matrices only),
LambdaLR warmup + cosine, clip_grad_norm_ and cross-entropy. mytorch's loss at each of the first 50
steps must equal torch's within 1e-6 relative, and the final weights agree. The corpus is a small
Markov-chain text, so the loss really falls and an error in any step shows in the ones after it.
"""
import math

import numpy as np
import pytest
import torch

import mytorch
from mytorch.training.lm import (LMConfig, WarmupCosine, build_lm, build_lm_optimizer, build_lm_scheduler,
                                 get_batch, lm_step)
from torch_lm import TorchGPT, TorchLSTMLM

STEPS, V = 50, 12


@pytest.fixture(autouse=True)
def _one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _corpus(n=3000, seed=0):
    """Token ids of a first-order Markov chain with a few likely successors per token."""
    rng = np.random.default_rng(seed)
    table = rng.dirichlet(np.full(V, 0.2), size=V)
    ids = [0]
    for _ in range(n - 1):
        ids.append(int(rng.choice(V, p=table[ids[-1]])))
    return mytorch.tensor(ids)


def _twin(cfg: LMConfig, model) -> torch.nn.Module:
    if cfg.model == "gpt":
        twin = TorchGPT(V, cfg.block_size, cfg.n_layer, cfg.n_head, cfg.n_embd)
    else:
        twin = TorchLSTMLM(V, cfg.embedding_dim, cfg.hidden_size, cfg.num_layers)
    twin = twin.double()
    twin.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    return twin


def _torch_losses(cfg: LMConfig, twin, batches):
    params = list(twin.parameters())
    opt = torch.optim.AdamW([{"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
                             {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
                            lr=cfg.lr, betas=(0.9, 0.99))

    def factor(s):  # linear warmup, then a half cosine to min_lr_ratio (written out independently)
        if s < cfg.warmup_steps:
            return (s + 1) / cfg.warmup_steps
        progress = min(1.0, (s - cfg.warmup_steps) / (cfg.steps - cfg.warmup_steps))
        return cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * (1 + math.cos(math.pi * progress)) / 2

    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    losses = []
    for x, y in batches:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(twin(x).flatten(0, 1), y.flatten())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(twin.parameters(), cfg.grad_clip)
        opt.step()
        sched.step()
        losses.append(loss.item())
    return np.array(losses)


@pytest.mark.parametrize("cfg", [
    LMConfig(model="gpt", steps=STEPS, batch_size=4, block_size=16, n_layer=2, n_head=2, n_embd=16, lr=1e-2,
             warmup_steps=10, grad_clip=0.5, weight_decay=0.1),
    LMConfig(model="lstm-lm", steps=STEPS, batch_size=4, block_size=16, embedding_dim=8, hidden_size=16,
             num_layers=2, lr=1e-2, warmup_steps=10, grad_clip=0.5, weight_decay=0.1),
], ids=["gpt", "lstm-lm"])
def test_first_50_steps_match_torch(cfg):
    data = _corpus()
    gen = mytorch.Generator().manual_seed(0)
    batches = [get_batch(data, cfg.batch_size, cfg.block_size, gen) for _ in range(STEPS)]
    mytorch.manual_seed(0)
    model = build_lm(cfg, V).double()
    twin = _twin(cfg, model)
    opt = build_lm_optimizer(cfg, model)
    sched = build_lm_scheduler(cfg, opt)
    mine = np.array([lm_step(model, opt, sched, x, y, cfg.grad_clip) for x, y in batches])
    ref = _torch_losses(cfg, twin, [(torch.tensor(x.numpy()), torch.tensor(y.numpy())) for x, y in batches])
    np.testing.assert_allclose(mine, ref, rtol=1e-6, atol=0)
    assert mine[-5:].mean() < mine[:5].mean() - 0.3, "the loss should fall on this corpus"
    for name, p in twin.named_parameters():
        np.testing.assert_allclose(model.get_parameter(name).detach().numpy(), p.detach().numpy(), rtol=1e-6,
                                   atol=1e-9, err_msg=name)


def test_warmup_cosine_factor():
    f = WarmupCosine(warmup_steps=4, total_steps=14, min_ratio=0.1)
    assert [f(s) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert f(9) == pytest.approx(0.55) and f(14) == pytest.approx(0.1) and f(100) == pytest.approx(0.1)


def test_batches_are_consecutive_tokens():
    data = mytorch.arange(100)
    x, y = get_batch(data, 8, 10, mytorch.Generator().manual_seed(0))
    assert x.shape == y.shape == (8, 10)
    assert (y - x == 1).all() and (x[:, 1:] - x[:, :-1] == 1).all() and int(y.max()) <= 99
