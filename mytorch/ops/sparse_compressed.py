"""Compressed sparse matrices: PyTorch's ``sparse_csr``, ``sparse_csc``, ``sparse_bsr`` and ``sparse_bsc``
layouts for 2-D tensors, on the COO machinery of `sparse.py`.

CSR stores an (n, m) matrix's entries row by row: ``col_indices`` and ``values`` (nnz each, sorted by row then
column) and ``crow_indices`` (n + 1 row pointers: row r's entries are positions crow[r] .. crow[r+1] - 1).
CSC is the same with rows and columns swapped (``ccol_indices``, ``row_indices``, column-major order), so the
transpose of a CSR matrix is the CSC matrix of the same three arrays, and back. BSR is CSR over a grid of
(R, C) blocks: ``crow_indices`` over the n/R block rows, ``col_indices`` the block columns, ``values`` of shape
(nnz, R, C) holding each stored block whole, zeros included; BSC is CSC over that grid, so a BSR matrix's
transpose is the BSC matrix of the same pointers and indices with each block transposed. All are coalesced
(each position once).

A compressed tensor keeps its (row, col) pairs (block pairs for BSR) as COO ``_indices_t`` in its own order,
next to `Compressed` (layout, pointers, blocksize), so to_dense, values() and `mytorch.sparse.mm` are COO's
(BSR's through the COO tensor of its blocks' elements), and its gradient on its own pattern comes back in its
layout (`FromValues` with the `Compressed`). CSR's own ops (``mm`` with ``reduce``, `sampled_addmm`) are in
`sparse.py` and `sparse_sampled_addmm.py`.
"""
from __future__ import annotations

from typing import Any

from .. import _dtype as D
from .._tensor import Tensor
from .creation import arange, tensor
from .joining import stack
from .sorting import argsort, searchsorted, unique
from .sparse_invariants import checking
from .sparse import (LAYOUTS, SPARSE_COO, Compressed, FromValues, SparseTensor, ToSparse, Transposed, Values,
                     _REPR_NAMES, _dense_tensor, _to_layout, _unsupported, _values, passes_gradient_through)

SPARSE_CSR, SPARSE_CSC, SPARSE_BSR, SPARSE_BSC = "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc"
_ROW_MAJOR = {SPARSE_CSR: True, SPARSE_CSC: False, SPARSE_BSR: True, SPARSE_BSC: False}
_TRANSPOSED = {SPARSE_CSR: SPARSE_CSC, SPARSE_CSC: SPARSE_CSR, SPARSE_BSR: SPARSE_BSC, SPARSE_BSC: SPARSE_BSR}


