"""Sparse COO tensors: PyTorch's ``sparse_coo`` layout, built on dense tensor ops.

A sparse COO tensor of size (s_0, ..., s_{k-1}, d_0, ...) holds ``indices``, an int64 tensor of shape
(k, nnz) (k = sparse_dim: column j names one position in the first k dims), and ``values`` of shape
(nnz, d_0, ...) (dense_dim trailing dims stored whole at each position). Its dense equivalent is

    dense[indices[:, j]] += values[j]          for every column j,

so a position listed twice (an *uncoalesced* tensor) holds the sum of its entries. ``coalesce()`` sorts
the positions (row-major, as their linear index) and sums duplicates; ``is_coalesced()`` records that.

`SparseCooTensor` is a Tensor subclass, so the dense Tensor gains no field and no branch: its ``_data`` is
a `_Meta` (shape and dtype, no storage) and its ``_backend`` a `_SparseBackend`, which answers the
metadata autograd reads (dtype, device) and raises NotImplementedError naming the primitive and the
SparseCPU backend for everything else, so a dense op given a sparse tensor fails loudly instead of
reading memory that is not there. Tensor methods the layout does not implement are replaced on the
subclass by stubs raising PyTorch's "Could not run 'aten::NAME' with arguments from the 'SparseCPU'
backend".

Autograd goes through two Functions: `FromValues` (indices, values -> sparse; the gradient of the values
is the upstream gradient read at the indices) and `Values` (sparse -> values; the gradient of the sparse
tensor is the upstream gradient on its own pattern, PyTorch's sparse gradient). Every other op
(coalesce, to_dense, sparse.mm, sparse.sum) is dense ops on the values between those two, so autograd
differentiates it, twice if asked.
"""
from __future__ import annotations

import functools
import operator
from typing import Any, NamedTuple, Sequence

from .. import _dtype as D
from .._tensor import Size, Tensor
from ..autograd.function import Function
from .binary import where
from .creation import arange, full, tensor, zeros
from .indexing import index_put
from .inplace import check_leaf
from .joining import cat
from .sorting import searchsorted, unique
from .sparse_invariants import checking

SPARSE_COO = "sparse_coo"


_BACKEND_NAMES = {SPARSE_COO: "SparseCPU", "sparse_csr": "SparseCsrCPU", "sparse_csc": "SparseCsrCPU",
                  "sparse_bsr": "SparseCsrCPU", "sparse_bsc": "SparseCsrCPU"}


def _unsupported(op: str, layout: str = SPARSE_COO) -> str:
    return (f"Could not run 'aten::{op}' with arguments from the '{_BACKEND_NAMES[layout]}' backend: mytorch runs "
            f"it on strided (dense) tensors only, and this argument is a {layout} tensor. Sparse tensors support "
            f"to_dense(), values(), clone/detach/to(dtype), t(), mul by a number or 0-d tensor, add of two of one "
            f"layout, conversions between layouts and mytorch.sparse.mm; COO and CSR ones mul by a dense or a sparse "
            f"tensor; COO ones also coalesce(), indices(), division by a number, mytorch.sparse.sum and softmax; "
            f"compressed ones sum() and integer indexing of their batch dims (and of a CSR or CSC matrix's rows and "
            f"columns); CSR ones sum(dim, keepdim=True) and mytorch.sparse.sampled_addmm. Call .to_dense() for "
            f"anything else.")


class _Meta:
    """A sparse tensor's ``_data``: the shape and dtype autograd's bookkeeping reads, and no storage."""

    __slots__ = ("shape", "dtype", "layout")

    def __init__(self, shape: tuple, dtype: D.dtype, layout: str) -> None:
        self.shape, self.dtype, self.layout = shape, dtype, layout

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __getattr__(self, name: str):
        raise NotImplementedError(_unsupported(name, self.layout))


class _SparseBackend:
    """A sparse tensor's ``_backend``: device and dtype of the values' backend; any primitive raises."""

    def __init__(self, dense, layout: str) -> None:
        self.dense, self.layout = dense, layout
        self.device_type, self.name = dense.device_type, dense.name

    def dtype_of(self, meta: _Meta) -> D.dtype:
        return meta.dtype

    def owns_memory(self, meta: _Meta) -> bool:
        return False  # .grad takes a copy of a sparse gradient, never the object

    def is_contiguous(self, meta: _Meta) -> bool:
        return False

    def reject_mixed(self) -> None:
        raise NotImplementedError(f"Could not run a strided (dense) op on a {self.layout} tensor together with "
                                  f"strided ones: call .to_dense() on the sparse one first, or use mytorch.sparse's "
                                  f"ops (mm, sum)")

    def __getattr__(self, primitive: str):
        raise NotImplementedError(_unsupported(primitive, self.layout))


_SPARSE_BACKENDS: dict[tuple[int, str], _SparseBackend] = {}
# layout -> its Tensor subclass (`sparse_compressed.py` adds CSR's, CSC's and BSR's)
LAYOUTS: dict[str, type] = {}


class Compressed(NamedTuple):
    """What a compressed layout (`sparse_compressed.py`) keeps beyond COO's indices and values: its layout, its
    pointers (CSR's and BSR's crow_indices, CSC's ccol_indices), BSR's block size (None for CSR and CSC) and, for
    a batch of no matrices, the nnz its arrays give each (which its empty entries no longer tell)."""
    layout: str
    pointers: Tensor
    blocksize: tuple[int, int] | None = None
    empty_batch_nnz: int = 0


def _make(indices: Tensor, values: Tensor, size: tuple, coalesced: bool,
          compressed: Compressed | None = None) -> "SparseTensor":
    """A sparse tensor over `indices` and `values` as given (no copy, no check, no graph): a compressed layout
    when `compressed` is given (then `indices` are its (row, col) pairs, of blocks for BSR, in its order), COO
    otherwise."""
    layout = SPARSE_COO if compressed is None else compressed.layout
    key = (id(values._backend), layout)
    be = _SPARSE_BACKENDS.get(key)  # one per dense backend, shared as dense tensors share theirs
    if be is None:
        be = _SPARSE_BACKENDS[key] = _SparseBackend(values._backend, layout)
    t = LAYOUTS[layout]._make(_Meta(Size(size), values.dtype, layout), be)
    t._indices_t, t._values_t, t._coalesced, t._compressed = indices, values, coalesced, compressed
    return t


