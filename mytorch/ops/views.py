"""Movement ops that return views: new shape/strides over the same storage.

A view shares its base's storage and version counter, so writing through a
view changes the base. Backward of a view op is the inverse movement of the
gradient (reshape back, inverse permutation), or for views that select a
subset (slices, select, narrow, diagonal), writing the gradient into a zero
tensor through the same view (`ViewScatter`).
"""
from __future__ import annotations

import math
from typing import Callable

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from . import _trace
from ._util import as_shape, wrap_dims


class View(Function):
    """y = x with a new shape (same storage);  dx = dy reshaped back."""

    _grad_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, x, shape, name=None):
        ctx._name = name
        ctx.in_shape = x.shape
        return _view_data(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None, None


def _view_data(x: Tensor, shape: tuple) -> Tensor:
    data = x._backend.view(x._data, shape)
    if data is None:
        raise RuntimeError(f"view size is not compatible with input tensor's size and stride (at least one "
                           f"dimension spans across two contiguous subspaces): input shape {list(x.shape)}, "
                           f"strides {list(x.stride())}, requested {list(shape)}. Use .reshape(...) instead.")
    return x._view_of(data)


def _infer_shape(x: Tensor, shape: tuple, op: str) -> tuple[int, ...]:
    """Resolve one -1 and validate the element count, raising PyTorch's RuntimeError."""
    return _resolve_shape(math.prod(x._data.shape), shape, op)


def _resolve_shape(n: int, shape: tuple, op: str) -> tuple[int, ...]:
    """`shape` for n elements with its one -1 resolved; PyTorch's RuntimeError when n does not fit."""
    if -1 not in shape and math.prod(shape) == n and min(shape, default=0) >= 0:
        return shape
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}(): only one dimension can be inferred, got shape {list(shape)}")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}(): invalid shape dimension {s} in {list(shape)}")
            known *= s
    if -1 in shape:
        if known == 0 or n % known:
            raise RuntimeError(f"{op}(): shape '{list(shape)}' is invalid for input of size {n}")
        shape = tuple(n // known if s == -1 else s for s in shape)
    elif known != n:
        raise RuntimeError(f"{op}(): shape '{list(shape)}' is invalid for input of size {n}")
    return shape


def view(input: Tensor, *shape) -> Tensor:
    """A view with a new shape; raises when the strides can't express it (use reshape)."""
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return view_dtype(input, shape[0])
    shape = _infer_shape(input, as_shape(shape, "view"), "view")
    if (input._requires_grad and is_grad_enabled()) or _trace.current is not None:
        return View.apply(input, shape)
    return _view_data(input, shape)  # nothing to record (no gradient, no op trace): skip Function.apply


def view_dtype(input: Tensor, dtype: D.dtype) -> Tensor:
    """input's memory read as elements of dtype (no copy, no gradient). With an element r = size(dtype) /
    size(input.dtype) times larger the last dim shrinks r-fold (it must divide, and every other stride and
    the offset must too); r times smaller, it grows r-fold. Either way the last dim must be contiguous."""
    old, new = input.dtype, dtype
    if old.itemsize != new.itemsize:
        what = f"to view {old.scalar_name} as {new.scalar_name} (different element sizes)"
        if input.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        if input.stride(-1) != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {input.stride(-1)}")
        if new.itemsize > old.itemsize:
            ratio = new.itemsize // old.itemsize
            if input.size(-1) % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but got {input.size(-1)}")
            if input.storage_offset() % ratio:
                raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} {what}, but got "
                                   f"{input.storage_offset()}")
            for d, stride in enumerate(input.stride()[:-1]):
                if stride % ratio:
                    raise RuntimeError(f"self.stride({d}) must be divisible by {ratio} {what}, but got {stride}")
    return input._view_of(input._backend.bitcast(input._data, new))


class Reshape(Function):
    """y = x with a new shape (a copy when the strides can't express it);  dx = dy reshaped back."""

    _grad_name = "ReshapeAliasBackward0"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        out = _reshape_data(x, shape)
        ctx._name = "ViewBackward0" if out._base is not None else "UnsafeViewBackward0"
        return out

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None


def _reshape_data(x: Tensor, shape: tuple) -> Tensor:
    """A view when x's strides allow it, else a contiguous copy."""
    be = x._backend
    data = be.view(x._data, shape)
    if data is None:
        return Tensor._make(be.view(be.copy(x._data), shape), be)
    return x._view_of(data)


