"""Triangular solves: ``linalg.solve_triangular``, the step every factorization-based solve ends with.

X = A^{-1} B for triangular A (the backend's `solve_triangular`, substitution). With G = dL/dX (for complex
matrices X is holomorphic in A and B, and ^H, the conjugate transpose, gives PyTorch's conjugate-Wirtinger
gradients; for real ones it is ^T):
    dL/dB = A^{-H} G            (a triangular solve with A^H, whose triangle is the other one)
    dL/dA = -(dL/dB) X^H        restricted to A's triangle (strictly, when A is unitriangular: its
                                diagonal is not read, so it gets no gradient)
Both are written with this op, so they are differentiable again. X A = B (left=False) is the transposed
system A^T X^T = B^T.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ._linalg_util import batch_shape, check_matrix
from .joining import tril, triu


class SolveTriangular(Function):
    """X = A^{-1} B (A triangular, batch dims already equal);  dB = A^{-H} G,  dA = -tri(dB X^H)."""

    _grad_name = "LinalgSolveTriangularBackward0"

    @staticmethod
    def forward(ctx, A, B, upper, unitriangular):
        be = A._backend
        X = Tensor._make(be.solve_triangular(A._data, B._data, upper, unitriangular), be)
        ctx.meta = (upper, unitriangular)
        ctx.save_for_backward(A, X)
        return X

    @staticmethod
    def backward(ctx, G):
        A, X = ctx.saved_tensors
        upper, unitriangular = ctx.meta
        gB = SolveTriangular.apply(A.mH, G, not upper, unitriangular)
        gA = None
        if ctx.needs_input_grad[0]:
            outer = -(gB @ X.mH)
            diagonal = 1 if unitriangular else 0
            gA = triu(outer, diagonal) if upper else tril(outer, -diagonal)
        return gA, gB, None, None


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False,
                     out: Tensor | None = None) -> Tensor:
    """X with A X = B (X A = B when not left) for triangular A (*, n, n), B (*, n, k) ((*, k, n) when not
    left); batch dims broadcast. Only A's upper (or lower) triangle is read; its diagonal is taken as ones
    when unitriangular."""
    op = "linalg.solve_triangular"
    check_matrix(A, op, "A")
    check_matrix(B, op, "B")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype.scalar_name} and B of type {B.dtype.scalar_name} instead")
    if not left:
        return solve_triangular(A.mT, B.mT, upper=not upper, unitriangular=unitriangular).mT
    n = A.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.shape[-2]}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    batch = batch_shape(A, B)
    X = SolveTriangular.apply(A.expand(*batch, n, n), B.expand(*batch, *B.shape[-2:]), upper, unitriangular)
    return out.copy_(X) if out is not None else X


__all__: list[str] = []
METHODS: dict = {}