def _linear(indices: Tensor, size: Sequence[int]) -> Tensor:
    """Each column's row-major position among the sparse dims: sum_i indices[i] * prod(size[i+1:k])."""
    key = indices.new_zeros(indices.shape[1:])
    for i, s in enumerate(size):
        key = key * s + indices[i]
    return key


def _read_at(g: Tensor, indices: Tensor, size: Sequence[int]) -> Tensor:
    """The entries of `g` (dense, or sparse of the same size) at the positions `indices`, shape (nnz, *dense):
    what a gradient on a sparse tensor's pattern is. A sparse `g` is looked up by binary search among its
    coalesced positions (a compressed one as COO); positions it does not list read 0."""
    if not isinstance(g, SparseTensor):
        return g[tuple(indices)]
    if g._compressed is not None:
        g = g.to_sparse()
    if not g._coalesced:
        g = g.coalesce()
    nnz = indices.shape[1]
    gv = _values(g)
    if g._indices_t.shape[1] == 0:
        return gv.new_zeros((nnz, *gv.shape[1:]))
    keys, want = _linear(g._indices_t, size), _linear(indices, size)
    pos = searchsorted(keys, want).clamp(max=keys.shape[0] - 1)
    hit = (keys[pos] == want).reshape((nnz,) + (1,) * (gv.ndim - 1))
    return where(hit, gv[pos], gv.new_zeros(()))


