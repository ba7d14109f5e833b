"""The graph and its saved tensors are freed by reference counting: after backward, when outputs are
dropped without backward, and over many training-like iterations (resident memory stays flat)."""
import gc
import os
import weakref

import numpy as np

import mytorch

X = np.random.default_rng(0).standard_normal((8, 8)).astype(np.float32)


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class NoCycles:
    """Run a block with the cycle collector off, then assert it found nothing to collect: every object
    the block made was freed by reference counting alone, as PyTorch's graph is."""

    def __enter__(self):
        gc.collect()
        gc.disable()

    def __exit__(self, *exc):
        found = gc.collect()
        gc.enable()
        assert found == 0, f"{found} objects were only reachable through reference cycles"


def step(x, w, i):
    h = (x @ w).tanh()
    h.retain_grad()
    y = (h * h + x.exp()).mean() + h[i % 8].sum()
    y.backward()


def test_training_loop_memory_is_flat():
    x = mytorch.tensor(X, requires_grad=True)
    w = mytorch.tensor(X.T.copy(), requires_grad=True)
    for i in range(500):  # warm up allocator pools and caches
        step(x, w, i)
    before = rss_bytes()
    with NoCycles():
        for i in range(10_000):
            step(x, w, i)
            x.grad = w.grad = None
    grown = rss_bytes() - before
    assert grown < 4 * 2**20, f"resident memory grew by {grown / 2**20:.1f} MiB over 10,000 iterations"


def test_graph_nodes_die_after_backward():
    x = mytorch.tensor(X, requires_grad=True)
    with NoCycles():
        y = (x.exp() * x).sum()
        mul = weakref.ref(y.grad_fn.next_functions[0][0])
        exp = weakref.ref(mul().next_functions[0][0])
        y.backward()
        del y
        assert mul() is None and exp() is None


def test_graph_dies_when_outputs_are_dropped_without_backward():
    x = mytorch.tensor(X, requires_grad=True)
    with NoCycles():
        h = x.sin()
        y = (h @ h).abs()
        nodes = [weakref.ref(y.grad_fn), weakref.ref(h.grad_fn)]
        del h, y
        assert all(n() is None for n in nodes)


def test_saved_tensors_are_released_by_backward():
    x = mytorch.tensor(X, requires_grad=True)
    h = x.exp()
    y = (h * h).sum()  # mul saves h
    saved = weakref.ref(h)
    del h
    assert saved() is not None  # kept alive for backward
    y.backward()
    assert saved() is None


def test_retain_graph_keeps_saved_tensors_until_the_last_backward():
    x = mytorch.tensor(X, requires_grad=True)
    h = x.exp()
    y = (h * h).sum()
    saved = weakref.ref(h)
    del h
    y.backward(retain_graph=True)
    assert saved() is not None
    y.backward()
    assert saved() is None
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.exp(2 * X), rtol=1e-5)


def test_grad_with_create_graph_frees_when_gradient_dropped():
    x = mytorch.tensor(X, requires_grad=True)
    with NoCycles():
        (g,) = mytorch.autograd.grad((x ** 3).sum(), x, create_graph=True)
        node = weakref.ref(g.grad_fn)
        g.sum().backward()
        del g
        assert node() is None


def test_custom_function_ctx_is_freed():
    class Square(mytorch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 2 * g * a
    x = mytorch.tensor(X, requires_grad=True)
    with NoCycles():
        y = Square.apply(x)
        ctx = weakref.ref(y.grad_fn)
        y.sum().backward()
        del y
        assert ctx() is None


def test_leaf_accumulator_is_not_kept_alive_by_the_leaf():
    x = mytorch.tensor(X, requires_grad=True)
    with NoCycles():
        y = x * 2
        acc = weakref.ref(y.grad_fn.next_functions[0][0])
        del y
        assert acc() is None
    assert x.grad_fn is None and x.is_leaf
