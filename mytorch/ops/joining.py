"""Joining, splitting and rearranging: cat, stack, split, chunk, unbind, flip, roll, repeat, tile, pad, tril/triu.

Joining and splitting are each other's gradients: the gradient of ``cat`` is
the incoming gradient split back into the inputs' pieces, and the gradient of
``split``/``chunk``/``unbind`` (which return views) is the pieces' gradients
joined again. Most other ops here are compositions of those two, of views
(reshape/expand) and of `index_select`, so their gradients come for free.
"""
from __future__ import annotations

from typing import Sequence

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import as_shape, backend_of, broadcast_shapes, reject_complex32, wrap_dims
from .gather_scatter import index_select, masked_fill
from .inplace_methods import _inplace_method
from .views import atleast_1d, atleast_2d, atleast_3d
from ._autocast import PROMOTE, autocast_policy
from ._autocast import state as autocast_state


def _tensor_list(tensors, op: str) -> list[Tensor]:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


# ---- cat and friends ------------------------------------------------------------------------------

# PyTorch lets a 1-D empty tensor (shape (0,)) join anything: it is skipped, a rule kept from older versions.


class Cat(Function):
    """y = [x_1, x_2, ...] joined along dim;  dx_k = dy[..., o_k : o_k + n_k, ...] (o_k = n_1 + ... + n_{k-1})."""

    _grad_name = "CatBackward0"

    @staticmethod
    def forward(ctx, dim, *xs):
        be = xs[0]._backend
        if any(x._backend is not be for x in xs):
            backend_of(*xs)  # raises, naming the devices
        dts = [be.dtype_of(x._data) for x in xs]
        dt = dts[0]
        for other in dts[1:]:
            if other is not dt:
                dt = D.promote_types(dt, other)
        shapes = [x._data.shape for x in xs]
        sizes = [None if s == (0,) else s[dim] for s in shapes]  # None: a legacy empty input, skipped
        kept = [x._data if d is dt else be.cast(x._data, dt) for x, n, d in zip(xs, sizes, dts) if n is not None]
        ctx.meta = (dim, sizes)
        try:
            return Tensor._make(be.concatenate(kept or [xs[0]._data], dim), be)
        except ValueError:  # the backend refused the shapes: say which, as PyTorch does
            _check_sizes(shapes, dim)
            raise

    @staticmethod
    def backward(ctx, g):
        dim, sizes = ctx.meta
        grads = [None]
        offset = 0
        for n in sizes:
            if n is None:
                grads.append(g.new_zeros((0,)))
            else:
                grads.append(g.narrow(dim, offset, n))
                offset += n
        return tuple(grads)


@autocast_policy(PROMOTE)
def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim; sizes must match elsewhere; the dtype is their promoted type."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    shapes = [t._data.shape for t in tensors]
    for i, shape in enumerate(shapes):
        if not shape:
            raise RuntimeError(f"cat(): zero-dimensional tensor (at position {i}) cannot be concatenated")
    first = next((i for i, shape in enumerate(shapes) if shape != (0,)), None)
    if first is None:
        return Cat.apply(0, *tensors)
    return Cat.apply(tensors[first]._wrap_dim(dim, "cat"), *tensors)  # Cat checks the sizes


def _check_sizes(shapes: list[tuple], d: int) -> None:
    """RuntimeError naming the first tensor whose sizes disagree with the first non-empty one's."""
    kept = [(i, shape) for i, shape in enumerate(shapes) if shape != (0,)]
    ref = kept[0][1]
    for i, shape in kept[1:]:
        if len(shape) != len(ref):
            raise RuntimeError(f"cat(): Tensors must have same number of dimensions: got {len(ref)} and {len(shape)}")
        for j in range(len(ref)):
            if j != d and shape[j] != ref[j]:
                raise RuntimeError(f"cat(): Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref[j]} but got size {shape[j]} for tensor number {i} in the list.")


concat = cat


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """cat(tensors, axis): NumPy's name for joining tensors along an existing dim."""
    return cat(tensors, axis)


@autocast_policy(PROMOTE)
def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join equal-shaped tensors along a new dim: cat of each unsqueezed at dim."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack(): stack expects a non-empty TensorList")
    shape = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                               f"{list(t.shape)} at entry {i}")
    d = tensors[0]._wrap_dim(dim, "stack", len(shape) + 1)
    return Stack.apply(d, *tensors)


