"""PyTorch ops that are short compositions of others, so their derivatives follow by autograd:
block_diag, cartesian_prod, combinations, hsplit/vsplit/dsplit, inner, dist, broadcast_shapes, fill,
positive, resolve_neg, rot90, sum_to_size, constant_pad_nd, the ``unsafe_`` splits, put, renorm,
unravel_index, nonzero_static, the masked gathers ``_unsafe_masked_index(_put_accumulate)``, the ``*_scatter`` ops (input with a view of it replaced by src: the gradient flows to src through the view and
to input everywhere else) and the ``*_copy`` forms of the view ops (the view, copied)."""
from __future__ import annotations

import itertools

from .. import _dtype as D
from .._tensor import Size, Tensor
from ..autograd.engine import sum_to
from ._util import broadcast_shapes as _broadcast_shapes
from ._opmath import opmath
from .binary import where
from .creation import zeros
from .joining import cat, chunk, flip, meshgrid, pad, split, stack, tensor_split, unbind
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


@opmath
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


def as_strided_scatter(input: Tensor, src: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """A copy of input whose strided view (size, stride, storage_offset) is src; d/dinput = G with the view's
    entries zeroed, d/dsrc = the view of G."""
    return _scatter_into(input, src, lambda t: t.as_strided(size, stride, storage_offset))


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """input read as 1-D (row-major) with out[index[i]] = source[i] (+= with accumulate; negative indices
    count from the end);  d/dinput = G (zeroed at the written places unless accumulating), d/dsource = G[index]."""
    n = input.numel()
    if index.numel() != source.numel():
        raise RuntimeError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    flat = index.reshape(-1)
    bad = (flat < -n) | (flat >= n)
    if flat.numel() and bool(bad.any()):
        raise IndexError(f"out of range: tried to access index {int(flat[bad][0])} on a tensor of {n} elements.")
    flat = where(flat < 0, flat + n, flat)
    return input.reshape(-1).index_put((flat,), source.reshape(-1).to(input.dtype), accumulate).reshape(input.shape)


@opmath
def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice of input along dim whose p-norm exceeds maxnorm scaled down to norm maxnorm (by
    maxnorm / (norm + 1e-7), PyTorch's factor); the others unchanged."""
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = input._wrap_dim(dim, "renorm")
    others = tuple(i for i in range(input.ndim) if i != d)
    norm = input.norm(p, others, keepdim=True) if others else input.abs()
    factor = where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)
    return input * factor


def unravel_index(indices: Tensor, shape) -> tuple:
    """The coordinates in an array of `shape` (row-major) of each flat index: a tuple of tensors shaped like
    indices, coordinate k = (index // prod(shape[k+1:])) % shape[k]."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if indices.dtype.is_floating_point or indices.dtype.is_complex or indices.dtype is D.bool_:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if any(s < 0 for s in shape):
        raise RuntimeError("'shape' cannot have negative values, but got " + str(tuple(shape)))
    rest = indices.to(D.int64)  # floor division and modulo: out-of-range indices wrap, as in PyTorch
    coords = []
    for s in reversed(shape):
        coords.append(rest % s if s else rest * 0)
        rest = rest // s if s else rest
    return tuple(reversed(coords))


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:
    """nonzero(input) cut or padded with rows of fill_value to exactly `size` rows."""
    found = input.nonzero()
    if found.shape[0] >= size:
        return found[:size]
    pad_rows = found.new_full((size - found.shape[0], found.shape[1]), fill_value)
    return cat([found, pad_rows], 0)


def _clamped(x: Tensor, indices) -> tuple:
    """Each index tensor clamped into its dim's range (the masked-out entries of the masked gathers may point
    anywhere; they are read but never used)."""
    return tuple(None if i is None else i.clamp(-x.shape[d], x.shape[d] - 1) for d, i in enumerate(indices))


def _unsafe_masked_index(input: Tensor, mask: Tensor, indices, fill) -> Tensor:
    """where(mask, input[indices], fill): advanced indexing whose masked-out indices may be out of range."""
    return where(mask, input[_clamped(input, indices)], input.new_full((), fill))


def _unsafe_masked_index_put_accumulate(input: Tensor, mask: Tensor, indices, values: Tensor) -> Tensor:
    """input with values added at input[indices] where mask holds (the masked-out indices may be out of range)."""
    return input.index_put(_clamped(input, indices), where(mask, values, values.new_zeros(())), True)


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    """Pieces of input along dim with the given sizes (which must sum to its size), views of input."""
    return split(input, list(split_sizes), dim)


def positive(input: Tensor) -> Tensor:
    """+input: input itself (PyTorch refuses bool tensors)."""
    if input.dtype is D.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def is_neg(input: Tensor) -> bool:
    """Whether input is a lazily negated view: never in mytorch (it has no negative bit)."""
    return False


def resolve_neg(input: Tensor) -> Tensor:
    """input with a pending lazy negation applied: input itself, as mytorch negates eagerly."""
    return input


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """`chunk` (PyTorch's unsafe form skips the autograd checks of in-place writes to the pieces)."""
    return chunk(input, chunks, dim)


def unsafe_split(input: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """`split` (PyTorch's unsafe form skips the autograd checks of in-place writes to the pieces)."""
    return split(input, split_size_or_sections, dim)


def constant_pad_nd(input: Tensor, pad_: list, value=0) -> Tensor:
    """input padded with `value`: pad_ = (before, after) pairs from the last dim backwards, negative amounts
    crop;  dL/dinput = dL/dout with the padding cut away."""
    return pad(input, pad_, "constant", value)


def sum_to_size(input: Tensor, *size) -> Tensor:
    """input summed over the dims where `size` is 1 or absent, so that it has shape `size` (which must be
    expandable to input's shape);  dL/dinput = dL/dout broadcast back."""
    shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else tuple(size)
    lead = input.ndim - len(shape)
    if lead < 0 or any(s not in (1, n) for s, n in zip(shape, input.shape[lead:])):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(input.shape)}}}.")
    if not shape:  # PyTorch sums into a 0-d target even from a 0-d input (bool becomes int64)
        return input.sum()
    return input if tuple(input.shape) == shape else sum_to(input, shape)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """input rotated by k quarter turns in the plane of `dims`, from dims[0] towards dims[1]:
    one turn is flip(dims[1]) then swap the two dims."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = input._wrap_dim(dims[0], "rot90"), input._wrap_dim(dims[1], "rot90")
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return flip(input, [d1]).transpose(d0, d1)
    if k == 2:
        return flip(input, [d0, d1])
    if k == 3:
        return flip(input, [d0]).transpose(d0, d1)
    return input.clone()


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
           "split_with_sizes", "positive", "is_neg", "resolve_neg", "unsafe_chunk", "unsafe_split",
           "constant_pad_nd", "rot90", "as_strided_scatter", "put", "renorm", "unravel_index", "nonzero_static",
           "_unsafe_masked_index", "_unsafe_masked_index_put_accumulate", *_COPIES]
METHODS = {name: globals()[name] for name in ("hsplit", "vsplit", "dsplit", "inner", "dist", "diagonal_scatter",
                                              "select_scatter", "slice_scatter", "split_with_sizes", "positive",
                                              "is_neg", "resolve_neg", "unsafe_chunk", "unsafe_split",
                                              "sum_to_size", "rot90", "as_strided_scatter", "put", "renorm",
                                              "nonzero_static")}
METHODS.update({"__pos__": positive})
