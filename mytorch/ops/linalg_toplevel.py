"""The torch.* and Tensor-method names of linear-algebra ops (``torch.det``, ``Tensor.inverse``,
``torch.svd`` ...): thin forms of the torch.linalg ops, with PyTorch's older argument conventions."""
from __future__ import annotations

from .._tensor import Tensor
from ._linalg_util import check_square, return_type
from .cholesky import cholesky as _linalg_cholesky
from .lu import lu_factor_ex, lu_solve as _linalg_lu_solve
from .pinv import pinv
from .qr import householder_product, qr as _linalg_qr
from .solve import SLogDet, det, inv
from .svd import torch_svd as svd
from .triangular import solve_triangular

_slogdet_result = return_type("slogdet", "sign logabsdet")
_qr_result = return_type("qr", "Q R")
_lu_with_info = return_type("_lu_with_info", "LU pivots info")
_triangular_solve_result = return_type("triangular_solve", "solution cloned_coefficient")


def slogdet(input: Tensor):
    """(sign, logabsdet) of each square matrix (``torch.slogdet``)."""
    check_square(input, "linalg.slogdet")
    return _slogdet_result(*SLogDet.apply(input))


def logdet(input: Tensor) -> Tensor:
    """log det A: for real A NaN where det A < 0, -inf where it is 0; for complex A the principal logarithm
    log|det A| + i arg(det A)."""
    check_square(input, "logdet")
    sign, logabsdet = SLogDet.apply(input)
    if input.dtype.is_complex:
        return logabsdet + 1j * sign.angle()
    return logabsdet.masked_fill(sign < 0, float("nan"))


def inverse(input: Tensor) -> Tensor:
    """A^{-1} (``torch.inverse``: linalg.inv)."""
    return inv(input)


def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """The Cholesky factor (``torch.cholesky``: linalg.cholesky with `upper` positional)."""
    return _linalg_cholesky(input, upper=upper)


def qr(input: Tensor, some: bool = True):
    """(Q, R) (``torch.qr``: the reduced factorization when `some`, else the complete one)."""
    return _qr_result(*_linalg_qr(input, "reduced" if some else "complete"))


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """X with A X = b from A's LU factorization (``torch.lu_solve``)."""
    return _linalg_lu_solve(LU_data, LU_pivots, b)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse dropping singular values below rcond * s_max (``torch.pinverse``)."""
    return pinv(input, rtol=rcond)


def orgqr(input: Tensor, tau: Tensor) -> Tensor:
    """Q from geqrf's reflectors (``torch.orgqr``: linalg.householder_product)."""
    return householder_product(input, tau)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False):
    """(LU, pivots), or (LU, pivots, info) with get_infos (``torch.lu``: linalg.lu_factor(_ex))."""
    LU, pivots, info = lu_factor_ex(A, pivot=pivot, check_errors=not get_infos)
    return _lu_with_info(LU, pivots, info) if get_infos else (LU, pivots)


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False):
    """(X, a copy of A) with A X = b (A^T X = b when transpose) (``torch.triangular_solve``)."""
    X = solve_triangular(A.mT if transpose else A, b, upper=upper != transpose, unitriangular=unitriangular)
    return _triangular_solve_result(X, A.clone())


__all__ = ["det", "slogdet", "logdet", "inverse", "cholesky", "qr", "svd", "lu", "lu_solve", "pinverse", "orgqr",
           "triangular_solve"]
METHODS = {"det": det, "slogdet": slogdet, "logdet": logdet, "inverse": inverse, "cholesky": cholesky, "qr": qr,
           "svd": svd, "lu": lu, "lu_solve": lu_solve, "pinverse": pinverse, "orgqr": orgqr,
           "triangular_solve": triangular_solve}