class Stack(Function):
    """y[..., k, ...] = x_k along a new dim;  dx_k = dy selected at index k of that dim.

    One concatenate of views with the new size-1 dim (always expressible): stacking a batch of 64 samples is
    one kernel, not 64 ops.
    """

    _grad_name = "StackBackward0"

    @staticmethod
    def forward(ctx, dim, *xs):
        be = backend_of(*xs)
        dt = xs[0].dtype
        for x in xs[1:]:
            dt = D.promote_types(dt, x.dtype)
        shape = xs[0]._data.shape
        new = shape[:dim] + (1,) + shape[dim:]
        ctx.dim = dim
        return Tensor._make(be.concatenate([be.view(be.cast(x._data, dt), new) for x in xs], dim), be)

    @staticmethod
    def backward(ctx, g):
        return (None,) + g.unbind(ctx.dim)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1 (dim 0 for 1-D tensors)."""
    ts = [atleast_1d(t) for t in _tensor_list(tensors, "hstack")]
    return cat(ts, 0 if ts and ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 0 after making each tensor at least 2-D (1-D tensors become rows)."""
    return cat([atleast_2d(t) for t in _tensor_list(tensors, "vstack")], 0)


row_stack = vstack


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 2 (depth) after making each tensor at least 3-D."""
    return cat([atleast_3d(t) for t in _tensor_list(tensors, "dstack")], 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1, with scalars and 1-D tensors as columns."""
    return cat([t.reshape(t.numel(), 1) if t.ndim < 2 else t for t in _tensor_list(tensors, "column_stack")], 1)


# ---- split and friends (views) --------------------------------------------------------------------

class SplitViews(Function):
    """y_k = x[..., s_k : s_k + n_k, ...] along dim, views of x (unbind: y_k = x[..., k, ...]);
    dx = the dy_k put back at their places: joined (cat/stack) when the pieces tile x, else summed zero-padded."""

    _grad_name = "SplitBackward0"

    @staticmethod
    def forward(ctx, x, dim, pieces, squeeze):
        be = x._backend
        head = (slice(None),) * dim
        ctx.meta = (x.shape[dim], dim, pieces, squeeze)
        return tuple(x._view_of(be.basic_index(x._data, head + (s if squeeze else slice(s, s + n),)))
                     for s, n in pieces)

    @staticmethod
    def backward(ctx, *grads):
        size, dim, pieces, squeeze = ctx.meta
        if squeeze:
            return stack(grads, dim), None, None, None
        if _tiles(pieces, size):
            return cat(grads, dim), None, None, None
        after = [0, 0] * (grads[0].ndim - dim - 1)
        gx = None
        for g, (s, n) in zip(grads, pieces):
            part = pad(g, after + [s, size - s - n])
            gx = part if gx is None else gx + part
        return gx, None, None, None


def _tiles(pieces: tuple, size: int) -> bool:
    """Whether the (start, length) pieces cover 0..size exactly once, in order."""
    end = 0
    for s, n in pieces:
        if s != end:
            return False
        end += n
    return end == size


