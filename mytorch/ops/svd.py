"""The singular value decomposition: ``linalg.svd``, ``linalg.svdvals`` and ``torch.svd``.

A = U diag(S) V^H for A (*, m, n), k = min(m, n), S real, descending (the backend's `svd`); ^H is the
conjugate transpose (^T for real matrices). With dP = U^H dA V, the diagonal gives dS = Re diag(dP) and the
off-diagonal the rotations U^H dU = (dP S + S dP^H) / E and V^H dV = (S dP + dP^H S) / E,
E_ij = s_j^2 - s_i^2. Their adjoints, with gS, gU, gV = gVh^H, J = U^H gU, K = V^H gV:
    dA = U [skew(J) / E  S + S  skew(K) / E + diag(gS) + i Im(diag(J)) S^{-1}] V^H
         + (I - U U^H) gU S^{-1} V^H        (m > k: the part of gU outside U's span)
         + U S^{-1} gV^H (I - V V^H)        (n > k)
where skew(X) = X - X^H. Repeated singular values make E vanish (the vectors are not determined there).
The gauge: (u_i, v_i) and (u_i e^{i phi}, v_i e^{i phi}) are equally singular vectors, so only a loss
invariant under those phases has a derivative, one with Im(diag(J) + diag(K)) = 0 (for real matrices,
where the gauge is a joint sign flip, always so); PyTorch's RuntimeError otherwise. With full_matrices,
the columns of U (rows of Vh) past k are not determined by A and get no gradient.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ._linalg_util import (check_floating, check_matrix, check_phase_invariance, eye_like, raise_for_info,
                           return_type)

svd_result = return_type("linalg_svd", "U S Vh")
torch_svd_result = return_type("svd", "U S V")


def backend_svd(A: Tensor, full_matrices: bool, compute_uv: bool) -> tuple:
    """The backend's svd of A; PyTorch's LinAlgError when a matrix holds nan (LAPACK's gesdd does not converge
    there). A matrix with inf and no nan gets nan singular values (the backends' contract), as PyTorch's."""
    if A.numel():
        non_finite = A.isnan().flatten(-2).any(-1)  # per matrix of the batch
        raise_for_info(non_finite, "linalg.svd", lambda _: "The algorithm failed to converge because the input "
                                                           "matrix contained non-finite values.")
    return A._backend.svd(A._data, full_matrices, compute_uv)


class SVD(Function):
    """(U, S, Vh) = the backend's svd(A);  dA from the module docstring's formula."""

    _grad_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, A, full_matrices):
        U, S, Vh = (Tensor._make(x, A._backend) for x in backend_svd(A, full_matrices, True))
        ctx.save_for_backward(U, S, Vh)
        return U, S, Vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        k = S.shape[-1]
        U, V, gU, gV = U[..., :k], Vh[..., :k, :].mH, gU[..., :k], gVh[..., :k, :].mH
        m, n = U.shape[-2], V.shape[-2]
        s2 = S * S
        E = s2.unsqueeze(-2) - s2.unsqueeze(-1) + eye_like(S, k)  # s_j^2 - s_i^2, 1 on the (zero) diagonal
        J, K = U.mH @ gU, V.mH @ gV
        inner = (J - J.mH) / E * S.unsqueeze(-2) + S.unsqueeze(-1) * ((K - K.mH) / E) + gS.diag_embed()
        if J.dtype.is_complex:
            check_phase_invariance(J.diagonal(0, -2, -1) + K.diagonal(0, -2, -1), "svd_backward")
            inner = inner + (1j * J.diagonal(0, -2, -1).imag / S).diag_embed()
        gA = U @ inner @ V.mH
        if m > k:
            gA = gA + (gU - U @ J) / S.unsqueeze(-2) @ V.mH
        if n > k:
            gA = gA + U @ ((gV - V @ K) / S.unsqueeze(-2)).mH
        return gA, None


def svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None):
    """(U, S, Vh) with A = U diag(S) Vh: S real and descending, U and Vh with orthonormal columns / rows (each
    pair of singular vectors up to a joint sign, or a joint phase for complex A)."""
    check_matrix(A, "linalg.svd")
    return svd_result(*SVD.apply(A, full_matrices))


def svdvals(A: Tensor, *, driver: str | None = None) -> Tensor:
    """The singular values, descending;  dA = U diag(gS) V^T."""
    check_matrix(A, "linalg.svdvals")
    if is_grad_enabled() and A.requires_grad:
        return SVD.apply(A, False)[1]
    return Tensor._make(backend_svd(A, False, False)[1], A._backend)  # the vectors are needed only for the derivative


def torch_svd(input: Tensor, some: bool = True, compute_uv: bool = True):
    """``torch.svd``: (U, S, V) with V = Vh^H (reduced when `some`); zero U and V when not compute_uv."""
    check_floating(input, "svd")
    U, S, Vh = svd(input, full_matrices=not some)
    if not compute_uv:
        return torch_svd_result(U.new_zeros(U.shape).detach(), S, Vh.new_zeros(Vh.shape).detach())
    return torch_svd_result(U, S, Vh.mH)


__all__: list[str] = []
METHODS: dict = {}
