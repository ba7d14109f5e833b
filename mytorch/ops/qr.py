"""QR factorization: ``linalg.qr``, and the products of Householder reflectors that LAPACK packs it in:
``householder_product`` (orgqr: Q itself), ``ormqr`` (Q or Q^H times a matrix) and ``geqrf``.

A = Q R for A (*, m, n), k = min(m, n) (the backend's Householder `qr`; R's diagonal is real, as LAPACK's
reflectors make it). ^H is the conjugate transpose (^T for real matrices). For m >= n (reduced),
C = Q^H dA R^{-1} = Q^H dQ + dR R^{-1}: a skew-Hermitian matrix (imaginary on the diagonal) plus an upper
triangular one (real on the diagonal), which splits C. The adjoint of that split, with M = Q^H gQ - gR R^H:
    dA = (gQ - Q copyu(M)) R^{-H},   copyu(M) = triu(M, 1) + triu(M, 1)^H + Re diag(M)
(M's upper triangle mirrored, its diagonal's real part). For m < n, A = Q [R1 R2]: R2 = Q^H A2 gives
dA2 = Q gR2 and adds A2 gR2^H to gQ; dA1 is the square case.
With mode="complete" and m > n, Q's last columns are not determined by A (no derivative), and mode="r"
returns no Q, as PyTorch.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ._linalg_util import check_matrix, eye_like, return_type
from ._util import conj
from .binary import where
from .joining import cat, stack, triu
from .triangular import solve_triangular

qr_result = return_type("linalg_qr", "Q R")


def _qr_backward(Q: Tensor, R: Tensor, gQ: Tensor, gR: Tensor) -> Tensor:
    """dA for A = Q R with Q (m, k), R (k, n): the module docstring's formulas."""
    m, n = Q.shape[-2], R.shape[-1]
    if m < n:
        A2 = Q @ R[..., m:]
        gA1 = _qr_backward(Q, R[..., :m], gQ + A2 @ gR[..., m:].mH, gR[..., :m])
        return cat([gA1, Q @ gR[..., m:]], -1)
    M = Q.mH @ gQ - gR @ R.mH
    upper = triu(M, 1)
    copyu = upper + upper.mH + M.diagonal(0, -2, -1).real.diag_embed()
    return solve_triangular(R.mH, gQ - Q @ copyu, upper=False, left=False)


class QR(Function):
    """(Q, R) = the backend's qr(A);  dA from `_qr_backward`."""

    _grad_name = "LinalgQrBackward0"

    @staticmethod
    def forward(ctx, A, mode):
        be = A._backend
        Q, R = (Tensor._make(x, be) for x in be.qr(A._data, mode == "complete"))
        ctx.mode = mode
        ctx.save_for_backward(Q, R)
        if mode == "r":
            Q = Q.new_zeros(0)
        return Q, R

    @staticmethod
    def backward(ctx, gQ, gR):
        Q, R = ctx.saved_tensors
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please "
                               "use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
        if ctx.mode == "complete" and Q.shape[-2] > R.shape[-1]:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        return _qr_backward(Q, R, gQ, gR), None


