"""mytorch.utils.checkpoint: gradients equal those without checkpointing (dropout included, through the
replayed random state) and PyTorch's; parameters inside get gradients as in PyTorch's two forms."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.utils.checkpoint as torch_checkpoint

import mytorch
from mytorch import nn
from mytorch.utils.checkpoint import checkpoint, checkpoint_sequential


def block(lib, p=0.0):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(6, 8), lib.nn.GELU(), lib.nn.Dropout(p), lib.nn.Linear(8, 6))


def copy_weights(src, dst):
    with mytorch.no_grad():
        for (name, a), (_, b) in zip(src.named_parameters(), dst.named_parameters()):
            b.copy_(mytorch.tensor(a.detach().numpy()))


def test_gradients_equal_pytorch(backend):
    x_np = np.random.default_rng(1).standard_normal((4, 6)).astype(np.float32)
    g_np = np.random.default_rng(2).standard_normal((4, 6)).astype(np.float32)
    tb, mb = block(torch), block(mytorch)
    copy_weights(tb, mb)
    xt, xm = torch.tensor(x_np, requires_grad=True), mytorch.tensor(x_np, requires_grad=True)
    yt = torch_checkpoint.checkpoint(tb, xt * 2, use_reentrant=False)
    ym = checkpoint(mb, xm * 2, use_reentrant=False)
    yt.backward(torch.tensor(g_np))
    ym.backward(mytorch.tensor(g_np))
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(mb.parameters(), tb.parameters()):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert ym.grad_fn is not None


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_dropout_replays_the_same_mask(backend, use_reentrant):
    model = block(mytorch, p=0.5)
    x = mytorch.randn(16, 6, requires_grad=True)
    mytorch.manual_seed(7)
    plain = model(x).square().sum()
    plain.backward()
    want = [p.grad.clone() for p in model.parameters()] + [x.grad.clone()]
    model.zero_grad()
    x.grad = None
    mytorch.manual_seed(7)
    out = checkpoint(model, x, use_reentrant=use_reentrant).square().sum()
    after_forward = mytorch.rand(3)
    mytorch.manual_seed(7)
    model(x)
    assert mytorch.equal(out, plain.detach()) and mytorch.equal(after_forward, mytorch.rand(3))
    out.backward()
    got = [p.grad for p in model.parameters()] + [x.grad]
    for a, b in zip(got, want):
        assert mytorch.allclose(a, b, atol=1e-6)


def test_inputs_without_grad(backend):
    """Non-reentrant: parameters still get gradients; reentrant: the output does not require grad."""
    model = block(mytorch)
    x = mytorch.randn(2, 6)
    checkpoint(model, x, use_reentrant=False).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    assert not checkpoint(model, x, use_reentrant=True).requires_grad


def test_several_outputs_and_keyword_arguments(backend):
    a = mytorch.randn(3, requires_grad=True)
    b = mytorch.randn(3, requires_grad=True)

    def f(x, y, scale=1.0):
        return x * y * scale, x.exp()

    p, q = checkpoint(f, a, b, use_reentrant=False, scale=3.0)
    (p.sum() + q.sum()).backward()
    assert mytorch.allclose(a.grad, 3 * b.detach() + a.detach().exp())
    assert mytorch.allclose(b.grad, 3 * a.detach())


def test_checkpoint_sequential_matches_plain(backend):
    mytorch.manual_seed(0)
    model = nn.Sequential(*[nn.Linear(5, 5) for _ in range(6)])
    x = mytorch.randn(3, 5, requires_grad=True)
    model(x).sum().backward()
    want = [p.grad.clone() for p in model.parameters()] + [x.grad.clone()]
    model.zero_grad()
    x.grad = None
    y = checkpoint_sequential(model, 3, x, use_reentrant=False)
    assert mytorch.allclose(y, model(x))
    y.sum().backward()
    for a, b in zip([p.grad for p in model.parameters()] + [x.grad], want):
        assert mytorch.allclose(a, b, atol=1e-6)


def test_selective_checkpointing_is_refused(backend):
    with pytest.raises(NotImplementedError, match="context_fn"):
        checkpoint(lambda x: x, mytorch.ones(1), context_fn=lambda: None)
