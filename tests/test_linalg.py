"""torch.linalg: solves, inverses, determinants, LU and Cholesky, norms and matrix functions against
PyTorch (values, dtypes, gradients under a random upstream gradient), batched and non-contiguous,
gradcheck in float64, and PyTorch's errors. Decompositions with sign freedom: tests/test_linalg_spectral.py."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like

rng = np.random.default_rng(7)


def rand(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def well_conditioned(*shape, dtype=np.float64):
    """Random square matrices plus n I: far from singular, so float32 agrees with torch tightly."""
    n = shape[-1]
    return (rand(*shape) + n * np.eye(n)).astype(dtype)


def spd(T, x):
    """A symmetric positive-definite matrix built from x inside the graph (so its gradient reaches x)."""
    return x @ x.mT + x.shape[-1] * T.eye(x.shape[-1], dtype=x.dtype)


def linalg_raises(fn, *arrays, match=()):
    """Both raise; torch's LinAlgError must be ours, other RuntimeErrors the same type; messages equal."""
    errors = {}
    for T in (torch, mytorch):
        with pytest.raises(Exception) as info:
            fn(T, *[T.tensor(a) for a in arrays])
        errors[T] = info.value
    t, m = errors[torch], errors[mytorch]
    if isinstance(t, torch.linalg.LinAlgError):
        assert isinstance(m, mytorch.linalg.LinAlgError) and isinstance(m, RuntimeError), repr(m)
    else:
        assert type(m) is type(t), (m, t)
    assert str(m) == str(t), (str(m), str(t))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_det_slogdet_logdet_inv(layout):
    A = well_conditioned(3, 4, 4, dtype=np.float32)
    check(lambda T, a: T.linalg.det(a), A, layout=layout, atol=1e-4)
    check(lambda T, a: T.linalg.slogdet(a), A, layout=layout)
    check(lambda T, a: T.slogdet(a), A, layout=layout)
    check(lambda T, a: a.logdet(), A, layout=layout)
    check(lambda T, a: T.linalg.inv(a), A, layout=layout)
    check(lambda T, a: T.linalg.inv_ex(a), A, layout=layout)
    check(lambda T, a: a.inverse(), A, layout=layout)
    check(lambda T, a: a.det(), A[0], layout=layout, atol=1e-4)


def test_det_negative_and_singular():
    A = np.array([[[0.0, 1.0], [1.0, 0.0]], [[1.0, 2.0], [2.0, 4.0]], [[2.0, 1.0], [1.0, 3.0]]])
    check(lambda T, a: T.linalg.det(a), A[[0, 2]])  # -1, 5
    check(lambda T, a: T.linalg.det(a), A, grad=False)  # -1, 0, 5
    check(lambda T, a: T.logdet(a), A)
    check(lambda T, a: T.linalg.slogdet(a), A[[0, 2]])
    # at the singular matrix the gradient is its cofactor matrix (from the SVD); PyTorch gives 0 there
    gradcheck(lambda T, a: T.linalg.det(a), A)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_solve(layout):
    A, B = well_conditioned(2, 4, 4), rand(2, 4, 3)
    check(lambda T, a, b: T.linalg.solve(a, b), A, B, layout=layout)
    check(lambda T, a, b: T.linalg.solve(a, b, left=False), A, B.swapaxes(-1, -2).copy(), layout=layout)
    check(lambda T, a, b: T.linalg.solve_ex(a, b), A, B, layout=layout)
    check(lambda T, a, b: T.linalg.solve(a, b), A, rand(2, 4), layout=layout)  # a batch of vectors
    check(lambda T, a, b: T.linalg.solve(a, b), A, rand(4), layout=layout)  # one vector, broadcast
    check(lambda T, a, b: T.linalg.solve(a, b), A[0], rand(3, 4, 2))  # broadcast A


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [True, False])
def test_solve_triangular(upper, left, unitriangular):
    A, B = well_conditioned(2, 3, 3), rand(1, 3, 2) if left else rand(1, 2, 3)
    if left:
        check(lambda T, b, a: T.triangular_solve(b, a, upper, not upper, unitriangular), B, A)
    for layout in ("contiguous", "transposed"):
        check(lambda T, a, b: T.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unitriangular),
              A, B, layout=layout)


@pytest.mark.parametrize("shape", [(4, 4), (2, 5, 3), (3, 2, 4)])
def test_lu_factor_lu_unpack(shape):
    A = rand(*shape)
    check(lambda T, a: T.linalg.lu_factor(a), A)
    check(lambda T, a: T.linalg.lu_factor_ex(a), A)
    check(lambda T, a: T.linalg.lu(a), A)
    check(lambda T, a: T.lu_unpack(*T.linalg.lu_factor(a)), A)
    check(lambda T, a: T.lu(a, get_infos=True), A)
    check(lambda T, a: a.lu(), A)
    check(lambda T, a: T.linalg.lu(a), A, layout="transposed")


