"""Sparse CSR matrices: PyTorch's ``sparse_csr`` layout for 2-D tensors, on the COO machinery of `sparse.py`.

A CSR matrix of size (n, m) stores its entries row by row: ``col_indices`` and ``values`` (nnz each, sorted
by row then column) and ``crow_indices`` (n + 1 row pointers: row r's entries are positions
crow[r] .. crow[r+1] - 1). It is always coalesced. `SparseCsrTensor` keeps the (row, col) pairs as its
``_indices_t`` (rows recovered from the pointers by a binary search), so to_dense, values() and
`mytorch.sparse.mm` are COO's, and its gradient on its own pattern comes back as CSR (`FromValues` with the
row pointers). Beyond COO it has PyTorch's CSR-only ops: ``mm(csr, dense, reduce)`` and `sampled_addmm`.
"""
from __future__ import annotations

from typing import Any

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import conj
from .creation import arange, tensor
from .joining import stack
from .sorting import searchsorted
from .sparse import (LAYOUTS, FromValues, SparseTensor, Values, _dense_tensor, _make, _read_at, _unsupported,
                     _values)

SPARSE_CSR = "sparse_csr"


class SparseCsrTensor(SparseTensor):
    """A 2-D tensor in PyTorch's sparse CSR layout (see the module docstring)."""

    __slots__ = ()

    is_sparse = False  # PyTorch's is_sparse means COO
    is_sparse_csr = True

    def crow_indices(self) -> Tensor:
        """The n + 1 row pointers."""
        return self._crow_t.detach()

    def col_indices(self) -> Tensor:
        """Each stored entry's column."""
        return self._indices_t[1].detach()

    def values(self) -> Tensor:
        """The stored values, on the graph (their gradient is CSR on this pattern)."""
        return Values.apply(self)

    def to_sparse(self, sparse_dim: int | None = None, *, layout: str | None = None, blocksize=None,
                  dense_dim: int | None = None) -> SparseTensor:
        """The same matrix as a coalesced COO tensor."""
        return FromValues.apply(_values(self), self._indices_t, tuple(self.shape), True)

    def to_sparse_csr(self, dense_dim: int | None = None) -> "SparseCsrTensor":
        return self

    def add(self, other: Tensor, *, alpha: Any = 1) -> "SparseCsrTensor":
        """csr + csr: the CSR matrix of the sum, on the union of both patterns (through COO's add)."""
        if not isinstance(other, SparseCsrTensor):
            raise NotImplementedError(_unsupported("add", SPARSE_CSR) + " (here a CSR tensor adds to a CSR one "
                                      "only; write dense + csr for a dense sum)")
        return self.to_sparse().add(other.to_sparse(), alpha=alpha).to_sparse_csr()

    __add__ = add

    def _repr_fields(self) -> list[tuple[str, Tensor]]:
        return [("crow_indices", self._crow_t), ("col_indices", self._indices_t[1])]


LAYOUTS[SPARSE_CSR] = SparseCsrTensor


def _csr(values: Tensor, rows: Tensor, cols: Tensor, size: tuple) -> SparseCsrTensor:
    """The CSR matrix of `values` at the (row, col) pairs, sorted row-major."""
    crow = searchsorted(rows, arange(size[0] + 1, device=str(rows.device)))
    return FromValues.apply(values, stack([rows, cols]), size, True, crow)


def to_sparse_csr(input: Tensor, dense_dim: int | None = None) -> SparseCsrTensor:
    """The CSR matrix of a 2-D dense tensor's nonzero entries (or of a 2-D COO tensor)."""
    if isinstance(input, SparseTensor):
        s = input.coalesce()
        return _csr(_values(s), s._indices_t[0], s._indices_t[1], tuple(s.shape))
    x = _dense_tensor(input, "to_sparse_csr", "input")
    if x.ndim != 2 or dense_dim:
        raise NotImplementedError(f"to_sparse_csr: mytorch's CSR tensors are 2-D with no dense dims, got a "
                                  f"{x.ndim}-D tensor and dense_dim={dense_dim}")
    rows, cols = (x.detach() != 0).nonzero().t()
    return _csr(x[rows, cols], rows, cols, tuple(x.shape))