def _split_views(x: Tensor, dim: int, pieces: list[tuple[int, int]], squeeze: bool = False) -> tuple:
    return SplitViews.apply(x, dim, tuple(pieces), squeeze)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Views of consecutive pieces along dim: of split_size each (the last may be smaller), or of the listed sizes."""
    d = tensor._wrap_dim(dim, "split")
    size = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        n = split_size_or_sections
        if n < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={n}")
        if n == 0 and size:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
        pieces = [(s, min(n, size - s)) for s in range(0, size, n)] if size else [(0, 0)]
        return _split_views(tensor, d, pieces)
    sizes = list(as_shape((split_size_or_sections,), "split"))
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                           f"split_sizes={sizes}")
    if sum(sizes) != size:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at "
                           f"dimension {d}), but got split_sizes={sizes}")
    starts = [sum(sizes[:k]) for k in range(len(sizes))]
    return _split_views(tensor, d, list(zip(starts, sizes)))


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Views: `sections` nearly equal pieces (the first size % sections one longer), or the pieces between
    the given indices (Python slice rules: negative counts from the end, out-of-order gives empty pieces)."""
    d = input._wrap_dim(dim, "tensor_split")
    size = input.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {ios.ndim} dims")
        if ios.dtype is not D.int64:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                               f"{ios.dtype}")
        ios = ios.item() if ios.ndim == 0 else ios.tolist()
    if isinstance(ios, bool) or not isinstance(ios, (int, list, tuple)):
        raise TypeError(f"tensor_split(): argument 'indices_or_sections' must be int, list of ints or Tensor, not "
                        f"{type(ios).__name__}")
    if isinstance(ios, int):
        if ios <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
        q, r = divmod(size, ios)
        lengths = [q + 1] * r + [q] * (ios - r)
        return _split_views(input, d, [(sum(lengths[:k]), n) for k, n in enumerate(lengths)])
    bounds = [0, *as_shape((ios,), "tensor_split"), None]
    pieces = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        start, stop, _ = slice(a, b).indices(size)
        pieces.append((start, max(stop - start, 0)))
    return _split_views(input, d, pieces)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most `chunks` views of ceil(size / chunks) each along dim (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = input._wrap_dim(dim, "chunk")
    size = input.shape[d]
    if size == 0:
        return _split_views(input, d, [(0, 0)] * chunks)
    return split(input, -(-size // chunks), d)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along dim, as views with that dim removed;  dx = stack of the slices' gradients."""
    if input.ndim == 0:
        raise IndexError("unbind(): Dimension specified as 0 but tensor has no dimensions")
    d = input._wrap_dim(dim, "unbind")
    return _split_views(input, d, [(i, 1) for i in range(input.shape[d])], squeeze=True)


# ---- reordering ---------------------------------------------------------------------------------------

class Flip(Function):
    """y[..., i, ...] = x[..., n - 1 - i, ...] on each flipped dim (a copy);  dx = flip(dy)."""

    _grad_name = "FlipBackward0"

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        be = x._backend
        return Tensor._make(be.copy(be.flip(x._data, dims)), be)

    @staticmethod
    def backward(ctx, g):
        return Flip.apply(g, ctx.dims), None


def flip(input: Tensor, dims) -> Tensor:
    """Reverse the order along each dim in `dims` (a copy): y[..., i, ...] = x[..., n - 1 - i, ...];  dL/dx =
    flip(dL/dy, dims).
    """
    reject_complex32(input.dtype, "flip_cpu")
    return Flip.apply(input, wrap_dims(dims, input.ndim, "flip"))


def fliplr(input: Tensor) -> Tensor:
    """Flip dim 1 (left/right)."""
    if input.ndim < 2:
        raise RuntimeError(f"fliplr(): Input must be >= 2-d, got a {input.ndim}-d tensor.")
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """Flip dim 0 (up/down)."""
    if input.ndim < 1:
        raise RuntimeError("flipud(): Input must be >= 1-d, got a 0-d tensor.")
    return flip(input, (0,))


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """y[..., (i + shift) % n, ...] = x[..., i, ...] per rolled dim (the flattened tensor when dims is None);
    a cat of the two narrowed parts, so dx rolls dy back."""
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = () if dims is None else (dims,) if isinstance(dims, int) else tuple(dims)
    if not shifts:
        raise RuntimeError("roll(): `shifts` required")
    if not dims:
        if len(shifts) != 1:
            raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return roll(input.reshape(-1), shifts, 0).view(input.shape)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    out = input
    for shift, d in zip(shifts, wrap_dims(dims, input.ndim, "roll")):
        n = input.shape[d]
        s = shift % n if n else 0
        if s:
            out = cat([out.narrow(d, n - s, s), out.narrow(d, 0, n - s)], d)
    return out if out is not input else input.clone()


# ---- repetition -----------------------------------------------------------------------------------------

def repeat(input: Tensor, *sizes) -> Tensor:
    """Tile input sizes[i] times along dim i (leading sizes add new dims);  dx = dy summed over the copies."""
    sizes = as_shape(sizes, "repeat")
    if len(sizes) < input.ndim:
        raise RuntimeError(f"repeat(): Number of dimensions of repeat dims ({len(sizes)}) can not be smaller than "
                           f"number of dimensions of tensor ({input.ndim})")
    shape = (1,) * (len(sizes) - input.ndim) + tuple(input.shape)
    out_shape = [r * s for r, s in zip(sizes, shape)]
    if any(r < 0 for r in sizes):
        raise RuntimeError(f"repeat(): Trying to create tensor with negative dimension "
                           f"{min(out_shape)}: {out_shape}")
    # (s0, s1) -> (1, s0, 1, s1) -> expand (r0, s0, r1, s1) -> copy -> (r0 * s0, r1 * s1)
    inter = [v for s in shape for v in (1, s)]
    big = [v for r, s in zip(sizes, shape) for v in (r, s)]
    return input.reshape(inter).expand(big).clone().view(out_shape)


def tile(input: Tensor, dims) -> Tensor:
    """repeat with dims padded by leading 1s to input's number of dims."""
    dims = as_shape((dims,), "tile")
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


def _repeat_index(repeats: Tensor) -> Tensor:
    """[0] * r_0 + [1] * r_1 + ...: mark where each run ends, then count the marks passed (a cumsum)."""
    be = repeats._backend
    r = be.cast(repeats._data, D.int64)
    ends = be.cumsum(r, 0)
    total = int(be.to_host(ends)[-1]) if r.shape[0] else 0
    marks = be.full((total + 1,), 0, D.int64)
    be.index_put(marks, (ends,), 1, True)
    return Tensor._make(be.basic_index(be.cumsum(marks, 0), (slice(0, total),)), be)


def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *, output_size: int | None = None):
    """Repeat each element (each slice along dim) repeats times (or repeats[i] times for slice i);
    the tensor itself when dim is None is flattened first. ``repeat_interleave(r)`` gives the index
    [0] * r_0 + [1] * r_1 + ...;  dx = dy summed over each element's copies."""
    if repeats is None:
        repeats, input = input, None
    if isinstance(repeats, Tensor):
        if repeats.dtype.is_floating_point or repeats.dtype is D.bool_:
            raise NotImplementedError(f"repeat_interleave(): repeats must be an integer tensor, got {repeats.dtype}")
        if repeats.ndim > 1:
            raise RuntimeError(f"repeat_interleave(): repeats must be 0-dim or 1-dim tensor, got "
                               f"{list(repeats.shape)}")
        if repeats.numel() and int(repeats.min()) < 0:
            raise RuntimeError("repeat_interleave(): repeats can not be negative")
        if input is None:
            return _repeat_index(repeats.reshape(-1))
    elif not isinstance(repeats, int):
        raise TypeError(f"repeat_interleave(): argument 'repeats' must be int or Tensor, not "
                        f"{type(repeats).__name__}")
    elif repeats < 0:
        raise RuntimeError(f"repeat_interleave(): Repeats must be non-negative, got {repeats}")
    if dim is None:
        input, d = input.reshape(-1), 0
    else:
        d = input._wrap_dim(dim, "repeat_interleave")
    if isinstance(repeats, Tensor) and repeats.numel() != 1:
        if repeats.shape[0] != input.shape[d]:
            raise RuntimeError(f"repeat_interleave(): repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {repeats.shape[0]} and input.size({d}) = {input.shape[d]}")
        return index_select(input, d, _repeat_index(repeats))
    r = int(repeats)
    shape = tuple(input.shape)
    x = input.unsqueeze(d + 1).expand(shape[:d + 1] + (r,) + shape[d + 1:])
    return x.clone().view(shape[:d] + (shape[d] * r,) + shape[d + 1:])


# ---- triangles, grids, broadcasting -----------------------------------------------------------------------

def _triangle(input: Tensor, diagonal: int, lower: bool, op: str) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions (got {input.ndim})")
    be = input._backend
    m, n = input.shape[-2:]
    rows = be.view(be.arange(0, m, 1, D.int64), (m, 1))
    offset = be.sub(be.arange(0, n, 1, D.int64), rows)  # j - i: which diagonal element (i, j) is on
    drop = be.gt(offset, diagonal) if lower else be.lt(offset, diagonal)
    return masked_fill(input, Tensor._make(drop, be), 0)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """y[i, j] = x[i, j] if j - i <= diagonal else 0 (on the last two dims);  dx = tril(dy)."""
    return _triangle(input, diagonal, True, "tril")


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """y[i, j] = x[i, j] if j - i >= diagonal else 0 (on the last two dims);  dx = triu(dy)."""
    return _triangle(input, diagonal, False, "triu")


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids: output k holds tensors[k] along dim k, broadcast over the others (views).
    indexing="xy" swaps the first two dims (matrix rows follow the second tensor)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    tensors = _tensor_list(tensors, "meshgrid")
    indexing = indexing or "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid(): indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid(): expects a non-empty TensorList")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid(): Expected 0D or 1D tensor in the tensor list but got a tensor of shape "
                               f"{list(t.shape)}")
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError(f"meshgrid(): expects all tensors to have the same dtype, got {tensors[0].dtype} "
                               f"and {t.dtype}")
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        order[0], order[1] = 1, 0
    shape = [tensors[k].numel() for k in order]
    grids = []
    for k, t in enumerate(tensors):
        view_shape = [1] * len(tensors)
        view_shape[order.index(k)] = -1
        grids.append(t.reshape(view_shape).expand(shape))
    return tuple(grids)