class SparseCompressedTensor(SparseTensor):
    """What the compressed layouts share (see the module docstring)."""

    __slots__ = ()

    is_sparse = False  # PyTorch's is_sparse means COO

    def _require(self, row_major: bool, name: str) -> None:
        if _ROW_MAJOR[self.layout] != row_major:
            raise RuntimeError(f"{name} expected sparse {'row' if row_major else 'column'} compressed tensor layout "
                               f"but got {_REPR_NAMES[self.layout]}")

    def crow_indices(self) -> Tensor:
        """The row pointers (of block rows for BSR)."""
        self._require(True, "crow_indices")
        return self._compressed.pointers.detach()

    def col_indices(self) -> Tensor:
        """Each stored entry's (block's) column."""
        self._require(True, "col_indices")
        return self._indices_t[1].detach()

    def ccol_indices(self) -> Tensor:
        """The column pointers."""
        self._require(False, "ccol_indices")
        return self._compressed.pointers.detach()

    def row_indices(self) -> Tensor:
        """Each stored entry's row."""
        self._require(False, "row_indices")
        return self._indices_t[0].detach()

    def indices(self) -> Tensor:
        raise RuntimeError(f"indices expected sparse coordinate tensor layout but got {_REPR_NAMES[self.layout]}")

    def values(self) -> Tensor:
        """The stored values, on the graph (their gradient is in this layout on this pattern)."""
        return Values.apply(self)

    def to_sparse(self, sparse_dim: int | None = None, *, layout: str | None = None, blocksize=None,
                  dense_dim: int | None = None) -> SparseTensor:
        """The same matrix as a COO tensor (in `layout` when given): CSR's coalesced, CSC's in column-major
        order, BSR's every element of its stored blocks block by block (both uncoalesced, as PyTorch's)."""
        if layout not in (None, SPARSE_COO):
            return _to_layout(self, layout, blocksize, dense_dim)
        if self._requires_grad:
            return ToSparse.apply(self, SparseCompressedTensor.to_sparse, "ToSparseBackward0")
        v, idx, size, blocksize = self._values_t, self._indices_t, tuple(self.shape), self._compressed.blocksize
        if blocksize is None:
            return FromValues.apply(v, idx, size, self.layout == SPARSE_CSR)
        r, c = blocksize
        shape = (idx.shape[1], r, c)
        rows = (idx[0] * r).reshape(-1, 1, 1) + arange(r, device=str(idx.device)).reshape(1, r, 1)
        cols = (idx[1] * c).reshape(-1, 1, 1) + arange(c, device=str(idx.device)).reshape(1, 1, c)
        pairs = stack([rows.expand(shape).reshape(-1), cols.expand(shape).reshape(-1)])
        return FromValues.apply(v.reshape(-1), pairs, size, False)

    def to_dense(self, dtype: D.dtype | None = None, *, masked_grad: bool | None = None) -> Tensor:
        """The dense matrix (BSR's through the COO tensor of its blocks' elements)."""
        if self._compressed.blocksize is not None:
            return self.to_sparse().to_dense(dtype)
        return super().to_dense(dtype)

    def sparse_dim(self) -> int:
        return 2

    def dense_dim(self) -> int:
        return 0

    def t(self) -> SparseTensor:
        """The transpose: CSR <-> CSC and BSR <-> BSC, the same pointers and entries; a block layout's (R, C)
        blocks become their (C, R) transposes."""
        if self._requires_grad:
            return Transposed.apply(self, SparseCompressedTensor.t)
        n, m = self.shape
        v, blocksize = self._values_t, self._compressed.blocksize
        if blocksize is not None:
            v, blocksize = v.transpose(1, 2), blocksize[::-1]
        flipped = Compressed(_TRANSPOSED[self.layout], self._compressed.pointers, blocksize)
        return FromValues.apply(v, self._indices_t.flip(0), (m, n), True, flipped)

    def add(self, other: Tensor, *, alpha: Any = 1) -> SparseTensor:
        """The sum of two matrices of one layout (and block size), on the union of their patterns (through
        COO's add)."""
        if not isinstance(other, SparseTensor) or other.layout != self.layout \
                or other._compressed.blocksize != self._compressed.blocksize:
            got = other.layout if isinstance(other, Tensor) else type(other).__name__
            raise NotImplementedError(_unsupported("add", self.layout) + f" (here a {self.layout} tensor adds to one "
                                      f"of its layout and block size only, got {got}; write dense + sparse for a dense "
                                      f"sum)")
        total = self.to_sparse().add(other.to_sparse(), alpha=alpha)
        return _to_layout(total, self.layout, self._compressed.blocksize, None)

    __add__ = add

    def _repr_fields(self) -> list[tuple[str, Tensor]]:
        if _ROW_MAJOR[self.layout]:
            return [("crow_indices", self._compressed.pointers), ("col_indices", self._indices_t[1])]
        return [("ccol_indices", self._compressed.pointers), ("row_indices", self._indices_t[0])]


class SparseCsrTensor(SparseCompressedTensor):
    """A 2-D tensor in PyTorch's sparse CSR layout."""
    __slots__ = ()
    is_sparse_csr = True


class SparseCscTensor(SparseCompressedTensor):
    """A 2-D tensor in PyTorch's sparse CSC layout."""
    __slots__ = ()


class SparseBsrTensor(SparseCompressedTensor):
    """A 2-D tensor in PyTorch's sparse BSR layout."""
    __slots__ = ()