def sparse_csr_tensor(crow_indices: Any, col_indices: Any, values: Any, size: Any = None, *,
                      dtype: D.dtype | None = None, device: Any = None, requires_grad: bool = False,
                      check_invariants: bool | None = None) -> SparseCsrTensor:
    """The CSR matrix of `values` at `col_indices`, row r holding positions crow_indices[r] .. [r+1] - 1;
    `size` defaults to (rows, largest column + 1). The invariants are always checked."""
    crow, cols = [(x if isinstance(x, Tensor) else tensor(x, device=device)).detach().to(D.int64)
                  for x in (crow_indices, col_indices)]
    values = values if isinstance(values, Tensor) else tensor(values, dtype=dtype, device=device)
    if dtype is not None and values.dtype is not dtype:
        values = values.to(dtype)
    if crow.ndim != 1 or cols.ndim != 1 or values.ndim != 1:
        raise RuntimeError(f"sparse_csr_tensor: mytorch's CSR tensors are 2-D without batch or dense dims: "
                           f"crow_indices, col_indices and values must be 1-D, got {crow.ndim}-D, {cols.ndim}-D "
                           f"and {values.ndim}-D")
    nnz = cols.shape[0]
    if size is None:
        size = (crow.shape[0] - 1, int(cols.max()) + 1 if nnz else 0)
    size = tuple(int(s) for s in size)
    diffs = crow[1:] - crow[:-1]
    if len(size) != 2 or crow.shape[0] != size[0] + 1 or values.shape[0] != nnz or int(crow[0]) != 0 \
            or int(crow[-1]) != nnz or bool((diffs < 0).any()):
        raise RuntimeError(f"sparse_csr_tensor: invalid CSR for size {list(size)}: crow_indices must be "
                           f"{size[0] + 1 if size else '?'} nondecreasing pointers from 0 to nnz = {nnz}, with "
                           f"{nnz} col_indices and values")
    if nnz and (bool((cols < 0).any()) or int(cols.max()) >= size[1]):
        raise RuntimeError(f"sparse_csr_tensor: col_indices must lie in [0, {size[1]})")
    rows = searchsorted(crow[1:], arange(nnz, device=str(crow.device)), right=True)
    out = FromValues.apply(values, stack([rows, cols]), size, True, crow)
    return out.requires_grad_(True) if requires_grad else out


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
        rows, cols = input._indices_t
        products = (mat1[rows] * mat2.t()[cols]).sum(-1) * alpha
        # beta * input even when beta is 0: PyTorch's sampled_addmm keeps a NaN/inf of input (addmm does not)
        return _make(input._indices_t, input._values_t * beta + products, tuple(input.shape), True, input._crow_t)

    @staticmethod
    def backward(ctx, g):
        mat1, mat2 = ctx.saved_tensors
        (rows, cols), beta, alpha = ctx.meta
        d_input = g * conj(beta)
        gv = _read_at(g, ctx.meta[0], tuple(g.shape)) * conj(alpha)
        d_mat1 = mat1.new_zeros(mat1.shape).index_add(0, rows, gv.unsqueeze(1) * conj(mat2.t()[cols]))
        d_mat2 = mat2.new_zeros(mat2.shape[::-1]).index_add(0, cols, gv.unsqueeze(1) * conj(mat1[rows])).t()
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
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if _dense_tensor(m, "sampled_addmm", name).ndim != 2 or m.dtype is not input.dtype:
            raise RuntimeError(f"sampled_addmm: Expected {name} to be a 2-D strided matrix of {input.dtype}, got "
                               f"{m.ndim}-D {m.dtype}")
    n, m = input.shape
    if mat1.shape[0] != n or mat2.shape[1] != m or mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"sampled_addmm: input {list(input.shape)}, mat1 {list(mat1.shape)} and mat2 "
                           f"{list(mat2.shape)} do not make input + mat1 @ mat2")
    return SampledAddmm.apply(input, mat1, mat2, beta, alpha)


__all__ = ["sparse_csr_tensor"]
METHODS = {"to_sparse_csr": to_sparse_csr}
