"""Sparse tensors in a ``torch.save`` pickle, as PyTorch writes them.

A sparse tensor pickles as ``torch._utils._rebuild_sparse_tensor(layout, data)``, its layout as
``torch.serialization._get_layout("torch.sparse_coo")`` and its data as dense tensors (saved as storages like
any other) and the size:

    COO:           (indices, values, size, is_coalesced)
    CSR, BSR:      (crow_indices, col_indices, values, size)
    CSC, BSC:      (ccol_indices, row_indices, values, size)

Loading builds the tensor with the public constructors and every invariant check on (``check_invariants``:
indices against the size, pointers against the number of values, a coalesced COO tensor's positions sorted
and unique, a compressed one's sorted within each line; PyTorch makes the same checks at the end of its
load): a file cannot make a sparse tensor that reads outside its values or that a binary search over its
positions would misread. requires_grad is not kept, as in PyTorch.
"""
from __future__ import annotations

from typing import Any

from .._tensor import Size, Tensor
from ..ops.sparse import SparseTensor, sparse_coo_tensor
from ..ops.sparse_compressed import sparse_bsc_tensor, sparse_bsr_tensor, sparse_csc_tensor, sparse_csr_tensor

_COMPRESSED = {"sparse_csr": sparse_csr_tensor, "sparse_csc": sparse_csc_tensor, "sparse_bsr": sparse_bsr_tensor,
               "sparse_bsc": sparse_bsc_tensor}
_LAYOUTS = ("sparse_coo", *_COMPRESSED)


class Layout:
    """A sparse layout in the pickle, written as PyTorch's ``_get_layout("torch.<layout>")`` call."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __reduce__(self) -> tuple:
        return _get_layout, (f"torch.{self.name}",)


def _get_layout(name: str) -> Layout:
    """``torch.serialization._get_layout``: the layout a pickle names (one of mytorch's sparse layouts)."""
    layout = name[len("torch."):] if isinstance(name, str) and name.startswith("torch.") else None
    if layout not in _LAYOUTS:
        raise NotImplementedError(f"rebuilding sparse tensor for layout {name!r}: mytorch loads the layouts "
                                  f"{', '.join('torch.' + n for n in _LAYOUTS)}")
    return Layout(layout)


def reduce_sparse(t: SparseTensor) -> tuple:
    """The (callable, args) pair that pickles sparse tensor `t` as PyTorch does (see the module docstring)."""
    if t.layout == "sparse_coo":
        data: tuple = (t._indices(), t._values(), Size(t.shape), t.is_coalesced())
    else:
        pointers, plain = (t.ccol_indices(), t.row_indices()) if t.layout in ("sparse_csc", "sparse_bsc") else \
            (t.crow_indices(), t.col_indices())
        data = (pointers, plain, t.values().detach(), Size(t.shape))
    return _rebuild_sparse_tensor, (Layout(t.layout), data)


def _rebuild_sparse_tensor(layout: Layout, data: Any) -> SparseTensor:
    """``torch._utils._rebuild_sparse_tensor``: the sparse tensor of `data`, checked (see the module
    docstring); an invalid one raises ValueError, which loading reports with the file's name."""
    if not isinstance(layout, Layout) or not isinstance(data, tuple) or len(data) not in (3, 4) \
            or not all(isinstance(x, Tensor) for x in data[:2]):
        raise TypeError(f"a sparse tensor's record must be a layout and a tuple of its index and value tensors "
                        f"and its size, got {type(layout).__name__} and {type(data).__name__}")
    try:
        if layout.name in _COMPRESSED:
            pointers, plain, values, size = data
            return _COMPRESSED[layout.name](pointers, plain, values, tuple(size), check_invariants=True)
        indices, values, size, *coalesced = data  # PyTorch before 1.13 wrote no is_coalesced
        return sparse_coo_tensor(indices, values, tuple(size), is_coalesced=bool(coalesced and coalesced[0]),
                                 check_invariants=True)
    except RuntimeError as e:
        raise ValueError(f"an invalid sparse {layout.name} tensor: {e}") from None