def reshape(input: Tensor, *shape) -> Tensor:
    """x with a new shape (one dim may be -1, inferred): a view when the strides can express it, else a copy.

    y[i] = x[i] in row-major order;  dL/dx = dL/dy reshaped back to x's shape.
    """
    shape = _infer_shape(input, as_shape(shape, "reshape"), "reshape")
    if (input._requires_grad and is_grad_enabled()) or _trace.current is not None:
        return Reshape.apply(input, shape)
    return _reshape_data(input, shape)  # nothing to record (no gradient, no op trace): skip Function.apply


class Permute(Function):
    """y = x with dims reordered;  dx = dy with the inverse order."""

    _grad_name = "PermuteBackward0"

    @staticmethod
    def forward(ctx, x, dims, name=None):
        ctx.dims = dims
        ctx._name = name
        return x._view_of(x._backend.permute(x._data, dims))

    @staticmethod
    def backward(ctx, g):
        inv = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inv[d] = i
        return g.permute(inv), None, None


def permute(input: Tensor, *dims) -> Tensor:
    """A view with the dims reordered: y.shape[i] = x.shape[dims[i]], y.stride(i) = x.stride(dims[i]).

    No data moves;  dL/dx = dL/dy permuted by the inverse permutation.
    """
    dims = as_shape(dims, "permute")
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not "
                           f"equal to len(dims) = {len(dims)}")
    return Permute.apply(input, wrap_dims(dims, input.ndim, "permute"))


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (a view)."""
    n = input.ndim
    d0, d1 = input._wrap_dim(dim0, "transpose"), input._wrap_dim(dim1, "transpose")
    dims = list(range(n))
    if n:
        dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(input, tuple(dims), "TransposeBackward0")


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    """Transpose a tensor of at most 2 dims."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return Permute.apply(input, (1, 0), "TBackward0") if input.ndim == 2 else input


def _T(self: Tensor) -> Tensor:
    """All dims reversed (a view): y.shape = x.shape[::-1];  dL/dx = dL/dy with the dims reversed back."""
    return Permute.apply(self, tuple(range(self.ndim - 1, -1, -1)))


def _mT(self: Tensor) -> Tensor:
    """The last two dims swapped (a view of a batch of matrices);  dL/dx = dL/dy transposed back."""
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self.ndim}-D tensor.")
    return transpose(self, -2, -1)


def movedim(input: Tensor, source, destination) -> Tensor:
    """A view with the dims `source` moved to positions `destination`, the others keeping their order (a permute);
    dL/dx = dL/dy with the dims moved back.
    """
    src = wrap_dims(source, input.ndim, "movedim")
    dst = wrap_dims(destination, input.ndim, "movedim")
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                           f"contain the same number of dims as destination ({list(dst)} dims)")
    order = [d for d in range(input.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return Permute.apply(input, tuple(order))


moveaxis = movedim


class Expand(Function):
    """y = x broadcast to a larger shape (stride 0, no copy);  dx = dy summed over the broadcast dims."""

    _grad_name = "ExpandBackward0"

    @staticmethod
    def forward(ctx, x, shape):
        return x._view_of(x._backend.expand(x._data, shape))

    @staticmethod
    def backward(ctx, g):
        return g, None  # the engine sums g back to x's shape


def expand(input: Tensor, *sizes) -> Tensor:
    """A view that repeats size-1 dims to `sizes` (-1 keeps a size; new leading dims may be added) with stride 0, so
    nothing is copied.

    y[..., i, ...] = x[..., 0, ...] on each expanded dim;  dL/dx = dL/dy summed over the expanded dims.
    """
    sizes = as_shape(sizes, "expand")
    if len(sizes) < input.ndim:
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(input.shape)}}}, size={list(sizes)}): the number of "
                           "sizes provided must be greater or equal to the number of dimensions in the tensor")
    lead = len(sizes) - input.ndim
    shape = []
    for i, s in enumerate(sizes):
        cur = input.shape[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError(f"expand(): -1 is not allowed in a leading, non-existing dimension {i}")
            s = cur
        elif cur is not None and cur != 1 and cur != s:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(input.shape)}")
        shape.append(s)
    shape = tuple(shape)
    if shape == input._data.shape:
        return input if not input._requires_grad else Expand.apply(input, shape)
    return Expand.apply(input, shape)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """expand(input, other.shape);  dL/dx = dL/dy summed over the expanded dims."""
    return expand(input, other.shape)


