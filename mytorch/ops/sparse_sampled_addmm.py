"""``torch.sparse.sampled_addmm``: beta * input + alpha * (mat1 @ mat2) computed only at the stored positions
of a CSR input (PyTorch's CSR-only op; a batched input with batches of mat1 and mat2 of its batch size), with
its own Function so only nnz dot products are formed."""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from ..autograd.function import Function
from ._util import conj
from .sparse import SparseTensor, _dense_tensor, _make, _read_at
from .sparse_compressed import SparseCsrTensor


class SampledAddmm(Function):
    """out = beta * input + alpha * (mat1 @ mat2) at input's stored positions (r_j, c_j) only: value j is
    beta v_j + alpha <mat1[r_j], mat2[:, c_j]>, so only nnz dot products are computed. Its derivatives, as
    PyTorch's (conjugated for complex): input gets beta g whole, in g's own layout (PyTorch does not restrict
    it to input's pattern here); with g_j = g at (r_j, c_j), d mat1[r] = alpha sum_{r_j = r} g_j mat2[:, c_j]
    and d mat2[:, c] = alpha sum_{c_j = c} g_j mat1[r_j]."""

    @staticmethod
    def forward(ctx, input, mat1, mat2, beta, alpha):
        ctx._name = "SparseSampledAddmmBackward0"
        ctx.save_for_backward(mat1, mat2)
        ctx.meta = (input._indices_t, beta, alpha)
        *batch, rows, cols = input._indices_t
        at = tuple(batch)
        products = (mat1[at + (rows,)] * mat2.transpose(-2, -1)[at + (cols,)]).sum(-1) * alpha
        # beta * input even when beta is 0: PyTorch's sampled_addmm keeps a NaN/inf of input (addmm does not)
        return _make(input._indices_t, input._values_t * beta + products, tuple(input.shape), True, input._compressed)

    @staticmethod
    def backward(ctx, g):
        mat1, mat2 = ctx.saved_tensors
        indices, beta, alpha = ctx.meta
        *batch, rows, cols = indices
        at, mat2_t = tuple(batch), mat2.transpose(-2, -1)
        d_input = g * conj(beta)
        gv = _read_at(g, indices, tuple(g.shape)) * conj(alpha)
        d_mat1 = mat1.new_zeros(mat1.shape).index_put(at + (rows,), gv.unsqueeze(1) * conj(mat2_t[at + (cols,)]),
                                                      accumulate=True)
        d_mat2 = mat2_t.new_zeros(mat2_t.shape).index_put(at + (cols,), gv.unsqueeze(1) * conj(mat1[at + (rows,)]),
                                                          accumulate=True).transpose(-2, -1)
        return d_input, d_mat1, d_mat2, None, None


def sampled_addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1.0, alpha: Any = 1.0,
                  out: Tensor | None = None) -> SparseCsrTensor:
    """beta * input + alpha * (mat1 @ mat2) sampled at a CSR input's pattern (`SampledAddmm`), a CSR matrix."""
    if not isinstance(input, SparseCsrTensor):
        backend = "SparseCPU" if isinstance(input, SparseTensor) else "CPU"
        raise NotImplementedError(f"Could not run 'aten::sparse_sampled_addmm' with arguments from the '{backend}' "
                                  f"backend: it takes a sparse CSR input (mytorch.sparse_csr_tensor or "
                                  f"to_sparse_csr)")
    if out is not None:
        raise NotImplementedError("sampled_addmm: out= is not supported by mytorch")
    if input.dense_dim():
        raise RuntimeError("sampled_addmm: Expected non-hybrid self tensor")
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if _dense_tensor(m, "sampled_addmm", name).ndim < 2 or m.dtype is not input.dtype:
            raise RuntimeError(f"sampled_addmm: Expected {name} to be a strided matrix (or a batch of them) of "
                               f"{input.dtype}, got {m.ndim}-D {m.dtype}")
    for (a, x), (b, y) in ((("self", input), ("mat1", mat1)), (("mat1", mat1), ("mat2", mat2))):
        if tuple(x.shape[:-2]) != tuple(y.shape[:-2]):
            raise RuntimeError(f"sampled_addmm: Expected {a} and {b} to have the same batch size, but got "
                               f"{list(x.shape[:-2])} and {list(y.shape[:-2])}")
    n, m = input.shape[-2:]
    if mat1.shape[-2] != n or mat2.shape[-1] != m or mat1.shape[-1] != mat2.shape[-2]:
        raise RuntimeError(f"sampled_addmm: input {list(input.shape)}, mat1 {list(mat1.shape)} and mat2 "
                           f"{list(mat2.shape)} do not make input + mat1 @ mat2")
    return SampledAddmm.apply(input, mat1, mat2, beta, alpha)
