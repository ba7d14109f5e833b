"""Cholesky factorization and what it solves: ``linalg.cholesky(_ex)``, ``cholesky_solve``, ``cholesky_inverse``.

A = L L^H for Hermitian (real: symmetric) positive-definite A, L lower triangular with a real positive
diagonal (only A's lower triangle is read; upper=True returns U = L^H from the upper triangle).
Differentiating, L^{-1} dA L^{-H} = L^{-1} dL + (L^{-1} dL)^H with L^{-1} dL lower triangular (real on the
diagonal), so L^{-1} dL = Phi(L^{-1} dA L^{-H}), Phi = the lower triangle with its diagonal halved. With
G = dL/dL and X = L^H G, the adjoint gives PyTorch's gradient:
    dA = L^{-H} M L^{-1},   M = (tril(X) + tril(X, -1)^H) / 2
(M is X's lower triangle made Hermitian, the diagonal halved; it is real symmetric for real A).
cholesky_solve and cholesky_inverse are triangular solves with L and L^H, differentiated by autograd.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ._linalg_util import batch_shape, check_floating, check_square, eye_like, raise_for_info, return_type
from .joining import tril
from .triangular import solve_triangular

cholesky_ex_result = return_type("linalg_cholesky_ex", "L info")


class Cholesky(Function):
    """(L, info) = the backend's cholesky(A) (U = L^H of A^H when upper);  dA = L^{-H} M L^{-1},
    M = (tril(L^H G) + tril(L^H G, -1)^H) / 2, with G = gU^H when upper (M's imaginary diagonal makes dA
    not quite Hermitian for complex A: PyTorch's, which reads A's upper triangle through the same formula)."""

    _grad_name = "LinalgCholeskyExBackward0"

    @staticmethod
    def forward(ctx, A, upper):
        be = A._backend
        L, info = (Tensor._make(x, be) for x in be.cholesky((A.mH if upper else A)._data))
        ctx.mark_non_differentiable(info)
        ctx.upper = upper
        ctx.save_for_backward(L)
        return (L.mH if upper else L), info

    @staticmethod
    def backward(ctx, G, _ginfo):
        L, = ctx.saved_tensors
        X = L.mH @ (G.mH if ctx.upper else G)
        M = (tril(X) + tril(X, -1).mH) * 0.5
        gA = solve_triangular(L.mH, M, upper=True)  # L^{-H} M
        return solve_triangular(L, gA, upper=False, left=False), None  # ... L^{-1}


def _not_positive_definite(i: int) -> str:
    return (f"The factorization could not be completed because the input is not positive-definite (the leading "
            f"minor of order {i} is not positive-definite).")


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False):
    """(L, info) with A = L L^H (A = U^H U, U returned, when upper); info = the order of the first leading
    minor that is not positive definite, 0 when none."""
    check_square(A, "linalg.cholesky")
    L, info = Cholesky.apply(A, upper)
    if check_errors:
        raise_for_info(info, "linalg.cholesky_ex", _not_positive_definite)
    return cholesky_ex_result(L, info)


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """L with A = L L^H (U with A = U^H U when upper); LinAlgError when A is not positive definite."""
    L, info = cholesky_ex(A, upper=upper)
    raise_for_info(info, "linalg.cholesky", _not_positive_definite)
    return L


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:
    """X with A X = B for A = L L^H (U^H U when upper) given its factor: X = L^{-H} L^{-1} B."""
    check_square(L, "cholesky_solve")
    check_floating(B, "cholesky_solve")
    if B.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B.ndim} dimensions instead")
    batch = batch_shape(B, L)
    B, L = B.expand(*batch, *B.shape[-2:]), L.expand(*batch, *L.shape[-2:])
    if upper:
        L = L.mH
    return solve_triangular(L.mH, solve_triangular(L, B, upper=False), upper=True)


def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:
    """A^{-1} for A = L L^H (U^H U when upper) given its factor: cholesky_solve(I, L)."""
    check_square(L, "cholesky_inverse")
    return cholesky_solve(eye_like(L).expand(*L.shape), L, upper)


__all__ = ["cholesky_solve", "cholesky_inverse"]
METHODS = {"cholesky_solve": cholesky_solve, "cholesky_inverse": cholesky_inverse}