def broadcast_to(input: Tensor, shape) -> Tensor:
    """expand(input, shape): the view broadcasting gives;  dL/dx = dL/dy summed over the broadcast dims."""
    return expand(input, shape)


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove dims of size 1 (all of them, or those listed in `dim` that have size 1)."""
    if dim is None:
        shape = tuple(s for s in input.shape if s != 1)
    else:
        dims = wrap_dims(dim, input.ndim, "squeeze")
        shape = tuple(s for i, s in enumerate(input.shape) if not (i in dims and s == 1))
    return View.apply(input, shape, "SqueezeBackward0" if dim is None else "SqueezeBackward1")


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dim of size 1 at `dim` (counted in the result)."""
    d = input._wrap_dim(dim, "unsqueeze", input.ndim + 1)
    shape = input.shape[:d] + (1,) + input.shape[d:]
    return View.apply(input, tuple(shape), "UnsqueezeBackward0")


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one (a reshape; a 0-d tensor becomes shape (1,));  dL/dx = dL/dy reshaped
    back.
    """
    if input.ndim == 0:
        return reshape(input, (1,))
    s = input._wrap_dim(start_dim, "flatten")
    e = input._wrap_dim(end_dim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input.shape
    # the merged size spelled out, not -1: with a 0 anywhere in the shape, -1 would be ambiguous
    return reshape(input, tuple(shape[:s]) + (math.prod(shape[s:e + 1]),) + tuple(shape[e + 1:]))


def ravel(input: Tensor) -> Tensor:
    """input as one dim (a reshape to (-1,));  dL/dx = dL/dy reshaped back."""
    return reshape(input, (-1,))


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim `dim` into `sizes` (one may be -1), a view;  dL/dx = dL/dy reshaped back."""
    d = input._wrap_dim(dim, "unflatten")
    sizes = tuple(sizes)
    shape = input.shape
    inner = _resolve_shape(shape[d], sizes, "unflatten")
    return view(input, tuple(shape[:d]) + inner + tuple(shape[d + 1:]))


class ViewScatter(Function):
    """y = view_fn(x), a view selecting a subset of x;  dx = zeros with view_fn(dx) = dy."""

    _grad_name = "AsStridedBackward0"

    @staticmethod
    def forward(ctx, x, view_fn, name):
        ctx.meta = (x.shape, view_fn)
        ctx._name = name
        return x._view_of(view_fn(x)._data)

    @staticmethod
    def backward(ctx, g):
        shape, view_fn = ctx.meta
        return ScatterIntoZeros.apply(g, shape, view_fn), None, None


class ScatterIntoZeros(Function):
    """y = zeros(shape) with view_fn(y) = g;  dg = view_fn(dy)."""

    @staticmethod
    def forward(ctx, g, shape, view_fn):
        ctx.view_fn = view_fn
        out = g.new_zeros(shape)
        out._backend.assign(view_fn(out)._data, g._data)
        return out

    @staticmethod
    def backward(ctx, gg):
        return ViewScatter.apply(gg, ctx.view_fn, "AsStridedBackward0"), None, None


