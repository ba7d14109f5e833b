"""Matrix products. ``matmul`` is a backend primitive (BLAS), not multiply + sum.

For C = A @ B:  dA = dC @ B^T,  dB = A^T @ dC. Batch dims broadcast like
elementwise ops, and the engine sums the gradient back over them. 1-D
operands are treated as a row (left) or a column (right) vector and the
added dim is dropped again, as in PyTorch.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import broadcast_shapes, conj
from ._autocast import LOWER_PRECISION_FP, autocast_policy
from .sparse import SparseTensor
from .sparse import dense_grad_mm, matmul as sparse_matmul


def _check(a: Tensor, b: Tensor, op: str) -> None:
    """Validate matmul operands; the common case (same dtype, inner sizes agree) costs two comparisons."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        sa, sb = a._data.shape, b._data.shape
        if sa and sb and sa[-1] == sb[-2 if len(sb) > 1 else 0] and (len(sa) <= 2 or len(sb) <= 2) \
                and a._backend.dtype_of(a._data) is b._backend.dtype_of(b._data):
            return
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{op}(): argument 'other' must be Tensor, not "
                        f"{type(b if isinstance(a, Tensor) else a).__name__}")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to {op} need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}")
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k_a != k_b:
        if a.ndim == 1 and b.ndim == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{k_a}] and src [{k_b}] to have the "
                               f"same number of elements, but got {k_a} and {k_b} elements respectively")
        raise RuntimeError(f"{op}: mat1 and mat2 shapes cannot be multiplied "
                           f"({'x'.join(map(str, a.shape))} and {'x'.join(map(str, b.shape))})")
    if a.ndim > 2 and b.ndim > 2:
        broadcast_shapes(a.shape[:-2], b.shape[:-2], op=op)


class MatMul(Function):
    """C = A @ B;  dA = dC @ B^H, dB = A^H @ dC (^H: the conjugate transpose; ^T for real)."""

    _grad_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        if ctx._recording:
            need_a, need_b = ctx.needs_input_grad
            ctx.ndims = (a.ndim, b.ndim)
            ctx.save_for_backward(a if need_b else None, b if need_a else None)
        if a.dtype in D.LIMITED:  # PyTorch's CPU matmul kernels lack uint16/32/64 and complex32
            raise NotImplementedError(f"\"addmm_impl_cpu_\" not implemented for '{a.dtype.scalar_name}'")
        be = a._backend
        return Tensor._make(be.matmul(a._data, b._data), be)

    @staticmethod
    def backward(ctx, g):
        a, b = (conj(t) for t in ctx.saved_tensors)
        need_a, need_b = ctx.needs_input_grad
        a_ndim, b_ndim = ctx.ndims
        if a_ndim == 1 and b_ndim == 1:
            return (g * b if need_a else None), (g * a if need_b else None)
        if a_ndim == 1:
            g2 = g.unsqueeze(-2)
            return ((g2 @ b.mT).squeeze(-2) if need_a else None), (a.unsqueeze(-1) @ g2 if need_b else None)
        if b_ndim == 1:
            g2 = g.unsqueeze(-1)
            return (g2 @ b.unsqueeze(-2) if need_a else None), ((a.mT @ g2).squeeze(-1) if need_b else None)
        return (g @ b.mT if need_a else None), (a.mT @ g if need_b else None)


@autocast_policy(LOWER_PRECISION_FP)
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with PyTorch's 1-D and batch-broadcast rules; a sparse operand goes to `sparse.mm`."""
    if isinstance(input, SparseTensor) or isinstance(other, SparseTensor):
        return sparse_matmul(input, other)
    _check(input, other, "matmul")
    return MatMul.apply(input, other)


@autocast_policy(LOWER_PRECISION_FP)
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two 2-D matrices; a sparse operand goes to `sparse.dense_grad_mm` (its gradient dense)."""
    if isinstance(input, SparseTensor) or isinstance(mat2, SparseTensor):
        return dense_grad_mm(input, mat2)
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm(): self must be a matrix and mat2 must be a matrix, got {input.ndim}-D and "
                           f"{mat2.ndim}-D tensors")
    _check(input, mat2, "mm")
    return MatMul.apply(input, mat2)


@autocast_policy(LOWER_PRECISION_FP)
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two batches of matrices, shapes (b, n, k) and (b, k, m)."""
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm(): batch1 must be a 3D tensor and batch2 must be a 3D tensor, got "
                           f"{input.ndim}-D and {mat2.ndim}-D")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm(): batch1 and batch2 must have the same batch size, got {input.shape[0]} and "
                           f"{mat2.shape[0]}")
    _check(input, mat2, "bmm")
    return MatMul.apply(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix (n, k) times vector (k); a sparse matrix goes to `sparse.matmul`."""
    if isinstance(input, SparseTensor):
        return input.mv(vec)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"mv(): vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}")
    _check(input, vec, "mv")
    return MatMul.apply(input, vec)


def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    _check(input, other, "dot")
    return MatMul.apply(input, other)



def vdot(input: Tensor, other: Tensor) -> Tensor:
    """sum_i conj(input_i) other_i: the inner product of 1-D tensors, conjugating the first (as `dot` for real
    tensors); differentiable through `conj` and `dot`."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    return dot(conj(input), other)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """out[i, j] = input[i] * vec2[j]."""
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer(): expected 1-D tensors, got {input.ndim}-D and {vec2.ndim}-D")
    return input.unsqueeze(1) * vec2.unsqueeze(0)


ger = outer


__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "outer", "ger"]
METHODS = {"matmul": matmul, "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "vdot": vdot, "outer": outer, "ger": ger,
           "__matmul__": matmul, "__rmatmul__": lambda self, other: matmul(other, self)}
