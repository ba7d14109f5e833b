"""The elementwise product with a sparse operand: PyTorch's ``mul`` of a sparse COO or CSR tensor by a dense
tensor or by another sparse tensor, with PyTorch's result patterns.

sparse * dense (either order, COO or CSR): the sparse operand's pattern, each stored value times the dense
entry at its position, ``v_j * d[indices[:, j]]`` (unstored entries are 0 in the product too). A COO operand
keeps its entries and coalesced flag, with the dense operand broadcast to the common shape; where that shape
has leading dims the sparse operand lacks, the product lists the coalesced entries once per leading position
(coalesced). CSR takes a dense operand of its own shape only.

sparse * sparse (the same shape): the entries of one operand (the *source*) times the sum of the other's
values at that position, as PyTorch's intersection kernel does. The source is the uncoalesced operand when
just one is coalesced, else the one with fewer entries (the second on a tie). When both are coalesced, only
the positions stored in both are kept (a coalesced product); otherwise every entry of the source is kept, 0
where the other operand stores nothing. A CSR left operand takes any sparse right one and gives CSR.

The derivatives are PyTorch's MulBackward0: d a = g * b and d b = g * a by these same rules, so a dense
operand of a COO product gets a sparse gradient, and one of a CSR product raises as PyTorch's engine does.
"""
from __future__ import annotations

import math
from typing import Any

from .._tensor import Tensor
from ..autograd.engine import sum_to
from ..autograd.function import Function
from ._util import broadcast_shapes
from .binary import where
from .creation import arange
from .joining import cat, stack
from .sorting import searchsorted
from .sparse import (SPARSE_COO, FromValues, SparseTensor, _REPR_NAMES, _coalesce, _linear, _unsupported,
                     _values)

_CSR = "sparse_csr"
_COPIES_BEFORE_COALESCING = 50  # PyTorch coalesces the larger operand first when it surely repeats positions


def _layout_error(a: Tensor, b: Tensor) -> RuntimeError | None:
    """PyTorch's error for a product of these layouts, or None when it has one."""
    left = a.layout if isinstance(a, Tensor) else "strided"
    right = b.layout if isinstance(b, Tensor) else "strided"
    note = (f" (mytorch multiplies {left} by {right}: the sparse products are COO * COO, COO and dense in "
            f"either order, CSR * any sparse layout, CSR and dense in either order)")
    for x in (a, b):
        if isinstance(x, SparseTensor) and x.layout == _CSR and x._compressed.pointers.ndim > 1:
            return RuntimeError("coo_to_sparse_csr: conversion from Sparse to SparseCsr for input tensors with "
                                "sparse_dim()!=2 is not supported" + note + " (and no batched CSR operand)")
    if left in ("sparse_bsr", "sparse_bsc"):
        return RuntimeError(f"empty_sparse_compressed expected sparse compressed (non-block) tensor layout but got "
                            f"{_REPR_NAMES[left]}" + note)
    if left == _CSR or (left == "strided" and right in (SPARSE_COO, _CSR)) or (left, right) == (SPARSE_COO,
                                                                                          SPARSE_COO):
        return None
    if left == SPARSE_COO and right == "strided":
        return None
    return RuntimeError("Expected result Tensor to be of format CSR" + note)


def _sparse_times_dense(s: SparseTensor, d: Tensor, sparse_first: bool) -> SparseTensor:
    """The product on s's pattern (see the module docstring); `sparse_first` keeps the operands' order."""
    def times(v: Tensor, dv: Tensor) -> Tensor:
        return v * dv if sparse_first else dv * v

    if s._compressed is not None:
        if tuple(d.shape) != tuple(s.shape):
            raise RuntimeError(f"sparse_mask(): operands have incompatible sizes; self has size {list(d.shape)} "
                               f"but mask has size {list(s.shape)} (a CSR operand multiplies a dense one of its "
                               f"own size)")
        return FromValues.apply(times(_values(s), d[tuple(s._indices_t)]), s._indices_t, tuple(s.shape), True,
                                s._compressed)
    shape = broadcast_shapes(tuple(d.shape), tuple(s.shape))
    lead, k = len(shape) - s.ndim, s.sparse_dim()
    if any(shape[lead + i] != s.shape[i] for i in range(k)):
        raise NotImplementedError(f"mul: broadcasting a sparse dim of the {SPARSE_COO} tensor of size "
                                  f"{list(s.shape)} to {list(shape)} is not supported (PyTorch 2.13 keeps only the "
                                  f"entries of the first slice); expand the dense operand's other dims instead")
    dense = d.expand(shape)
    if lead == 0:
        return FromValues.apply(times(_values(s), dense[tuple(s._indices_t)]), s._indices_t, shape, s._coalesced)
    c = s.coalesce()
    nnz, copies = c._nnz(), math.prod(shape[:lead])
    at = arange(copies, device=str(c._indices_t.device)).unsqueeze(1).expand((copies, nnz)).reshape(-1)
    outer = []
    for size in reversed(shape[:lead]):
        outer.append(at % size)
        at = at // size
    inner = c._indices_t.unsqueeze(1).expand((k, copies, nnz)).reshape(k, -1)
    indices = cat([r.unsqueeze(0) for r in reversed(outer)] + [inner])
    v = _values(c)
    v = v.unsqueeze(0).expand((copies, *v.shape)).reshape(-1, *v.shape[1:])
    return FromValues.apply(times(v, dense[tuple(indices)]), indices, shape, True)


