"""Cholesky factorization and what it solves: ``linalg.cholesky(_ex)``, ``cholesky_solve``, ``cholesky_inverse``.

A = L L^T for symmetric positive-definite A (only its lower triangle is read; upper=True returns U = L^T
from the upper triangle). Differentiating, L^{-1} dA L^{-T} = L^{-1} dL + (L^{-1} dL)^T with L^{-1} dL
lower triangular, so L^{-1} dL = Phi(L^{-1} dA L^{-T}), Phi = the lower triangle with its diagonal halved.
Phi is its own adjoint, so with G = dL/dL:
    dA = sym(L^{-T} Phi(L^T G) L^{-1}),   sym(X) = (X + X^T) / 2
(symmetric, as PyTorch returns it). cholesky_solve and cholesky_inverse are triangular solves with L and
L^T, differentiated by autograd.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ._linalg_util import batch_shape, check_floating, check_square, eye_like, raise_for_info, return_type, sym
from .joining import tril
from .triangular import solve_triangular

cholesky_ex_result = return_type("linalg_cholesky_ex", "L info")


class Cholesky(Function):
    """(L, info) = the backend's cholesky(A);  dA = sym(L^{-T} Phi(L^T G) L^{-1})."""

    _grad_name = "LinalgCholeskyExBackward0"

    @staticmethod
    def forward(ctx, A):
        be = A._backend
        L, info = (Tensor._make(x, be) for x in be.cholesky(A._data))
        ctx.mark_non_differentiable(info)
        ctx.save_for_backward(L)
        return L, info

    @staticmethod
    def backward(ctx, G, _ginfo):
        L, = ctx.saved_tensors
        X = L.mT @ G
        phi = tril(X) - 0.5 * X.diagonal(0, -2, -1).diag_embed()
        gA = solve_triangular(L.mT, phi, upper=True)  # L^{-T} Phi
        return sym(solve_triangular(L, gA, upper=False, left=False))  # ... L^{-1}


def _not_positive_definite(i: int) -> str:
    return (f"The factorization could not be completed because the input is not positive-definite (the leading "
            f"minor of order {i} is not positive-definite).")


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out=None):
    """(L, info) with A = L L^T (A = U^T U, U returned, when upper); info = the order of the first leading
    minor that is not positive definite, 0 when none."""
    check_square(A, "linalg.cholesky")
    L, info = Cholesky.apply(A.mT if upper else A)
    if check_errors:
        raise_for_info(info, "linalg.cholesky_ex", _not_positive_definite)
    return cholesky_ex_result(L.mT if upper else L, info)


def cholesky(A: Tensor, *, upper: bool = False, out=None) -> Tensor:
    """L with A = L L^T (U with A = U^T U when upper); LinAlgError when A is not positive definite."""
    L, info = cholesky_ex(A, upper=upper)
    raise_for_info(info, "linalg.cholesky", _not_positive_definite)
    return L


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """X with A X = B for A = L L^T (U^T U when upper) given its factor: X = L^{-T} L^{-1} B."""
    check_square(L, "cholesky_solve")
    check_floating(B, "cholesky_solve")
    if B.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B.ndim} dimensions instead")
    batch = batch_shape(B, L)
    B, L = B.expand(*batch, *B.shape[-2:]), L.expand(*batch, *L.shape[-2:])
    if upper:
        L = L.mT
    return solve_triangular(L.mT, solve_triangular(L, B, upper=False), upper=True)


def cholesky_inverse(L: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """A^{-1} for A = L L^T (U^T U when upper) given its factor: cholesky_solve(I, L)."""
    check_square(L, "cholesky_inverse")
    return cholesky_solve(eye_like(L).expand(*L.shape), L, upper)


__all__ = ["cholesky_solve", "cholesky_inverse"]
METHODS = {"cholesky_solve": cholesky_solve, "cholesky_inverse": cholesky_inverse}