def _read_blocks(g: Tensor, indices: Tensor, size: Sequence[int], blocksize: tuple[int, int]) -> Tensor:
    """The (R, C) blocks of `g` (a (*batch, n, m, *dense) gradient, any layout) at the block positions `indices`
    (batch indices, block row, block column), shape (nnz, R, C, *dense): what a gradient on a BSR tensor's
    pattern is."""
    g = g.to_dense() if isinstance(g, SparseTensor) else g
    nb, (r, c) = len(size) - 2, blocksize
    (n, m), dense = size[nb:], tuple(g.shape[nb + 2:])
    blocks = g.reshape(tuple(size[:nb]) + (n // r, r, m // c, c) + dense)
    blocks = blocks.permute(list(range(nb)) + [nb, nb + 2, nb + 1, nb + 3] + list(range(nb + 4, blocks.ndim)))
    return blocks[tuple(indices)]


def _coalesce(indices: Tensor, values: Tensor, size: Sequence[int], mean: bool = False) -> tuple[Tensor, Tensor]:
    """The sorted unique positions among `indices` and, for each, the sum (or the mean) of its values."""
    k = indices.shape[0]
    keys, inverse, counts = unique(_linear(indices, size[:k]), sorted=True, return_inverse=True, return_counts=True)
    summed = values.new_zeros((keys.shape[0], *values.shape[1:])).index_add(0, inverse, values)
    if mean:
        summed = summed / counts.reshape((-1,) + (1,) * (values.ndim - 1)).to(values.dtype)
    rows = []
    for s in reversed(size[:k]):
        rows.append(keys % s)
        keys = keys // s
    return cat([r.unsqueeze(0) for r in reversed(rows)]), summed


def _merge_walk(a: list[int], b: list[int]) -> tuple[list[int], list[int]]:
    """The positions of a + b as PyTorch's CPU kernel lists them: it walks both position lists (linear
    positions `a`, `b`) at once as a merge of sorted lists, taking the smaller head, or both heads (summed)
    when equal. For each output entry: its index in `a` and in `b`, -1 for the side that adds nothing."""
    i = j = 0
    from_a, from_b = [], []
    while i < len(a) or j < len(b):
        take_a = j >= len(b) or (i < len(a) and a[i] <= b[j])
        take_b = i >= len(a) or (j < len(b) and b[j] <= a[i])
        from_a.append(i if take_a else -1)
        from_b.append(j if take_b else -1)
        i, j = i + take_a, j + take_b
    return from_a, from_b


class FromValues(Function):
    """sparse = (indices, values): the sparse tensor of `values` at `indices` (a compressed layout when
    `compressed` is given). Its derivative: the values' gradient is the upstream gradient (dense or sparse)
    read at the indices, d values[j] = g[indices[:, j]] (BSR: the block there)."""

    @staticmethod
    def forward(ctx, values, indices, size, coalesced, compressed=None):
        ctx._name = "SparseCooTensorWithDimsAndTensorsBackward0" if compressed is None else \
            f"Sparse{_REPR_NAMES[compressed.layout][len('Sparse'):]}TensorBackward0"
        ctx.meta = (indices, size[:indices.shape[0]], None if compressed is None else compressed.blocksize)
        return _make(indices, values.detach(), size, coalesced, compressed)

    @staticmethod
    def backward(ctx, g):
        indices, sparse_size, blocksize = ctx.meta
        read = _read_at(g, indices, sparse_size) if blocksize is None else \
            _read_blocks(g, indices, sparse_size, blocksize)
        return read, None, None, None, None


class Values(Function):
    """values = s.values(): the gradient of s is the upstream gradient on s's own pattern (sparse, coalesced:
    duplicates of an uncoalesced s each receive it and coalescing adds them up)."""

    @staticmethod
    def forward(ctx, s):
        ctx._name = "ValuesBackward0"
        ctx.meta = (s._indices_t, tuple(s.shape), s._coalesced, s._compressed)
        return s._values_t.detach()

    @staticmethod
    def backward(ctx, g):
        indices, size, coalesced, compressed = ctx.meta
        if not coalesced:
            # the copies of one position each received that position's gradient (every op reads an uncoalesced
            # tensor as its dense sum, in which the copies have the same coefficient): one of them, their mean
            indices, g = _coalesce(indices, g, size, mean=True)
        return FromValues.apply(g, indices, size, True, compressed)


def _values(s: "SparseTensor") -> Tensor:
    """s's values, on the graph when s is."""
    return Values.apply(s) if s._requires_grad else s._values_t


def _cast(dtype: D.dtype):
    """A method converting a sparse tensor's values to `dtype` (``Tensor.double`` and its siblings)."""
    def convert(self: "SparseTensor") -> "SparseTensor":
        return self.to(dtype)
    convert.__doc__ = f"The tensor with its values converted to {dtype}."
    return convert


class SparseTensor(Tensor):
    """What the sparse layouts share: a sparse tensor is its positions ``_indices_t`` (sparse_dim, nnz) and
    ``_values_t`` (nnz, *dense sizes), plus a compressed layout's ``_compressed`` (None for COO)."""

    __slots__ = ("_indices_t", "_values_t", "_coalesced", "_compressed")

    @property
    def layout(self) -> str:
        """The memory layout."""
        return self._backend.layout

    @property
    def data(self) -> "SparseTensor":
        """This tensor outside autograd."""
        return self.detach()

    def _nnz(self) -> int:
        """The number of stored positions, duplicates included."""
        return self._indices_t.shape[1]

    def sparse_dim(self) -> int:
        """The number of sparse dims (the rows of indices)."""
        return self._indices_t.shape[0]

    def dense_dim(self) -> int:
        """The number of dense dims (those of each stored value)."""
        return self._values_t.ndim - 1

    def to_dense(self, dtype: D.dtype | None = None, *, masked_grad: bool | None = None) -> Tensor:
        """The dense tensor: zeros with each stored value added at its position. PyTorch takes no dtype here."""
        if dtype is not None:
            raise RuntimeError("dtype argument is not supported by sparse_to_dense")
        v = _values(self)
        if self.sparse_dim() == 0:  # no sparse dims: every stored value sits at the one position, ()
            return v.sum(0)
        return index_put(v.new_zeros(tuple(self.shape)), tuple(self._indices_t), v, accumulate=True)

    def detach(self) -> "SparseTensor":
        """This tensor cut from the graph, sharing indices and values."""
        t = _make(self._indices_t, self._values_t, tuple(self.shape), self._coalesced, self._compressed)
        t._version_counter = self._version_counter
        return t

    def clone(self, *, memory_format: Any = None) -> "SparseTensor":
        """A copy with its own indices and values (on the graph, like the values)."""
        c = self._compressed
        return FromValues.apply(_values(self).clone(), self._indices_t.clone(), tuple(self.shape), self._coalesced,
                                None if c is None else c._replace(pointers=c.pointers.clone()))

    def _map_values(self, f) -> "SparseTensor":
        """The sparse tensor of f(values) on the same pattern (f maps 0 to 0)."""
        return FromValues.apply(f(_values(self)), self._indices_t, tuple(self.shape), self._coalesced,
                                self._compressed)

    def to(self, *args: Any, **kwargs: Any) -> "SparseTensor":
        """The tensor with its values converted by ``Tensor.to`` (dtype; the cpu device)."""
        return self._map_values(lambda v: v.to(*args, **kwargs))

    def cpu(self) -> "SparseTensor":
        return self

    double, float, half, bfloat16 = (_cast(t) for t in (D.float64, D.float32, D.float16, D.bfloat16))
    long, int = _cast(D.int64), _cast(D.int32)

    def _scalar(self, other: Any, op: str) -> Any:
        """`other` when it is a Python number or a 0-d strided tensor (what scales a sparse tensor here)."""
        if isinstance(other, Tensor) and (isinstance(other, SparseTensor) or other.ndim != 0):
            raise NotImplementedError(_unsupported(op, self.layout) + f" (mytorch scales a sparse tensor by a number "
                                      f"or a 0-d tensor only; got a {other.layout} tensor of size "
                                      f"{list(other.shape)} for one of size {list(self.shape)})")
        return other

    def mul(self, other: Any) -> "SparseTensor":
        """The elementwise product (`sparse_mul.mul`): by a number or a 0-d tensor, the values scaled; by a
        dense or a sparse tensor, PyTorch's sparse product."""
        from .sparse_mul import mul  # the product is built on this module
        return mul(self, other)

    __mul__ = mul

    def __rmul__(self, other: Any) -> "SparseTensor":
        """other * self: PyTorch's layout rules read the left operand first."""
        from .sparse_mul import mul
        return mul(other, self)

    def div(self, other: Any) -> "SparseTensor":
        """The quotient by a Python number or a 0-d tensor (COO only, as in PyTorch)."""
        if self._compressed is not None:
            raise RuntimeError(f"unsupported tensor layout: {_REPR_NAMES[self.layout]} (mytorch divides sparse COO "
                               f"tensors only; multiply by the reciprocal instead)")
        other = self._scalar(other, "div")
        return self._map_values(lambda v: v / other)

    __truediv__ = div

    def neg(self) -> "SparseTensor":
        return self._map_values(operator.neg)

    __neg__ = neg

    def mm(self, mat2: Tensor) -> Tensor:
        """self @ mat2 for a dense mat2 (``torch.mm``: self's gradient dense)."""
        return dense_grad_mm(self, mat2)

    def matmul(self, other: Tensor) -> Tensor:
        """self @ other for a dense matrix or vector `other` (`matmul`)."""
        return matmul(self, other)

    __matmul__ = matmul

    def __rmatmul__(self, other: Tensor) -> Tensor:
        """other @ self for a dense `other` (Python tries this before the dense class's __matmul__)."""
        return matmul(other, self)

    def mv(self, vec: Tensor) -> Tensor:
        """self @ vec for a dense vector."""
        if self.ndim != 2:
            raise RuntimeError(f"vector + matrix @ vector expected, got 1, {self.ndim}, "
                               f"{vec.ndim if isinstance(vec, Tensor) else 0}")
        if not isinstance(vec, Tensor) or vec.ndim != 1 or isinstance(vec, SparseTensor):
            raise RuntimeError(f"mv(): expected a 1-D strided vector for the {self.layout} matrix of size "
                               f"{list(self.shape)}")
        return matmul(self, vec)

    def transpose(self, dim0: int, dim1: int) -> "SparseTensor":
        """The tensor with dims dim0 and dim1 swapped: itself when they are the same dim, else the transpose of
        a 2-D matrix (`t`)."""
        if self._wrap_dim(dim0, "transpose") == self._wrap_dim(dim1, "transpose"):
            return self
        if self.ndim != 2:
            raise NotImplementedError(_unsupported("transpose", self.layout) + f" (mytorch transposes 2-D sparse "
                                      f"matrices only, got size {list(self.shape)})")
        return self.t()

    def to_sparse_coo(self) -> "SparseTensor":
        """The same tensor in the COO layout (`to_sparse`)."""
        return self.to_sparse()

    def to_sparse_csr(self, dense_dim: int | None = None) -> "SparseTensor":
        """The same 2-D matrix in the CSR layout."""
        from .sparse_compressed import to_sparse_csr  # the compressed layouts are built on this module
        return to_sparse_csr(self, dense_dim)

    def to_sparse_csc(self, dense_dim: int | None = None) -> "SparseTensor":
        """The same 2-D matrix in the CSC layout."""
        from .sparse_compressed import to_sparse_csc
        return to_sparse_csc(self, dense_dim)

    def to_sparse_bsr(self, blocksize: Any, dense_dim: int | None = None) -> "SparseTensor":
        """The same 2-D matrix in the BSR layout with (R, C) blocks."""
        from .sparse_compressed import to_sparse_bsr
        return to_sparse_bsr(self, blocksize, dense_dim)

    def to_sparse_bsc(self, blocksize: Any, dense_dim: int | None = None) -> "SparseTensor":
        """The same 2-D matrix in the BSC layout with (R, C) blocks."""
        from .sparse_compressed import to_sparse_bsc
        return to_sparse_bsc(self, blocksize, dense_dim)

    def add_(self, other: "SparseTensor", *, alpha: Any = 1) -> "SparseTensor":
        """self += other, in place, with the layout's `add` pattern (how ``.grad`` accumulates sparse
        gradients)."""
        return self._become(self.add(other, alpha=alpha))

    __iadd__ = add_

    def mul_(self, other: Any) -> "SparseTensor":
        """self *= other, in place, with the product's pattern (`sparse_mul.mul`), which keeps self's layout."""
        check_leaf(self, "mul_")
        return self._become(self.mul(other))

    __imul__ = mul_

    def _become(self, result: "SparseTensor") -> "SparseTensor":
        """self holding `result`'s entries (an in-place op's result, outside autograd), its version bumped."""
        self._indices_t, self._values_t = result._indices_t, result._values_t.detach()
        self._coalesced, self._compressed = result._coalesced, result._compressed
        self._version_counter[0] += 1
        return self

    def __radd__(self, other: Any) -> Tensor:
        """dense + sparse: a dense tensor, as in PyTorch."""
        if isinstance(other, Tensor):
            return other + self.to_dense()
        raise NotImplementedError(_unsupported("add", self.layout) + " (a Python number plus a sparse tensor is "
                                  "dense in PyTorch: write x.to_dense() + number)")

    def numpy(self, force: bool = False):
        raise TypeError(f"can't convert {_REPR_NAMES[self.layout]} layout tensor to numpy. Use Tensor.to_dense() "
                        f"first.")

    __array__ = numpy

    def _repr_fields(self) -> list[tuple[str, Tensor]]:
        return [("indices", self._indices_t), ("values", self._values_t)]

    def __repr__(self) -> str:
        def nested(label: str, t: Tensor) -> str:
            pad = "\n" + " " * (len("tensor(") + len(label) + 1)
            return f"{label}=" + pad.join(repr(t.detach()).splitlines())
        fields = [f"size={tuple(self.shape)}", f"nnz={self._nnz()}"]
        if self.dtype is not D.get_default_dtype():
            fields.append(f"dtype={self.dtype}")
        fields.append(f"layout=mytorch.{self.layout}")
        if self.grad_fn is not None:
            fields.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            fields.append("requires_grad=True")
        parts = [nested(label, t) for label, t in self._repr_fields()]
        return "tensor(" + ",\n       ".join(parts + [", ".join(fields)]) + ")"


_REPR_NAMES = {SPARSE_COO: "Sparse", "sparse_csr": "SparseCsr", "sparse_csc": "SparseCsc", "sparse_bsr": "SparseBsr",
               "sparse_bsc": "SparseBsc"}


class SparseCooTensor(SparseTensor):
    """A tensor in PyTorch's sparse COO layout (see the module docstring): ``indices`` (sparse_dim, nnz)
    int64, ``values`` (nnz, *dense sizes)."""

    __slots__ = ()

    is_sparse = True

    def _indices(self) -> Tensor:
        """The indices as stored (coalesced or not), outside autograd."""
        return self._indices_t.detach()

    def _values(self) -> Tensor:
        """The values as stored (coalesced or not), outside autograd."""
        return self._values_t.detach()

    def indices(self) -> Tensor:
        """The indices of a coalesced tensor."""
        if not self._coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return self._indices_t.detach()

    def values(self) -> Tensor:
        """The values of a coalesced tensor, on the graph (their gradient is sparse on this pattern)."""
        if not self._coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return Values.apply(self)

    def is_coalesced(self) -> bool:
        """True when the positions are sorted and unique."""
        return self._coalesced

    def coalesce(self) -> "SparseCooTensor":
        """The same tensor with sorted, unique positions: duplicates' values summed."""
        if self._coalesced:
            return self
        indices, values = _coalesce(self._indices_t, _values(self), tuple(self.shape))
        return FromValues.apply(values, indices, tuple(self.shape), True)

    def to_sparse(self, sparse_dim: int | None = None, *, layout: str | None = None, blocksize=None,
                  dense_dim: int | None = None) -> SparseTensor:
        """Itself (a sparse tensor is already sparse in its own sparse_dim), or the matrix in `layout`."""
        if layout not in (None, SPARSE_COO):
            return _to_layout(self, layout, blocksize, dense_dim)
        if sparse_dim is not None and sparse_dim != self.sparse_dim():
            raise RuntimeError("to_sparse: conversion from Sparse to Sparse with sparse_dim argument !=self.sparse_dim() "
                               "is not supported")
        return self

    def t(self) -> "SparseCooTensor":
        """The transpose of a 2-D sparse matrix: its index rows swapped."""
        if self.sparse_dim() != 2 or self.dense_dim() != 0:
            raise RuntimeError(f"t() expects a 2-D sparse matrix with no dense dims, got sparse_dim "
                               f"{self.sparse_dim()} and dense_dim {self.dense_dim()}")
        if self._requires_grad:
            return Transposed.apply(self, SparseCooTensor.t)
        n, m = self.shape
        return FromValues.apply(self._values_t, self._indices_t.flip(0), (m, n), False)

    def add(self, other: Tensor, *, alpha: Any = 1) -> Tensor:
        """sparse + sparse with PyTorch's pattern: its CPU kernel walks both lists at once as a merge of sorted
        lists (`_merge_walk`), so the result is coalesced when both are and otherwise lists the positions in
        the order that walk visits them; sparse + dense raises as PyTorch's add does (write dense + sparse)."""
        if not isinstance(other, SparseCooTensor):
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
        if tuple(other.shape) != tuple(self.shape) or other.sparse_dim() != self.sparse_dim():
            raise RuntimeError(f"add: expected sizes and sparse dims to match, got {list(self.shape)} (sparse_dim "
                               f"{self.sparse_dim()}) and {list(other.shape)} (sparse_dim {other.sparse_dim()})")
        n, m, size = self._nnz(), other._nnz(), tuple(self.shape)
        from_self, from_other = _merge_walk(_linear(self._indices_t, size[:self.sparse_dim()]).tolist(),
                                            _linear(other._indices_t, size[:self.sparse_dim()]).tolist())
        v = _values(other)
        v = cat([_values(self), v * alpha if alpha != 1 else v, v.new_zeros((1, *v.shape[1:]))])
        pick_self = tensor([n + m if i < 0 else i for i in from_self], dtype=D.int64)
        pick_other = tensor([n + m if j < 0 else n + j for j in from_other], dtype=D.int64)
        where_from = tensor([i if i >= 0 else n + j for i, j in zip(from_self, from_other)], dtype=D.int64)
        indices = cat([self._indices_t, other._indices_t], 1)[:, where_from]
        coalesced = (self._coalesced or n == 0) and (other._coalesced or m == 0)
        return FromValues.apply(v[pick_self] + v[pick_other], indices, size, coalesced)

    __add__ = add

    def sum(self, dim: Any = None, keepdim: bool = False, dtype: D.dtype | None = None) -> Tensor:
        """`mytorch.sparse.sum` (keepdim is not supported)."""
        if keepdim:
            raise NotImplementedError(_unsupported("sum") + " (keepdim=True)")
        return sparse_sum(self, dim, dtype)


LAYOUTS[SPARSE_COO] = SparseCooTensor


# Inherited Tensor members that read only metadata or autograd state, and so hold for a sparse tensor.
_INHERITED = {"size", "dim", "ndimension", "numel", "nelement", "element_size", "is_floating_point", "is_complex",
              "requires_grad_", "register_hook", "register_post_accumulate_grad_hook", "retain_grad", "backward",
              "detach_", "_wrap_dim", "_is_view", "_bump_version", "_make", "_wrap", "_view_of",
              "is_contiguous", "__len__", "__hash__", "__format__", "__deepcopy__", "__bool__"}
_PYTHON_PROTOCOL = set(dir(object))


def guard_dense_methods() -> None:
    """Give each sparse layout's class a stub raising PyTorch's SparseCPU (SparseCsrCPU) error for every Tensor
    method it neither implements nor can inherit (run once the ops have attached their methods to Tensor)."""
    for cls in LAYOUTS.values():
        own = set().union(*(vars(c) for c in cls.__mro__[:cls.__mro__.index(Tensor)]))
        for name, member in vars(Tensor).items():
            if name in own or name in _INHERITED or not callable(member) \
                    or (name in _PYTHON_PROTOCOL and name not in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__",
                                                                   "__ge__")):
                continue
            op = name[2:-2] if name.startswith("__") and name.endswith("__") else name

            def stub(self, *args: Any, _op: str = op, **kwargs: Any) -> Any:
                raise NotImplementedError(_unsupported(_op, self.layout))
            stub.__name__ = name
            setattr(cls, name, stub)


class ToSparse(Function):
    """out = convert(x), a to_sparse* conversion of a dense or sparse x. As PyTorch's ToSparse*Backward, it
    passes the upstream gradient through whole, converted to x's layout, d x = g: densified for a dense x, for
    a sparse x the same entries in x's layout (a COO x from a CSC g gets them in the CSC's column-major
    order, as PyTorch's); not masked to the stored pattern (the masking a gradient through ``to_dense()``
    shows is to_dense's own)."""

    @staticmethod
    def forward(ctx, x, convert, name):
        ctx._name = name
        ctx.meta = x.layout, (x._compressed.blocksize if isinstance(x, SparseTensor) and x._compressed else None)
        return convert(x.detach())

    @staticmethod
    def backward(ctx, g):
        layout, blocksize = ctx.meta
        if layout == "strided":
            return (g.to_dense() if isinstance(g, SparseTensor) else g), None, None
        if layout == SPARSE_COO:
            return g.to_sparse(), None, None
        return g.to_sparse(layout=layout, blocksize=blocksize), None, None


class Transposed(Function):
    """out = x.t() for a sparse matrix x. As PyTorch's TBackward0, d x = g.t() in g's own layout: a dense
    upstream gradient (``mm``'s) stays dense, every entry; a sparse one is transposed as it is."""

    @staticmethod
    def forward(ctx, x, transpose):
        ctx._name = "TBackward0"
        return transpose(x.detach())

    @staticmethod
    def backward(ctx, g):
        return g.t(), None


def passes_gradient_through(name):
    """Decorator for a to_sparse* conversion: an input that requires grad goes through `ToSparse` (the
    grad_fn `name(args, kwargs)`); one outside autograd to the conversion itself."""
    def wrap(convert):
        @functools.wraps(convert)
        def converted(input: Any, *args: Any, **kwargs: Any) -> SparseTensor:
            if isinstance(input, Tensor) and input.requires_grad:
                return ToSparse.apply(input, lambda x: convert(x, *args, **kwargs), name(args, kwargs))
            return convert(input, *args, **kwargs)
        return converted
    return wrap


def _to_layout(x: Tensor, layout: str, blocksize: Any, dense_dim: int | None) -> SparseTensor:
    """`to_sparse(layout=...)` for a compressed layout (`sparse_compressed.py`)."""
    from . import sparse_compressed
    if layout not in sparse_compressed.CONVERSIONS:
        raise NotImplementedError(f"to_sparse: layout {layout} is not supported by mytorch; it has {SPARSE_COO} and "
                                  f"{', '.join(sparse_compressed.CONVERSIONS)}")
    if layout in ("sparse_bsr", "sparse_bsc"):
        if blocksize is None:
            raise RuntimeError(f"dense_to_sparse: conversion from {_REPR_NAMES.get(x.layout, 'Strided')} to "
                               f"{_REPR_NAMES[layout]} without blocksize argument given is not supported")
        return sparse_compressed.CONVERSIONS[layout](x, blocksize, dense_dim)
    if blocksize is not None:
        raise RuntimeError(f"dense_to_sparse: conversion from {_REPR_NAMES.get(x.layout, 'Strided')} to "
                           f"{_REPR_NAMES[layout]} with blocksize argument given is not supported")
    return sparse_compressed.CONVERSIONS[layout](x, dense_dim)


def _dense_tensor(x: Any, op: str, arg: str) -> Tensor:
    if isinstance(x, SparseTensor) or not isinstance(x, Tensor):
        got = x.layout if isinstance(x, Tensor) else type(x).__name__
        raise TypeError(f"{op}(): argument '{arg}' must be a strided Tensor, got {got}")
    return x


@passes_gradient_through(lambda args, kwargs: "ToSparseBackward0" if args or "sparse_dim" in kwargs else
                         "ToSparseBackward1")  # PyTorch's names of to_sparse(sparse_dim) and to_sparse(layout=)
def to_sparse(input: Tensor, sparse_dim: int | None = None, *, layout: str | None = None, blocksize=None,
              dense_dim: int | None = None) -> SparseCooTensor:
    """The coalesced COO tensor of `input`'s nonzero entries: with sparse_dim k < ndim, the positions in the
    first k dims where any trailing value is nonzero, each storing its whole trailing block. A 0-d tensor
    gives sparse_dim 0 and its value stored when nonzero. With `layout`, that layout's
    conversion (to_sparse_csr, to_sparse_csc, to_sparse_bsr(blocksize))."""
    if layout not in (None, SPARSE_COO):
        return _to_layout(_dense_tensor(input, "to_sparse", "input"), layout, blocksize, dense_dim)
    x = _dense_tensor(input, "to_sparse", "input")
    k = x.ndim if sparse_dim is None else sparse_dim
    if not isinstance(k, int) or not 0 <= k <= x.ndim:
        raise RuntimeError(f"dense_to_sparse: sparse_dim argument must be in [0,{x.ndim}] range, but {sparse_dim} "
                           f"is given")
    if k == 0 and x.ndim:
        raise RuntimeError(f"dense_to_sparse: sparse_dim argument must be in >0 when self.dim()>0 (a "
                           f"{x.ndim}-D tensor of size {list(x.shape)})")
    if x.ndim == 0:  # one stored value when it is nonzero
        nnz = int(x.detach() != 0)
        return FromValues.apply(x.reshape(1)[:nnz], x.new_zeros((0, nnz), dtype=D.int64), (), True)
    nonzero = x.detach() != 0
    if k < x.ndim:
        nonzero = nonzero.any(tuple(range(k, x.ndim)))
    indices = nonzero.nonzero().t().contiguous()
    return FromValues.apply(x[tuple(indices)], indices, tuple(x.shape), True)


def sparse_coo_tensor(indices: Any, values: Any, size: Sequence[int] | None = None, *, dtype: D.dtype | None = None,
                      device: Any = None, requires_grad: bool = False, check_invariants: bool | None = None,
                      is_coalesced: bool | None = None) -> SparseCooTensor:
    """The sparse COO tensor with ``values[j]`` at position ``indices[:, j]`` (see the module docstring);
    `size` defaults to the smallest that holds every index. Indices are always checked against the size; an
    `is_coalesced` claim when `check_invariants` (or the global switch, `sparse_invariants`) says so."""
    indices = indices if isinstance(indices, Tensor) else tensor(indices, device=device)
    values = values if isinstance(values, Tensor) else tensor(values, dtype=dtype, device=device)
    if dtype is not None and values.dtype is not dtype:
        values = values.to(dtype)
    indices = indices.detach().to(D.int64)
    if indices.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(indices.shape)}")
    k, nnz = indices.shape
    if values.ndim == 0 or values.shape[0] != nnz:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {nnz}, nnz from "
                           f"values: {values.shape[0] if values.ndim else 0}")
    if nnz and bool((indices < 0).any()):
        d = int((indices < 0).any(1).nonzero()[0, 0])
        raise RuntimeError(f"found negative index {int(indices[d].min())} for dim {d}")
    if size is None:
        size = tuple(int(m) + 1 for m in indices.amax(1).tolist()) if nnz else (0,) * k
        size += tuple(values.shape[1:])
    size = tuple(int(s) for s in size)
    if len(size) != k + values.ndim - 1:
        raise RuntimeError(f"'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) = {len(size)}, "
                           f"sparse_dim = {k}, dense_dim = {values.ndim - 1}")
    if tuple(values.shape[1:]) != size[k:]:
        raise RuntimeError(f"values has incorrect size, expected {[nnz, *size[k:]]}, got {list(values.shape)}")
    if nnz:
        top = indices.amax(1).tolist()
        for d, (m, s) in enumerate(zip(top, size)):
            if m >= s:
                raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {s} but found index {m}")
    if is_coalesced and nnz > 1 and checking(check_invariants):
        keys = _linear(indices, size[:k])
        if not bool((keys[1:] > keys[:-1]).all()):
            raise RuntimeError("cannot set is_coalesced to true if indices correspond to uncoalesced COO tensor")
    out = FromValues.apply(values, indices, size, bool(is_coalesced) or nnz <= 1)  # 0 or 1 position: sorted, unique
    if requires_grad:
        out.requires_grad_(True)
    return out


