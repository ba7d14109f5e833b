"""Compressed sparse tensors: PyTorch's ``sparse_csr``, ``sparse_csc``, ``sparse_bsr`` and ``sparse_bsc``
layouts, with leading batch dims and trailing dense ("hybrid") dims, on the COO machinery of `sparse.py`.

CSR stores an (n, m) matrix's entries row by row: ``col_indices`` and ``values`` (nnz each, sorted by row then
column) and ``crow_indices`` (n + 1 row pointers: row r's entries are positions crow[r] .. crow[r+1] - 1).
CSC is the same with rows and columns swapped (``ccol_indices``, ``row_indices``, column-major order), so the
transpose of a CSR matrix is the CSC matrix of the same three arrays, and back. BSR is CSR over a grid of
(R, C) blocks: ``crow_indices`` over the n/R block rows, ``col_indices`` the block columns, ``values`` of shape
(nnz, R, C) holding each stored block whole, zeros included; BSC is CSC over that grid, so a BSR matrix's
transpose is the BSC matrix of the same pointers and indices with each block transposed. All are coalesced
(each position once).

A tensor of size (*batch, n, m, *dense) is a batch of such matrices whose entries are each a dense block of
size `dense`: the pointers have shape (*batch, lines + 1), the plain indices (*batch, nnz) and the values
(*batch, nnz, [R, C,] *dense), every matrix of the batch storing the same nnz (PyTorch's rule).

A compressed tensor keeps its positions as COO ``_indices_t`` (batch indices, then row and column; block
positions for BSR) for all matrices of the batch one after the other, each in its layout's order, and its
values flattened the same way, ``_values_t`` of shape (batch * nnz, [R, C,] *dense), next to `Compressed`
(layout, pointers, blocksize). So to_dense, values() and `mytorch.sparse.mm` are COO's (BSR's through the COO
tensor of its blocks' elements), and its gradient on its own pattern comes back in its layout (`FromValues`
with the `Compressed`). CSR's own ops (``mm`` with ``reduce``, `sampled_addmm`) are in `sparse.py` and
`sparse_sampled_addmm.py`.
"""
from __future__ import annotations

import math
from typing import Any

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from .creation import arange, tensor
from .joining import cat, stack
from .sorting import argsort, unique
from .sparse_invariants import checking
from .sparse import (LAYOUTS, SPARSE_COO, Compressed, FromValues, SparseTensor, ToSparse, Transposed, Values,
                     _REPR_NAMES, _linear, _to_layout, _unsupported, _values, passes_gradient_through)

SPARSE_CSR, SPARSE_CSC, SPARSE_BSR, SPARSE_BSC = "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc"
_ROW_MAJOR = {SPARSE_CSR: True, SPARSE_CSC: False, SPARSE_BSR: True, SPARSE_BSC: False}
_TRANSPOSED = {SPARSE_CSR: SPARSE_CSC, SPARSE_CSC: SPARSE_CSR, SPARSE_BSR: SPARSE_BSC, SPARSE_BSC: SPARSE_BSR}


class SumAll(Function):
    """out = the sum of every element of a compressed tensor. As PyTorch's SumBackward0, the gradient is the
    upstream one expanded to the whole (dense) shape, not masked to the stored pattern."""

    @staticmethod
    def forward(ctx, s, dtype):
        ctx._name = "SumBackward0"
        ctx.meta = tuple(s.shape), s.dtype
        v = s._values_t
        return (v if dtype is None else v.to(dtype)).sum()

    @staticmethod
    def backward(ctx, g):
        shape, dtype = ctx.meta
        return g.to(dtype).expand(shape), None