class SparseBscTensor(SparseCompressedTensor):
    """A 2-D tensor in PyTorch's sparse BSC layout."""
    __slots__ = ()


LAYOUTS.update({SPARSE_CSR: SparseCsrTensor, SPARSE_CSC: SparseCscTensor, SPARSE_BSR: SparseBsrTensor,
                SPARSE_BSC: SparseBscTensor})


def _matrix(input: Tensor, op: str, dense_dim: int | None) -> Tensor:
    """`input` when it is a 2-D matrix mytorch can compress; PyTorch's error otherwise."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim < 2:
        raise IndexError(f"{op}: Dimension out of range: a compressed layout needs a 2-D matrix, got a "
                         f"{input.ndim}-D tensor of size {list(input.shape)}")
    if input.ndim != 2 or dense_dim:
        raise NotImplementedError(f"{op}: mytorch's compressed sparse tensors are 2-D with no batch or dense dims, "
                                  f"got a {input.ndim}-D tensor of size {list(input.shape)} and dense_dim={dense_dim}")
    return input


def _entries(input: Tensor, op: str) -> tuple[Tensor, Tensor, Tensor]:
    """(values, rows, cols) of a matrix's entries in row-major order: a dense one's nonzeros, a sparse one's
    stored entries (coalesced)."""
    if isinstance(input, SparseTensor):
        if input._compressed is not None and input._compressed.blocksize is not None:
            raise RuntimeError(f"sparse_compressed_{op}: expected SparseCsr or SparseCsc layout but got "
                               f"{_REPR_NAMES[input.layout]}")
        s = input.to_sparse().coalesce()
        return _values(s), s._indices_t[0], s._indices_t[1]
    x = _dense_tensor(input, op, "input")
    rows, cols = (x.detach() != 0).nonzero().t()
    return x[rows, cols], rows, cols


def _compress(values: Tensor, rows: Tensor, cols: Tensor, size: tuple, layout: str) -> SparseCompressedTensor:
    """The CSR or CSC matrix of `values` at the (row, col) pairs, given in row-major order."""
    if layout == SPARSE_CSC:
        order = argsort(cols * size[0] + rows)
        values, rows, cols = values[order], rows[order], cols[order]
    lead, count = (rows, size[0]) if layout == SPARSE_CSR else (cols, size[1])
    pointers = searchsorted(lead, arange(count + 1, device=str(lead.device)))
    return FromValues.apply(values, stack([rows, cols]), size, True, Compressed(layout, pointers))


@passes_gradient_through(lambda args, kwargs: "ToSparseCsrBackward0")
def to_sparse_csr(input: Tensor, dense_dim: int | None = None) -> SparseCompressedTensor:
    """The CSR matrix of a 2-D dense tensor's nonzero entries, or of a COO or CSC matrix's stored ones."""
    x = _matrix(input, "to_sparse_csr", dense_dim)
    if x.layout == SPARSE_CSR:
        return x
    return _compress(*_entries(x, "to_sparse_csr"), tuple(x.shape), SPARSE_CSR)


@passes_gradient_through(lambda args, kwargs: "ToSparseCscBackward0")
def to_sparse_csc(input: Tensor, dense_dim: int | None = None) -> SparseCompressedTensor:
    """The CSC matrix of a 2-D dense tensor's nonzero entries, or of a COO or CSR matrix's stored ones."""
    x = _matrix(input, "to_sparse_csc", dense_dim)
    if x.layout == SPARSE_CSC:
        return x
    return _compress(*_entries(x, "to_sparse_csc"), tuple(x.shape), SPARSE_CSC)


def _blocksize(blocksize: Any, op: str) -> tuple[int, int]:
    r, c = (blocksize, blocksize) if isinstance(blocksize, int) else tuple(int(b) for b in blocksize)
    if r <= 0 or c <= 0:
        raise RuntimeError(f"{op}: blocksize must be positive, got ({r},{c})")
    return r, c


def _to_blocks(input: Tensor, blocksize: Any, dense_dim: int | None, layout: str) -> SparseCompressedTensor:
    """The BSR (BSC) matrix of (R, C) blocks (`blocksize`, an int for square ones) of a 2-D matrix: a dense
    one's blocks holding a nonzero, a sparse one's blocks holding a stored entry; each block stored whole, the
    blocks in row-major (column-major) order."""
    op = "to_" + layout
    x = _matrix(input, op, dense_dim)
    (n, m), (r, c) = x.shape, _blocksize(blocksize, op)
    if n % r or m % c:
        raise RuntimeError(f"dense_{op}: tensor sparse size ({n},{m}) must be divisible by given blocksize "
                           f"({r},{c})")
    if x.layout == layout and x._compressed.blocksize == (r, c):
        return x
    row_major = _ROW_MAJOR[layout]
    if isinstance(x, SparseTensor):
        s = x.to_sparse().coalesce()
        (rows, cols), v = s._indices_t, _values(s)
        brow, bcol = rows // r, cols // c
        keys, at = unique(brow * (m // c) + bcol if row_major else bcol * (n // r) + brow, sorted=True,
                          return_inverse=True)
        blocks = v.new_zeros((keys.shape[0], r, c)).index_put((at, rows % r, cols % c), v, accumulate=True)
        lead, plain = keys // (m // c if row_major else n // r), keys % (m // c if row_major else n // r)
    else:
        grid = x.reshape(n // r, r, m // c, c).permute((0, 2, 1, 3) if row_major else (2, 0, 1, 3))
        lead, plain = (grid.detach() != 0).any((2, 3)).nonzero().t()
        blocks = grid[lead, plain]
    pointers = searchsorted(lead, arange((n // r if row_major else m // c) + 1, device=str(lead.device)))
    pairs = stack([lead, plain] if row_major else [plain, lead])
    return FromValues.apply(blocks, pairs, (n, m), True, Compressed(layout, pointers, (r, c)))


@passes_gradient_through(lambda args, kwargs: "ToSparseBsrBackward0")
def to_sparse_bsr(input: Tensor, blocksize: Any, dense_dim: int | None = None) -> SparseCompressedTensor:
    """The BSR matrix of a 2-D matrix's (R, C) blocks holding a nonzero (`_to_blocks`)."""
    return _to_blocks(input, blocksize, dense_dim, SPARSE_BSR)


