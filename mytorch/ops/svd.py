"""The singular value decomposition: ``linalg.svd``, ``linalg.svdvals`` and ``torch.svd``.

A = U diag(S) V^T for A (*, m, n), k = min(m, n), S descending (the backend's `svd`). With dP = U^T dA V,
the diagonal gives dS = diag(dP) and the off-diagonal the rotations U^T dU = (dP S + S dP^T) / E and
V^T dV = (S dP + dP^T S) / E, E_ij = s_j^2 - s_i^2. Their adjoints, with gS, gU, gV = gVh^T:
    dA = U [skew(U^T gU) / E  S + S  skew(V^T gV) / E + diag(gS)] V^T
         + (I - U U^T) gU S^{-1} V^T        (m > k: the part of gU outside U's span)
         + U S^{-1} gV^T (I - V V^T)        (n > k)
where skew(X) = X - X^T. Repeated singular values make E vanish (the vectors are not determined there).
For real matrices every loss of U and V is invariant under the only gauge, a joint sign flip of u_i and
v_i, so PyTorch's gauge check (for complex phases) has nothing to test. With full_matrices, the columns of
U (rows of Vh) past k are not determined by A and get no gradient.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ._linalg_util import check_floating, check_matrix, eye_like, return_type

svd_result = return_type("linalg_svd", "U S Vh")
torch_svd_result = return_type("svd", "U S V")


class SVD(Function):
    """(U, S, Vh) = the backend's svd(A);  dA from the module docstring's formula."""

    _grad_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, A, full_matrices):
        be = A._backend
        U, S, Vh = (Tensor._make(x, be) for x in be.svd(A._data, full_matrices, True))
        ctx.save_for_backward(U, S, Vh)
        return U, S, Vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        k = S.shape[-1]
        U, V, gU, gV = U[..., :k], Vh[..., :k, :].mT, gU[..., :k], gVh[..., :k, :].mT
        m, n = U.shape[-2], V.shape[-2]
        s2 = S * S
        E = s2.unsqueeze(-2) - s2.unsqueeze(-1) + eye_like(S, k)  # s_j^2 - s_i^2, 1 on the (zero) diagonal
        J, K = U.mT @ gU, V.mT @ gV
        inner = (J - J.mT) / E * S.unsqueeze(-2) + S.unsqueeze(-1) * ((K - K.mT) / E) + gS.diag_embed()
        gA = U @ inner @ V.mT
        if m > k:
            gA = gA + (gU - U @ J) / S.unsqueeze(-2) @ V.mT
        if n > k:
            gA = gA + U @ ((gV - V @ K) / S.unsqueeze(-2)).mT
        return gA, None


def svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None, out=None):
    """(U, S, Vh) with A = U diag(S) Vh: S descending, U and Vh with orthonormal columns / rows (each pair of
    singular vectors up to a joint sign)."""
    check_matrix(A, "linalg.svd")
    return svd_result(*SVD.apply(A, full_matrices))


def svdvals(A: Tensor, *, driver: str | None = None, out=None) -> Tensor:
    """The singular values, descending;  dA = U diag(gS) V^T."""
    check_matrix(A, "linalg.svdvals")
    if is_grad_enabled() and A.requires_grad:
        return SVD.apply(A, False)[1]
    be = A._backend
    return Tensor._make(be.svd(A._data, False, False)[1], be)  # the vectors are needed only for the derivative


def torch_svd(input: Tensor, some: bool = True, compute_uv: bool = True, *, out=None):
    """``torch.svd``: (U, S, V) with V = Vh^T (reduced when `some`); zero U and V when not compute_uv."""
    check_floating(input, "svd")
    U, S, Vh = svd(input, full_matrices=not some)
    if not compute_uv:
        return torch_svd_result(U.new_zeros(U.shape).detach(), S, Vh.new_zeros(Vh.shape).detach())
    return torch_svd_result(U, S, Vh.mT)


__all__: list[str] = []
METHODS: dict = {}
