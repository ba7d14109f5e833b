"""linalg.eig / linalg.eigvals (general matrices, complex results) and torch.ormqr against PyTorch: values
(eigenvectors as LAPACK normalizes them: unit norm, largest component real), gradients of phase-invariant
losses under random upstream gradients, gradcheck in float64 and complex128, PyTorch's errors."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import check, gradcheck

rng = np.random.default_rng(13)


def rand(*shape, dtype=np.float64):
    x = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def eig_invariants(T, a):
    """(eigenvalues, |V|): what a loss may depend on, since each eigenvector's phase is free."""
    w, V = T.linalg.eig(a)
    return w, V.abs()


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_eig_values_and_vectors(dtype):
    A = rand(3, 4, 4, dtype=dtype)
    check(lambda T, a: T.linalg.eig(a), A, grad=False, atol=1e-10, rtol=1e-9)
    check(eig_invariants, A, atol=1e-9, rtol=1e-8)
    check(lambda T, a: T.linalg.eigvals(a), A, atol=1e-9, rtol=1e-8)


def eigvals_power_sums(T, a):
    """Power sums of the eigenvalues (sum_i w_i^p, p = 1, 2, 3) and their moduli: functions of the set,
    since LAPACK builds order the eigenvalues differently in single precision."""
    w = T.linalg.eigvals(a)
    return [(w ** p).sum(-1) for p in (1, 2, 3)] + [(w.abs() ** p).sum(-1) for p in (1, 2)]


def test_eig_single_precision_and_layouts():
    A = rand(2, 5, 5, dtype=np.float32)
    check(eigvals_power_sums, A, layout="transposed", atol=1e-4, rtol=1e-4)
    check(eigvals_power_sums, A.astype(np.complex64), layout="sliced", atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("scale", [1.0, 2.0 ** -60, 1e-20, 1e-200, 1e-300, 1e200])
def test_eig_order_at_extreme_scales(scale):
    """LAPACK's order of the eigenvalues at any scale: a real 2x2 block is split with one order when lanv2's
    discriminant is at least 4 eps in absolute terms, else the other (here a 3x3 of norm below ~2^-50 gets
    -1.28, 2.18 where the same matrix at norm 1 gets 2.18, -1.28); geev iterates below 1e-138 at 1e-138."""
    A = np.random.default_rng(3).standard_normal((4, 3, 3)) * scale
    # |V|: NumPy's LAPACK and PyTorch's MKL can give a real vector opposite signs
    check(lambda T, a: (lambda w, v: (w / scale, v.abs()))(*T.linalg.eig(a)), A, grad=False, atol=1e-10, rtol=1e-9)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_eig_gradcheck(dtype):
    A = rand(4, 4, dtype=dtype)
    gradcheck(eig_invariants, A)
    gradcheck(lambda T, a: T.linalg.eigvals(a), A)


def test_eig_phase_dependent_loss_and_errors():
    errors = {}
    for T in (torch, mytorch):
        a = T.tensor(np.array([[0.0, -2.0, 0.5], [1.0, 0.0, 0.0], [0.0, 0.3, 2.0]]))  # complex eigenvalues
        a.requires_grad_(True)
        with pytest.raises(RuntimeError) as info:
            T.linalg.eig(a)[1].sum().abs().backward()
        errors[T] = str(info.value)
        with pytest.raises(RuntimeError, match="should not contain infs or NaNs"):
            T.linalg.eig(T.tensor([[float("nan"), 1.0], [0.0, 1.0]]))
        with pytest.raises(RuntimeError, match="square"):
            T.linalg.eig(T.ones(2, 3))
    assert errors[mytorch] == errors[torch]


def test_eigvals_of_non_finite():
    """eigvals gives nan (no error, unlike eig) for a matrix holding nan, the other matrices of the batch
    their eigenvalues; PyTorch's geev leaves some eigenvalues finite, as the nan sits: we give nan throughout,
    as PyTorch's for a matrix all of nan."""
    A = np.stack([rand(3, 3), np.full((3, 3), np.nan)])
    check(lambda T, a: T.linalg.eigvals(a), A, grad=False, atol=1e-10, rtol=1e-9)
    A[1] = rand(3, 3)
    A[1, 2, 0] = np.inf
    assert np.isnan(mytorch.linalg.eigvals(mytorch.tensor(A))[1].numpy()).all()


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_ormqr(dtype, left, transpose):
    a, tau = (x.numpy() for x in torch.geqrf(torch.tensor(rand(2, 5, 3, dtype=dtype))))
    C = rand(2, 5, 4, dtype=dtype) if left else rand(2, 4, 5, dtype=dtype)
    check(lambda T, x, t, c: T.ormqr(x, t, c, left, transpose), a, tau, C, atol=1e-10, rtol=1e-9)


def test_ormqr_gradcheck_and_errors():
    a, tau = (x.numpy() for x in torch.geqrf(torch.tensor(rand(4, 3, dtype=np.complex128))))
    gradcheck(lambda T, x, t, c: T.ormqr(x, t, c, False, True), a, tau, rand(2, 4, dtype=np.complex128))
    bad = [(a, tau, rand(3, 2)), (a[0], tau, rand(4, 2)), (a, tau, rand(2, 4, 2)), (a, rand(4), rand(4, 2))]
    for args in bad:
        messages = []
        for T in (torch, mytorch):
            with pytest.raises(RuntimeError) as info:
                T.ormqr(*(T.tensor(x.astype(np.complex128)) for x in args))
            messages.append(str(info.value))
        assert messages[0] == messages[1]