def broadcast_tensors(*tensors) -> tuple:
    """Each tensor expanded (a view) to the common broadcast shape."""
    tensors = _tensor_list(tensors, "broadcast_tensors")
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.expand(shape) for t in tensors)


# ---- padding ---------------------------------------------------------------------------------------------------

class ConstantPad(Function):
    """y = x cropped by the negative pads, then surrounded by `value` for the positive ones (per dim, (before,
    after)); dx = dy with the pads negated (cropping what was added, zero-filling what was cropped)."""

    _grad_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pads, value):
        be = x._backend
        ctx.pads = pads
        data = x._data
        if any(b < 0 or a < 0 for b, a in pads):
            data = be.basic_index(data, tuple(slice(-min(b, 0), n + min(a, 0)) for (b, a), n in zip(pads, x.shape)))
        if not x.dtype.is_floating_point:
            value = int(value)  # PyTorch truncates a float fill value for integer tensors
        return Tensor._make(be.pad(data, [(max(b, 0), max(a, 0)) for b, a in pads], "constant", value), be)

    @staticmethod
    def backward(ctx, g):
        return ConstantPad.apply(g, tuple((-b, -a) for b, a in ctx.pads), 0), None, None


def _pad_index(be, n: int, before: int, after: int, mode: str) -> Tensor:
    """Source positions of the padded positions -before .. n + after - 1 along one dim of size n."""
    pos = Tensor._make(be.arange(-before, n + after, 1, D.int64), be)
    if mode == "replicate":
        return pos.clamp(0, n - 1)
    if mode == "circular":
        return pos.remainder(n)
    m = pos.remainder(2 * (n - 1))  # reflection about the two edges is periodic with period 2(n - 1)
    return (n - 1) - (m - (n - 1)).abs()