def _select_view(input: Tensor, view_fn: Callable[[Tensor], Tensor], name: str) -> Tensor:
    if input._requires_grad:
        return ViewScatter.apply(input, view_fn, name)
    return input._view_of(view_fn(input)._data)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """A view of `length` entries of dim `dim` from `start`: y = x[..., start:start + length, ...];  dL/dx = zeros
    with that slice set to dL/dy.
    """
    d = input._wrap_dim(dim, "narrow")
    size = input.shape[d]
    if start < 0:
        start += size
    if start < 0 or start + length > size or length < 0:
        raise RuntimeError(f"narrow(): start ({start}) + length ({length}) exceeds dimension size ({size}) of dim {d}")
    key = (slice(None),) * d + (slice(start, start + length),)
    return _select_view(input, lambda x: Tensor._make(x._backend.basic_index(x._data, key), x._backend),
                        "SliceBackward0")


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """A view of entry `index` of dim `dim`, the dim removed: y = x[..., index, ...];  dL/dx = zeros with that entry
    set to dL/dy.
    """
    d = input._wrap_dim(dim, "select")
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {d}")
    key = (slice(None),) * d + (index,)
    return _select_view(input, lambda x: Tensor._make(x._backend.basic_index(x._data, key), x._backend),
                        "SelectBackward0")


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the (dim1, dim2) planes as a view, moved to the last dim."""
    d1, d2 = input._wrap_dim(dim1, "diagonal"), input._wrap_dim(dim2, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")

    def view_fn(x: Tensor) -> Tensor:
        shape, strides = list(x.shape), list(x.stride())
        n1, n2 = shape[d1], shape[d2]
        start = 0
        if offset >= 0:
            n = max(min(n1, n2 - offset), 0)
            start = offset * strides[d2] if n else 0
        else:
            n = max(min(n1 + offset, n2), 0)
            start = -offset * strides[d1] if n else 0
        rest = [i for i in range(x.ndim) if i not in (d1, d2)]
        new_shape = [shape[i] for i in rest] + [n]
        new_strides = [strides[i] for i in rest] + [strides[d1] + strides[d2]]
        return Tensor._make(x._backend.as_strided(x._data, new_shape, new_strides, start), x._backend)
    return _select_view(input, view_fn, "DiagonalBackward0")


def as_strided(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """A view with explicit sizes/strides (in elements) over input's storage (non-overlapping for grads)."""
    offset = 0 if storage_offset is None else storage_offset - input.storage_offset()
    return _select_view(input, lambda x: Tensor._make(
        x._backend.as_strided(x._data, tuple(size), tuple(stride), offset), x._backend), "AsStridedBackward0")


def contiguous(input: Tensor, memory_format=None) -> Tensor:
    """input itself when already contiguous, else a contiguous copy."""
    if input._backend.is_contiguous(input._data):
        return input
    return Clone.apply(input)


class Clone(Function):
    """y = a copy of x;  dx = dy."""

    _grad_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, x):
        return Tensor._make(x._backend.copy(x._data), x._backend)

    @staticmethod
    def backward(ctx, g):
        return g


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy with its own memory: y = x;  dL/dx = dL/dy."""
    return Clone.apply(input)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """view(input, other.shape): the same memory with other's shape;  dL/dx = dL/dy reshaped back."""
    return view(input, other.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """reshape(input, other.shape);  dL/dx = dL/dy reshaped back."""
    return reshape(input, other.shape)


def _atleast(one, tensors: tuple):
    """one() applied to a tensor, or to each of several tensors (given as arguments or as one sequence)."""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return one(tensors[0])
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    return tuple(one(t) for t in tensors)


def _1d(t: Tensor) -> Tensor:
    return reshape(t, (1,)) if t.ndim == 0 else t


def _2d(t: Tensor) -> Tensor:
    return reshape(t, (1,) * (2 - t.ndim) + t.shape) if t.ndim < 2 else t


def _3d(t: Tensor) -> Tensor:
    # NumPy's convention: a scalar -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)
    return reshape(t, {0: (1, 1, 1), 1: (1, -1, 1), 2: t.shape + (1,)}[t.ndim]) if t.ndim < 3 else t


def atleast_1d(*tensors):
    """Each tensor viewed with at least 1 dim: a scalar becomes shape (1,)."""
    return _atleast(_1d, tensors)


def atleast_2d(*tensors):
    """Each tensor viewed with at least 2 dims: leading 1s are added ((n,) -> (1, n))."""
    return _atleast(_2d, tensors)


def atleast_3d(*tensors):
    """Each tensor viewed with at least 3 dims: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    return _atleast(_3d, tensors)


__all__ = ["view", "reshape", "permute", "transpose", "swapaxes", "swapdims", "t", "movedim", "moveaxis",
           "expand", "expand_as", "broadcast_to", "squeeze", "unsqueeze", "flatten", "ravel", "unflatten",
           "narrow", "select", "diagonal", "as_strided", "contiguous", "clone", "view_as", "reshape_as",
           "atleast_1d", "atleast_2d", "atleast_3d"]
METHODS = {name: globals()[name] for name in __all__ if not name.startswith("atleast")}
METHODS["T"] = property(_T)
METHODS["mT"] = property(_mT)
METHODS["H"] = property(_T)
METHODS["mH"] = property(_mT)
