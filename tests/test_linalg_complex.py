"""torch.linalg on complex matrices against PyTorch: values and conjugate-Wirtinger gradients under a random
complex upstream gradient (complex128 and complex64, batched, non-contiguous), gradcheck in complex128, and
the gauge of complex eigen/singular vectors (only phase-invariant losses have a derivative, PyTorch's error
otherwise)."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import check, gradcheck

rng = np.random.default_rng(11)


def crand(*shape, dtype=np.complex128):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def hpd(T, x):
    """A Hermitian positive-definite matrix built from x inside the graph."""
    return x @ x.mH + x.shape[-1] * T.eye(x.shape[-1], dtype=x.dtype)


def upper_part(T, x):
    """A well-conditioned upper-triangular matrix built from x."""
    return x.triu() + 3 * T.eye(x.shape[-1], dtype=x.dtype)


A = crand(2, 4, 4)
B = crand(2, 4, 3)
TALL = crand(2, 5, 3)

# name -> (function of (T, *inputs), inputs)
CASES = {
    "det": (lambda T, a: T.linalg.det(a), (A,)),
    "slogdet": (lambda T, a: T.linalg.slogdet(a), (A,)),
    "logdet": (lambda T, a: T.logdet(a), (A,)),
    "inv": (lambda T, a: T.linalg.inv(a), (A,)),
    "solve": (lambda T, a, b: T.linalg.solve(a, b), (A, B)),
    "solve_right": (lambda T, a, b: T.linalg.solve(a, b.mT, left=False), (A, B)),
    "solve_triangular": (lambda T, a, b: T.linalg.solve_triangular(upper_part(T, a), b, upper=True), (A, B)),
    "lu_factor": (lambda T, a: T.linalg.lu_factor(a), (A,)),
    "lu_tall": (lambda T, a: T.linalg.lu(a), (TALL,)),
    "lu_wide": (lambda T, a: T.linalg.lu(a), (TALL.swapaxes(-1, -2).copy(),)),
    "lu_solve_adjoint": (lambda T, a, b: T.linalg.lu_solve(*T.linalg.lu_factor(a), b, adjoint=True), (A, B)),
    "lu_solve_right": (lambda T, a, b: T.linalg.lu_solve(*T.linalg.lu_factor(a), b.mT, left=False), (A, B)),
    "cholesky": (lambda T, a: T.linalg.cholesky(hpd(T, a)), (A,)),
    "cholesky_upper": (lambda T, a: T.linalg.cholesky(hpd(T, a), upper=True), (A,)),
    "cholesky_solve": (lambda T, a, b: T.cholesky_solve(b, T.linalg.cholesky(hpd(T, a))), (A, B)),
    "cholesky_inverse": (lambda T, a: T.cholesky_inverse(T.linalg.cholesky(hpd(T, a)), upper=False), (A,)),
    "qr_tall": (lambda T, a: T.linalg.qr(a), (TALL,)),
    "qr_wide": (lambda T, a: T.linalg.qr(a), (TALL.swapaxes(-1, -2).copy(),)),
    "eigvalsh": (lambda T, a: T.linalg.eigvalsh(hpd(T, a)), (A,)),
    "eigh_projector": (lambda T, a: (lambda w, V: (V * w.unsqueeze(-2)) @ V.mH)(*T.linalg.eigh(hpd(T, a))), (A,)),
    "svdvals": (lambda T, a: T.linalg.svdvals(a), (TALL,)),
    "svd_gauge_invariant": (lambda T, a: (lambda U, S, Vh: (U[..., :2] * S[..., None, :2]) @ Vh[..., :2, :])(
        *T.linalg.svd(a, full_matrices=False)), (TALL,)),
    "pinv": (lambda T, a: T.linalg.pinv(a), (TALL,)),
    "pinv_hermitian": (lambda T, a: T.linalg.pinv(hpd(T, a), hermitian=True), (A,)),
    "lstsq": (lambda T, a, b: T.linalg.lstsq(a, b, driver="gelsd"), (TALL, crand(2, 5, 2))),
    "lstsq_gels": (lambda T, a, b: T.linalg.lstsq(a, b, driver="gels"), (TALL, crand(2, 5, 2))),
    "matrix_exp": (lambda T, a: T.linalg.matrix_exp(0.5 * a), (A,)),
    "householder_product": (lambda T, a, tau: T.linalg.householder_product(a, tau), (TALL, crand(2, 3))),
}


@pytest.mark.parametrize("name", CASES)
def test_complex128_values_and_gradients(name):
    fn, inputs = CASES[name]
    check(fn, *inputs, atol=1e-8, rtol=1e-7)


@pytest.mark.parametrize("name", ["det", "solve", "cholesky", "qr_tall", "lu_factor", "eigvalsh", "svdvals"])
def test_complex64_transposed(name):
    fn, inputs = CASES[name]
    check(fn, *(x.astype(np.complex64) for x in inputs), layout="transposed", atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("name", ["det", "slogdet", "solve", "lu_tall", "lu_wide", "cholesky_upper", "qr_tall",
                                  "qr_wide", "eigh_projector", "svd_gauge_invariant", "pinv", "matrix_exp",
                                  "householder_product", "solve_triangular", "lu_solve_adjoint"])
def test_gradcheck_complex128(name):
    fn, inputs = CASES[name]
    small = tuple(x[:1] for x in inputs)  # one matrix of the batch keeps gradcheck quick
    gradcheck(lambda T, *xs: [y for y in _flat(fn(T, *xs)) if y.requires_grad], *small)


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def test_geqrf_complex():
    check(lambda T, a: T.geqrf(a), TALL, grad=False, atol=1e-10)
    check(lambda T, a: T.geqrf(a), TALL.swapaxes(-1, -2).astype(np.complex64), grad=False, atol=1e-5)


def test_cholesky_not_positive_definite_complex():
    bad = np.eye(3, dtype=np.complex128)
    bad[1, 1] = -1
    check(lambda T, a: T.linalg.cholesky_ex(a).info, bad, grad=False)
    with pytest.raises(torch.linalg.LinAlgError) as expected:
        torch.linalg.cholesky(torch.tensor(bad))
    with pytest.raises(mytorch.linalg.LinAlgError) as got:
        mytorch.linalg.cholesky(mytorch.tensor(bad))
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("op", ["eigh", "svd"])
def test_phase_dependent_loss_raises(op):
    """A loss that depends on the phases of complex vectors has no derivative: PyTorch's RuntimeError."""
    errors = {}
    for T in (torch, mytorch):
        a = T.tensor(A[0])
        a.requires_grad_(True)
        x = hpd(T, a) if op == "eigh" else a
        vectors = T.linalg.eigh(x)[1] if op == "eigh" else T.linalg.svd(x)[0]
        with pytest.raises(RuntimeError) as info:
            vectors.sum().abs().backward()
        errors[T] = str(info.value)
    assert errors[mytorch] == errors[torch]
