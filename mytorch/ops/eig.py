"""The general (non-symmetric) eigendecomposition: ``linalg.eig`` and ``linalg.eigvals``.

A V = V diag(L) for a square A, real or complex (the backend's `eig`): L and V are complex, each column of
V of unit norm (with its largest component real, LAPACK's choice of the free phase). Differentiating,
with X = V^{-1} dA V and C = V^{-1} dV:  X = diag(dL) + C diag(L) - diag(L) C, so dL = diag(X) and
C_ij = X_ij / (L_j - L_i) off the diagonal, while C's diagonal keeps the columns of unit norm
(Re(v_i^H dv_i) = 0). The adjoint, with gL = dL/dL, gV = dL/dV and E_ij = conj(L_j) - conj(L_i) (1 on the
diagonal), is PyTorch's:
    dA = V^{-H} (diag(gL) + (V^H gV - V^H V Re(diag(V^H gV))) / E) V^H
(a solve with V^H, no inverse formed). For a real A the gradient is its real part (the engine keeps it).
Repeated eigenvalues make E vanish: the eigenvectors are not determined there. An eigenvector is
determined only up to a phase e^{i phi}; a loss that depends on the phases has Im(diag(V^H gV)) != 0 and
no derivative (RuntimeError, as PyTorch's).
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ._linalg_util import check_phase_invariance, check_square, eye_like, return_type
from ._util import conj
from .binary import where
from .solve import solve

eig_result = return_type("linalg_eig", "eigenvalues eigenvectors")


class Eig(Function):
    """(L, V) = the backend's eig(A);  dA = V^{-H} (diag(gL) + (V^H gV - V^H V Re(diag(V^H gV))) / E) V^H."""

    _grad_name = "LinalgEigBackward0"

    @staticmethod
    def forward(ctx, A):
        be = A._backend
        L, V = (Tensor._make(x, be) for x in be.eig(A._data))
        ctx.save_for_backward(L, V)
        return L, V

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.saved_tensors
        Vh = V.mH
        VhgV = Vh @ gV
        diagonal = VhgV.diagonal(0, -2, -1)
        check_phase_invariance(diagonal, "linalg_eig_backward")
        VhgV = VhgV - Vh @ (V * diagonal.real.unsqueeze(-2))  # the unit-norm constraint's projection
        Lc = conj(L)
        E = Lc.unsqueeze(-2) - Lc.unsqueeze(-1) + eye_like(L, L.shape[-1])
        return solve(Vh, (VhgV / E + gL.diag_embed()) @ Vh)


def eig(A: Tensor):
    """(eigenvalues, eigenvectors) of a square matrix, both complex: A V = V diag(eigenvalues), each
    eigenvector of unit norm (up to a phase). PyTorch's RuntimeError for inf or nan anywhere in A."""
    check_square(A, "linalg.eig")
    if A.numel() and not bool(A.isfinite().all()):
        raise RuntimeError("torch.linalg.eig: input tensor should not contain infs or NaNs.")
    return eig_result(*Eig.apply(A))


def eigvals(A: Tensor) -> Tensor:
    """The eigenvalues of a square matrix (complex), in LAPACK's order;  dA = V^{-H} diag(gL) V^H.
    A matrix holding inf or nan gets nan eigenvalues and no error, as PyTorch's (whose geev's nan
    eigenvalues depend on where the nan sits: we give nan throughout)."""
    check_square(A, "linalg.eigvals")
    finite = A.isfinite().flatten(-2).all(-1)  # per matrix of the batch
    if bool(finite.all()):
        return Eig.apply(A)[0]
    L = Eig.apply(where(finite[..., None, None], A, 0))[0]
    return where(finite[..., None], L, float("nan"))


__all__: list[str] = []
METHODS: dict = {}
