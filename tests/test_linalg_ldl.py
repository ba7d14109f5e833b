"""linalg.ldl_factor(_ex) and linalg.ldl_solve against PyTorch (LAPACK's sytrf / hetrf and sytrs / hetrs):
LD, pivots and info equal (1x1 and 2x2 pivots, with and without interchanges, a zero diagonal, a singular
matrix), solutions, real / complex-symmetric / Hermitian, batched and broadcast, PyTorch's errors."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import check

def symmetric(rng, *shape, dtype=np.float64, hermitian=False):
    """A random symmetric (or Hermitian) matrix from `rng`: each test seeds its own generator, so its matrices
    (and how well-conditioned they are, which the float32 tolerances depend on) do not change with test order."""
    x = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    x = x + (x.conj() if hermitian else x).swapaxes(-1, -2)
    return x.astype(dtype)


# zero diagonal: every step is a 2x2 pivot or an interchange
ZERO_DIAGONAL = np.array([[0.0, 1.0, 2.0, 0.5], [1.0, 0.0, 3.0, -1.0], [2.0, 3.0, 0.0, 1.5], [0.5, -1.0, 1.5, 0.0]])


@pytest.mark.parametrize("dtype,hermitian", [(np.float64, False), (np.float32, False), (np.complex128, False),
                                             (np.complex128, True), (np.complex64, True)])
def test_ldl_factor_and_solve(dtype, hermitian):
    tol = 1e-4 if dtype in (np.float32, np.complex64) else 1e-10
    rng = np.random.default_rng(17)
    A = symmetric(rng, 3, 6, 6, dtype=dtype, hermitian=hermitian)
    A[1] = ZERO_DIAGONAL[[0, 1, 2, 3, 0, 1]][:, [0, 1, 2, 3, 0, 1]] + np.eye(6) * 0.25
    check(lambda T, a: T.linalg.ldl_factor_ex(a, hermitian=hermitian), A, grad=False, atol=tol, rtol=tol)
    check(lambda T, a: T.linalg.ldl_factor(a, hermitian=hermitian), A, grad=False, atol=tol, rtol=tol)
    B = symmetric(rng, 6, 6, dtype=dtype)[:, :2]  # one right-hand side, broadcast over the batch
    check(lambda T, a, b: T.linalg.ldl_solve(*T.linalg.ldl_factor(a, hermitian=hermitian), b, hermitian=hermitian),
          A, B, grad=False, atol=tol * 10, rtol=tol * 10)


def test_ldl_zero_diagonal_and_singular():
    check(lambda T, a: T.linalg.ldl_factor_ex(a), ZERO_DIAGONAL, grad=False, atol=1e-12)
    check(lambda T, a: T.linalg.ldl_factor_ex(a), np.zeros((2, 3, 3)), grad=False)
    with pytest.raises(RuntimeError, match="singular"):
        mytorch.linalg.ldl_factor(mytorch.zeros(3, 3, dtype=mytorch.float64))


def test_ldl_empty_systems():
    # no matrix rows, no right-hand sides, an empty batch: empty results of PyTorch's shapes
    A = np.stack([ZERO_DIAGONAL, ZERO_DIAGONAL + np.eye(4)])
    empty = [(np.zeros((0, 0)), np.zeros((0, 3))), (A, np.zeros((2, 4, 0))), (np.zeros((0, 3, 3)), np.zeros((0, 3, 2)))]
    for a, b in empty:
        check(lambda T, a: T.linalg.ldl_factor(a), a, grad=False)
        check(lambda T, a, b: T.linalg.ldl_solve(*T.linalg.ldl_factor(a), b), a, b, grad=False)


def test_ldl_errors():
    A = symmetric(np.random.default_rng(0), 3, 3)
    LD, pivots = (x.numpy() for x in torch.linalg.ldl_factor(torch.tensor(A)))
    cases = [
        (lambda T: T.linalg.ldl_factor(T.ones(2, 3)), RuntimeError),
        (lambda T: T.linalg.ldl_factor(T.ones(3, 3, dtype=T.int64)), RuntimeError),
        (lambda T: T.linalg.ldl_solve(T.tensor(LD), T.tensor(pivots), T.ones(3, 2)), RuntimeError),
        (lambda T: T.linalg.ldl_solve(T.tensor(LD), T.tensor(pivots[:2]), T.ones(3, 2, dtype=T.float64)),
         RuntimeError),
        (lambda T: T.linalg.ldl_solve(T.tensor(LD), T.tensor(pivots), T.ones(4, 2, dtype=T.float64)), RuntimeError),
        (lambda T: T.linalg.ldl_solve(T.tensor(LD), T.tensor(pivots), T.ones(3, dtype=T.float64)), IndexError),
        (lambda T: T.linalg.ldl_solve(T.tensor(LD), T.tensor(pivots).float(), T.ones(3, 2, dtype=T.float64)),
         RuntimeError),
        (lambda T: T.linalg.ldl_solve(T.tensor(LD), T.tensor(pivots).bool(), T.ones(3, 2, dtype=T.float64)),
         RuntimeError),
    ]
    for fn, error in cases:
        messages = []
        for T in (torch, mytorch):
            with pytest.raises(error) as info:
                fn(T)
            messages.append(str(info.value))
        assert messages[0] == messages[1]


@pytest.mark.parametrize("dtype", ["int64", "int16"])
def test_ldl_solve_pivots_of_any_integer_type(dtype):
    # PyTorch takes pivots of any integer type (the C++ kernel once read int64 ones as int32: wrong answers)
    A = ZERO_DIAGONAL + np.diag([0.5, 0.0, 0.0, 0.0])
    B = np.arange(8.0).reshape(4, 2)
    check(lambda T, a, b: (lambda LD, p: T.linalg.ldl_solve(LD, p.to(getattr(T, dtype)), b))(*T.linalg.ldl_factor(a)),
          A, B, grad=False, atol=1e-10)
