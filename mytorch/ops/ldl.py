"""The LDL factorization of symmetric indefinite matrices: ``linalg.ldl_factor(_ex)`` and ``linalg.ldl_solve``.

P A P^T = L D L^T for symmetric A (L D L^H for Hermitian A with hermitian=True), L unit lower triangular
and D block diagonal with 1x1 and 2x2 blocks, found by Bunch-Kaufman's diagonal pivoting (the backend's
`ldl_factor`, LAPACK's sytrf): unlike Cholesky it needs no definiteness, unlike LU it keeps the symmetry
(half the work). ldl_solve replays the factors on B (sytrs). Neither is differentiable, as in PyTorch.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ._linalg_util import batch_shape, check_floating, check_matrix, check_square, raise_for_info, return_type

ldl_factor_result = return_type("linalg_ldl_factor", "LD pivots")
ldl_factor_ex_result = return_type("linalg_ldl_factor_ex", "LD pivots info")


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False):
    """(LD, pivots, info) of P A P^T = L D L^T (L^H when hermitian): LD holds L below the diagonal and D's
    blocks on and just below it; pivots are LAPACK's (1-based, negative on both rows of a 2x2 block);
    info > 0 marks an exactly singular D. Only A's lower triangle is read."""
    op = "torch.linalg.ldl_factor_ex"
    check_floating(A, op)
    check_square(A, op)
    be = A._backend
    LD, pivots, info = (Tensor._make(x, be) for x in be.ldl_factor(A.detach()._data, hermitian))
    if check_errors:
        _raise_singular(info, op)
    return ldl_factor_ex_result(LD, pivots, info)


def _raise_singular(info: Tensor, op: str) -> None:
    raise_for_info(info, op, lambda i: f"The factorization could not be completed because the block diagonal factor "
                                       f"D is exactly singular (its column {i} is zero).", RuntimeError)


def ldl_factor(A: Tensor, *, hermitian: bool = False):
    """(LD, pivots) of P A P^T = L D L^T; RuntimeError when D is exactly singular."""
    LD, pivots, info = ldl_factor_ex(A, hermitian=hermitian)
    _raise_singular(info, "torch.linalg.ldl_factor")
    return ldl_factor_result(LD, pivots)


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False) -> Tensor:
    """X with A X = B from A's ldl_factor (batch dims broadcast)."""
    op = "torch.linalg.ldl_solve"
    check_matrix(LD, op)
    check_square(LD, op)
    if B.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{max(B.ndim, 1)}, "
                         f"{max(B.ndim, 1) - 1}], but got -2)")
    if pivots.dtype._category != 1:
        raise RuntimeError(f"{op}: Expected pivots to be integers. Got {pivots.dtype.scalar_name}")
    if tuple(LD.shape[:-1]) != tuple(pivots.shape):
        raise RuntimeError(f"{op}: Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots with shape "
                           f"{list(pivots.shape)} instead")
    if B.dtype is not LD.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {B.dtype.scalar_name} and A "
                           f"of type {LD.dtype.scalar_name} instead.")
    n = LD.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for {op}: each A matrix is {n} by {n} but each b matrix is "
                           f"{B.shape[-2]} by {B.shape[-1]}")
    batch = batch_shape(LD, B)
    be = LD._backend
    LD, B = LD.detach().expand(*batch, n, n).contiguous(), B.detach().expand(*batch, *B.shape[-2:]).contiguous()
    pivots = pivots.to(D.int32).expand(*batch, n).contiguous()  # the backends read LAPACK's int32 pivots
    return Tensor._make(be.ldl_solve(LD._data, pivots._data, B._data, hermitian), be)


__all__: list[str] = []
METHODS: dict = {}
