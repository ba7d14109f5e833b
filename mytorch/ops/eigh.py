"""The symmetric eigendecomposition: ``linalg.eigh`` and ``linalg.eigvalsh``.

A = V diag(w) V^H for Hermitian (real: symmetric) A (only its lower triangle read, or the upper with
UPLO="U"), w real and ascending, V unitary (the backend's `eigh`). For a Hermitian dA:  dw_i = v_i^H dA v_i
and  V^H dV = (V^H dA V) / E off the diagonal, E_ij = w_j - w_i. Hence, with gw = dL/dw and gV = dL/dV,
    dA = V (diag(gw) + skew(V^H gV) / E) V^H,    skew(X) = (X - X^H) / 2
(the skew part divided by the antisymmetric E is Hermitian, so dA is). Repeated eigenvalues make E
vanish: the eigenvectors are not determined there and the gradient of V is infinite, as PyTorch's.
A complex eigenvector is determined only up to a phase e^{i phi}; a loss that depends on the phases has
Im(diag(V^H gV)) != 0 and no derivative (RuntimeError, as PyTorch's).
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ._linalg_util import check_phase_invariance, check_square, eye_like, raise_for_info, return_type

eigh_result = return_type("linalg_eigh", "eigenvalues eigenvectors")


class Eigh(Function):
    """(w, V) = the backend's eigh(A);  dA = V (diag(gw) + skew(V^H gV) / E) V^H."""

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
        X = V.mH @ gV
        check_phase_invariance(X.diagonal(0, -2, -1), "linalg_eigh_backward")
        E = w.unsqueeze(-2) - w.unsqueeze(-1) + eye_like(w, w.shape[-1])  # w_j - w_i, 1 on the diagonal
        inner = (X - X.mH) * 0.5 / E + gw.diag_embed()
        return V @ inner @ V.mH, None


def _uplo(UPLO: str) -> bool:
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO == "U"


def _raise_for_nan(A: Tensor, upper: bool, vectors: bool) -> None:
    """PyTorch's LinAlgError for a matrix whose read triangle holds nan, where LAPACK's syevd (heevd) reports
    that it did not converge: for n >= 3, and with vectors only up to n = 25 (past that stedc divides and
    conquers and returns nan without a word). The error code, a count of LAPACK's unconverged off-diagonal
    elements, is n - 1 with vectors (stedc) and n - 2 without (sterf), wherever the nan sits (measured in
    torch 2.13 with MKL for n = 3..100, float32/64, complex64/128). inf without nan gets nan from the backends
    and no error; PyTorch's LAPACK raises for some of its positions (an inf two or more below the diagonal,
    which sytrd's reflectors turn into nan), a pattern of LAPACK's internals not reproduced here."""
    n = A.shape[-1]
    if n < 3 or (vectors and n > 25) or not A.numel():
        return
    nan = (A.triu() if upper else A.tril()).isnan().flatten(-2).any(-1)  # per matrix of the batch
    code = n - 1 if vectors else n - 2
    raise_for_info(nan, "linalg.eigh", lambda _: "The algorithm failed to converge because the input matrix is "
                                                 "ill-conditioned or has too many repeated eigenvalues "
                                                 f"(error code: {code}).")


def eigh(A: Tensor, UPLO: str = "L"):
    """(eigenvalues, eigenvectors) of Hermitian A: eigenvalues real and ascending, eigenvectors the columns
    of a unitary matrix (each up to sign, or a phase for complex A)."""
    check_square(A, "linalg.eigh")
    upper = _uplo(UPLO)
    _raise_for_nan(A, upper, True)
    return eigh_result(*Eigh.apply(A, upper))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues of Hermitian A, real and ascending;  dA = V diag(gw) V^H."""
    check_square(A, "linalg.eigvalsh")
    upper = _uplo(UPLO)
    _raise_for_nan(A, upper, False)
    return Eigh.apply(A, upper)[0]


__all__: list[str] = []
METHODS: dict = {}
