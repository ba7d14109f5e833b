"""LU factorization with partial pivoting: ``linalg.lu_factor(_ex)``, ``linalg.lu``, ``lu_unpack``, ``linalg.lu_solve``.

A = P L U for A (*, m, n), k = min(m, n): P a permutation (m, m), L (m, k) unit lower triangular, U (k, n)
upper triangular. The backend's `lu_factor` returns them packed (L below U's diagonal) with LAPACK's
pivots: step j swapped rows j and pivots[j] - 1.

The derivative (with dL/dL = gL strictly lower and dL/dU = gU upper, P^T dA = dL U + L dU; ^H is the
conjugate transpose, ^T for real matrices, which gives PyTorch's conjugate-Wirtinger gradients):
    square:  dA = P L^{-H} (tril(L^H gL, -1) + triu(gU U^H)) U^{-H}
    wide (m < n, U = [U1 U2]):  dA = P L^{-H} [tril(L^H gL - gU U^H, -1) U1^{-H} + triu(gU1),  gU2]
    tall (m > n, L = [L1; L2]): dA = P (gL + [L1^{-H} triu(gU U^H - L^H gL); 0]) U^{-H}
(the square case is both of the others). Everything else here (lu, lu_unpack, lu_solve) is composed of
tril/triu, products and triangular solves, so autograd derives it.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._linalg_util import batch_shape, check_matrix, eye_like, raise_for_info, return_type
from .joining import cat, tril, triu
from .triangular import solve_triangular

lu_factor_result = return_type("linalg_lu_factor", "LU pivots")
lu_factor_ex_result = return_type("linalg_lu_factor_ex", "LU pivots info")
lu_result = return_type("linalg_lu", "P L U")
lu_unpack_result = return_type("lu_unpack", "P L U")


def unpack_factors(LU: Tensor) -> tuple[Tensor, Tensor]:
    """(L, U) from the packed factor: L (m, k) = the strict lower part plus the identity, U (k, n)."""
    m, n = LU.shape[-2:]
    k = min(m, n)
    L = tril(LU[..., :, :k], -1) + eye_like(LU, m)[:, :k]
    return L, triu(LU[..., :k, :])


def permutation(pivots: Tensor, m: int, dtype: D.dtype) -> Tensor:
    """The (m, m) matrix P of A = P L U from LAPACK's pivots: replay the row swaps on the row order
    perm (so that (P^T A)[i] = A[perm[i]]), then P[perm[i], i] = 1."""
    perm = pivots.new_zeros(pivots.shape[:-1] + (m,), dtype=D.int64) + pivots.new_tensor(list(range(m))).long()
    for j in range(pivots.shape[-1]):
        p = pivots[..., j:j + 1].long() - 1
        row_j = perm[..., j:j + 1].clone()
        perm[..., j:j + 1] = perm.gather(-1, p)
        perm.scatter_(-1, p, row_j)
    rows = perm.new_tensor(list(range(m))).reshape(m, 1)
    return (rows == perm.unsqueeze(-2)).to(dtype)


def _lu_backward(P: Tensor, L: Tensor, U: Tensor, gL: Tensor, gU: Tensor) -> Tensor:
    """dA of A = P L U from gL (strictly lower) and gU (upper): the module docstring's formulas."""
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    if m <= n:
        X = tril(L.mH @ gL - gU @ U.mH, -1)
        inner = solve_triangular(U[..., :k].mH, X, upper=False, left=False) + triu(gU[..., :k])
        full = cat([inner, gU[..., k:]], -1) if n > k else inner
        return P @ solve_triangular(L.mH, full, upper=True, unitriangular=True)
    X = triu(gU @ U.mH - L.mH @ gL)
    top = solve_triangular(L[..., :k, :].mH, X, upper=True, unitriangular=True)
    full = gL + cat([top, top.new_zeros(top.shape[:-2] + (m - k, n))], -2)
    return P @ solve_triangular(U.mH, full, upper=False, left=False)