def qr(A: Tensor, mode: str = "reduced"):
    """(Q, R) with A = Q R, Q with orthonormal columns, R upper triangular. mode: "reduced" (Q (m, k),
    R (k, n)), "complete" (Q (m, m), R (m, n)) or "r" (R only; Q empty)."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    check_matrix(A, "linalg.qr")
    return qr_result(*QR.apply(A, mode))


def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """The first n columns of H_1 H_2 ... H_k (A (*, m, n), tau (*, k)), H_i = I - tau_i v_i v_i^H with v_i =
    (0, ..., 0, 1, A[i+1:, i]): Q from geqrf's packed reflectors. Composed of products, so autograd
    differentiates it in A and tau."""
    op = "torch.linalg.householder_product"
    check_matrix(A, "householder_product")
    m, n = A.shape[-2:]
    if m < n:
        raise RuntimeError(f"{op}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if tau.shape[-1] > n:
        raise RuntimeError(f"{op}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(f"{op}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{tau.ndim} and input.ndim is equal to {A.ndim}")
    V = _reflectors(A)
    Q = eye_like(A, m)[:, :n]
    for i in reversed(range(tau.shape[-1])):
        v = V[..., :, i:i + 1]
        Q = Q - tau[..., i, None, None] * v @ (v.mH @ Q)
    return Q


def _reflectors(A: Tensor) -> Tensor:
    """The vectors v_i of geqrf's packed reflectors as the columns of a matrix: A's part below the diagonal,
    with ones on it."""
    return A - triu(A) + eye_like(A, A.shape[-2])[:, :A.shape[-1]]


def ormqr(input: Tensor, tau: Tensor, other: Tensor, left: bool = True, transpose: bool = False) -> Tensor:
    """Q C, Q^H C (transpose), C Q (not left) or C Q^H for Q = H_1 ... H_k (m x m) given by geqrf's reflectors
    (input (*, m, k), tau (*, k)) and C = other, without forming Q: each H_i = I - tau_i v_i v_i^H acts as
    H_i C = C - tau_i v_i (v_i^H C) (and C H_i = C - tau_i (C v_i) v_i^H), H_i^H with conj(tau_i), in the
    order the product needs. Composed of products, so autograd differentiates it in all three inputs."""
    op = "torch.ormqr"
    for name, t in (("input", input), ("other", other)):
        if t.ndim < 2:
            raise RuntimeError(f"{op}: {name} must have at least 2 dimensions.")
    if other.ndim != input.ndim:
        raise RuntimeError(f"{op}: Expected other to have the same number of dimensions as input, but got other.ndim "
                           f"equal to {other.ndim} and input.ndim is equal to {input.ndim}")
    if tau.ndim != input.ndim - 1:
        raise RuntimeError(f"{op}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{tau.ndim} and input.ndim is equal to {input.ndim}")
    side = -2 if left else -1
    if other.shape[side] != input.shape[-2]:
        raise RuntimeError(f"{op}: other.shape[{side}] must be equal to input.shape[-2]")
    if tau.shape[-1] > min(other.shape[side], input.shape[-1]):
        raise RuntimeError(f"{op}: tau.shape[-1] must be equal to min(other.shape[{side}], input.shape[-1])")
    for name, t in (("tau", tau), ("other", other)):
        if t.dtype is not input.dtype:
            raise RuntimeError(f"{op}: Expected input and {name} to have the same dtype, but input has dtype"
                               f"{input.dtype.scalar_name} and {name} has dtype {t.dtype.scalar_name}")
    V = _reflectors(input)
    C = other
    k = tau.shape[-1]
    # Q C applies H_k first; Q^H C = H_k^H ... H_1^H C applies H_1^H first; on the right the reverse
    for i in (range(k) if left == transpose else reversed(range(k))):
        v, t = V[..., :, i:i + 1], tau[..., i, None, None]
        t = conj(t) if transpose else t
        C = C - t * v @ (v.mH @ C) if left else C - t * (C @ v) @ v.mH
    return C


geqrf_result = return_type("geqrf", "a tau")


class Geqrf(Function):
    """LAPACK's geqrf packing of A = Q R (no derivative, as in PyTorch)."""

    _grad_name = "GeqrfBackward0"

    @staticmethod
    def forward(ctx, A):
        a = A.clone()
        m, n = a.shape[-2:]
        taus = []
        for i in range(min(m, n)):
            # the reflector H_i = I - tau v v^H (v[0] = 1) with H_i^H x = beta e_1 for x = a[i:, i] (LAPACK's larfg)
            alpha, rest = a[..., i, i], a[..., i + 1:, i]
            norm = rest.norm(dim=-1)
            identity = norm == 0  # nothing below the diagonal (and a real alpha): H_i = I
            if a.dtype.is_complex:
                identity = identity & (alpha.imag == 0)
            beta = -(alpha.abs() ** 2 + norm * norm).sqrt() * where(alpha.real < 0, -1.0, 1.0)
            tau = where(identity, 0.0, (beta - alpha) / where(identity, 1.0, beta))
            v = rest / where(identity, 1.0, alpha - beta).unsqueeze(-1)
            if i + 1 < n:  # apply H_i^H to the columns to the right
                block = a[..., i:, i + 1:]
                full = cat([alpha.new_ones(alpha.shape + (1,)), v], -1).unsqueeze(-1)
                a[..., i:, i + 1:] = block - conj(tau)[..., None, None] * full @ (full.mH @ block)
            a[..., i, i] = where(identity, alpha, beta)
            a[..., i + 1:, i] = where(identity.unsqueeze(-1), rest, v)
            taus.append(tau)
        tau = stack(taus, -1) if taus else a.new_zeros(a.shape[:-2] + (0,))
        ctx.mark_non_differentiable(tau)
        return a, tau

    @staticmethod
    def backward(ctx, ga, gtau):
        raise RuntimeError("the derivative for 'geqrf' is not implemented.")


def geqrf(input: Tensor):
    """(a, tau): A = Q R packed as LAPACK's geqrf packs it. R is a's upper triangle; below the diagonal, column i
    holds v_i (its leading 1 implied) of the Householder reflector H_i = I - tau_i v_i v_i^H, and
    Q = H_1 ... H_k (householder_product(a, tau)). Each H_i^H maps the remaining column x to beta e_1, with
    beta = -sign(Re x_0) ||x|| (real), tau_i = (beta - x_0) / beta, v_i = x[1:] / (x_0 - beta). Not
    differentiable."""
    check_matrix(input, "geqrf")
    return geqrf_result(*Geqrf.apply(input))


__all__ = ["geqrf", "ormqr"]
METHODS: dict = {"geqrf": geqrf, "ormqr": ormqr}
