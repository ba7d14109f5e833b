"""mytorch.autograd.functional against torch.autograd.functional: the same values and nesting."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.autograd.functional as TF

import mytorch
import mytorch.autograd.functional as MF


def f_vec(lib):
    return lambda x: (x ** 3).sin() * 2 + x.sum()


def f_two(lib):
    return lambda x, y: ((x * y).exp(), x.square().sum() * y)


def f_scalar(lib):
    return lambda x: (x ** 2 * x.roll(1, 0)).sum().tanh()


def f_scalar_two(lib):
    return lambda x, y: (x.outer(y) ** 2).sum()


def arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def both(arrs):
    return tuple(torch.tensor(a) for a in arrs), tuple(mytorch.tensor(a) for a in arrs)


def same(got, want):
    if isinstance(want, torch.Tensor):
        assert isinstance(got, mytorch.Tensor), type(got)
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-12)
    else:
        assert isinstance(got, tuple) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            same(g, w)


@pytest.mark.parametrize("name", ["vjp", "jvp"])
def test_vjp_jvp(name, backend):
    (x_t,), (x_m,) = both(arrays(4))
    (v_t,), (v_m,) = both(arrays(4, seed=1))
    same(getattr(MF, name)(f_vec(mytorch), x_m, v_m), getattr(TF, name)(f_vec(torch), x_t, v_t))
    xs_t, xs_m = both(arrays(3, 3, seed=2))
    vs_t, vs_m = both(arrays(3, 3, seed=3))
    same(getattr(MF, name)(f_two(mytorch), xs_m, vs_m), getattr(TF, name)(f_two(torch), xs_t, vs_t))


def test_jacobian(backend):
    (x_t,), (x_m,) = both(arrays((2, 3)))
    same(MF.jacobian(f_vec(mytorch), x_m), TF.jacobian(f_vec(torch), x_t))
    xs_t, xs_m = both(arrays(3, 3, seed=2))
    same(MF.jacobian(f_two(mytorch), xs_m), TF.jacobian(f_two(torch), xs_t))


@pytest.mark.parametrize("name", ["hessian", "vhp", "hvp"])
def test_second_order(name, backend):
    (x_t,), (x_m,) = both(arrays(4))
    (v_t,), (v_m,) = both(arrays(4, seed=1))
    extra_t, extra_m = ((), ()) if name == "hessian" else ((v_t,), (v_m,))
    same(getattr(MF, name)(f_scalar(mytorch), x_m, *extra_m), getattr(TF, name)(f_scalar(torch), x_t, *extra_t))
    xs_t, xs_m = both(arrays(3, 2, seed=2))
    vs_t, vs_m = both(arrays(3, 2, seed=3))
    extra_t, extra_m = ((), ()) if name == "hessian" else ((vs_t,), (vs_m,))
    same(getattr(MF, name)(f_scalar_two(mytorch), xs_m, *extra_m),
         getattr(TF, name)(f_scalar_two(torch), xs_t, *extra_t))


def test_create_graph_gives_differentiable_results(backend):
    x = mytorch.tensor([0.5, -1.0], dtype=mytorch.float64, requires_grad=True)
    _, g = MF.vjp(lambda t: (t ** 3).sum(), x, create_graph=True)
    g.sum().backward()  # d/dx sum(3 x^2) = 6 x
    assert mytorch.allclose(x.grad, 6 * x.detach())


def test_strict_and_unused_inputs(backend):
    x, y = mytorch.ones(2, dtype=mytorch.float64), mytorch.ones(2, dtype=mytorch.float64)
    _, (gx, gy) = MF.vjp(lambda a, b: a * 2, (x, y), mytorch.ones(2, dtype=mytorch.float64))
    assert mytorch.equal(gy, mytorch.zeros(2, dtype=mytorch.float64)) and mytorch.equal(gx, 2 * x)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        MF.vjp(lambda a, b: a * 2, (x, y), mytorch.ones(2, dtype=mytorch.float64), strict=True)
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        MF.jacobian(lambda a: a, [1.0])
