"""PyTorch ops that are short compositions of others, so their derivatives follow by autograd:
block_diag, cartesian_prod, combinations, hsplit/vsplit/dsplit, inner, dist, broadcast_shapes, fill, the
``*_scatter`` ops (input with a view of it replaced by src: the gradient flows to src through the view and
to input everywhere else) and the ``*_copy`` forms of the view ops (the view, copied)."""
from __future__ import annotations

import itertools

from .. import _dtype as D
from .._tensor import Size, Tensor
from ._util import broadcast_shapes as _broadcast_shapes
from .binary import where
from .creation import zeros
from .joining import cat, meshgrid, split, stack, tensor_split, unbind
from .einsum import tensordot


def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (0-d as 1x1, 1-d as one row) along the diagonal of a zero matrix."""
    blocks = []
    for t in tensors:
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {len(blocks)} "
                               f"has {t.ndim} dimensions")
        blocks.append(t.reshape(1, -1) if t.ndim < 2 else t)
    if not blocks:
        return zeros(1, 0)
    dt = blocks[0].dtype
    for b in blocks[1:]:
        dt = D.promote_types(dt, b.dtype)
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        h, w = b.shape
        rows.append(cat([zeros(h, left, dtype=dt), b.to(dt), zeros(h, width - left - w, dtype=dt)], 1))
        left += w
    return cat(rows, 0)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Rows of every combination of one entry from each 1-d tensor (itertools.product's order)."""
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.reshape(-1) for g in meshgrid(*tensors, indexing="ij")], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """Rows of the r-element combinations of a 1-d tensor's entries (itertools' order)."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    index = input.new_tensor(rows, dtype=D.int64).reshape(len(rows), r) if r else input.new_empty((0,), dtype=D.int64)
    return input[index]  # indexing, even when empty, so that the result is part of the graph as in PyTorch


def _split_along(op: str, input: Tensor, indices_or_sections, dim: int, min_ndim: int) -> tuple:
    if input.ndim < min_ndim:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {min_ndim} dimension, but got a tensor with "
                           f"{input.ndim} dimensions!")
    if isinstance(indices_or_sections, int) and (indices_or_sections == 0
                                                 or input.shape[dim] % indices_or_sections):
        raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the dimension "
                           f"{input.shape[dim]} is not divisible by the split_size {indices_or_sections}!")
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input: Tensor, indices_or_sections) -> tuple:
    """``tensor_split`` along dim 1 (dim 0 for a 1-D input): pieces, views of input; gradients flow back to their slices."""
    return _split_along("hsplit", input, indices_or_sections, 1 if input.ndim > 1 else 0, 1)


def vsplit(input: Tensor, indices_or_sections) -> tuple:
    """``tensor_split`` along dim 0 (inputs of at least 2 dims): pieces, views of input."""
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections) -> tuple:
    """``tensor_split`` along dim 2 (inputs of at least 3 dims): pieces, views of input."""
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """sum_k a[..., k] b[..., k] over the last dims: shape a.shape[:-1] + b.shape[:-1]; a product for a 0-d one."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, dims=([-1], [-1]))


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The p-norm of input - other."""
    return (input - other).norm(p)


def broadcast_shapes(*shapes) -> Size:
    """The shape the given shapes broadcast to (aligned at the right, sizes 1 stretch); RuntimeError if they don't."""
    return Size(_broadcast_shapes(*((s,) if isinstance(s, int) else tuple(s) for s in shapes)))


def fill(input: Tensor, value) -> Tensor:
    """A new tensor of input's shape and dtype filled with value (a number or a 0-d tensor, which gets the
    gradient summed); input's gradient is 0."""
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
                           "dimensions.")
    v = value.to(input.dtype) if isinstance(value, Tensor) else input.new_full((), value)
    return where(input.new_ones((), dtype=D.bool_), v, input)


def _scatter_into(input: Tensor, src: Tensor, view) -> Tensor:
    out = input.clone()
    view(out).copy_(src)
    return out


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of input whose diagonal (offset, dim1, dim2) is src; d/dinput = G with that diagonal zeroed, d/dsrc = diagonal of G."""
    return _scatter_into(input, src, lambda t: t.diagonal(offset, dim1, dim2))


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of input whose slice ``input.select(dim, index)`` is src; d/dinput = G with that slice zeroed, d/dsrc = G's slice."""
    return _scatter_into(input, src, lambda t: t.select(dim, index))


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
                  step: int = 1) -> Tensor:
    """A copy of input whose slice start:end:step along dim is src; d/dinput = G with the slice zeroed, d/dsrc = G's slice."""
    key = (slice(None),) * (dim % input.ndim) + (slice(start, end, step),)
    return _scatter_into(input, src, lambda t: t[key])


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    """Pieces of input along dim with the given sizes (which must sum to its size), views of input."""
    return split(input, list(split_sizes), dim)


def _copying(name: str):
    def copy(input: Tensor, *args, **kwargs):
        out = getattr(input, name)(*args, **kwargs) if name != "alias" else input
        return tuple(o.clone() for o in out) if isinstance(out, tuple) else out.clone()
    copy.__name__ = name + "_copy"
    copy.__doc__ = f"Tensor.{name}, as a new tensor instead of a view."
    return copy


# each copying form by its own name, so that it is found by searching for it
_COPIES = ("alias_copy", "as_strided_copy", "diagonal_copy", "expand_copy", "narrow_copy", "permute_copy",
           "squeeze_copy", "t_copy", "transpose_copy", "unbind_copy", "unsqueeze_copy", "view_copy",
           "split_with_sizes_copy")
globals().update({name: _copying(name.removesuffix("_copy")) for name in _COPIES})

__all__ = ["block_diag", "cartesian_prod", "combinations", "hsplit", "vsplit", "dsplit", "inner", "dist",
           "broadcast_shapes", "fill", "diagonal_scatter", "select_scatter", "slice_scatter",
           "split_with_sizes", *_COPIES]
METHODS = {name: globals()[name] for name in ("hsplit", "vsplit", "dsplit", "inner", "dist", "diagonal_scatter",
                                              "select_scatter", "slice_scatter",
                                              "split_with_sizes")}