class SparseCompressedTensor(SparseTensor):
    """What the compressed layouts share (see the module docstring)."""

    __slots__ = ()

    is_sparse = False  # PyTorch's is_sparse means COO

    def _require(self, row_major: bool, name: str) -> None:
        if _ROW_MAJOR[self.layout] != row_major:
            raise RuntimeError(f"{name} expected sparse {'row' if row_major else 'column'} compressed tensor layout "
                               f"but got {_REPR_NAMES[self.layout]}")

    def _batch_shape(self) -> tuple:
        return tuple(self.shape[:self._compressed.pointers.ndim - 1])

    def _plain(self, row: int) -> Tensor:
        """Row `row` of the (row, col) positions, shaped (*batch, nnz) as PyTorch's plain indices."""
        return self._indices_t[row - 2].reshape(self._batch_shape() + (self._nnz(),))

    def crow_indices(self) -> Tensor:
        """The row pointers (of block rows for BSR), (*batch, rows + 1)."""
        self._require(True, "crow_indices")
        return self._compressed.pointers.detach()

    def col_indices(self) -> Tensor:
        """Each stored entry's (block's) column, (*batch, nnz)."""
        self._require(True, "col_indices")
        return self._plain(1).detach()

    def ccol_indices(self) -> Tensor:
        """The column pointers, (*batch, columns + 1)."""
        self._require(False, "ccol_indices")
        return self._compressed.pointers.detach()

    def row_indices(self) -> Tensor:
        """Each stored entry's row, (*batch, nnz)."""
        self._require(False, "row_indices")
        return self._plain(0).detach()

    def indices(self) -> Tensor:
        raise RuntimeError(f"indices expected sparse coordinate tensor layout but got {_REPR_NAMES[self.layout]}")

    def _nnz(self) -> int:
        """The number of stored entries (blocks) of each matrix of the batch."""
        batches = math.prod(self._batch_shape())
        return self._indices_t.shape[1] // batches if batches else self._compressed.empty_batch_nnz

    def values(self) -> Tensor:
        """The stored values, (*batch, nnz, [R, C,] *dense), on the graph (their gradient is in this layout on
        this pattern)."""
        v = Values.apply(self)
        batch = self._batch_shape()
        return v.reshape(batch + (self._nnz(),) + tuple(v.shape[1:])) if batch else v

    def to_sparse(self, sparse_dim: int | None = None, *, layout: str | None = None, blocksize=None,
                  dense_dim: int | None = None) -> SparseTensor:
        """The same tensor as a COO tensor (in `layout` when given), the batch dims sparse ones: CSR's
        coalesced, CSC's in column-major order, BSR's every element of its stored blocks block by block (both
        uncoalesced, as PyTorch's)."""
        if layout not in (None, SPARSE_COO):
            return _to_layout(self, layout, blocksize, dense_dim)
        if sparse_dim is not None and sparse_dim != 2:
            raise RuntimeError(f"sparse_compressed_to_sparse: conversion from {_REPR_NAMES[self.layout]} to Sparse "
                               f"with sparse_dim argument !=2 is not supported")
        if self._requires_grad:
            return ToSparse.apply(self, SparseCompressedTensor.to_sparse, "ToSparseBackward0")
        v, idx, size, blocksize = self._values_t, self._indices_t, tuple(self.shape), self._compressed.blocksize
        if blocksize is None:
            return FromValues.apply(v, idx, size, self.layout == SPARSE_CSR)
        r, c = blocksize
        shape = (idx.shape[1], r, c)
        rows = (idx[-2] * r).reshape(-1, 1, 1) + arange(r, device=str(idx.device)).reshape(1, r, 1)
        cols = (idx[-1] * c).reshape(-1, 1, 1) + arange(c, device=str(idx.device)).reshape(1, 1, c)
        batch = [b.reshape(-1, 1, 1) for b in idx[:-2]]
        pairs = stack([p.expand(shape).reshape(-1) for p in batch + [rows, cols]])
        return FromValues.apply(v.reshape((pairs.shape[1],) + tuple(v.shape[3:])), pairs, size, False)

    def to_dense(self, dtype: D.dtype | None = None, *, masked_grad: bool | None = None) -> Tensor:
        """The dense tensor (BSR's through the COO tensor of its blocks' elements). PyTorch takes no dtype here."""
        if dtype is not None:
            raise RuntimeError("dtype argument is not supported by sparse_csr_to_dense")
        if self._compressed.blocksize is not None:
            return self.to_sparse().to_dense()
        return super().to_dense()

    def sparse_dim(self) -> int:
        return 2

    def dense_dim(self) -> int:
        return self._values_t.ndim - (3 if self._compressed.blocksize else 1)

    def t(self) -> SparseTensor:
        """The transpose of a matrix: CSR <-> CSC and BSR <-> BSC, the same pointers and entries; a block
        layout's (R, C) blocks become their (C, R) transposes."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        if self._requires_grad:
            return Transposed.apply(self, SparseCompressedTensor.t)
        return self._swap_sparse_dims(self._values_t)

    def _swap_sparse_dims(self, v: Tensor) -> SparseTensor:
        """The tensor of the values `v` (self's, flattened) with its two sparse dims swapped (`t`)."""
        blocksize, nb = self._compressed.blocksize, self._compressed.pointers.ndim - 1
        if blocksize is not None:
            v, blocksize = v.transpose(1, 2), blocksize[::-1]
        flipped = Compressed(_TRANSPOSED[self.layout], self._compressed.pointers, blocksize)
        size = list(self.shape)
        size[nb], size[nb + 1] = size[nb + 1], size[nb]
        order = list(range(nb)) + [nb + 1, nb]
        return FromValues.apply(v, self._indices_t[order], tuple(size), True, flipped)

    def transpose(self, dim0: int, dim1: int) -> SparseTensor:
        """The tensor with dims dim0 and dim1 swapped: two batch dims swap in every array; the two sparse dims
        of a tensor without dense dims give the other layout (`t`). PyTorch refuses the rest, as this does."""
        d0, d1 = sorted((self._wrap_dim(dim0, "transpose"), self._wrap_dim(dim1, "transpose")))
        if d0 == d1:
            return self
        nb, dense = self._compressed.pointers.ndim - 1, self.dense_dim()
        kind = ["Batch"] * nb + ["Sparse"] * 2 + ["Dense"] * dense
        if kind[d0] != kind[d1]:
            raise RuntimeError(f"transpose(): can only transpose dimensions of the same type (Batch, Sparse, Dense), "
                               f"got {d0}({kind[d0]}) and {d1}({kind[d1]})")
        if kind[d0] == "Batch":
            size = list(self.shape)
            size[d0], size[d1] = size[d1], size[d0]
            plain = self._plain(1 if _ROW_MAJOR[self.layout] else 0)
            return _assemble_batched(self._compressed.pointers.transpose(d0, d1), plain.transpose(d0, d1),
                                     self.values().transpose(d0, d1), tuple(size), self.layout)
        if dense:
            raise RuntimeError("transpose(): hybrid sparse compressed tensors with dense dimensions are not supported")
        if nb == 0:
            return self.t()
        return self._swap_sparse_dims(_values(self))

    def select(self, dim: int, index: int) -> SparseTensor:
        """The tensor at `index` of dim `dim`: of a batch dim, the compressed tensor of that batch entry; of a
        sparse dim of a matrix, the 1-D COO tensor (with the dense dims) of that row's or column's stored
        entries, in order (`_select_line`); of a dense dim, the tensor of the same pattern storing that part of
        each value. PyTorch selects no sparse dim of a batched tensor."""
        d, nb = self._wrap_dim(dim, "select"), self._compressed.pointers.ndim - 1
        n = self.shape[d]
        if not -n <= index < n:
            raise IndexError(f"select(): index {index} out of range for tensor of size {list(self.shape)} at "
                             f"dimension {dim}")
        if d >= nb + 2:  # a dense dim: the same pattern, each stored value selected
            values_dim = d - nb - 1 + (2 if self._compressed.blocksize else 0)  # past the flat entries (and blocks)
            size = tuple(self.shape[:d]) + tuple(self.shape[d + 1:])
            return FromValues.apply(_values(self).select(values_dim, index), self._indices_t, size, True,
                                    self._compressed)
        if d >= nb:
            if nb:
                raise RuntimeError("select(): selecting sparse dimensions is not supported for batched sparse "
                                   "compressed tensors.")
            return self._select_line(d, index % n)
        plain = self._plain(1 if _ROW_MAJOR[self.layout] else 0)
        size = tuple(self.shape[:d]) + tuple(self.shape[d + 1:])
        return _assemble_batched(self._compressed.pointers.select(d, index), plain.select(d, index),
                                 self.values().select(d, index), size, self.layout)

    def _select_line(self, d: int, index: int) -> SparseTensor:
        """Row (d 0) or column (d 1) `index` of a matrix: its stored entries, which lie in the order of the other
        index in every layout, as a coalesced COO tensor; of a block layout, that line of each block crossing it,
        side by side. PyTorch's values of it are a view of the matrix's values, so it refuses entries (blocks) that
        do not lie at equal steps among them, and block lines that do not join into one strided run
        (`_block_lines_join`)."""
        keys, blocksize = self._indices_t, self._compressed.blocksize
        grid = blocksize or (1, 1)
        at = (keys[d] == index // grid[d]).nonzero().reshape(-1)
        if (at.shape[0] > 2 and bool((at.diff().diff() != 0).any())) \
                or (blocksize is not None and not self._block_lines_join(at, d)):
            raise RuntimeError("select(): no view exists for the given input, consider using torch.select_copy.")
        values, other = _values(self)[at], keys[1 - d][at]
        if blocksize is not None:
            values = values.select(d + 1, index % grid[d]).flatten(0, 1)
            spread = arange(grid[1 - d], device=str(other.device))
            other = (other.unsqueeze(1) * grid[1 - d] + spread.unsqueeze(0)).reshape(-1)
        size = (self.shape[1 - d],) + tuple(self.shape[2:])
        return FromValues.apply(values, other.unsqueeze(0), size, True)

    def _block_lines_join(self, at: Tensor, d: int) -> bool:
        """Whether line d of the blocks at positions `at` (equal steps apart) of the values, one row (d 0) or
        column (d 1) of each, is one strided run: PyTorch flattens the (blocks, block line) view into one dim,
        which needs one block's step to be the line's length times its elements' step (or a single block, or
        lines of one element)."""
        strides = self._values_t.stride()
        step = int(at[1] - at[0]) if at.shape[0] > 1 else 1
        length, element_stride = self._values_t.shape[2 - d], strides[2 - d]
        return at.shape[0] <= 1 or length <= 1 or step * strides[0] == length * element_stride

    def __getitem__(self, index: Any) -> SparseTensor:
        """Integers select batch dims (and a row or column of a CSR or CSC matrix, `select`); inside a tuple, a
        slice spanning a whole dim keeps it. PyTorch refuses anything else (other slices, tensor and list
        indices), a compressed tensor having no strides to view."""
        items = index if isinstance(index, tuple) else (index,)
        at = next((i for i, item in enumerate(items) if item is Ellipsis), None)
        if at is not None:
            items = items[:at] + (slice(None),) * (self.ndim - len(items) + 1) + items[at + 1:]
        out, d = self, 0
        for item in items:
            if isinstance(item, int) and not isinstance(item, bool):
                if not -out.shape[d] <= item < out.shape[d]:
                    raise IndexError(f"index {item} is out of bounds for dimension {d} with size {out.shape[d]}")
                out = out.select(d, item)
            elif isinstance(item, slice) and isinstance(index, tuple) \
                    and item.indices(out.shape[d]) == (0, out.shape[d], 1):
                d += 1
            else:
                raise RuntimeError(self._no_strides())
        return out

    def _no_strides(self) -> str:
        return f"Sparse {_REPR_NAMES[self.layout][len('Sparse'):].upper()} tensors do not have strides"

    def narrow(self, dim: int, start: int, length: int) -> SparseTensor:
        """PyTorch's refusal: a compressed tensor has no strides to narrow."""
        raise RuntimeError(self._no_strides())

    def sum(self, dim: Any = None, keepdim: bool = False, dtype: D.dtype | None = None) -> Tensor:
        """The sum of every element, a 0-d dense tensor (`SumAll`); over some dims of a CSR matrix (keepdim=True,
        as PyTorch requires), the CSR matrix of the sums of the rows or columns (or of the whole) that store
        entries, each entry where the first of them would be (`_sum_lines`)."""
        if dim is None and not keepdim:
            return SumAll.apply(self, dtype)
        if self.layout != SPARSE_CSR:
            raise RuntimeError(f"Currently the only compressed sparse format supported for sum.dim_IntList is CSR, "
                               f"but got layout {_REPR_NAMES[self.layout]}")
        if dim is None:
            raise RuntimeError("dim has no value, cannot be used in sum.dim_IntList")
        if not keepdim:
            raise RuntimeError("reduction operations on CSR tensors with keepdim=False is unsupported")
        if self.ndim != 2:
            raise RuntimeError(f"sum(): mytorch sums over dims of a 2-D CSR matrix only, got one of size "
                               f"{list(self.shape)} (PyTorch asserts input_dim == 2)")
        dims = {self._wrap_dim(d, "sum") for d in (dim if isinstance(dim, (tuple, list)) else (dim,))}
        return SumLines.apply(self, dims, dtype)

    def add(self, other: Tensor, *, alpha: Any = 1) -> SparseTensor:
        """The sum of two tensors of one layout (and block size), on the union of their patterns (through
        COO's add)."""
        if not isinstance(other, SparseTensor) or other.layout != self.layout \
                or other._compressed.blocksize != self._compressed.blocksize:
            got = other.layout if isinstance(other, Tensor) else type(other).__name__
            raise NotImplementedError(_unsupported("add", self.layout) + f" (here a {self.layout} tensor adds to one "
                                      f"of its layout and block size only, got {got}; write dense + sparse for a dense "
                                      f"sum)")
        total = self.to_sparse().add(other.to_sparse(), alpha=alpha)
        return _from_sparse(total, self.layout, self._compressed.blocksize, self._compressed.pointers.ndim - 1)

    __add__ = add

    def _repr_fields(self) -> list[tuple[str, Tensor]]:
        if _ROW_MAJOR[self.layout]:
            fields = [("crow_indices", self.crow_indices()), ("col_indices", self.col_indices())]
        else:
            fields = [("ccol_indices", self.ccol_indices()), ("row_indices", self.row_indices())]
        return fields + [("values", self.values())]


class SparseCsrTensor(SparseCompressedTensor):
    """A tensor in PyTorch's sparse CSR layout."""
    __slots__ = ()
    is_sparse_csr = True


class SparseCscTensor(SparseCompressedTensor):
    """A tensor in PyTorch's sparse CSC layout."""
    __slots__ = ()


class SparseBsrTensor(SparseCompressedTensor):
    """A tensor in PyTorch's sparse BSR layout."""
    __slots__ = ()


class SparseBscTensor(SparseCompressedTensor):
    """A tensor in PyTorch's sparse BSC layout."""
    __slots__ = ()


LAYOUTS.update({SPARSE_CSR: SparseCsrTensor, SPARSE_CSC: SparseCscTensor, SPARSE_BSR: SparseBsrTensor,
                SPARSE_BSC: SparseBscTensor})


def _unravel(key: Tensor, sizes: tuple) -> Tensor:
    """The positions (len(sizes), N) whose row-major linear indices among `sizes` are `key` (`_linear`'s
    inverse)."""
    if not key.shape[0]:  # sizes may hold a 0 then
        return key.new_zeros((len(sizes), 0))
    rows = []
    for s in reversed(sizes):
        rows.append(key % s)
        key = key // s
    return stack(rows[::-1]) if rows else key.new_zeros((0, key.shape[0]))


class SumLines(Function):
    """out = a 2-D CSR matrix summed over some dims (`_sum_lines`). PyTorch's SumBackward1 expands the upstream
    gradient to the input's shape, which it cannot do to a CSR gradient: backward raises its error."""

    @staticmethod
    def forward(ctx, s, dims, dtype):
        ctx._name = "SumBackward1"
        return _sum_lines(s, dims, dtype)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("expand is unsupported for SparseCsr tensors")


def _sum_lines(s: SparseCompressedTensor, dims: set, dtype: D.dtype | None) -> SparseCompressedTensor:
    """A 2-D CSR matrix summed over `dims` (kept, of size 1), as PyTorch's: an entry per row (column, or the whole)
    storing any entry, their sum (0 where they cancel), in CSR order; integers sum in int64."""
    if s.dtype is D.bool_:
        raise NotImplementedError("\"_sparse_csr_sum_cpu\" not implemented for 'Bool'")
    v = s._values_t
    v = v.to(dtype or (v.dtype if v.dtype.is_floating_point or v.dtype.is_complex else D.int64))
    size = tuple(1 if d in dims else n for d, n in enumerate(s.shape))
    keys = s._indices_t
    kept = stack([keys[d] * 0 if d in dims else keys[d] for d in range(2)])
    found, at = unique(_linear(kept, size), sorted=True, return_inverse=True)
    sums = v.new_zeros((found.shape[0],)).index_add(0, at, v)
    return _assemble(sums, _unravel(found, size), size, SPARSE_CSR, None, 0)


def _assemble(values: Tensor, keys: Tensor, size: tuple, layout: str, blocksize: tuple | None,
              nb: int) -> SparseCompressedTensor:
    """The `layout` tensor of `values` at `keys` (nb + 2, N): each entry's batch indices, line (row, or column
    for CSC/BSC) and plain index, in grid units for blocks, sorted in that order. Its pointers count the entries
    of each line; every matrix of the batch must store as many (PyTorch's rule)."""
    r, c = blocksize or (1, 1)
    row_major = _ROW_MAJOR[layout]
    lines = size[nb] // r if row_major else size[nb + 1] // c
    batch = tuple(size[:nb])
    line_of = _linear(keys[:nb + 1], batch + (lines,))
    counts = keys.new_zeros((math.prod(batch) * lines,)).index_add(0, line_of, keys.new_ones((keys.shape[1],)))
    counts = counts.reshape(batch + (lines,))
    per_batch = counts.sum(-1).reshape(-1)
    if nb and keys.shape[1] and bool((per_batch != per_batch[0]).any()):
        raise RuntimeError("Expect the same number of specified elements per batch.")
    pointers = cat([counts.new_zeros(batch + (1,)), counts.cumsum(-1)], -1)
    order = list(range(nb + 2)) if row_major else list(range(nb)) + [nb + 1, nb]
    return FromValues.apply(values, keys[order], size, True, Compressed(layout, pointers, blocksize))


def _divisible(size: tuple, nb: int, blocksize: tuple, op: str) -> None:
    (n, m), (r, c) = size[nb:nb + 2], blocksize
    if n % r or m % c:
        raise RuntimeError(f"dense_{op}: tensor sparse size ({n},{m}) must be divisible by given blocksize "
                           f"({r},{c})")


def _from_dense(x: Tensor, layout: str, blocksize: tuple | None, dense_dim: int | None,
                op: str) -> SparseCompressedTensor:
    """The `layout` tensor of a dense (*batch, n, m, *dense) tensor's entries (blocks of `blocksize` for BSR/BSC)
    holding a nonzero in any of their dense elements, each stored whole."""
    if x.ndim < 2:
        raise IndexError(f"{op}: Dimension out of range: a compressed layout needs a matrix, got a {x.ndim}-D "
                         f"tensor of size {list(x.shape)}")
    nd = 0 if dense_dim is None else dense_dim
    if not 0 <= nd <= x.ndim - 2:
        raise RuntimeError(f"dense_{op}: dense_dim argument must be in [0,{x.ndim - 2}] range, but {dense_dim} is "
                           f"given")
    nb = x.ndim - 2 - nd
    if nb and not math.prod(x.shape[:nb]):
        raise RuntimeError(f"{op}: Expected product of batch dimensions to be non-zero.")
    r, c = blocksize or (1, 1)
    _divisible(tuple(x.shape), nb, (r, c), op)
    batch, (n, m), dense = tuple(x.shape[:nb]), x.shape[nb:nb + 2], tuple(x.shape[nb + 2:])
    grid = x.reshape(batch + (n // r, r, m // c, c) + dense)
    lead, plain = (nb, nb + 2) if _ROW_MAJOR[layout] else (nb + 2, nb)
    grid = grid.permute(list(range(nb)) + [lead, plain, nb + 1, nb + 3] + list(range(nb + 4, grid.ndim)))
    keys = (grid.detach() != 0).any(tuple(range(nb + 2, grid.ndim))).nonzero().t()
    blocks = grid[tuple(keys)]
    if blocksize is None:
        blocks = blocks.reshape((keys.shape[1],) + dense)
    return _assemble(blocks, keys, tuple(x.shape), layout, blocksize, nb)


def _from_sparse(x: SparseTensor, layout: str, blocksize: tuple | None, nb: int) -> SparseCompressedTensor:
    """The `layout` tensor of a sparse tensor's stored entries (x's first nb dims its batch dims): a block
    layout's blocks as they are, else each element, grouped into the (R, C) blocks holding one for BSR/BSC."""
    size = tuple(x.shape)
    if x._compressed is not None and x._compressed.blocksize is not None:
        keys, v = x._indices_t, _values(x)
    else:
        s = x.to_sparse().coalesce()
        keys, v = s._indices_t, _values(s)
        if blocksize is not None:
            r, c = blocksize
            grid = size[:nb] + (size[nb] // r, size[nb + 1] // c)
            pairs = cat([keys[:nb], (keys[nb] // r).unsqueeze(0), (keys[nb + 1] // c).unsqueeze(0)])
            found, at = unique(_linear(pairs, grid), sorted=True, return_inverse=True)
            v = v.new_zeros((found.shape[0], r, c) + tuple(v.shape[1:])).index_put(
                (at, keys[nb] % r, keys[nb + 1] % c), v, accumulate=True)
            keys = _unravel(found, grid)
    if not _ROW_MAJOR[layout]:
        keys = keys[list(range(nb)) + [nb + 1, nb]]
    r, c = blocksize or (1, 1)
    lines = (size[nb] // r, size[nb + 1] // c) if _ROW_MAJOR[layout] else (size[nb + 1] // c, size[nb] // r)
    order = argsort(_linear(keys, size[:nb] + lines))
    return _assemble(v[order], keys[:, order], size, layout, blocksize, nb)


def _convert(input: Tensor, layout: str, blocksize: tuple | None, dense_dim: int | None) -> SparseCompressedTensor:
    """`input` in the compressed `layout` (`_from_dense`, `_from_sparse`), or PyTorch's error for a conversion
    it does not make."""
    op, name = "to_" + layout, _REPR_NAMES[layout]
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not isinstance(input, SparseTensor):
        return _from_dense(input, layout, blocksize, dense_dim, op)
    source, compressed = _REPR_NAMES[input.layout], input._compressed
    if input.layout == layout and (blocksize is None or compressed.blocksize == blocksize):
        if dense_dim is not None:
            raise RuntimeError(f"{op}: conversion from {source} to {name} with dense_dim argument given is not "
                               f"supported")
        return input
    prefix = "coo" if compressed is None else "sparse_compressed"
    if dense_dim is not None:
        raise RuntimeError(f"{prefix}_{op}: conversion from {source} to {name} with dense_dim argument given is not "
                           f"supported")
    if compressed is None:
        if input.sparse_dim() != 2:
            raise RuntimeError(f"coo_{op}: conversion from Sparse to {name} for input tensors with sparse_dim()!=2 is "
                               f"not supported")
        nb = 0
    else:
        nb = compressed.pointers.ndim - 1
        if compressed.blocksize is not None and blocksize is None:
            raise RuntimeError(f"sparse_compressed_{op}: expected SparseCsr or SparseCsc layout but got {source}")
        if compressed.blocksize is not None and compressed.blocksize != blocksize:
            raise RuntimeError(f"{op}: conversion from {source} to {name} with blocksize changed from "
                               f"{list(compressed.blocksize)} to {list(blocksize)} is not supported")
        if compressed.blocksize is None and blocksize is not None and nb:
            raise RuntimeError(f"sparse_compressed_{op}: conversion from {source} to {name} for batched inputs is "
                               f"not supported")
    if blocksize is not None:
        _divisible(tuple(input.shape), nb, blocksize, op)
    return _from_sparse(input, layout, blocksize, nb)


@passes_gradient_through(lambda args, kwargs: "ToSparseCsrBackward0")
def to_sparse_csr(input: Tensor, dense_dim: int | None = None) -> SparseCompressedTensor:
    """The CSR tensor of a dense tensor's nonzero entries (the last `dense_dim` dims stored whole, the dims
    before the matrix batch dims), or of a COO or CSC tensor's stored ones."""
    return _convert(input, SPARSE_CSR, None, dense_dim)


@passes_gradient_through(lambda args, kwargs: "ToSparseCscBackward0")
def to_sparse_csc(input: Tensor, dense_dim: int | None = None) -> SparseCompressedTensor:
    """The CSC tensor of a dense tensor's nonzero entries (as `to_sparse_csr`), or of a COO or CSR tensor's
    stored ones."""
    return _convert(input, SPARSE_CSC, None, dense_dim)


def _blocksize(blocksize: Any, op: str) -> tuple[int, int]:
    r, c = (blocksize, blocksize) if isinstance(blocksize, int) else tuple(int(b) for b in blocksize)
    if r <= 0 or c <= 0:
        raise RuntimeError(f"{op}: blocksize must be positive, got ({r},{c})")
    return r, c


@passes_gradient_through(lambda args, kwargs: "ToSparseBsrBackward0")
def to_sparse_bsr(input: Tensor, blocksize: Any, dense_dim: int | None = None) -> SparseCompressedTensor:
    """The BSR tensor of a tensor's (R, C) blocks (`blocksize`, an int for square ones) holding a nonzero (a
    dense one's) or a stored entry (a sparse one's), each stored whole, in row-major order."""
    return _convert(input, SPARSE_BSR, _blocksize(blocksize, "to_sparse_bsr"), dense_dim)


@passes_gradient_through(lambda args, kwargs: "ToSparseBscBackward0")
def to_sparse_bsc(input: Tensor, blocksize: Any, dense_dim: int | None = None) -> SparseCompressedTensor:
    """The BSC tensor of a tensor's (R, C) blocks holding a nonzero or a stored entry (`to_sparse_bsr`), in
    column-major order."""
    return _convert(input, SPARSE_BSC, _blocksize(blocksize, "to_sparse_bsc"), dense_dim)


CONVERSIONS = {SPARSE_CSR: to_sparse_csr, SPARSE_CSC: to_sparse_csc, SPARSE_BSR: to_sparse_bsr,
               SPARSE_BSC: to_sparse_bsc}


def _index_tensor(x: Any, device: Any) -> Tensor:
    return (x if isinstance(x, Tensor) else tensor(x, device=device)).detach().to(D.int64)


_NAMES = {True: ("crow_indices", "col_indices", "nrows", "ncols"), False: ("ccol_indices", "row_indices", "ncols",
                                                                          "nrows")}


def _lines(pointers: Tensor) -> Tensor:
    """Each entry's line across the batch (batch position * lines + line), from valid pointers (*batch,
    lines + 1): line i repeated pointers[..., i+1] - pointers[..., i] times."""
    lines = pointers.shape[-1] - 1
    counts = (pointers[..., 1:] - pointers[..., :-1]).reshape(-1)
    return arange(counts.shape[0], device=str(pointers.device)).repeat_interleave(counts) if lines else \
        pointers.new_zeros((0,))


def _check_compressed(pointers: Tensor, plain: Tensor, nnz: int, lines: int, bound: int, row_major: bool,
                      sorted_within_lines: bool) -> None:
    """PyTorch's checks of a compressed tensor's (batched) indices, with its messages: the pointer and index
    counts, the pointers from 0 to nnz and nondecreasing, the plain indices in range (mytorch checks these
    always, as its ops would read outside the arrays otherwise) and, with `sorted_within_lines` (the invariant
    checks on), sorted and distinct plain indices within each line."""
    cname, pname, line, plain_dim = _NAMES[row_major]
    if pointers.shape[-1] != lines + 1:
        raise RuntimeError(f"{cname}.shape[-1] must be equal to the number of {'rows' if row_major else 'columns'} "
                           f"+ 1 (={lines + 1}), but got {pointers.shape[-1]}")
    if plain.shape[-1] != nnz:
        raise RuntimeError(f"{pname}.shape[-1] must be equal to nnz (={nnz}) as defined by values.shape"
                           f"[{pointers.ndim - 1}], but got {plain.shape[-1]}")
    if pointers.numel() == 0:
        return
    diffs = pointers[..., 1:] - pointers[..., :-1]
    for broken, rule in ((bool((pointers[..., 0] != 0).any()), f"{cname}[..., 0] == 0"),
                         (bool((pointers[..., -1] != nnz).any()), f"{cname}[..., -1] == nnz"),
                         (bool(((diffs < 0) | (diffs > bound)).any()),
                          f"0 <= {cname}[..., 1:] - {cname}[..., :-1] <= {plain_dim}"),
                         (nnz > 0 and bool(((plain < 0) | (plain >= bound)).any()), f"0 <= {pname} < {plain_dim}")):
        if broken:
            raise RuntimeError(f"`{rule}` is not satisfied.")
    if sorted_within_lines and plain.numel() > 1:
        at, flat = _lines(pointers), plain.reshape(-1)
        if bool(((at[1:] == at[:-1]) & (flat[1:] <= flat[:-1])).any()):
            raise RuntimeError(f"`{pname}[..., {cname}[..., i - 1]:{cname}[..., i]] for all i = 1, ..., {line} are "
                               f"sorted and distinct along the last dimension values` is not satisfied.")


def _assemble_batched(pointers: Tensor, plain: Tensor, values: Tensor, size: tuple,
                      layout: str) -> SparseCompressedTensor:
    """The `layout` tensor of checked arrays as PyTorch shapes them: pointers (*batch, lines + 1), plain
    indices (*batch, nnz), values (*batch, nnz, [R, C,] *dense), on the graph through the values."""
    nb = pointers.ndim - 1
    lines = pointers.shape[-1] - 1
    at = _lines(pointers)
    lead = _unravel(at, tuple(pointers.shape[:-1]) + (lines,)) if lines else at.new_zeros((nb + 1, 0))
    p = plain.reshape(1, -1)
    pairs = cat([lead, p]) if _ROW_MAJOR[layout] else cat([lead[:nb], p, lead[nb:]])
    blocksize = tuple(values.shape[nb + 1:nb + 3]) if layout in (SPARSE_BSR, SPARSE_BSC) else None
    v = values.reshape((pairs.shape[1],) + tuple(values.shape[nb + 1:]))
    return FromValues.apply(v, pairs, size, True, Compressed(layout, pointers, blocksize, plain.shape[-1]))


def _compressed_tensor(op: str, layout: str, pointers: Any, plain: Any, values: Any, size: Any, dtype: D.dtype | None,
                       device: Any, requires_grad: bool, check_invariants: bool | None) -> SparseCompressedTensor:
    """The `layout` tensor of `values` (*batch, nnz, [R, C,] *dense) at the `plain` indices (*batch, nnz;
    columns for CSR/BSR, rows for CSC/BSC), line i (row, column, block row) of each matrix holding positions
    pointers[..., i] .. pointers[..., i+1] - 1; `size` defaults to the smallest that holds every index. The
    shapes and indices are always checked (`_check_compressed`); their order within a line when
    `check_invariants` (or the global switch, `sparse_invariants`) says so."""
    pointers, plain = _index_tensor(pointers, device), _index_tensor(plain, device)
    values = values if isinstance(values, Tensor) else tensor(values, dtype=dtype, device=device)
    if dtype is not None and values.dtype is not dtype:
        values = values.to(dtype)
    row_major, block = _ROW_MAJOR[layout], layout in (SPARSE_BSR, SPARSE_BSC)
    cname, pname = _NAMES[row_major][:2]
    if pointers.ndim < 1:
        raise RuntimeError(f"{cname} must have dimensionality >= 1 but got {pointers.ndim}")
    if pointers.ndim != plain.ndim:
        raise RuntimeError(f"{cname} and {pname} dimensionalities must be equal but got {pointers.ndim} and "
                           f"{plain.ndim}, respectively")
    nb, nblock = pointers.ndim - 1, 2 if block else 0
    if values.ndim <= nb + nblock:
        raise RuntimeError(f"values must have dimensionality > sum of batch and block dimensionalities (={nb} + "
                           f"{nblock}) but got {values.ndim}")
    nnz, dense = values.shape[nb], tuple(values.shape[nb + 1 + nblock:])
    r, c = tuple(values.shape[nb + 1:nb + 3]) if block else (1, 1)
    lines = pointers.shape[-1] - 1
    if size is None:
        width = int(plain.max()) + 1 if plain.numel() else 0
        size = tuple(pointers.shape[:-1]) + ((lines * r, width * c) if row_major else (width * r, lines * c)) + dense
    size = tuple(int(s) for s in size)
    if len(size) != nb + 2 + len(dense):
        raise RuntimeError(f"tensor dimensionality must be sum of batch, base, and dense dimensionalities (={nb} + 2 "
                           f"+ {len(dense)}) but got {len(size)}")
    batch = list(size[:nb])
    if [list(pointers.shape[:-1]), list(plain.shape[:-1]), list(values.shape[:nb])] != [batch] * 3:
        raise RuntimeError(f"all batch dimensions of {cname} (={list(pointers.shape[:-1])}), {pname} "
                           f"(={list(plain.shape[:-1])}), and values (={list(values.shape[:nb])}) must be equal to "
                           f"tensor batch dimensions (={batch})")
    if dense != size[nb + 2:]:
        raise RuntimeError(f"{op}: the values' dense dims {list(dense)} must be the size's {list(size[nb + 2:])} "
                           f"(PyTorch does not check this; mytorch would read the values wrongly)")
    for d, b in enumerate((r, c)):
        if size[nb + d] % b:
            raise RuntimeError(f"tensor shape[{nb + d}] (={size[nb + d]}) must be divisible with blocksize[{d}] "
                               f"(={b}) as defined by values shape")
    grid = (size[nb] // r, size[nb + 1] // c)
    count, bound = grid if row_major else grid[::-1]
    _check_compressed(pointers, plain, nnz, count, bound, row_major, checking(check_invariants))
    out = _assemble_batched(pointers, plain, values, size, layout)
    return out.requires_grad_(True) if requires_grad else out


def sparse_csr_tensor(crow_indices: Any, col_indices: Any, values: Any, size: Any = None, *,
                      dtype: D.dtype | None = None, device: Any = None, requires_grad: bool = False,
                      check_invariants: bool | None = None) -> SparseCompressedTensor:
    """The CSR matrix of `values` at `col_indices`, row r holding positions crow_indices[r] .. [r+1] - 1;
    `size` defaults to (rows, largest column + 1)."""
    return _compressed_tensor("sparse_csr_tensor", SPARSE_CSR, crow_indices, col_indices, values, size, dtype, device,
                              requires_grad, check_invariants)


def sparse_csc_tensor(ccol_indices: Any, row_indices: Any, values: Any, size: Any = None, *,
                      dtype: D.dtype | None = None, device: Any = None, requires_grad: bool = False,
                      check_invariants: bool | None = None) -> SparseCompressedTensor:
    """The CSC matrix of `values` at `row_indices`, column c holding positions ccol_indices[c] .. [c+1] - 1;
    `size` defaults to (largest row + 1, columns)."""
    return _compressed_tensor("sparse_csc_tensor", SPARSE_CSC, ccol_indices, row_indices, values, size, dtype, device,
                              requires_grad, check_invariants)


def sparse_bsr_tensor(crow_indices: Any, col_indices: Any, values: Any, size: Any = None, *,
                      dtype: D.dtype | None = None, device: Any = None, requires_grad: bool = False,
                      check_invariants: bool | None = None) -> SparseCompressedTensor:
    """The BSR matrix of the (R, C) blocks `values` (nnz, R, C) at block columns `col_indices`, block row i
    holding blocks crow_indices[i] .. [i+1] - 1; `size` defaults to (block rows * R, (largest block column +
    1) * C)."""
    return _compressed_tensor("sparse_bsr_tensor", SPARSE_BSR, crow_indices, col_indices, values, size, dtype, device,
                              requires_grad, check_invariants)


def sparse_bsc_tensor(ccol_indices: Any, row_indices: Any, values: Any, size: Any = None, *,
                      dtype: D.dtype | None = None, device: Any = None, requires_grad: bool = False,
                      check_invariants: bool | None = None) -> SparseCompressedTensor:
    """The BSC matrix of the (R, C) blocks `values` (nnz, R, C) at block rows `row_indices`, block column j
    holding blocks ccol_indices[j] .. [j+1] - 1; `size` defaults to ((largest block row + 1) * R, block
    columns * C)."""
    return _compressed_tensor("sparse_bsc_tensor", SPARSE_BSC, ccol_indices, row_indices, values, size, dtype, device,
                              requires_grad, check_invariants)


def sparse_compressed_tensor(compressed_indices: Any, plain_indices: Any, values: Any, size: Any = None, *,
                             dtype: D.dtype | None = None, layout: str | None = None, device: Any = None,
                             requires_grad: bool = False, check_invariants: bool | None = None
                             ) -> SparseCompressedTensor:
    """The matrix in the compressed `layout` (sparse_csr, sparse_csc or sparse_bsr) of `values` at
    `plain_indices` with pointers `compressed_indices`: `sparse_csr_tensor` and its siblings by layout."""
    if layout not in _ROW_MAJOR:
        got = "none" if layout is None else _REPR_NAMES.get(layout, layout)
        raise RuntimeError(f"sparse_compressed_tensor expected sparse compressed tensor layout but got {got} "
                           f"(mytorch has {', '.join(_ROW_MAJOR)})")
    return _compressed_tensor("sparse_compressed_tensor", layout, compressed_indices, plain_indices, values, size,
                              dtype, device, requires_grad, check_invariants)


__all__ = ["sparse_bsc_tensor", "sparse_bsr_tensor", "sparse_compressed_tensor", "sparse_csc_tensor", "sparse_csr_tensor"]
METHODS = {"to_sparse_csr": to_sparse_csr, "to_sparse_csc": to_sparse_csc, "to_sparse_bsr": to_sparse_bsr,
           "to_sparse_bsc": to_sparse_bsc}
