"""BLAS-style fused forms: out = beta * input + alpha * (a product), composed from the matrix products.

    addmm(M, A, B)       = beta M + alpha A @ B                       A (n, k), B (k, p)
    addmv(v, A, x)       = beta v + alpha A @ x                       A (n, k), x (k)
    addr(M, x, y)        = beta M + alpha x y^T                       x (n), y (p)
    baddbmm(M, A, B)     = beta M + alpha A[b] @ B[b]   for each b    A (b, n, k), B (b, k, p)
    addbmm(M, A, B)      = beta M + alpha sum_b A[b] @ B[b]

`input` broadcasts to the product's shape (never the other way). Derivatives, with G = dL/dout:
dL/dinput = beta G (summed over broadcast dims), and the product's own rule scaled by alpha, e.g.
dL/dA = alpha G B^T, dL/dB = alpha A^T G for addmm. As in PyTorch, beta = 0 ignores input entirely
(its NaN and inf do not reach the result, and its gradient is zero). float16 / bfloat16 compute in float32 and
round once (`opmath`), as PyTorch's CPU GEMMs accumulate and apply alpha and beta in float32.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ._autocast import LOWER_PRECISION_FP, autocast_policy
from ._opmath import opmath
from .inplace import inplace
from .linalg import bmm, mm, mv


def _scaled_sum(input: Tensor, beta, product: Tensor, alpha) -> Tensor:
    """beta * input + alpha * product, input broadcast to product's shape."""
    input = input.expand(product.shape)  # raises PyTorch's expand error when input cannot broadcast
    if not (product.dtype.is_floating_point or product.dtype.is_complex):  # integer or bool: scalars cast to it
        cast = bool if product.dtype is D.bool_ else int
        alpha, beta = cast(alpha), cast(beta)
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # input is ignored; a zero term still gives it PyTorch's (zero) gradient
        return product + input.nan_to_num(0.0, 0.0, 0.0) * 0 if input.requires_grad else product
    return product + (input if beta == 1 else input * beta)


@autocast_policy(LOWER_PRECISION_FP)  # on PyTorch's CPU autocast list
@opmath
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta input + alpha mat1 @ mat2;  d/dmat1 = alpha G mat2^T, d/dmat2 = alpha mat1^T G, d/dinput = beta G."""
    return _scaled_sum(input, beta, mm(mat1, mat2), alpha)


@opmath
def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta input + alpha mat @ vec;  d/dmat = alpha G vec^T, d/dvec = alpha mat^T G, d/dinput = beta G."""
    return _scaled_sum(input, beta, mv(mat, vec), alpha)


@opmath
def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta input + alpha vec1 vec2^T;  d/dvec1 = alpha G vec2, d/dvec2 = alpha G^T vec1, d/dinput = beta G."""
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.ndim}-D")
    return _scaled_sum(input, beta, vec1.unsqueeze(1) * vec2.unsqueeze(0), alpha)


@autocast_policy(LOWER_PRECISION_FP)  # on PyTorch's CPU autocast list
@opmath
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta input + alpha batch1 @ batch2 (batched);  d/dbatch1 = alpha G batch2^T, d/dbatch2 = alpha batch1^T G."""
    return _scaled_sum(input, beta, bmm(batch1, batch2), alpha)


@autocast_policy(LOWER_PRECISION_FP)  # on PyTorch's CPU autocast list
@opmath
def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta input + alpha sum_b batch1[b] @ batch2[b];  d/dbatch1[b] = alpha G batch2[b]^T,
    d/dbatch2[b] = alpha batch1[b]^T G."""
    for name, t in (("batch1", batch1), ("batch2", batch2)):
        if t.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    b, n, k = batch1.shape
    if batch2.shape[0] != b:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {b} and {batch2.shape[0]}")
    if batch2.shape[1] != k:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({n}x{k} and {batch2.shape[1]}x{batch2.shape[2]})")
    # one product sums over b and k together: [A_0 .. A_b-1] (n, b k) @ [B_0; ..; B_b-1] (b k, p)
    product = mm(batch1.permute(1, 0, 2).reshape(n, b * k), batch2.reshape(b * k, -1))
    return _scaled_sum(input, beta, product, alpha)


def _inplace_form(fn):
    def method(self: Tensor, a: Tensor, b: Tensor, *, beta=1, alpha=1) -> Tensor:
        return inplace(self, lambda x, a, b: fn(x, a, b, beta=beta, alpha=alpha), a, b, name=fn.__name__ + "_")
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place {fn.__name__}: the result is written into self."
    return method


__all__ = ["addmm", "addmv", "addr", "baddbmm", "addbmm"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": _inplace_form(globals()[name]) for name in __all__})