def _sparse_arg(x: Any, op: str) -> SparseCooTensor:
    if not isinstance(x, SparseCooTensor):
        layout = _REPR_NAMES.get(x.layout, "Strided") if isinstance(x, Tensor) else type(x).__name__
        raise RuntimeError(f"{op} expected sparse coordinate tensor layout but got {layout}")
    return x


def mm(mat1: Tensor, mat2: Tensor, reduce: str | None = None) -> Tensor:
    """mat1 @ mat2 with either operand a 2-D sparse matrix (COO or CSR; the other dense); dense @ dense too.

    out[r] = sum over stored (r, c, v) of v * mat2[c]: the products gathered at the stored columns and added
    into their rows, so autograd gives d mat2[c] = sum v g[r] and d v = <g[r], mat2[c]> (the sparse operand's
    gradient is sparse on its own pattern). With a CSR mat1, `reduce` ("sum", "mean", "amax", "amin") combines
    each row's products by that reduction instead (a row without stored entries gives 0); PyTorch takes
    `reduce` only with CSR and raises for the other layouts, as this does. A BSR mat1 multiplies as the COO
    tensor of its blocks' elements; like PyTorch's CPU kernels, dense @ BSR raises."""
    for name, x in (("mat1", mat1), ("mat2", mat2)):
        if isinstance(x, SparseTensor) and x._compressed is not None and x.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {x.ndim}-D tensor")
    if isinstance(mat2, SparseTensor):
        if isinstance(mat1, SparseTensor) or reduce is not None:
            raise NotImplementedError(_unsupported("_sparse_sparse_matmul" if reduce is None else
                                                   "_sparse_mm_reduce_impl", mat2.layout))
        if mat2.layout == "sparse_bsr":
            raise RuntimeError(f"addmm: computation on CPU is not implemented for Strided + Strided @ SparseBsr "
                               f"(mytorch: dense {list(mat1.shape)} @ BSR {list(mat2.shape)}; convert the BSR "
                               f"operand with to_sparse() or to_dense())")
        return mm(mat2.to_sparse().t(), mat1.t()).t()  # to_sparse: a compressed mat2 is transposed as COO
    if not isinstance(mat1, SparseTensor):
        return mat1.mm(mat2)
    if reduce is not None and mat1.layout != "sparse_csr":
        raise NotImplementedError(_unsupported("_sparse_mm_reduce_impl", mat1.layout) + f" (reduce={reduce!r} "
                                  f"takes CSR)")
    if mat1.layout in ("sparse_bsr", "sparse_bsc"):
        return mm(mat1.to_sparse(), mat2)
    _dense_tensor(mat2, "mm", "mat2")
    if mat1.sparse_dim() != 2 or mat1.dense_dim() != 0 or mat2.ndim != 2:
        raise RuntimeError(f"mm: expected a 2-D sparse matrix and a 2-D dense matrix, got sparse_dim "
                           f"{mat1.sparse_dim()}, dense_dim {mat1.dense_dim()} and a {mat2.ndim}-D tensor")
    n, k = mat1.shape
    if mat2.shape[0] != k:
        raise RuntimeError(f"addmm: Argument #3 (dense): Expected dim 0 size {k}, got {mat2.shape[0]}")
    if mat2.dtype is not mat1.dtype:
        raise RuntimeError(f"expected scalar type {mat1.dtype} but found {mat2.dtype} (sparse.mm of a {mat1.dtype} "
                           f"sparse matrix and a {mat2.dtype} dense one)")
    rows, cols = mat1._indices_t
    products = _values(mat1).unsqueeze(1) * mat2[cols]
    out = mat2.new_zeros((n, mat2.shape[1]))
    if reduce in (None, "sum"):
        return out.index_add(0, rows, products)
    if reduce == "mean":
        count = out.new_zeros((n, 1)).index_add(0, rows, products.new_ones((rows.shape[0], 1)))
        return out.index_add(0, rows, products) / count.clamp(min=1)
    if reduce in ("amax", "amin"):
        return _first_extreme(_values(mat1), rows, cols, mat2, n, reduce)
    raise RuntimeError(f"reduce argument must be either sum, mean, amax or amin, got {reduce}")


