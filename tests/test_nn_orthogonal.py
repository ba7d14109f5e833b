"""nn.utils.parametrizations.orthogonal vs torch (matrix_exp, cayley and householder maps, with and without the
trivialization, square, tall and wide weights): the weight, its orthogonality, the originals, gradients of the
originals under a random upstream gradient, assignment; geqrf vs torch.geqrf."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import check, raises_like, to_numpy

rng = np.random.default_rng(31)
orthogonal = {mytorch: mytorch.nn.utils.parametrizations.orthogonal, torch: torch.nn.utils.parametrizations.orthogonal}


def _pair(shape, orthogonal_map, use_trivialization):
    """The same weights in a torch and a mytorch Linear, both parametrized alike."""
    w = rng.standard_normal(shape)
    mods = {}
    for T in (torch, mytorch):
        T.manual_seed(4)  # a tall weight's base is completed with random columns: the same ones on both
        mod = T.nn.Linear(shape[1], shape[0], bias=False).double()
        with T.no_grad():
            mod.weight.copy_(T.tensor(w))
        mods[T] = orthogonal[T](mod, orthogonal_map=orthogonal_map, use_trivialization=use_trivialization)
    return mods[mytorch], mods[torch]


def _close(m, t, atol=1e-10):
    np.testing.assert_allclose(to_numpy(m), to_numpy(t), atol=atol, rtol=1e-8)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize("orthogonal_map", [None, "matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("use_trivialization", [True, False])
def test_orthogonal_matches_torch(shape, orthogonal_map, use_trivialization):
    m_mod, t_mod = _pair(shape, orthogonal_map, use_trivialization)
    m_orig = m_mod.parametrizations.weight.original
    t_orig = t_mod.parametrizations.weight.original
    _close(m_orig, t_orig)
    if hasattr(t_mod.parametrizations.weight[0], "base"):
        _close(m_mod.parametrizations.weight[0].base, t_mod.parametrizations.weight[0].base)
    with torch.no_grad(), mytorch.no_grad():
        for T, orig in ((torch, t_orig), (mytorch, m_orig)):  # move away from the identity: a real map
            orig.add_(T.tensor(0.3 * np.tril(np.ones(shape), -1) * np.arange(1, shape[1] + 1) / shape[1]))
    mw, tw = m_mod.weight, t_mod.weight
    _close(mw, tw)
    q = to_numpy(mw) if shape[0] >= shape[1] else to_numpy(mw).T
    np.testing.assert_allclose(q.T @ q, np.eye(q.shape[1]), atol=1e-10)
    x = rng.standard_normal((2, shape[1]))
    up = rng.standard_normal((2, shape[0]))
    (t_mod(torch.tensor(x)) * torch.tensor(up)).sum().backward()
    (m_mod(mytorch.tensor(x)) * mytorch.tensor(up)).sum().backward()
    _close(m_orig.grad, t_orig.grad)


def test_orthogonal_assignment_and_batched_weights():
    m_mod, t_mod = _pair((4, 4), "cayley", True)
    q = np.linalg.qr(rng.standard_normal((4, 4)))[0]
    m_mod.weight, t_mod.weight = mytorch.tensor(q), torch.tensor(q)
    _close(m_mod.weight, t_mod.weight)
    _close(m_mod.weight, q)  # an orthogonal value is kept as it is
    w = rng.standard_normal((2, 3, 3))
    m_p = orthogonal[mytorch](mytorch.nn.ParameterList([mytorch.nn.Parameter(mytorch.tensor(w))]), "0")
    t_p = orthogonal[torch](torch.nn.ParameterList([torch.nn.Parameter(torch.tensor(w))]), "0")
    _close(m_p[0], t_p[0])


def test_orthogonal_random_completion_draws_like_torch():
    m_mod, t_mod = _pair((5, 2), "matrix_exp", True)
    _close(m_mod.parametrizations.weight[0].base, t_mod.parametrizations.weight[0].base, 1e-8)
    _close(m_mod.weight, t_mod.weight, 1e-8)


def test_orthogonal_errors():
    lin = mytorch.nn.Linear(3, 3)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'w'"):
        orthogonal[mytorch](lin, "w")
    with pytest.raises(ValueError, match="Got a tensor of 1 dimensions"):
        orthogonal[mytorch](lin, "bias")
    with pytest.raises(ValueError, match='orthogonal_map has to be one of'):
        orthogonal[mytorch](lin, orthogonal_map="qr")
    cayley = orthogonal[mytorch](mytorch.nn.Linear(3, 3), orthogonal_map="cayley", use_trivialization=False)
    with pytest.raises(NotImplementedError, match="use_trivialization=False"):  # registering took X = the weight
        cayley.weight = mytorch.eye(3)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 6, 4), (1, 1), (2, 0, 3)])
def test_geqrf(shape):
    a = rng.standard_normal(shape)
    if shape == (4, 4):
        a[1:, 0] = 0  # nothing below the diagonal: H_1 = I, tau = 0
    check(lambda T, a: T.geqrf(a), a, grad=False, atol=1e-10)
    check(lambda T, a: a.geqrf(), a.astype(np.float32), grad=False, atol=1e-5)
    raises_like(lambda T, a: T.geqrf(a), rng.standard_normal(3), match=["2 dimensions"])
    x = mytorch.tensor(a, requires_grad=True)
    with pytest.raises(RuntimeError, match="derivative for 'geqrf' is not implemented"):
        mytorch.geqrf(x)[0].sum().backward()


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
def test_orthogonal_maps_gradcheck(orthogonal_map):
    for shape in ((3, 3), (4, 2)):
        mod = orthogonal[mytorch](mytorch.nn.Linear(shape[1], shape[0]).double(), orthogonal_map=orthogonal_map,
                                  use_trivialization=False)
        param = mod.parametrizations.weight[0]
        x = mytorch.tensor(rng.standard_normal(shape) * 0.5, requires_grad=True)
        assert mytorch.autograd.gradcheck(param, (x,))
