"""torch.linalg's orthogonal decompositions against PyTorch: qr, eigh/eigvalsh, svd/svdvals, and what is
built on them (pinv, matrix_rank, lstsq, householder_product). Columns of Q, V, U are determined up to
sign, so each is compared after the same sign normalization in both frameworks (the largest entry of each
column made positive, a flat factor for autograd), and reconstructions are checked too; gradients are
compared on such gauge-invariant results, and gradcheck runs in float64."""
import numpy as np
import pytest

import mytorch
from helpers import LAYOUTS, check, gradcheck
from test_linalg import linalg_raises

rng = np.random.default_rng(11)


def rand(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def fix_columns(T, M):
    """M with each column's sign chosen so its largest-magnitude entry is positive."""
    idx = M.abs().argmax(-2, keepdim=True)
    return M * M.gather(-2, idx).sign()


def fixed_svd(T, a, full_matrices=False):
    U, S, Vh = T.linalg.svd(a, full_matrices=full_matrices)
    k = S.shape[-1]
    idx = U[..., :k].abs().argmax(-2, keepdim=True)
    sign = U[..., :k].gather(-2, idx).sign()
    return U[..., :k] * sign, S, Vh[..., :k, :] * sign.mT


@pytest.mark.parametrize("shape", [(2, 5, 3), (4, 4), (2, 3, 5)])
@pytest.mark.parametrize("layout", LAYOUTS[:2])
def test_qr(shape, layout):
    A = rand(*shape)

    def fixed(T, a, mode):
        Q, R = T.linalg.qr(a, mode)
        k = min(a.shape[-2:])
        sign = R.diagonal(0, -2, -1)[..., :k].sign()
        return Q[..., :k] * sign.unsqueeze(-2), R[..., :k, :] * sign.unsqueeze(-1)

    check(lambda T, a: fixed(T, a, "reduced"), A, layout=layout)
    check(lambda T, a: T.linalg.qr(a, "r").R.abs(), A, layout=layout, grad=False)
    Q, R = mytorch.linalg.qr(mytorch.tensor(A), "complete")
    np.testing.assert_allclose((Q @ R).numpy(), A, atol=1e-12)
    np.testing.assert_allclose((Q.mT @ Q).numpy(), np.broadcast_to(np.eye(shape[-2]), Q.shape), atol=1e-12)
    gradcheck(lambda T, a: T.linalg.qr(a), A)


# LAYOUTS[:3]: an expanded batch repeats one row, so its eigen- and singular vectors are not determined
@pytest.mark.parametrize("uplo", ["L", "U"])
@pytest.mark.parametrize("layout", LAYOUTS[:3])
def test_eigh(uplo, layout):
    X = rand(3, 4, 4)
    check(lambda T, x: T.linalg.eigvalsh(x + x.mT, uplo), X, layout=layout)
    check(lambda T, x: (lambda w, v: (w, fix_columns(T, v)))(*T.linalg.eigh(x + x.mT, uplo)), X, layout=layout)
    check(lambda T, x: T.linalg.eigh(x, uplo).eigenvalues, X, layout=layout)  # reads one triangle only


@pytest.mark.parametrize("op", ["eigvalsh", "svdvals", "eigvals"])
def test_matrix_of_subnormals(op):
    """A float64 matrix whose largest entry is subnormal: the C++ kernels scale it into [1, 2) first, by more
    than the largest finite power of two (done in one step, eigh gave inf, svd nan, and eig never returned)."""
    A = np.array([[1e-310, 3e-311], [0, 2e-310]])  # triangular: eig's order is then LAPACK's whatever the scaling
    check(lambda T, a: getattr(T.linalg, op)(a), A, grad=False, atol=0, rtol=1e-6)


@pytest.mark.parametrize("shape", [(2, 5, 3), (4, 4), (3, 5)])
@pytest.mark.parametrize("layout", LAYOUTS[:3])
def test_svd(shape, layout):
    A = rand(*shape)
    check(lambda T, a: fixed_svd(T, a), A, layout=layout)
    check(lambda T, a: fixed_svd(T, a, True), A, layout=layout)
    check(lambda T, a: T.linalg.svdvals(a), A, layout=layout)
    check(lambda T, a: (lambda U, S, V: (U @ S.diag_embed() @ V.mT, S))(*T.svd(a)), A, layout=layout)
    U, S, Vh = mytorch.linalg.svd(mytorch.tensor(A), full_matrices=True)
    k = S.shape[-1]
    np.testing.assert_allclose((U[..., :k] * S.unsqueeze(-2) @ Vh[..., :k, :]).numpy(), A, atol=1e-12)


def test_gradcheck_spectral():
    X = rand(2, 4, 4)
    gradcheck(lambda T, x: (lambda w, v: (w, fix_columns(T, v)))(*T.linalg.eigh(x + x.mT)), X)
    gradcheck(lambda T, x: T.linalg.eigvalsh(x + x.mT), X)
    for shape in [(5, 3), (3, 5), (4, 4)]:
        gradcheck(lambda T, a: fixed_svd(T, a), rand(*shape))
        gradcheck(lambda T, a: T.linalg.pinv(a), rand(*shape))
    gradcheck(lambda T, a: T.linalg.svdvals(a), X)
    assert mytorch.autograd.gradgradcheck(lambda x: mytorch.linalg.eigvalsh(x + x.mT),
                                          [mytorch.tensor(X, requires_grad=True)])


@pytest.mark.parametrize("op", ["svd", "svdvals", "torch_svd", "pinv", "matrix_norm"])
def test_svd_of_non_finite_raises(op):
    """nan: PyTorch's LinAlgError, on both backends (NumPy's LAPACK raises its own error, the C++ kernel gives
    nan); inf: nan singular values."""
    calls = {"svd": lambda T, a: T.linalg.svd(a), "svdvals": lambda T, a: T.linalg.svdvals(a),
             "torch_svd": lambda T, a: T.svd(a), "pinv": lambda T, a: T.linalg.pinv(a),
             "matrix_norm": lambda T, a: T.linalg.matrix_norm(a, 2)}
    linalg_raises(calls[op], np.array([[[1.0, 2.0], [3.0, 4.0]], [[np.nan, 1.0], [0.0, 1.0]]]))
    if op == "svdvals":
        check(lambda T, a: T.linalg.svdvals(a), np.array([[np.inf, 1.0], [0.0, 1.0]]), grad=False)


def nan_in(n, i, j, batch=(), dtype=np.float64):
    """A batch of symmetric n x n matrices, the last one with nan at (i, j)."""
    A = rand(*batch, n, n)
    A = (A + np.swapaxes(A, -1, -2)).astype(dtype)
    A[(-1,) * len(batch) + (i, j)] = np.nan
    return A


@pytest.mark.parametrize("op", ["eigh", "eigvalsh"])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_of_non_finite(op, uplo):
    """nan in the triangle read: PyTorch's LinAlgError for n >= 3 (error code n - 1 for eigh up to n = 25,
    n - 2 for eigvalsh), nan for smaller matrices and larger eigh; nan in the triangle not read: no error;
    inf on the diagonal: nan."""
    call = (lambda T, a: getattr(T.linalg, op)(a, uplo)) if op == "eigvalsh" else \
        (lambda T, a: T.linalg.eigh(a, uplo).eigenvalues)
    read, unread = ((2, 0), (0, 2)) if uplo == "L" else ((0, 2), (2, 0))
    for A in [nan_in(3, *read, batch=(2, 2)), nan_in(3, 1, 1), nan_in(5, 4, 4, dtype=np.float32),
              nan_in(4, 0, 0, dtype=np.complex128)] + [nan_in(30, 0, 0)] * (op == "eigvalsh"):
        linalg_raises(call, A)
    check(call, nan_in(3, *unread, batch=(2,)), grad=False)
    inf = nan_in(3, 0, 0, batch=(2,))  # (not everywhere: inf where sytrd's reflectors make nan of it raises there)
    large = [np.full((30, 30), np.nan)] * (op == "eigh")
    for A in [np.where(np.isnan(inf), np.inf, inf), np.full((2, 2), np.nan)] + large:
        check(call, A, grad=False)


@pytest.mark.parametrize("hermitian", [False, True])
def test_pinv_and_rank(hermitian):
    A = rand(2, 5, 3) if not hermitian else rand(2, 4, 4)
    prep = (lambda x: x + x.mT) if hermitian else (lambda x: x)
    check(lambda T, a: T.linalg.pinv(prep(a), hermitian=hermitian), A, layout="transposed")
    low_rank = (rand(2, 4, 2) @ rand(2, 2, 4))
    low_rank = low_rank + low_rank.swapaxes(-1, -2) if hermitian else low_rank
    check(lambda T, a: T.linalg.matrix_rank(a, hermitian=hermitian), low_rank, grad=False)
    check(lambda T, a: T.linalg.matrix_rank(a, atol=1.0, rtol=0.1), low_rank, grad=False)
    check(lambda T, a: T.linalg.pinv(a, atol=0.5), low_rank, grad=False)
    check(lambda T, a: T.pinverse(a), A)


@pytest.mark.parametrize("driver", [None, "gelsd", "gels"])
def test_lstsq(driver):
    A, B = rand(2, 6, 3), rand(2, 6, 2)
    check(lambda T, a, b: T.linalg.lstsq(a, b, driver=driver), A, B)
    check(lambda T, a, b: T.linalg.lstsq(a, b, driver=driver).solution, A, rand(2, 6, 4), layout="transposed")
    check(lambda T, a, b: T.linalg.lstsq(a, b, driver=driver), rand(3, 5), rand(3))


def test_householder_product():
    A = rand(2, 5, 3)
    check(lambda T, a, tau: T.linalg.householder_product(a, tau), A, rand(2, 3))
    check(lambda T, a, tau: T.linalg.householder_product(a, tau), A, rand(2, 2))
    check(lambda T, a, tau: T.orgqr(a, tau), A[0], rand(3))
    gradcheck(lambda T, a, tau: T.linalg.householder_product(a, tau), A, rand(2, 3))