class DenseGradMM(Function):
    """out = mat1 @ mat2 with one operand sparse, differentiated as ``torch.mm``, ``torch.matmul`` and ``@``
    do: the sparse operand's gradient is dense, every entry (d mat1 = g mat2^T, d mat2 = mat1^T g), where
    ``torch.sparse.mm``'s (`mm`) is masked to the operand's pattern."""

    @staticmethod
    def forward(ctx, mat1, mat2):
        ctx._name = "MmBackward0"
        ctx.meta = (mat1.detach(), mat2.detach())
        return mm(*ctx.meta)

    @staticmethod
    def backward(ctx, g):
        mat1, mat2 = ctx.meta
        if isinstance(mat2, SparseTensor):  # g mat2^T = (mat2 g^T)^T; mat1^T g dense
            return mm(mat2, g.t()).t(), mat1.t().mm(g)
        return g.mm(mat2.t()), mm(mat1.to_sparse().t(), g)  # to_sparse: a compressed mat1 is transposed as COO


def dense_grad_mm(mat1: Tensor, mat2: Tensor) -> Tensor:
    """``torch.mm`` with a sparse operand: `mm`'s product, the sparse operand's gradient dense (`DenseGradMM`)."""
    if isinstance(mat1, SparseTensor) and isinstance(mat2, SparseTensor):
        return mm(mat1, mat2)  # raises PyTorch's error for sparse @ sparse
    return DenseGradMM.apply(mat1, mat2)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """input @ other with one operand a 2-D sparse matrix and the other a dense matrix or vector:
    `dense_grad_mm`, a vector taken as a one-column (right) or one-row (left) matrix, as matmul's 1-D rule."""
    error = _batched_matmul_error(input, other)
    if error is not None:
        raise error
    for vec, right in ((other, True), (input, False)):
        if isinstance(vec, Tensor) and not isinstance(vec, SparseTensor) and vec.ndim == 1:
            mat = input if right else other
            if mat.ndim == 2 and vec.shape[0] != mat.shape[1 if right else 0]:
                raise RuntimeError(f"size mismatch, got input ({mat.shape[0]}), mat ({mat.shape[0]}x{mat.shape[1]}), "
                                   f"vec ({vec.shape[0]}) (matmul of a {mat.layout} matrix and a vector)")
            return dense_grad_mm(input, other.unsqueeze(1)).squeeze(1) if right else \
                dense_grad_mm(input.unsqueeze(0), other).squeeze(0)
    return dense_grad_mm(input, other)