@passes_gradient_through(lambda args, kwargs: "ToSparseBscBackward0")
def to_sparse_bsc(input: Tensor, blocksize: Any, dense_dim: int | None = None) -> SparseCompressedTensor:
    """The BSC matrix of a 2-D matrix's (R, C) blocks holding a nonzero (`_to_blocks`), in column-major order."""
    return _to_blocks(input, blocksize, dense_dim, SPARSE_BSC)


CONVERSIONS = {SPARSE_CSR: to_sparse_csr, SPARSE_CSC: to_sparse_csc, SPARSE_BSR: to_sparse_bsr,
               SPARSE_BSC: to_sparse_bsc}


def _index_tensor(x: Any, device: Any) -> Tensor:
    return (x if isinstance(x, Tensor) else tensor(x, device=device)).detach().to(D.int64)


_NAMES = {True: ("crow_indices", "col_indices", "nrows", "ncols"), False: ("ccol_indices", "row_indices", "ncols",
                                                                          "nrows")}


def _check_compressed(pointers: Tensor, plain: Tensor, nnz: int, lines: int, bound: int, row_major: bool,
                      sorted_within_lines: bool) -> None:
    """PyTorch's checks of a compressed tensor's indices, with its messages: the pointer and index counts, the
    pointers from 0 to nnz and nondecreasing, the plain indices in range (mytorch checks these always, as its
    ops would read outside the arrays otherwise) and, with `sorted_within_lines` (the invariant checks on),
    sorted and distinct plain indices within each line."""
    cname, pname, line, plain_dim = _NAMES[row_major]
    if pointers.shape[0] != lines + 1:
        raise RuntimeError(f"{cname}.shape[-1] must be equal to the number of {'rows' if row_major else 'columns'} "
                           f"+ 1 (={lines + 1}), but got {pointers.shape[0]}")
    if plain.shape[0] != nnz:
        raise RuntimeError(f"{pname}.shape[-1] must be equal to nnz (={nnz}) as defined by values.shape[0], but got "
                           f"{plain.shape[0]}")
    diffs = pointers[1:] - pointers[:-1]
    for broken, rule in ((int(pointers[0]) != 0, f"{cname}[..., 0] == 0"),
                         (int(pointers[-1]) != nnz, f"{cname}[..., -1] == nnz"),
                         (bool(((diffs < 0) | (diffs > bound)).any()),
                          f"0 <= {cname}[..., 1:] - {cname}[..., :-1] <= {plain_dim}"),
                         (nnz > 0 and bool(((plain < 0) | (plain >= bound)).any()), f"0 <= {pname} < {plain_dim}")):
        if broken:
            raise RuntimeError(f"`{rule}` is not satisfied.")
    if sorted_within_lines and nnz > 1:
        lead = searchsorted(pointers[1:], arange(nnz, device=str(pointers.device)), right=True)
        if bool(((lead[1:] == lead[:-1]) & (plain[1:] <= plain[:-1])).any()):
            raise RuntimeError(f"`{pname}[..., {cname}[..., i - 1]:{cname}[..., i]] for all i = 1, ..., {line} are "
                               f"sorted and distinct along the last dimension values` is not satisfied.")


