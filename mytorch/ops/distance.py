"""Distances and similarity between vectors, composed from differences and p-norms.

    cdist(X1, X2, p)[..., i, j]       = ||X1[..., i, :] - X2[..., j, :]||_p        every pair of rows
    pdist(X, p)[k]                    = ||X[i, :] - X[j, :]||_p for the k-th pair i < j  (row-major order)
    pairwise_distance(x1, x2, p, eps) = ||x1 - x2 + eps||_p                         over the last dim
    cosine_similarity(x1, x2, dim)    = sum (x1 / max(||x1||, eps)) (x2 / max(||x2||, eps))

Derivatives are those of the p-norm (`vector_norm`): d||v||_p / dv = sign(v) |v|^(p-1) / ||v||^(p-1),
zero where v = 0. In cosine_similarity the clamp to eps changes the value only: the gradient flows
through the unclamped norm, as in PyTorch (so the gradient at a tiny x1 is large, not zero).
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from .joining import broadcast_tensors
from ._opmath import opmath
from .statistics import vector_norm


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The p-norm distance between each row of x1 (..., P, M) and each row of x2 (..., R, M): (..., P, R).
    compute_mode only picks PyTorch's kernel there; here every mode computes the differences directly."""
    for i, x in enumerate((x1, x2), 1):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, X{i} got: {x.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: "
                           f"{x2.shape[-1]}")
    for i, x in enumerate((x1, x2), 1):
        if not x.dtype.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, X{i} got: {x.dtype.scalar_name}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    return vector_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distance between every pair of rows i < j of input (N, M), in row-major order of the pairs:
    the upper triangle of cdist(input, input) without its diagonal, N (N - 1) / 2 entries."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if not input.dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    pairs = input.new_ones((n, n), dtype=D.bool_).triu(1).nonzero()  # (i, j), i < j, in row-major order
    return vector_norm(input[pairs[:, 0]] - input[pairs[:, 1]], p, -1)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim of the broadcast shape."""
    return vector_norm(x1 - x2 + eps, p, max(x1.ndim, x2.ndim) - 1, keepdim)


@opmath
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum_dim (x1 / max(||x1||, eps)) (x2 / max(||x2||, eps)), x1 and x2 broadcast."""
    x1, x2 = broadcast_tensors(x1, x2)
    if not x1.dtype.is_floating_point and not x2.dtype.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{x1.dtype.scalar_name}")

    def unit(x: Tensor) -> Tensor:
        norm = vector_norm(x, 2, dim, True)
        return x / (norm + (norm.clamp_min(eps) - norm).detach())  # the clamped value, the norm's gradient
    return (unit(x1) * unit(x2)).sum(dim)


__all__ = ["cdist", "pdist", "pairwise_distance", "cosine_similarity"]
METHODS: dict = {}