def _batched_matmul_error(input: Tensor, other: Tensor) -> RuntimeError | None:
    """PyTorch's error for matmul with a compressed operand of more than two dims (batch or dense ones), which
    it does not multiply, or None."""
    for x, o, left in ((input, other, True), (other, input, False)):
        if isinstance(x, SparseTensor) and x._compressed is not None and x.ndim > 2:
            if left and o.ndim <= 2:
                return RuntimeError(f"Sparse {x.layout[len('sparse_'):].upper()} tensors do not have strides")
            if o.ndim <= 2 and x.dense_dim():
                return RuntimeError("transpose(): hybrid sparse compressed tensors with dense dimensions are not "
                                    "supported")
            return RuntimeError(f"expand is unsupported for {_REPR_NAMES[x.layout]} tensors")
    return None


def _first_extreme(v: Tensor, rows: Tensor, cols: Tensor, mat2: Tensor, n: int, reduce: str) -> Tensor:
    """out[r, c] = the amax (amin) of the products v_j mat2[cols_j, c] over the stored j of row r, 0 for a row
    without any. As in PyTorch, out[r, c] is one product, so the gradient goes to it alone (a scatter_reduce
    would share it among ties): the first one reaching the extreme, or the last NaN when there is one
    (PyTorch's kernel replaces its running extreme by each greater value and each NaN). The picked factors
    are multiplied after the pick, so a product not picked gets no gradient at all (not 0 times its factor,
    which is NaN for an infinite one)."""
    nnz, m = rows.shape[0], mat2.shape[1]
    if nnz == 0:
        return mat2.new_zeros((n, m))
    p = v.detach().unsqueeze(1) * mat2.detach()[cols]
    at = rows.unsqueeze(1).expand(p.shape)
    best = p.new_zeros((n, m)).scatter_reduce(0, at, p, reduce, include_self=False)
    nan = best.isnan()
    hit = (p == best[rows]) | (p.isnan() & nan[rows])
    device = str(rows.device)
    order = arange(nnz, device=device).unsqueeze(1).expand(p.shape)
    key = where(nan[rows], nnz - 1 - order, order)  # the smallest key: the first hit, or the last NaN
    first = full((n, m), nnz, dtype=order.dtype, device=device).scatter_reduce(0, at, where(hit, key, nnz), "amin")
    stored = first < nnz
    pick = where(nan & stored, nnz - 1 - first, first).clamp(0, nnz - 1)
    zero = v.new_zeros(())
    columns = arange(m, device=device).unsqueeze(0).expand((n, m))
    return where(stored, v[pick], zero) * where(stored, mat2[cols[pick], columns], zero)