def _intersect(x: SparseTensor, y: SparseTensor) -> SparseTensor:
    """x * y for two COO tensors of one shape: PyTorch's intersection (see the module docstring)."""
    if tuple(x.shape) != tuple(y.shape) or x.sparse_dim() != y.sparse_dim():
        raise RuntimeError(f"sparse_binary_op_intersection_cpu(): expects sparse inputs with equal dimensionality, "
                           f"number of sparse dimensions, and shape of sparse dimensions (got sizes {list(x.shape)} "
                           f"and {list(y.shape)}, sparse_dim {x.sparse_dim()} and {y.sparse_dim()})")
    size, k = tuple(x.shape), x.sparse_dim()
    if x._coalesced != y._coalesced:
        other, source = (x, y) if x._coalesced else (y, x)
    else:
        other, source = (x, y) if x._nnz() >= y._nnz() else (y, x)
    if not other._coalesced and other._nnz() // max(math.prod(size[:k]), 1) > _COPIES_BEFORE_COALESCING:
        other = other.coalesce()
    coalesced = x._coalesced and y._coalesced
    keys_at, summed = _coalesce(other._indices_t, _values(other), size)  # the other's sum at each position
    sv = _values(source)
    nnz = source._nnz()
    if keys_at.shape[1] == 0:
        found, hit = sv.new_zeros((nnz, *summed.shape[1:])), sv.new_zeros((nnz,)) != 0
    else:
        keys, want = _linear(keys_at, size[:k]), _linear(source._indices_t, size[:k])
        pos = searchsorted(keys, want).clamp(max=keys.shape[0] - 1)
        hit = keys[pos] == want
        found = where(hit.reshape((nnz,) + (1,) * (summed.ndim - 1)), summed[pos], summed.new_zeros(()))
    values = sv * found if source is x else found * sv
    indices = source._indices_t
    if coalesced:  # both coalesced: only the positions stored in both
        keep = hit.nonzero().reshape(-1)
        values, indices = values[keep], indices[:, keep]
    return FromValues.apply(values, indices, size, coalesced)


def _product(a: Tensor, b: Tensor) -> Tensor:
    """a * b with a sparse operand (no graph: `SparseMul` differentiates it)."""
    error = _layout_error(a, b)
    if error is not None:
        raise error
    if isinstance(a, SparseTensor) and a.layout == _CSR:
        if not isinstance(b, SparseTensor):
            return _sparse_times_dense(a, b, True)
        from .sparse_compressed import to_sparse_csr  # built on this package's COO machinery
        return to_sparse_csr(_intersect(a.to_sparse(), b.to_sparse().coalesce()))
    if not isinstance(a, SparseTensor):
        return _sparse_times_dense(b, a, False)
    if not isinstance(b, SparseTensor):
        return _sparse_times_dense(a, b, True)
    return _intersect(a, b)


def _fit(g: Tensor | None, x: Tensor, i: int) -> Tensor | None:
    """The gradient `g` of operand `i`, summed to x's shape, refused as PyTorch's engine refuses a compressed
    gradient for an operand of another layout."""
    if g is None:
        return None
    if g.layout != x.layout and g.layout != "strided" and g.layout != SPARSE_COO:
        want = "Strided" if x.layout == "strided" else _REPR_NAMES[x.layout]
        raise RuntimeError(f"Function MulBackward0 returned an invalid gradient at index {i} - expected layout "
                           f"{want} but got {_REPR_NAMES[g.layout]}")
    if tuple(g.shape) == tuple(x.shape):
        return g
    if not isinstance(g, SparseTensor):
        return sum_to(g, tuple(x.shape))
    if g.ndim != x.ndim:
        raise NotImplementedError(_unsupported("view", g.layout) + f" (the sparse gradient of size {list(g.shape)} "
                                  f"summed to the operand's size {list(x.shape)})")
    k = g.sparse_dim()
    grown = [d for d in range(g.ndim) if x.shape[d] == 1 and g.shape[d] != 1]
    indices = stack([r * 0 if d in grown else r for d, r in enumerate(g._indices_t)])
    v = _values(g)
    dense = [d - k + 1 for d in grown if d >= k]
    if dense:
        v = v.sum(dense, keepdim=True)
    indices, v = _coalesce(indices, v, tuple(x.shape))
    return FromValues.apply(v, indices, tuple(x.shape), False)  # summed as sparse.sum's keepdim: flag unset


class SparseMul(Function):
    """out = a * b with a sparse operand (`_product`); d a = g * b, d b = g * a by the same rules."""

    @staticmethod
    def forward(ctx, a, b):
        ctx._name = "MulBackward0"
        ctx.meta = (a.detach(), b.detach())
        return _product(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.meta
        need_a, need_b = ctx.needs_input_grad
        return (_fit(mul(g, b), a, 0) if need_a else None), (_fit(mul(g, a), b, 1) if need_b else None)


def _scalar(x: Any) -> bool:
    """Whether `x` multiplies a sparse tensor as a number does: a number, a 0-d strided tensor, or a 0-d
    sparse one (through its dense value)."""
    return not isinstance(x, Tensor) or x.ndim == 0


def mul(input: Any, other: Any) -> Tensor:
    """input * other with a sparse operand (see the module docstring); a number, or a 0-d tensor, scales the
    sparse operand's values; two dense ones (a gradient's) multiply densely."""
    if not isinstance(input, SparseTensor) and not isinstance(other, SparseTensor):
        return input * other
    for s, x in ((input, other), (other, input)):
        if isinstance(s, SparseTensor) and _scalar(x):
            x = x.to_dense() if isinstance(x, SparseTensor) else x
            return s._map_values(lambda v: v * x if s is input else x * v)
    return SparseMul.apply(input, other)