@pytest.mark.parametrize("adjoint", [True, False])
@pytest.mark.parametrize("left", [True, False])
def test_lu_solve(adjoint, left):
    A, B = well_conditioned(2, 3, 3), rand(2, 3, 2) if left else rand(2, 2, 3)
    check(lambda T, a, b: T.linalg.lu_solve(*T.linalg.lu_factor(a), b, left=left, adjoint=adjoint), A, B)
    check(lambda T, a, b: T.lu_solve(b, *T.linalg.lu_factor(a)), A, rand(2, 3, 2))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_cholesky_family(layout):
    X, B = rand(2, 4, 4), rand(2, 4, 3)
    check(lambda T, x: T.linalg.cholesky(spd(T, x)), X, layout=layout)
    check(lambda T, x: T.linalg.cholesky(spd(T, x), upper=True), X, layout=layout)
    check(lambda T, x: T.linalg.cholesky_ex(spd(T, x)), X, layout=layout)
    check(lambda T, x: spd(T, x).cholesky(), X, layout=layout)
    check(lambda T, x, b: T.cholesky_solve(b, T.linalg.cholesky(spd(T, x))), X, B, layout=layout)
    check(lambda T, x, b: T.cholesky_solve(b, T.linalg.cholesky(spd(T, x), upper=True), True), X, B, layout=layout)
    check(lambda T, x: T.cholesky_inverse(T.linalg.cholesky(spd(T, x))), X, layout=layout)


def test_cholesky_reads_one_triangle():
    X = rand(3, 3)
    S = X @ X.T + 3 * np.eye(3)
    junk = S + np.triu(rand(3, 3), 1)  # garbage above the diagonal: the lower factor never reads it
    check(lambda T, a: T.linalg.cholesky(a), junk, grad=False)
    check(lambda T, a: T.linalg.cholesky(a, upper=True), S + np.tril(rand(3, 3), -1), grad=False)


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, float("inf"), float("-inf")])
def test_matrix_norm_and_cond(ord):
    A = rand(2, 3, 4)
    check(lambda T, a: T.linalg.matrix_norm(a, ord), A, layout="transposed")
    check(lambda T, a: T.linalg.matrix_norm(a, ord, dim=(0, 2), keepdim=True), A)
    check(lambda T, a: T.linalg.norm(a, ord), A[0])
    # PyTorch's own backward of cond fails (an in-place write) for the norms that need the inverse
    check(lambda T, a: T.linalg.cond(a, ord), well_conditioned(2, 3, 3), grad=ord in ("nuc", 2, -2))


def test_norm_vector_forms():
    A = rand(2, 3, 4)
    check(lambda T, a: T.linalg.norm(a), A)
    check(lambda T, a: T.linalg.norm(a, 3, dim=1), A)
    check(lambda T, a: T.linalg.norm(a, dim=(0, 2)), A)
    check(lambda T, a: T.linalg.vector_norm(a, 1.5, dim=(0, 1)), A)
    check(lambda T, a: T.norm(a, "nuc"), A[0])
    check(lambda T, a: T.linalg.cond(a), rand(3, 5))


@pytest.mark.parametrize("n", [0, 1, 2, 5, -1, -3])
def test_matrix_power(n):
    check(lambda T, a: T.linalg.matrix_power(a, n), well_conditioned(2, 3, 3) / 3, layout="transposed")
    check(lambda T, a: a.matrix_power(n), rng.integers(-3, 3, (3, 3)), grad=False) if n >= 0 else None


