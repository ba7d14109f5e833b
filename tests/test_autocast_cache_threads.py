"""Autocast's per-thread state and weight cast cache against PyTorch's: a float32 leaf that requires grad is cast
once per region (an in-place change inside the region is not seen through the cached cast, as in PyTorch; the
outermost region's exit forgets it), views, non-leaves and tensors without grad are cast each time,
cache_enabled=False turns it off, and the gradient through a cached cast adds up every use. A thread starts
with autocast off and keeps its own regions, dtype and cache."""
import threading

import numpy as np
import pytest
import torch

import mytorch
from helpers import to_numpy

rng = np.random.default_rng(3)
X, W = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((4, 5)).astype(np.float32)


def _stale_reads(T, make_weight, cache_enabled=True):
    """(first product, product after w += 1 inside the region, product after the region) with weight w."""
    x = T.tensor(X)
    w = make_weight(T)
    with T.autocast("cpu", dtype=T.bfloat16, cache_enabled=cache_enabled):
        first = T.mm(x, w)
        with T.no_grad():
            w.add_(1.0)
        second = T.mm(x, w)
        with T.autocast("cpu", dtype=T.bfloat16):  # a nested region shares the outer one's cache
            nested = T.mm(x, w)
    with T.autocast("cpu", dtype=T.bfloat16, cache_enabled=cache_enabled):
        after = T.mm(x, w)
    return [to_numpy(t.float()) for t in (first, second, nested, after)]


WEIGHTS = {
    "parameter": lambda T: T.nn.Parameter(T.tensor(W)),
    "no grad": lambda T: T.tensor(W),
    "non-leaf": lambda T: T.tensor(W, requires_grad=True) * 1.0,
    "float16 leaf": lambda T: T.tensor(W, dtype=T.float16, requires_grad=True),
}


@pytest.mark.parametrize("weight", list(WEIGHTS))
@pytest.mark.parametrize("cache_enabled", [True, False])
def test_cache_reads_like_torch(weight, cache_enabled):
    mine = _stale_reads(mytorch, WEIGHTS[weight], cache_enabled)
    theirs = _stale_reads(torch, WEIGHTS[weight], cache_enabled)
    for m, t in zip(mine, theirs):
        np.testing.assert_allclose(m, t, rtol=1e-2, atol=1e-2)
    cached = weight == "parameter" and cache_enabled
    assert np.array_equal(mine[0], mine[1]) == cached  # the in-place change is unseen only through the cache
    assert np.array_equal(mine[0], mine[2]) == cached
    assert not np.array_equal(mine[0], mine[3])  # the region's exit forgot the cast


def test_view_of_a_parameter_is_not_cached():
    for T in (mytorch, torch):
        p = T.nn.Parameter(T.tensor(W))
        with T.autocast("cpu", dtype=T.bfloat16):
            first = T.mm(T.tensor(X), p[:, :3])
            with T.no_grad():
                p.add_(1.0)
            assert not T.equal(first, T.mm(T.tensor(X), p[:, :3]))


def test_gradient_through_a_cached_cast_adds_every_use():
    grads = {}
    for T in (mytorch, torch):
        p = T.nn.Parameter(T.tensor(W))
        with T.autocast("cpu", dtype=T.bfloat16):
            y = T.mm(T.tensor(X), p).sum() + T.mm(T.tensor(X) * 2, p).sum()
            assert T.is_autocast_cache_enabled()
        y.backward()
        assert p.grad.dtype == T.float32
        grads[T] = to_numpy(p.grad)
    np.testing.assert_allclose(grads[mytorch], grads[torch], rtol=1e-2, atol=1e-2)


def _in_thread(fn):
    out = {}
    thread = threading.Thread(target=lambda: out.setdefault("value", fn()))
    thread.start()
    thread.join()
    return out["value"]


def test_state_is_per_thread_like_torch():
    for T in (mytorch, torch):
        with T.autocast("cpu", dtype=T.float16):
            # a new thread starts outside any region, with the default dtype
            assert _in_thread(lambda: (T.is_autocast_enabled("cpu"), T.get_autocast_dtype("cpu"))) == \
                (False, T.bfloat16)
            assert _in_thread(lambda: T.mm(T.tensor(X), T.tensor(W)).dtype) == T.float32

            def own_region():
                with T.autocast("cpu", dtype=T.bfloat16):
                    return T.mm(T.tensor(X), T.tensor(W)).dtype, T.get_autocast_dtype("cpu")
            assert _in_thread(own_region) == (T.bfloat16, T.bfloat16)
            # this thread's region is as it was
            assert T.is_autocast_enabled("cpu") and T.get_autocast_dtype("cpu") == T.float16
            assert T.mm(T.tensor(X), T.tensor(W)).dtype == T.float16
        assert not T.is_autocast_enabled("cpu")


def test_each_thread_has_its_own_cache():
    p = mytorch.nn.Parameter(mytorch.tensor(W))
    x = mytorch.tensor(X)
    with mytorch.autocast("cpu"):
        first = mytorch.mm(x, p)
        with mytorch.no_grad():
            p.add_(1.0)

        def other():
            with mytorch.autocast("cpu"):
                return mytorch.mm(x, p)
        assert not mytorch.equal(_in_thread(other), first)  # the other thread casts the new values
        assert mytorch.equal(mytorch.mm(x, p), first)  # this thread still reads its cached cast
