"""Matrix norms: ``linalg.matrix_norm``, ``linalg.norm``, ``linalg.cond``.

For A (m, n) with singular values s (vector norms live in `statistics.vector_norm`):
    fro: sqrt(sum_ij a_ij^2)           nuc: sum_i s_i            2 / -2: max / min s_i
    1 / -1: max / min column sum of |a_ij|      inf / -inf: max / min row sum of |a_ij|
cond(A, p) = ||A||_p ||A^{-1}||_p (s_max / s_min for p = 2, None; s_min / s_max for -2); inf where A
is singular (for the norms that need A^{-1}). Each is composed of differentiable ops (abs, sums, max,
svdvals, inv), so autograd derives their gradients.
"""
from __future__ import annotations

import math

from .. import _dtype as D
from .._tensor import Tensor
from ._linalg_util import check_floating, check_square
from .binary import where
from .solve import inv_ex
from .statistics import vector_norm
from .svd import svdvals

_MATRIX_ORDS = ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf)


def _two_dims(A: Tensor, dim, op: str) -> tuple[int, int]:
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {dim}")
    d0, d1 = (A._wrap_dim(d, op) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype: D.dtype | None = None) -> Tensor:
    """The matrix norm of the matrices in dims `dim` (module docstring)."""
    op = "linalg.matrix_norm"
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    check_floating(A, op, low_precision=True)
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"{op}: Order {ord} not supported.")
    if ord in ("nuc", 2, -2) and A.dtype in (D.float16, D.bfloat16):  # these take an SVD, which LAPACK lacks for half
        raise RuntimeError(f"{op}: Low precision dtypes not supported. Got {A.dtype.scalar_name}")
    if dtype is not None:
        A = A.to(dtype)
    d0, d1 = _two_dims(A, dim, op)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        S = svdvals(A.movedim((d0, d1), (-2, -1)))
        out = S.sum(-1) if ord == "nuc" else S.amax(-1) if ord == 2 else S.amin(-1)
        if keepdim:
            out = out.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
        return out
    summed, across = (d0, d1) if abs(ord) == 1 else (d1, d0)  # 1: column sums (over rows), inf: row sums
    sums = A.abs().sum(summed, keepdim=True)
    out = sums.amax(across, keepdim=True) if ord > 0 else sums.amin(across, keepdim=True)
    return out if keepdim else out.squeeze((d0, d1))


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype: D.dtype | None = None) -> Tensor:
    """A vector norm (dim an int or 1-tuple, or A 1-D) or a matrix norm (dim a 2-tuple, or A 2-D); with ord
    and dim both None, the 2-norm of A flattened."""
    op = "linalg.norm"
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None:
        if ord is None:
            return vector_norm(A, 2, None, keepdim, dtype=dtype)
        if A.ndim not in (1, 2):
            raise RuntimeError(f"{op}: If dim is not specified but ord is, the input must be 1D or 2D. "
                               f"Got {A.ndim}D.")
        dim = tuple(range(A.ndim))
    if len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"{op}: Order {ord} not supported for a vector norm.")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def cond(A: Tensor, p=None) -> Tensor:
    """The condition number ||A||_p ||A^{-1}||_p (inf where A is singular)."""
    if p not in (None,) + _MATRIX_ORDS:
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if p in (None, 2, -2):
        if A.ndim < 2:
            raise RuntimeError("linalg.cond: The input tensor A must have at least 2 dimensions.")
        S = svdvals(A)
        return S[..., 0] / S[..., -1] if p != -2 else S[..., -1] / S[..., 0]
    check_square(A, f"linalg.cond(ord={p})")
    inverse, info = inv_ex(A)
    value = matrix_norm(A, p) * matrix_norm(inverse, p)
    return where(info > 0, math.inf, value)


__all__: list[str] = []
METHODS: dict = {}
