"""``torch.sparse.spdiags``: a sparse matrix from its diagonals, as SciPy's ``spdiags``.

Row d of `diagonals` fills the diagonal at ``offsets[d]`` (k > 0 above the main one, k < 0 below): the entry
at (j - k, j) is ``diagonals[d, j]``, for every column j that lies in the matrix and in the row, so a row's
first |k| entries are unused for k > 0 and its last ones for k < 0. The result lists the diagonals in the
order given, each by increasing column, zeros included, as an uncoalesced COO tensor (PyTorch's order), or
converted to CSR or CSC. A diagonal wholly outside the matrix adds nothing (PyTorch's kernel writes outside
its arrays there). PyTorch has no derivative for it: backward through it raises its error.
"""
from __future__ import annotations

from typing import Any, Sequence

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from .creation import arange
from .joining import cat, stack
from .sparse import SPARSE_COO, FromValues, SparseTensor, _REPR_NAMES

_LAYOUTS = (SPARSE_COO, "sparse_csc", "sparse_csr")


class Spdiags(Function):
    """The COO matrix of the diagonals (see the module docstring); no derivative, as in PyTorch."""

    @staticmethod
    def forward(ctx, diagonals, offsets, shape):
        ctx._name = "NotImplemented"
        n, m = shape
        rows, cols, picks = [], [], []
        for d, k in enumerate(offsets):
            j = arange(max(0, k), max(max(0, k), min(m, n + k, diagonals.shape[1])), device=str(diagonals.device))
            rows.append(j - k)
            cols.append(j)
            picks.append(j + d * diagonals.shape[1])
        empty = arange(0, device=str(diagonals.device))
        indices = stack([cat(rows or [empty]), cat(cols or [empty])])
        values = diagonals.reshape(-1)[cat(picks or [empty])]
        return FromValues.apply(values, indices, (n, m), False)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::_spdiags is not implemented")


def spdiags(diagonals: Tensor, offsets: Tensor, shape: Sequence[int], layout: Any = None) -> SparseTensor:
    """The (n, m) sparse matrix (`shape`) whose diagonal offsets[d] holds row d of `diagonals` (one vector
    for one diagonal), in the COO layout or `layout` (sparse_csr, sparse_csc); see the module docstring."""
    layout = SPARSE_COO if layout is None else layout
    if layout not in _LAYOUTS:
        raise RuntimeError(f"Only output layouts (Sparse, SparseCsc, SparseCsr) are supported, got "
                           f"{_REPR_NAMES.get(layout, layout)}")
    if len(shape) != 2:
        raise RuntimeError(f"Output shape must be 2d (spdiags got shape {list(shape)})")
    if diagonals.ndim not in (1, 2):
        raise RuntimeError(f"Diagonals must be vector or matrix (spdiags got a {diagonals.ndim}-D tensor)")
    if offsets.ndim > 1:
        raise RuntimeError(f"Offsets must be scalar or vector (spdiags got a {offsets.ndim}-D tensor)")
    if offsets.dtype is not D.int64:
        raise RuntimeError(f"Offset Tensor must have dtype Long but got {offsets.dtype.scalar_name}")
    diagonals = diagonals.reshape(1, -1) if diagonals.ndim == 1 else diagonals
    ks = offsets.reshape(-1).tolist()
    if len(ks) != diagonals.shape[0]:
        raise RuntimeError(f"Number of diagonals ({diagonals.shape[0]}) does not match the number of offsets "
                           f"({len(ks)})")
    if len(set(ks)) != len(ks):
        raise RuntimeError(f"Offset tensor contains duplicate values (spdiags got offsets {ks})")
    out = Spdiags.apply(diagonals, ks, (int(shape[0]), int(shape[1])))
    if layout == SPARSE_COO:
        return out
    return out.to_sparse_csr() if layout == "sparse_csr" else out.to_sparse_csc()
