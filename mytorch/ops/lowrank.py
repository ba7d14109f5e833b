"""Randomized low-rank SVD and PCA (Halko, Martinsson and Tropp, 2011): ``torch.svd_lowrank``, ``torch.pca_lowrank``.

For A (*, m, n) and a target rank q, a random Gaussian test matrix R (n, q) is pushed through A to find an
orthonormal basis Q (m, q) whose span nearly holds A's range,

    Q = orth(A R),  then niter power iterations  Q = orth(A orth(A^H Q))

(each orth a reduced QR; the iterations sharpen the basis where the singular values decay slowly). A is then
nearly Q Q^H A, so the SVD of the small B = Q^H A (q, n), B = U_B S V^H, gives A ~ (Q U_B) S V^H. A wide
A (m < n) is handled as its tall A^H, whose U and V are A's V and U.
With M given, A - M takes A's place (without forming it where only products are needed). Everything is
matmul, QR and SVD, so the derivative is autograd's through those.

pca_lowrank is svd_lowrank of the centred data A - mean over the rows (when ``center``).

R is drawn with ``randn`` from the default generator, in the order PyTorch draws it, so the same seed gives
the same factors as PyTorch's.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from .qr import qr
from .random import randn
from .svd import svd


def _product(A: Tensor, M: Tensor | None, X: Tensor) -> Tensor:
    """(A - M) X, as A X - M X."""
    return A @ X if M is None else A @ X - M @ X


def _range_basis(A: Tensor, M: Tensor | None, q: int, niter: int) -> Tensor:
    """Q (*, m, q) with orthonormal columns spanning nearly the range of A - M (the module docstring)."""
    dtype = A.dtype if A.dtype.is_floating_point or A.dtype.is_complex else D.float32
    R = randn(A.shape[-1], q, dtype=dtype)
    Q = qr(_product(A, M, R)).Q
    A_h, M_h = A.mH, None if M is None else M.mH
    for _ in range(niter):
        Q = qr(_product(A_h, M_h, Q)).Q
        Q = qr(_product(A, M, Q)).Q
    return Q


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int = 2, M: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """(U, S, V) with A - M ~ U diag(S) V^H, U (*, m, q), S (*, q), V (*, n, q): the randomized SVD of the
    module docstring (q: the rank sought, niter: power iterations, M: subtracted from A, broadcast)."""
    q = 6 if q is None else q
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.shape)
    wide = m < n
    if wide:  # run on the tall A^H: A^H ~ U S V^H means A ~ V S U^H
        A, M = A.mH, None if M is None else M.mH
    Q = _range_basis(A, M, q, niter)
    U, S, Vh = svd(Q.mH @ A if M is None else Q.mH @ A - Q.mH @ M, full_matrices=False)
    U, V = Q @ U, Vh.mH
    return (V, S, U) if wide else (U, S, V)


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2) -> tuple[Tensor, Tensor, Tensor]:
    """(U, S, V) of the randomized SVD of A (*, m, n) centred over its rows (A - mean(A, -2) when `center`):
    V's columns are the principal directions, S^2 / (m - 1) the variances along them; q defaults to
    min(6, m, n)."""
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    return svd_lowrank(A - A.mean(-2, keepdim=True) if center else A, q, niter)


__all__ = ["svd_lowrank", "pca_lowrank"]
METHODS: dict = {}