class LUFactor(Function):
    """(LU, pivots, info) = the backend's lu_factor(A);  dA from dLU by `_lu_backward`."""

    _grad_name = "LinalgLuFactorExBackward0"

    @staticmethod
    def forward(ctx, A):
        be = A._backend
        LU, pivots, info = (Tensor._make(x, be) for x in be.lu_factor(A._data))
        ctx.mark_non_differentiable(pivots, info)
        ctx.save_for_backward(LU, pivots)
        return LU, pivots, info

    @staticmethod
    def backward(ctx, gLU, _gpivots, _ginfo):
        LU, pivots = ctx.saved_tensors
        L, U = unpack_factors(LU)
        gL, gU = unpack_factors(gLU)
        k = min(LU.shape[-2:])
        gL = gL - eye_like(gL, gL.shape[-2])[:, :k]  # the unit diagonal carries no gradient
        return _lu_backward(permutation(pivots, LU.shape[-2], LU.dtype), L, U, gL, gU)


def _raise_singular_U(info: Tensor, op: str) -> None:
    """PyTorch's RuntimeError (not LinAlgError) for an LU whose U has a zero on its diagonal."""
    raise_for_info(info, op, lambda i: f"U[{i},{i}] is zero and using it on lu_solve would result in a division by "
                                       "zero. If you still want to perform the factorization, consider calling "
                                       "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)", RuntimeError)


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False):
    """(LU, pivots, info) of P A = L U: LU packs L (unit diagonal not stored) and U; pivots (int32, 1-based)
    are LAPACK's row swaps; info > 0 marks an exactly singular U (U[info-1, info-1] == 0)."""
    op = "torch.linalg.lu_factor_ex"
    check_matrix(A, op)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    LU, pivots, info = LUFactor.apply(A)
    if check_errors:
        _raise_singular_U(info, op)
    return lu_factor_ex_result(LU, pivots, info)


def lu_factor(A: Tensor, *, pivot: bool = True):
    """(LU, pivots) of P A = L U, raising (RuntimeError, as PyTorch) when U has a zero on its diagonal."""
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    _raise_singular_U(info, "torch.linalg.lu_factor")
    return lu_factor_result(LU, pivots)


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True):
    """(P, L, U) from the packed factorization (empty tensors for the parts not asked for)."""
    m = LU_data.shape[-2]
    P = permutation(LU_pivots, m, LU_data.dtype) if unpack_pivots else LU_data.new_zeros(0)
    L, U = unpack_factors(LU_data) if unpack_data else (LU_data.new_zeros(0), LU_data.new_zeros(0))
    return lu_unpack_result(P, L, U)


def lu(A: Tensor, *, pivot: bool = True):
    """(P, L, U) with A = P L U."""
    check_matrix(A, "linalg.lu")
    LU, pivots, _ = lu_factor_ex(A, pivot=pivot)
    return lu_result(*lu_unpack(LU, pivots))


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """X with A X = B (A^H X = B when adjoint; X A = B when not left) from A's lu_factor:
    X = U^{-1} L^{-1} P^T B, or P L^{-H} U^{-H} B for the adjoint."""
    op = "linalg.lu_solve"
    check_matrix(LU, op, "LU")
    check_matrix(B, op, "B")
    n = LU.shape[-1]
    if not left:
        return lu_solve(LU, pivots, B.mH, adjoint=not adjoint).mH  # X A = B is A^H X^H = B^H
    if LU.shape[-2] != n or B.shape[-2] != n:
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation AX = B "
                           f"({LU.shape[-2]}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    batch = batch_shape(LU, B)
    B = B.expand(*batch, *B.shape[-2:])
    P = permutation(pivots, n, LU.dtype)
    L, U = unpack_factors(LU)
    if adjoint:
        Y = solve_triangular(U.mH, B, upper=False)
        return P @ solve_triangular(L.mH, Y, upper=True, unitriangular=True)
    Y = solve_triangular(L, P.mT @ B, upper=False, unitriangular=True)
    return solve_triangular(U, Y, upper=True)


__all__ = ["lu_unpack"]
METHODS: dict = {}