@pytest.mark.parametrize("scale", [0.1, 3.0, 40.0])
def test_matrix_exp(scale):
    A = rand(2, 4, 4) * scale
    A[1] /= 10  # another number of squarings in the same batch
    check(lambda T, a: T.linalg.matrix_exp(a), A, rtol=1e-10, atol=1e-12)
    check(lambda T, a: a.matrix_exp(), (A[0] / scale).astype(np.float32), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_matrix_exp_single_precision_is_rounded_double(dtype):
    """float32/complex64 computed in double and rounded: within a few float32 ulps of the double result at a
    norm (~9) that takes five squarings (PyTorch's own float32 result is off by up to 1e-3 relative there)."""
    A = rand(5, 5) * 3 + (1j * rand(5, 5) if dtype is np.complex64 else 0)
    single = mytorch.linalg.matrix_exp(mytorch.tensor(A.astype(dtype))).numpy()
    double = mytorch.linalg.matrix_exp(mytorch.tensor(A.astype(dtype).astype(np.complex128 if dtype is np.complex64
                                                                              else np.float64))).numpy()
    assert single.dtype == dtype
    np.testing.assert_allclose(single, double, rtol=3e-7, atol=3e-7 * np.abs(double).max())


def test_products_and_reshaped_solves():
    check(lambda T, a, b, c, d: T.linalg.multi_dot([a, b, c, d]), rand(3), rand(3, 5), rand(5, 2), rand(2))
    check(lambda T, a, b, c: T.linalg.multi_dot([a, b, c]), rand(6, 2), rand(2, 7), rand(7, 3))
    check(lambda T, x, y: T.linalg.vecdot(x, y, dim=0), rand(3, 2), rand(3, 1))
    check(lambda T, x: T.linalg.vander(x), np.array([0.0, 1.5, -2.0]))
    check(lambda T, x: T.linalg.vander(x, N=5), rand(2, 3))
    check(lambda T, x: T.linalg.vander(x, N=3), np.array([1, 2, 3]), grad=False)
    check(lambda T, x: T.linalg.vander(x, N=2), np.array(1.5))
    check(lambda T, a: T.linalg.tensorinv(a, ind=1), well_conditioned(6, 6).reshape(6, 2, 3))
    check(lambda T, a, b: T.linalg.tensorsolve(a, b), well_conditioned(6, 6).reshape(2, 3, 6), rand(2, 3))
    check(lambda T, a, b: T.linalg.tensorsolve(a, b, dims=(0,)), well_conditioned(6, 6).reshape(6, 2, 3), rand(2, 3))
    check(lambda T, a, b: T.linalg.cross(a, b), rand(2, 3), rand(1, 3))
    check(lambda T, a: T.linalg.diagonal(a, offset=1), rand(2, 3, 4))


def test_gradcheck_and_gradgradcheck():
    A, B = well_conditioned(2, 3, 3), rand(2, 3, 2)
    for fn in (lambda T, a: T.linalg.det(a), lambda T, a: T.linalg.slogdet(a).logabsdet,
               lambda T, a: T.linalg.inv(a), lambda T, a: T.linalg.matrix_exp(a / 3),
               lambda T, a: T.linalg.lu_factor(a).LU, lambda T, a: T.linalg.cholesky(spd(T, a))):
        gradcheck(fn, A)
        inputs = [mytorch.tensor(A, requires_grad=True)]
        assert mytorch.autograd.gradgradcheck(lambda x: fn(mytorch, x), inputs)
    gradcheck(lambda T, a, b: T.linalg.solve(a, b), A, B)
    gradcheck(lambda T, a, b: T.linalg.solve_triangular(a, b, upper=True), A, B)
    gradcheck(lambda T, a, b: T.linalg.lu_solve(*T.linalg.lu_factor(a), b, adjoint=True), A, B)
    gradcheck(lambda T, a: T.linalg.lu(a)[1:], rand(4, 2))
    gradcheck(lambda T, a: T.linalg.lu(a)[1:], rand(2, 4))
    gradcheck(lambda T, a, b: T.cholesky_solve(b, T.linalg.cholesky(spd(T, a))), A, B)
    assert mytorch.autograd.gradgradcheck(lambda a, b: mytorch.linalg.solve(a, b),
                                          [mytorch.tensor(A, requires_grad=True), mytorch.tensor(B, requires_grad=True)])


def test_errors():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    batch = np.stack([np.eye(2), singular])
    linalg_raises(lambda T, a: T.linalg.inv(a), singular)
    linalg_raises(lambda T, a: T.linalg.inv(a), batch)
    linalg_raises(lambda T, a: T.linalg.solve(a, a), batch)
    linalg_raises(lambda T, a: T.linalg.cholesky(a), -np.eye(3))
    linalg_raises(lambda T, a: T.linalg.cholesky(a), np.stack([np.eye(2), -np.eye(2)]))
    linalg_raises(lambda T, a: T.linalg.cholesky_ex(a, check_errors=True), -np.eye(3))
    linalg_raises(lambda T, a: T.linalg.lu_factor(a), np.zeros((2, 2)))
    linalg_raises(lambda T, a: T.linalg.det(a), rand(2, 3))
    linalg_raises(lambda T, a: T.linalg.det(a), np.ones((2, 2), np.int64))
    linalg_raises(lambda T, a: T.linalg.solve(a, a[:1]), np.eye(2))
    linalg_raises(lambda T, a: T.linalg.solve_triangular(a, a[0], upper=True), np.eye(2))
    linalg_raises(lambda T, a: T.linalg.matrix_norm(a), rand(3))
    linalg_raises(lambda T, a: T.linalg.matrix_norm(a, 3), rand(3, 3))
    linalg_raises(lambda T, a: T.linalg.multi_dot([a]), rand(3, 3))
    linalg_raises(lambda T, a: T.linalg.tensorinv(a, ind=1), rand(2, 3))
    linalg_raises(lambda T, a: T.logdet(a), rand(2, 3))
    linalg_raises(lambda T, a: T.linalg.norm(a, 2), rand(2, 2, 2))
    linalg_raises(lambda T, a: T.linalg.cond(a, "x"), rand(2, 2))
    linalg_raises(lambda T, a: T.linalg.vander(a, N=1), rand(2))
    assert issubclass(mytorch.linalg.LinAlgError, RuntimeError)
    info = mytorch.linalg.inv_ex(mytorch.tensor(batch)).info
    assert info.tolist() == torch.linalg.inv_ex(torch.tensor(batch)).info.tolist()
    check(lambda T, a: T.linalg.cond(a, 1), singular, grad=False)