def _check_pad_mode(input: Tensor, pads: list[tuple[int, int]], k: int, mode: str) -> None:
    if k not in (1, 2, 3) or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"pad(): Padding size {2 * k} is not supported for {input.ndim}D input tensor "
                                  f"in mode {mode!r} (pad the last 1-3 dims of a 2-D to 5-D input)")
    shape = list(input.shape)
    for d in range(input.ndim - k, input.ndim):
        b, a = pads[d]
        n = shape[d]
        if mode == "circular":
            if b > n or a > n:
                raise RuntimeError(f"pad(): Padding value causes wrapping around more than once: padding ({b}, "
                                   f"{a}) at dimension {d} of input {shape}")
        elif n == 0:
            raise RuntimeError(f"pad(): Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch "
                               f"size and other non-zero dimensions for input, but got: {shape}")
        elif mode == "reflect" and (b >= n or a >= n):
            raise RuntimeError(f"pad(): Argument #4: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({b}, {a}) at dimension {d} of input {shape}")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative amounts, crop) the last dims: pad = (left_last, right_last, left_prev, ...).

    constant fills with value; reflect mirrors without repeating the edge (x2 x1 | x0 x1 x2 | x1 x0);
    replicate repeats the edge, y[j] = x[clamp(j - left, 0, n - 1)] for amounts of either sign; circular wraps
    around. Non-constant modes read x through an index per dim (`index_select`), so their gradient adds dy
    back at every position it was read from.
    """
    if autocast_state.enabled and mode in ("reflect", "replicate") and input.dtype in (D.bfloat16, D.float16):
        input = input.float()  # on PyTorch's CPU autocast fp32 list (reflection_pad*, replication_pad*)
    amounts = as_shape((pad,), "pad")
    if len(amounts) % 2:
        raise RuntimeError(f"pad(): Padding length must be divisible by 2, got {len(amounts)}")
    k = len(amounts) // 2
    if k > input.ndim:
        raise RuntimeError(f"pad(): Padding length should be less than or equal to two times the input dimension "
                           f"but got padding length {len(amounts)} and input of dimension {input.ndim}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad(): Unrecognised padding mode {mode}")
    pads = [(0, 0)] * (input.ndim - k) + [(amounts[2 * i], amounts[2 * i + 1]) for i in reversed(range(k))]
    shape = list(input.shape)
    for d, (b, a) in enumerate(pads):
        if shape[d] + b + a < 0:
            raise RuntimeError(f"pad(): padding ({b}, {a}) makes dimension {d} of input {shape} negative in size")
    if mode == "constant":
        value = 0 if value is None else value
        if isinstance(value, complex) and input.dtype.is_complex:
            # a backend pads with a real number: the border's imaginary part comes from a padded indicator
            border = ConstantPad.apply(input.new_zeros(input.shape), tuple(pads), 1.0)
            return ConstantPad.apply(input, tuple(pads), value.real) + border * complex(0, value.imag)
        return ConstantPad.apply(input, tuple(pads), value)
    if value not in (None, 0):
        raise RuntimeError(f'pad(): Padding mode "{mode}" doesn\'t take in value argument')
    if mode != "circular":
        reject_complex32(input.dtype, f"{'reflection' if mode == 'reflect' else 'replication'}_pad{k}d")
    out = input
    if mode != "replicate":  # negative pads crop first; the rest pads the cropped tensor
        for d, (b, a) in enumerate(pads):
            if b < 0 or a < 0:
                out = out.narrow(d, -min(b, 0), out.shape[d] + min(b, 0) + min(a, 0))
        pads = [(max(b, 0), max(a, 0)) for b, a in pads]
    # replicate reads every output position through a clamp, signed amounts included, as PyTorch does: a
    # crop that removes a whole side still repeats the last element left, (-4, 5) on 4 gives five x[3]
    _check_pad_mode(out, pads, k, mode)
    for d, (b, a) in enumerate(pads):
        if b or a:
            out = index_select(out, d, _pad_index(input._backend, out.shape[d], b, a, mode))
    return out


def _chunk_cat(tensors: Sequence[Tensor], dim: int, num_chunks: int) -> Tensor:
    """Each tensor (*lead, d, *rest) zero-padded along dim to a multiple of num_chunks, read as num_chunks
    chunks (*lead, num_chunks, d / num_chunks * prod(rest)), and the chunks of all tensors joined along that
    last dim: out (*lead, num_chunks, total); the leading dims (those before dim) must agree. PyTorch's
    layout for sharded gradient buckets (FSDP). Linear, so its derivative is the same reads backwards."""
    tensors = _tensor_list(tensors, "_chunk_cat")
    if not tensors:
        raise RuntimeError("_chunk_cat expects a non-empty input tensor list")
    if num_chunks < 1:
        raise RuntimeError("_chunk_cat expects positive num_chunks")
    if any(t.dtype is not tensors[0].dtype for t in tensors):
        raise RuntimeError("_chunk_cat expects all input tensors with the same dtype")
    chunks = []
    for t in tensors:
        (d,) = wrap_dims(dim, t.ndim, "_chunk_cat")
        if t.shape[:d] != tensors[0].shape[:d]:
            raise RuntimeError("_chunk_cat expects same sizes of 0,...,dim-1 dimensions for all tensors")
        short = -t.shape[d] % num_chunks
        if short:
            t = pad(t, (0, 0) * (t.ndim - 1 - d) + (0, short))
        chunks.append(t.reshape(*t.shape[:d], num_chunks, -1))
    return cat(chunks, -1)


__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack", "column_stack",
           "split", "tensor_split", "chunk", "unbind", "flip", "fliplr", "flipud", "roll", "tile",
           "repeat_interleave", "tril", "triu", "meshgrid", "broadcast_tensors", "pad", "_chunk_cat"]
METHODS = {name: globals()[name] for name in (
    "split", "tensor_split", "chunk", "unbind", "flip", "fliplr", "flipud", "roll", "repeat", "tile",
    "repeat_interleave", "tril", "triu")}
METHODS.update({"tril_": _inplace_method("tril", tril), "triu_": _inplace_method("triu", triu)})
