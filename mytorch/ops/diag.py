"""Diagonals in and out: diag_embed (vectors onto diagonals), diag, diagflat, trace.

diag_embed(x, offset, dim1, dim2) builds out with out[..., i, i + offset] = x[..., i] in the (dim1, dim2)
planes and zeros elsewhere; its derivative is the same diagonal read back out of G:
dL/dx = diagonal(G, offset, dim1, dim2). It is composed as where(eye, x, 0) (exact for inf and NaN,
which a multiplication by the identity would spread) padded to the offset diagonal, so its gradient
is where's and pad's. trace(A) = sum_i A[i, i], dL/dA = G I.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from .binary import where
from .creation import eye
from .joining import pad
from .views import diagonal as _diagonal


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """out[..., i, i + offset] = input[..., i] in the (dim1, dim2) planes of a tensor with one more dim;
    d/dinput = diagonal(G, offset, dim1, dim2)."""
    ndim = input.ndim + 1
    d1, d2 = (d + ndim if -ndim <= d < 0 else d for d in (dim1, dim2))
    for d in (dim1, dim2):
        if not -ndim <= d < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but "
                             f"got {d})")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input.shape[-1]
    square = where(eye(n, dtype=D.bool_), input.unsqueeze(-1), input.new_zeros(()))
    k = abs(offset)
    # a positive offset moves the diagonal right (columns padded before it), a negative one down
    square = pad(square, (k, 0, 0, k) if offset >= 0 else (0, k, k, 0))
    return square.movedim((-2, -1), (d1, d2))


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The flattened input on the offset diagonal of a square matrix;  d/dinput = diagonal(G, offset)."""
    return diag_embed(input.reshape(-1), offset)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """1-D input: the square matrix with input on the given diagonal (diag_embed); 2-D input: a copy of
    that diagonal (d/dinput = the gradient put back on the diagonal, zeros elsewhere)."""
    if input.ndim == 1:
        return diag_embed(input, diagonal)
    if input.ndim == 2:
        return _diagonal(input, diagonal).clone()
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def trace(input: Tensor) -> Tensor:
    """sum_i input[i, i] (integers sum in int64);  d/dinput = G I."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return _diagonal(input).sum()


__all__ = ["diag_embed", "diagflat", "diag", "trace"]
METHODS = {name: globals()[name] for name in __all__}
