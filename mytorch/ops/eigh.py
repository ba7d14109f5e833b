"""The symmetric eigendecomposition: ``linalg.eigh`` and ``linalg.eigvalsh``.

A = V diag(w) V^T for symmetric A (only its lower triangle read, or the upper with UPLO="U"), w ascending
(the backend's `eigh`). For a symmetric dA:  dw_i = v_i^T dA v_i  and  V^T dV = (V^T dA V) / E off the
diagonal, E_ij = w_j - w_i. Hence, with gw = dL/dw and gV = dL/dV,
    dA = V (diag(gw) + skew(V^T gV) / E) V^T,    skew(X) = (X - X^T) / 2
(the skew part divided by the antisymmetric E is symmetric, so dA is). Repeated eigenvalues make E
vanish: the eigenvectors are not determined there and the gradient of V is infinite, as PyTorch's.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ._linalg_util import check_square, eye_like, return_type

eigh_result = return_type("linalg_eigh", "eigenvalues eigenvectors")


class Eigh(Function):
    """(w, V) = the backend's eigh(A);  dA = V (diag(gw) + skew(V^T gV) / E) V^T."""

    _grad_name = "LinalgEighBackward0"

    @staticmethod
    def forward(ctx, A, upper):
        be = A._backend
        w, V = (Tensor._make(x, be) for x in be.eigh(A._data, upper))
        ctx.save_for_backward(w, V)
        return w, V

    @staticmethod
    def backward(ctx, gw, gV):
        w, V = ctx.saved_tensors
        X = V.mT @ gV
        E = w.unsqueeze(-2) - w.unsqueeze(-1) + eye_like(V)  # w_j - w_i, 1 on the diagonal (where skew is 0)
        inner = (X - X.mT) * 0.5 / E + gw.diag_embed()
        return V @ inner @ V.mT, None


def _uplo(UPLO: str) -> bool:
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO == "U"


def eigh(A: Tensor, UPLO: str = "L", *, out=None):
    """(eigenvalues, eigenvectors) of symmetric A: eigenvalues ascending, eigenvectors the columns of an
    orthogonal matrix (each up to sign)."""
    check_square(A, "linalg.eigh")
    return eigh_result(*Eigh.apply(A, _uplo(UPLO)))


def eigvalsh(A: Tensor, UPLO: str = "L", *, out=None) -> Tensor:
    """The eigenvalues of symmetric A, ascending;  dA = V diag(gw) V^T."""
    check_square(A, "linalg.eigvalsh")
    return Eigh.apply(A, _uplo(UPLO))[0]


__all__: list[str] = []
METHODS: dict = {}
