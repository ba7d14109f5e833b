"""Factories beyond zeros/ones/full: a 0-d tensor from a number, uninitialised tensors with a chosen memory
layout (``empty_strided``, ``empty_permuted``, ``Tensor.new_empty_strided``), and the coordinates of a
matrix's lower or upper triangle (``tril_indices``, ``triu_indices``).

A strided tensor's elements live at offset sum_i index_i stride_i of its storage, so a storage of
1 + sum_i (size_i - 1) stride_i elements holds every one (none when a size is 0); the strided factories
allocate that storage and view it with the requested strides.
"""
from __future__ import annotations

from typing import Sequence

from .. import _dtype as D
from .._tensor import Tensor
from .creation import arange, empty, tensor
from .joining import stack


def scalar_tensor(s, *, dtype: D.dtype | None = None, device=None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding the number s (the default floating dtype unless given); an integer wraps around into an
    integer dtype (-5 is 251 in uint8), as PyTorch's fill does."""
    if dtype is not None and dtype._category == 1 and isinstance(s, int):
        s = D.wrap_int(s, dtype)
    return tensor(s, dtype=dtype or D.get_default_dtype(), device=device, requires_grad=requires_grad)


def _strided(make_storage, size: Sequence[int], stride: Sequence[int]) -> Tensor:
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: {len(stride)} != {len(size)}")
    n = 0 if 0 in size else 1 + sum((s - 1) * st for s, st in zip(size, stride))
    return make_storage(n).as_strided(size, stride)


def empty_strided(size: Sequence[int], stride: Sequence[int], *, dtype: D.dtype | None = None, device=None,
                  requires_grad: bool = False, **_) -> Tensor:
    """An uninitialised tensor of the given size whose elements sit at the given strides in their storage."""
    out = _strided(lambda n: empty(n, dtype=dtype, device=device), size, stride)
    return out.requires_grad_(requires_grad) if requires_grad else out


def new_empty_strided(self: Tensor, size: Sequence[int], stride: Sequence[int], *, dtype: D.dtype | None = None,
                      device=None, requires_grad: bool = False, **_) -> Tensor:
    """`empty_strided` with this tensor's dtype and device unless given."""
    return empty_strided(size, stride, dtype=dtype or self.dtype, device=device or self.device,
                         requires_grad=requires_grad)


def empty_permuted(size: Sequence[int], physical_layout: Sequence[int], *, dtype: D.dtype | None = None,
                   device=None, requires_grad: bool = False, **_) -> Tensor:
    """An uninitialised tensor of the given (logical) size whose memory holds its dims in the order
    `physical_layout` (outermost first): empty(size permuted by the layout), permuted back."""
    size, layout = tuple(size), tuple(physical_layout)
    if sorted(layout) != list(range(len(size))):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; "
                           f"or physical_layout is not a permutation: size {list(size)}, layout {list(layout)}")
    inverse = [layout.index(d) for d in range(len(size))]
    out = empty(*[size[d] for d in layout], dtype=dtype, device=device).permute(*inverse)
    return out.requires_grad_(requires_grad) if requires_grad else out


def _triangle(row: int, col: int, offset: int, lower: bool, dtype, device) -> Tensor:
    """2 x N (row, column) coordinates of the entries with column - row <= offset (lower) or >= offset
    (upper), in row-major order (a boolean mask selects in that order)."""
    r = arange(row, dtype=dtype, device=device).reshape(row, 1).expand(row, col)
    c = arange(col, dtype=dtype, device=device).reshape(1, col).expand(row, col)
    keep = (c - r <= offset) if lower else (c - r >= offset)
    return stack([r[keep], c[keep]])


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: D.dtype = D.int64, device=None, **_) -> Tensor:
    """The (row, column) indices of the lower triangle of a row x col matrix, diagonal `offset` included
    (entries with j - i <= offset), as a 2 x N tensor in row-major order."""
    return _triangle(row, col, offset, True, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: D.dtype = D.int64, device=None, **_) -> Tensor:
    """The (row, column) indices of the upper triangle of a row x col matrix, diagonal `offset` included
    (entries with j - i >= offset), as a 2 x N tensor in row-major order."""
    return _triangle(row, col, offset, False, dtype, device)


__all__ = ["scalar_tensor", "empty_strided", "empty_permuted", "tril_indices", "triu_indices"]
METHODS = {"new_empty_strided": new_empty_strided}
