"""How ``.grad`` accumulates: the first gradient is adopted without a copy when nothing else can see its
memory (PyTorch's AccumulateGrad does the same), is copied when anything could, and later gradients add
into ``.grad``'s own memory."""
from __future__ import annotations

import mytorch
from mytorch.autograd import Function


class FreshGrad(Function):
    """y = 2x, whose backward makes a new gradient and records where its memory is."""
    seen: list[int] = []

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        out = g * 2
        FreshGrad.seen.append(out.data_ptr())
        return out


class KeptGrad(Function):
    """y = 2x, whose backward also keeps the gradient it returns (as a cache or a hook might)."""
    kept: list = []

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        out = g * 2
        KeptGrad.kept.append(out)
        return out


def test_fresh_gradient_is_adopted(backend):
    x = mytorch.randn(8, 8, requires_grad=True)
    FreshGrad.seen.clear()
    FreshGrad.apply(x).sum().backward()
    assert x.grad.data_ptr() == FreshGrad.seen[-1]
    assert mytorch.equal(x.grad, mytorch.full((8, 8), 2.0))


def test_gradient_kept_elsewhere_is_copied(backend):
    x = mytorch.randn(6, requires_grad=True)
    KeptGrad.kept.clear()
    KeptGrad.apply(x).sum().backward()
    KeptGrad.apply(x).sum().backward()
    assert mytorch.equal(x.grad, mytorch.full((6,), 4.0))
    assert all(mytorch.equal(k, mytorch.full((6,), 2.0)) for k in KeptGrad.kept)


def test_passed_through_gradient_is_not_shared_by_two_leaves(backend):
    a = mytorch.randn(5, requires_grad=True)
    b = mytorch.randn(5, requires_grad=True)
    ((a + b) * 3).sum().backward()
    assert a.grad.data_ptr() != b.grad.data_ptr()
    ((a + b) * 3).sum().backward()
    assert mytorch.equal(a.grad, mytorch.full((5,), 6.0)) and mytorch.equal(b.grad, mytorch.full((5,), 6.0))


def test_users_gradient_is_never_written(backend):
    x = mytorch.randn(2, 3, requires_grad=True)
    g = mytorch.ones(6)
    x.view(6).backward(g)
    x.view(6).backward(g)
    assert mytorch.equal(g, mytorch.ones(6)) and mytorch.equal(x.grad, mytorch.full((2, 3), 2.0))


def test_gradient_seen_by_a_hook_is_copied(backend):
    x = mytorch.randn(4, requires_grad=True)
    seen = []
    x.register_hook(seen.append)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert mytorch.equal(x.grad, mytorch.full((4,), 6.0))
    assert len(seen) == 2 and all(mytorch.equal(s, mytorch.full((4,), 3.0)) for s in seen)


def test_retained_gradient_passed_through_to_a_leaf_is_copied(backend):
    x = mytorch.randn(4, requires_grad=True)
    y = x.clone()  # clone's backward hands its gradient on unchanged
    y.retain_grad()
    (y * 2).sum().backward()
    (x.clone() * 2).sum().backward()
    assert mytorch.equal(x.grad, mytorch.full((4,), 4.0)) and mytorch.equal(y.grad, mytorch.full((4,), 2.0))


def test_later_gradients_add_in_place(backend):
    w = mytorch.randn(16, 16, requires_grad=True)
    (w * w).sum().backward()
    grad, ptr = w.grad, w.grad.data_ptr()
    (w * w).sum().backward()
    assert w.grad is grad and w.grad.data_ptr() == ptr
    assert mytorch.allclose(w.grad, 4 * w.detach())
