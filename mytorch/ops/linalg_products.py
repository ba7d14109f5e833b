"""The product-shaped members of torch.linalg, composed of existing differentiable ops: ``multi_dot``,
``vecdot``, ``vander``, ``tensorinv``, ``tensorsolve``, ``cross``, ``diagonal``.

multi_dot multiplies a chain A_1 ... A_N in the order that costs the fewest scalar products (the
classic dynamic program over split points: cost(i, j) = min_k cost(i, k) + cost(k+1, j) + p_i p_k p_j),
as PyTorch does, so results agree to the rounding of the same order. tensorinv and tensorsolve flatten
their tensors to a matrix problem (inv, solve) and reshape back.
"""
from __future__ import annotations

import math

from .._tensor import Tensor
from . import cross as _cross
from .joining import cat
from .solve import inv, solve


def multi_dot(tensors) -> Tensor:
    """A_1 A_2 ... A_N (the first may be a row vector, the last a column vector, both 1-D), in the cheapest
    order."""
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0].ndim == 1, tensors[-1].ndim == 1
    mats = [t.unsqueeze(0) if i == 0 and first else t.unsqueeze(-1) if i == n - 1 and last else t
            for i, t in enumerate(tensors)]
    for i, t in enumerate(mats):
        if t.ndim != 2:
            which = "first" if i == 0 else "last" if i == n - 1 else None
            raise RuntimeError(f"multi_dot(): the {which} tensor must be 1D or 2D but got {tensors[i].ndim}D"
                               if which else f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    dims = [mats[0].shape[0]] + [t.shape[1] for t in mats]
    for i in range(1, n):
        if mats[i - 1].shape[1] != mats[i].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes {tuple(tensors[i - 1].shape)} and "
                               f"{tuple(tensors[i].shape)} cannot be multiplied")
    cost = {(i, i): 0 for i in range(n)}
    split = {}
    for length in range(2, n + 1):
        for i in range(n - length + 1):
            j = i + length - 1
            cost[i, j], split[i, j] = min((cost[i, k] + cost[k + 1, j] + dims[i] * dims[k + 1] * dims[j + 1], k)
                                          for k in range(i, j))

    def chain(i: int, j: int) -> Tensor:
        return mats[i] if i == j else chain(i, split[i, j]) @ chain(split[i, j] + 1, j)

    result = chain(0, n - 1)
    if first:
        result = result.squeeze(0)
    return result.squeeze(-1) if last else result


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """sum_i x_i y_i along dim (x and y broadcast)."""
    return (x * y).sum(dim)


def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """The Vandermonde matrix [1, x, x^2, ..., x^(N-1)] along a new last dim (N = x's last size by default,
    at least 2), as a running product so that every power is differentiable at 0."""
    if x.ndim == 0:  # a number is a vector of one
        x = x.reshape(1)
    N = x.shape[-1] if N is None else N
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    steps = x.unsqueeze(-1).expand(*x.shape, N - 1)
    return cat([x.new_ones(x.shape + (1,)), steps.cumprod(-1)], -1)


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """The tensor X with tensordot(A, X, ind) the identity: inv of A viewed as a
    (prod(shape[:ind]), prod(shape[ind:])) matrix, reshaped to shape[ind:] + shape[:ind]."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = math.prod(A.shape[:ind]), math.prod(A.shape[ind:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return inv(A.reshape(rows, cols)).reshape(*A.shape[ind:], *A.shape[:ind])


def tensorsolve(A: Tensor, B: Tensor, dims=None) -> Tensor:
    """X with tensordot(A, X, X.ndim) = B: A's dims `dims` first moved to the end, then solve with A viewed as
    a (B.numel(), rest) matrix; X has shape A.shape[B.ndim:]."""
    if dims is not None:
        A = A.movedim(tuple(dims), tuple(range(A.ndim - len(dims), A.ndim)))
    result_shape = A.shape[B.ndim:]
    rows, cols = B.numel(), math.prod(result_shape)
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {cols} != {rows}")
    return solve(A.reshape(rows, cols), B.reshape(rows)).reshape(*result_shape)


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along dim (default: the last)."""
    return _cross.cross(input, other, dim)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The offset diagonal of the matrices in dims (dim1, dim2) (a view)."""
    return A.diagonal(offset, dim1, dim2)


__all__: list[str] = []
METHODS: dict = {}