def sparse_sum(input: Tensor, dim: Any = None, dtype: D.dtype | None = None) -> Tensor:
    """The sum of a sparse tensor's elements over `dim` (all when None): a dense tensor when every sparse dim
    is summed, else a coalesced sparse tensor over the sparse dims that remain."""
    s = _sparse_arg(input, "coalesce")
    v = _values(s)
    if dtype is not None:
        v = v.to(dtype)
    if dim is None:
        return v.sum()
    dims = {s._wrap_dim(d, "sum") for d in ((dim,) if isinstance(dim, int) else dim)}
    k = s.sparse_dim()
    dense = sorted(d - k + 1 for d in dims if d >= k)
    if dense:
        v = v.sum(dense)
    kept = [d for d in range(k) if d not in dims]
    if not kept:
        return v.sum(0)
    size = [s.shape[d] for d in kept] + [s.shape[d] for d in range(k, s.ndim) if d not in dims]
    return FromValues.apply(v, s._indices_t[kept], tuple(size), False).coalesce()


__all__ = ["sparse_coo_tensor"]
def to_sparse_coo(input: Tensor) -> SparseCooTensor:
    """The COO tensor of `input`: its nonzero entries (a dense tensor), or its stored ones (a sparse one)."""
    return input.to_sparse()


def to_dense(self: Tensor, dtype: D.dtype | None = None, *, masked_grad: bool | None = None) -> Tensor:
    """A strided tensor's dense form: itself, or with `dtype`, ``self.to(dtype)`` (PyTorch's; masked_grad concerns
    sparse tensors only). The sparse layouts have their own."""
    if dtype is not None and not isinstance(dtype, D.dtype):
        raise TypeError(f"to_dense(): argument 'dtype' (position 1) must be torch.dtype, not {type(dtype).__name__}")
    if masked_grad is not None and not isinstance(masked_grad, bool):
        raise TypeError(f"to_dense(): argument 'masked_grad' must be bool, not {type(masked_grad).__name__}")
    return self if dtype is None else self.to(dtype)


METHODS = {"to_sparse": to_sparse, "to_sparse_coo": to_sparse_coo, "to_dense": to_dense}
