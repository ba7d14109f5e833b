"""Linear systems and determinants from the LU factorization: ``linalg.solve(_ex)``, ``inv(_ex)``, ``det``,
``slogdet``, ``logdet``.

With A = P L U (the backend's `lu_factor`), and ^H the conjugate transpose (^T for real matrices; each
map here is holomorphic, so its conjugate-Wirtinger gradient is the real formula with ^H for ^T and the
derivative conjugated):
    solve:   X = A^{-1} B = U^{-1} L^{-1} P^T B;   dB = A^{-H} G,  dA = -dB X^H
    inv:     A^{-1} = solve(A, I);                dA = -A^{-H} G A^{-H}
    det:     det A = sign(P) prod_i U_ii;         dA = g conj(cof(A)),  cof(A) = det(A) A^{-T}
    slogdet: sign = sign(P) prod_i U_ii / |U_ii|, logabsdet = sum_i log|U_ii|. With t = tr(A^{-1} dA),
             d logabsdet = Re t and d sign = i sign Im t, so for the gradients g (of logabsdet, real) and
             gs (of sign):  dA = (g - i Im(conj(gs) sign)) A^{-H}   (the sign's part vanishes for real A)
sign(P) = (-1)^(number of pivots that swapped two rows). Every backward is written with these ops, so it
is differentiable again. det's cofactor matrix at a singular A (where A^{-1} does not exist) comes from
the SVD A = U S Vh: cof(A) = det(U) det(Vh) conj(U) diag(prod_{j != i} s_j) conj(Vh).
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ._linalg_util import batch_shape, check_square, check_floating, eye_like, raise_for_info, return_type
from ._util import conj
from .binary import where
from .complex import sgn
from .lu import LUFactor, lu_solve

solve_ex_result = return_type("linalg_solve_ex", "result info")
inv_ex_result = return_type("linalg_inv_ex", "inverse info")
slogdet_result = return_type("linalg_slogdet", "sign logabsdet")


def _pivot_sign(pivots: Tensor) -> Tensor:
    """sign(P) = (-1)^(number of steps j whose pivot row is not j itself)."""
    steps = pivots.new_tensor(list(range(1, pivots.shape[-1] + 1)))
    swaps = (pivots != steps).long().sum(-1)
    return 1 - 2 * (swaps % 2)


class Solve(Function):
    """(X, info): X = A^{-1} B by LU (B a batch of matrices, batch dims equal; info as lu_factor's);
    dB = A^{-H} G, dA = -dB X^H."""

    _grad_name = "LinalgSolveExBackward0"

    @staticmethod
    def forward(ctx, A, B):
        LU, pivots, info = LUFactor.apply(A)
        X = lu_solve(LU, pivots, B)
        ctx.mark_non_differentiable(info)
        ctx.save_for_backward(A, X)
        return X, info

    @staticmethod
    def backward(ctx, G, _ginfo):
        A, X = ctx.saved_tensors
        gB = Solve.apply(A.mH, G)[0]
        return (-(gB @ X.mH) if ctx.needs_input_grad[0] else None), gB


def _as_matrices(A: Tensor, B: Tensor, op: str) -> tuple[Tensor, Tensor, bool]:
    """(A, B) broadcast to one batch, with B as matrices, and whether B was a (batch of) vector(s):
    PyTorch's rule is B.ndim == 1, or B.shape == A.shape[:-1]."""
    check_square(A, op)
    check_floating(B, op)
    if A.dtype is not B.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype.scalar_name} and B of type {B.dtype.scalar_name} instead")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if vector:
        B = B.unsqueeze(-1)
    n = A.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation AX = B "
                           f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    batch = batch_shape(A, B)
    return A.expand(*batch, n, n), B.expand(*batch, *B.shape[-2:]), vector


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False):
    """(X, info) with A X = B (X A = B when not left); info > 0 marks a singular A."""
    if not left:
        X, info = solve_ex(A.mT, B.mT, check_errors=check_errors)
        return solve_ex_result(X.mT, info)
    A, B, vector = _as_matrices(A, B, "linalg.solve")
    X, info = Solve.apply(A, B)
    if check_errors:
        raise_for_info(info, "torch.linalg.solve_ex", lambda i: "The solver failed because the input matrix is singular.")
    return solve_ex_result(X.squeeze(-1) if vector else X, info)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with A X = B (X A = B when not left); B a (batch of) matrix or vector; LinAlgError when A is
    singular."""
    X, info = solve_ex(A, B, left=left)
    raise_for_info(info, "torch.linalg.solve", lambda i: "The solver failed because the input matrix is singular.")
    return X


def inv_ex(A: Tensor, *, check_errors: bool = False):
    """(A^{-1}, info) = solve(A, I); info > 0 marks a singular A."""
    check_square(A, "linalg.inv")
    X, info = Solve.apply(A, eye_like(A).expand(*A.shape))
    if check_errors:
        raise_for_info(info, "linalg.inv_ex", _singular_inverse)
    return inv_ex_result(X, info)


def _singular_inverse(i: int) -> str:
    return (f"The diagonal element {i} is zero, the inversion could not be completed because the input matrix "
            "is singular.")


def inv(A: Tensor) -> Tensor:
    """A^{-1};  dA = -A^{-H} G A^{-H}. LinAlgError when A is singular."""
    X, info = inv_ex(A)
    raise_for_info(info, "linalg.inv", _singular_inverse)
    return X


def _cofactor_conj(A: Tensor, det: Tensor) -> Tensor:
    """conj(cof(A)), cof(A) = d det(A) / dA: conj(det(A)) A^{-H}, or through the SVD where some matrix of the
    batch is singular."""
    if not bool((det == 0).any()):
        return conj(det)[..., None, None] * Solve.apply(A.mH, eye_like(A).expand(*A.shape))[0]
    from .svd import svd
    U, S, Vh = svd(A)
    others = where(eye_like(S, S.shape[-1]).bool(), 1.0, S.unsqueeze(-2)).prod(-1)  # prod_{j != i} s_j
    sign = conj(Det.apply(U) * Det.apply(Vh))
    return sign[..., None, None] * (U * others.unsqueeze(-2).to(U.dtype)) @ Vh


class Det(Function):
    """det A = sign(P) prod_i U_ii;  dA = g conj(cof(A))."""

    _grad_name = "LinalgDetBackward0"

    @staticmethod
    def forward(ctx, A):
        LU, pivots, _ = LUFactor.apply(A)
        det = _pivot_sign(pivots).to(A.dtype) * LU.diagonal(0, -2, -1).prod(-1)
        ctx.save_for_backward(A, det)
        return det

    @staticmethod
    def backward(ctx, g):
        A, det = ctx.saved_tensors
        return g[..., None, None] * _cofactor_conj(A, det)


def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix."""
    check_square(A, "linalg.det")
    return Det.apply(A)


