"""The pseudo-inverse and what it gives: ``linalg.pinv``, ``linalg.matrix_rank``, ``linalg.lstsq``.

A^+ = V diag(1/s_i if s_i > tol else 0) U^H from the SVD (from the eigendecomposition, with |w| as the
singular values, when A is hermitian), tol = max(atol, rtol * s_max); ^H is the conjugate transpose (^T for
real matrices). Where the rank is locally constant its derivative (Golub and Pereyra), with P = A^+ and
G = dL/dP, is
    dA = -P^H G P^H + (I - A P) G^H P P^H + P^H P G^H (I - P A)
(the first term alone when A is invertible). lstsq's solution is P B, differentiated through it.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._linalg_util import check_floating, check_matrix, eye_like, return_type
from .binary import where
from .svd import backend_svd

lstsq_result = return_type("linalg_lstsq", "solution residuals rank singular_values")


def _column(x):
    """A per-matrix tolerance (a number, or a tensor over the batch) as a column against S (*, k)."""
    return x.unsqueeze(-1) if isinstance(x, Tensor) else x


def _tolerance(S: Tensor, m: int, n: int, atol, rtol) -> Tensor:
    """max(atol, rtol * s_max) per matrix (*, 1), with PyTorch's default rtol: eps * max(m, n) when atol is
    absent or zero, else 0."""
    if rtol is None:
        no_atol = atol is None or (not isinstance(atol, Tensor) and atol == 0)
        rtol = D.finfo(S.dtype).eps * max(m, n) if no_atol else 0.0
    s_max = S.amax(-1, keepdim=True) if S.numel() else S.new_zeros(S.shape[:-1] + (1,))
    tol = s_max * _column(rtol)
    return tol if atol is None else where(tol > _column(atol), tol, _column(atol))


def _singular_values(A: Tensor, hermitian: bool) -> Tensor:
    be = A._backend
    if hermitian:
        return Tensor._make(be.eigh(A._data, False)[0], be).abs()
    return Tensor._make(backend_svd(A, False, False)[1], be)


class Pinv(Function):
    """P = A^+ (forward from the SVD or eigh);  dA = -P^H G P^H + (I - A P) G^H P P^H + P^H P G^H (I - P A)."""

    _grad_name = "LinalgPinvBackward0"

    @staticmethod
    def forward(ctx, A, atol, rtol, hermitian):
        be = A._backend
        m, n = A.shape[-2:]
        if hermitian:
            w, V = (Tensor._make(x, be) for x in be.eigh(A._data, False))
            keep = w.abs() > _tolerance(w.abs(), m, n, atol, rtol)
            P = (V * where(keep, 1 / w, 0.0).unsqueeze(-2)) @ V.mH
        else:
            U, S, Vh = (Tensor._make(x, be) for x in backend_svd(A, False, True))
            keep = S > _tolerance(S, m, n, atol, rtol)
            P = (Vh.mH * where(keep, 1 / S, 0.0).unsqueeze(-2)) @ U.mH
        ctx.save_for_backward(A, P)
        return P

    @staticmethod
    def backward(ctx, G):
        A, P = ctx.saved_tensors
        m, n = A.shape[-2:]
        left = eye_like(A, m) - A @ P
        right = eye_like(A, n) - P @ A
        return -P.mH @ G @ P.mH + left @ G.mH @ P @ P.mH + P.mH @ P @ G.mH @ right, None, None, None


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse, singular values at or below max(atol, rtol * s_max) dropped."""
    if A.ndim < 2 or not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(f"linalg.pinv({A.dtype.scalar_name}{{{list(A.shape)}}}): expected a tensor with 2 or more "
                           "dimensions of float, double, cfloat or cdouble types")
    return Pinv.apply(A, atol, rtol, hermitian)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, tol=None) -> Tensor:
    """The number of singular values above max(atol, rtol * s_max) (int64)."""
    check_matrix(A, "linalg.matrix_rank")
    if tol is not None:
        atol, rtol = tol, 0.0
    S = _singular_values(A, hermitian)
    return (S > _tolerance(S, *A.shape[-2:], atol, rtol)).sum(-1)


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None):
    """The least-squares solution X = argmin ||A X - B|| (minimum norm) = A^+ B, with PyTorch's extra outputs:
    rank (empty for driver "gels"), singular values (for "gelsd" and "gelss"), and the squared residuals
    per column (when m > n, every A has full rank and the driver is not "gelsy")."""
    op = "torch.linalg.lstsq"
    check_matrix(A, "linalg.lstsq")
    check_floating(B, "linalg.lstsq")
    driver = driver or "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"{op}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vector = B.ndim == A.ndim - 1
    Bm = B.unsqueeze(-1) if vector else B
    if A.shape[-2] != Bm.shape[-2]:
        raise RuntimeError(f"{op}: input.size(-2) should match other.size(-2)")
    m, n = A.shape[-2:]
    rtol = D.finfo(A.dtype.to_real()).eps * max(m, n) if rcond is None else rcond
    X = pinv(A, rtol=rtol) @ Bm
    S = _singular_values(A, False)
    rank = (S > _tolerance(S, m, n, None, rtol)).sum(-1)
    empty = S.new_zeros(0)  # real, as the singular values it stands for
    residuals = X.reshape(-1)[:0].abs()  # empty and real, yet an output of the graph, as PyTorch's
    if m > n and driver != "gelsy" and bool((rank == n).all()):
        residuals = ((A @ X - Bm).abs() ** 2).sum(-2)
        if vector:
            residuals = residuals.squeeze(-1)
    return lstsq_result(X.squeeze(-1) if vector else X, residuals, rank if driver != "gels" else rank.new_zeros(0),
                        S if driver in ("gelsd", "gelss") else empty)


__all__: list[str] = []
METHODS: dict = {}
