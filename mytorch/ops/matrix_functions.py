"""Functions of a square matrix: ``linalg.matrix_power`` and ``linalg.matrix_exp``.

matrix_power(A, k) = A A ... A by repeated squaring (A^{-1} first for k < 0), composed of products,
so autograd differentiates it.

matrix_exp(A) = sum_j A^j / j!, evaluated by scaling and squaring: exp(A) = exp(A / 2^s)^(2^s) with s
chosen per matrix so that ||A / 2^s||_1 <= 1/2, where the Taylor polynomial of degree 18 (Horner's rule)
is exact to float64 rounding (the remainder is below 2^-19 / 19! relative); single and half precision
run in double and round the result, as the squarings would otherwise multiply float32's rounding errors
(to ~1e-5 relative). Its derivative is the
Frechet derivative's adjoint, read off the exponential of a block matrix (Mathias 1996):
    exp([[A^H, G], [0, A^H]]) = [[exp(A^H), dA], [0, exp(A^H)]]
so the backward is one more matrix_exp, itself differentiable (^H is the conjugate transpose: exp is
holomorphic, so the conjugate-Wirtinger gradient for a complex A is the adjoint of the Frechet derivative,
which is the Frechet derivative at A^H; for a real A, ^T).
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._linalg_util import check_floating, check_square, eye_like
from .binary import where
from .joining import cat
from .solve import inv

_TAYLOR_DEGREE = 18


def matrix_power(A: Tensor, n: int) -> Tensor:
    """A^n for an integer n (A^{-n} of the inverse for n < 0; the identity for n = 0)."""
    check_square(A, "linalg.matrix_power", floating=False)
    if n == 0:  # the identity, connected to A with a zero gradient (PyTorch's copy_)
        return A.clone().copy_(eye_like(A).expand(*A.shape))
    if n < 0:
        A, n = inv(A), -n
    result, square = None, A
    while True:
        if n & 1:
            result = square if result is None else result @ square
        n >>= 1
        if not n:
            return result
        square = square @ square


def _exp_forward(A: Tensor) -> Tensor:
    """exp(A) by scaling, an 18-degree Taylor polynomial and squaring, each matrix with its own scale."""
    norm = A.abs().sum(-2).amax(-1) if A.numel() else A.new_zeros(A.shape[:-2])  # the 1-norm: max column sum
    s = (norm * 2).log2().ceil().clamp(min=0).nan_to_num(0.0, 0.0, 0.0)
    X = A / (2 ** s)[..., None, None]
    eye = eye_like(A)
    P = eye + X / _TAYLOR_DEGREE
    for j in range(_TAYLOR_DEGREE - 1, 0, -1):
        P = eye + (X @ P) / j
    for i in range(int(s.max()) if s.numel() else 0):
        P = where((s > i)[..., None, None], P @ P, P)
    return P


class MatrixExp(Function):
    """exp(A);  dA = the upper-right block of exp([[A^H, G], [0, A^H]])."""

    _grad_name = "LinalgMatrixExpBackward0"

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        if A.dtype in (D.float32, D.complex64, D.float16, D.bfloat16):
            # single precision and below in double: the squarings multiply the polynomial's rounding errors by
            # up to 2^s, which in float32 came to 1e-5 relative where PyTorch's (fewer squarings) stays at 1e-7
            wide = D.complex128 if A.dtype.is_complex else D.float64
            return _exp_forward(A.to(wide)).to(A.dtype)
        return _exp_forward(A)

    @staticmethod
    def backward(ctx, G):
        A, = ctx.saved_tensors
        n = A.shape[-1]
        At = A.mH.expand(*G.shape)
        block = cat([cat([At, G], -1), cat([G.new_zeros(G.shape), At], -1)], -2)
        return MatrixExp.apply(block)[..., :n, n:]


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential sum_j A^j / j! of each square matrix."""
    check_square(A, "linalg.matrix_exp", floating=False)
    check_floating(A, "linalg.matrix_exp", low_precision=True)  # half precision computes in float64 (MatrixExp)
    return MatrixExp.apply(A)


__all__ = ["matrix_exp", "matrix_power"]
METHODS = {"matrix_exp": matrix_exp, "matrix_power": matrix_power}