class SLogDet(Function):
    """(sign, log|det A|) from the LU's diagonal;  dA = (g - i Im(conj(gs) sign)) A^{-H} (the sign of a real
    matrix is flat: no gradient, though it is an output that requires grad, as in PyTorch)."""

    _grad_name = "LinalgSlogdetBackward0"

    @staticmethod
    def forward(ctx, A):
        LU, pivots, _ = LUFactor.apply(A)
        u = LU.diagonal(0, -2, -1)
        sign = _pivot_sign(pivots).to(A.dtype) * sgn(u).prod(-1)
        logabsdet = u.abs().log().sum(-1)
        ctx.save_for_backward(A, sign)
        return sign, logabsdet

    @staticmethod
    def backward(ctx, gsign, g):
        A, sign = ctx.saved_tensors
        if A.dtype.is_complex:
            g = g - 1j * (conj(gsign) * sign).imag
        return g[..., None, None] * Solve.apply(A.mH, eye_like(A).expand(*A.shape))[0]


def slogdet(A: Tensor):
    """(sign, logabsdet) with det A = sign * exp(logabsdet): exact in sign and free of overflow."""
    check_square(A, "linalg.slogdet")
    return slogdet_result(*SLogDet.apply(A))


__all__: list[str] = []
METHODS: dict = {}