def _compressed_tensor(op: str, layout: str, pointers: Any, plain: Any, values: Any, size: Any, dtype: D.dtype | None,
                       device: Any, requires_grad: bool, check_invariants: bool | None) -> SparseCompressedTensor:
    """The `layout` matrix of `values` at the `plain` indices (columns for CSR/BSR, rows for CSC), line i (row,
    column, block row) holding positions pointers[i] .. pointers[i+1] - 1; `size` defaults to the smallest that
    holds every index. The indices are always checked (`_check_compressed`); their order within a line when
    `check_invariants` (or the global switch, `sparse_invariants`) says so."""
    pointers, plain = _index_tensor(pointers, device), _index_tensor(plain, device)
    values = values if isinstance(values, Tensor) else tensor(values, dtype=dtype, device=device)
    if dtype is not None and values.dtype is not dtype:
        values = values.to(dtype)
    block = layout in (SPARSE_BSR, SPARSE_BSC)
    if pointers.ndim != 1 or plain.ndim != 1 or values.ndim != (3 if block else 1):
        raise RuntimeError(f"{op}: mytorch's {layout} tensors are 2-D without batch or dense dims: the pointers and "
                           f"the indices must be 1-D and values {'(nnz, R, C)' if block else '1-D'}, got "
                           f"{pointers.ndim}-D, {plain.ndim}-D and values of size {list(values.shape)}")
    nnz, (r, c) = values.shape[0], (tuple(values.shape[1:]) if block else (1, 1))
    lines, width = pointers.shape[0] - 1, int(plain.max()) + 1 if plain.shape[0] else 0
    row_major = _ROW_MAJOR[layout]
    if size is None:
        size = (lines * r, width * c) if row_major else (width * r, lines * c)
    size = tuple(int(s) for s in size)
    if len(size) != 2:
        raise RuntimeError(f"{op}: mytorch's {layout} tensors are 2-D, got size {list(size)}")
    for d, b in enumerate((r, c)):
        if size[d] % b:
            raise RuntimeError(f"tensor shape[{d}] (={size[d]}) must be divisible with blocksize[{d}] (={b}) as "
                               f"defined by values shape")
    grid = (size[0] // r, size[1] // c)
    count, bound = grid if row_major else grid[::-1]
    _check_compressed(pointers, plain, nnz, count, bound, row_major, checking(check_invariants))
    lead = searchsorted(pointers[1:], arange(nnz, device=str(pointers.device)), right=True)
    pairs = stack([lead, plain] if row_major else [plain, lead])
    out = FromValues.apply(values, pairs, size, True, Compressed(layout, pointers, (r, c) if block else None))
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
