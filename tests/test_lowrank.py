"""torch.svd_lowrank and torch.pca_lowrank against PyTorch. Both frameworks draw the random test matrix from
the same seed, so the factors agree: S directly, U and V after the same phase normalization of each column
(its largest-magnitude entry of U made real and positive; the SVD of the small matrix fixes them only up to
that phase), and the reconstruction U diag(S) V^H, which is phase-invariant, with its gradients. gradcheck
in float64 and complex128, seeded inside the function so that every evaluation draws the same matrix."""
import numpy as np
import pytest

import mytorch
from helpers import check, gradcheck, raises_like

rng = np.random.default_rng(5)


def rand(*shape, complex_=False):
    a = rng.standard_normal(shape)
    return a + 1j * rng.standard_normal(shape) if complex_ else a


def fixed(T, U, S, V):
    """(U, S, V) with each column pair multiplied by the phase that makes U's largest entry real positive."""
    phase = U.gather(-2, U.abs().argmax(-2, keepdim=True)).sgn().conj()
    return U * phase, S, V * phase


def reconstruction(U, S, V):
    return (U * S.unsqueeze(-2).to(U.dtype)) @ V.mH


CASES = [((6, 4), 3, None), ((4, 7), 2, (7,)), ((2, 6, 5), 6, None), ((8, 3), 2, (8, 3)), ((3, 9), 3, None)]


@pytest.mark.parametrize("shape, q, m_shape", CASES)
@pytest.mark.parametrize("complex_", [False, True])
def test_svd_lowrank(shape, q, m_shape, complex_):
    args = [rand(*shape, complex_=complex_)] + ([] if m_shape is None else [rand(*m_shape, complex_=complex_)])

    def fn(T, a, *m):
        T.manual_seed(0)
        U, S, V = T.svd_lowrank(a, q=q, niter=1, M=m[0] if m else None)
        return (*fixed(T, U, S, V), reconstruction(U, S, V))
    check(lambda T, *xs: fn(T, *xs)[:3], *args, grad=False, atol=1e-10, rtol=1e-8)
    check(lambda T, *xs: fn(T, *xs)[1:], *args, atol=1e-10, rtol=1e-8)


@pytest.mark.parametrize("shape, q, center", [((7, 4), None, True), ((5, 8), 3, False), ((2, 6, 3), 2, True)])
def test_pca_lowrank(shape, q, center):
    def fn(T, a):
        T.manual_seed(1)
        U, S, V = T.pca_lowrank(a, q=q, center=center)
        return (*fixed(T, U, S, V), reconstruction(U, S, V))
    check(fn, rand(*shape), atol=1e-10, rtol=1e-8, grad=False)
    check(lambda T, a: fn(T, a)[1:], rand(*shape), atol=1e-10, rtol=1e-8)


def test_low_rank_input_is_recovered():
    """A rank-2 matrix is found exactly with q = 2 (the basis spans its whole range)."""
    a = mytorch.tensor(rand(9, 2) @ rand(2, 6))
    U, S, V = mytorch.svd_lowrank(a, q=2)
    assert np.allclose(reconstruction(U, S, V).numpy(), a.numpy(), atol=1e-10)


@pytest.mark.parametrize("complex_", [False, True])
def test_gradcheck(complex_):
    def fn(T, a):
        T.manual_seed(0)
        U, S, V = T.svd_lowrank(a, q=2, niter=1)
        return reconstruction(U, S, V), S

    gradcheck(fn, rand(5, 3, complex_=complex_))
    gradcheck(lambda T, a: (lambda U, S, V: (reconstruction(U, S, V), S))(*(T.manual_seed(2), T.pca_lowrank(a, 2))[1]),
              rand(3, 6, complex_=complex_))


@pytest.mark.parametrize("call", [lambda T, a: T.pca_lowrank(a, q=5), lambda T, a: T.pca_lowrank(a, q=-1),
                                  lambda T, a: T.pca_lowrank(a, niter=-1)])
def test_errors(call):
    raises_like(call, rand(4, 3), match=["must be non-negative integer"])
