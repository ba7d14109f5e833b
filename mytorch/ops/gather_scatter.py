"""Gather/scatter-style indexing ops: gather, scatter, index_select, index_add, masked ops, take_along_dim.

Two families, each the other's adjoint:
- *gather* reads: ``out = x[index]`` along a dim (gather, index_select, take,
  masked_select). Its gradient *scatter-adds* dy back to the read positions
  (repeated indices add up).
- *scatter* writes: ``out = x`` with some positions replaced (scatter,
  index_copy, index_fill, masked_fill, masked_scatter) or incremented
  (scatter_add, index_add). The gradient of x is dy with the replaced
  positions zeroed (kept when incrementing); the gradient of the written
  values is dy *gathered* from the written positions.
The index-along-a-dim ops reuse `indexing.Index`/`IndexPut` with the key
``(:, ..., :, index)``, so their gradients come from the same two Functions.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import broadcast_shapes
from .binary import where
from .indexing import Index, IndexPut
from .inplace_methods import _inplace_method
from .views import ScatterIntoZeros
from ._autocast import PROMOTE, autocast_policy

_INDEX_DTYPES = (D.int64, D.int32)


def _index_range(index: Tensor) -> tuple[int, int]:
    """(min, max) of a non-empty integer tensor, as Python ints."""
    be = index._backend
    lo = be.to_host(be.amin(index._data, None, False)).item()
    hi = be.to_host(be.amax(index._data, None, False)).item()
    return int(lo), int(hi)


def _check_bounds(index: Tensor, size: int, dim: int, op: str, error: type = RuntimeError,
                  negative: bool = False) -> None:
    """Every index in [0, size) (or [-size, size) when `negative`), else `error` naming the bad one."""
    if index.numel() == 0:
        return
    lo, hi = _index_range(index)
    low = -size if negative else 0
    if lo < low or hi >= size:
        raise error(f"{op}index {lo if lo < low else hi} is out of bounds for dimension {dim} with size {size}")


def _check_index_dtype(index, op: str, allowed: tuple = _INDEX_DTYPES, error: type = RuntimeError) -> None:
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dtype not in allowed:
        names = "/".join(d.name for d in reversed(allowed))
        raise error(f"{op}(): Expected dtype {names} for index, but got {index.dtype}")


# ---- gather / scatter along a dim ---------------------------------------------------------------

def _lift(be, a):
    """A 0-dim array as a 1-element 1-dim view (the kernels index along a real axis)."""
    return be.view(a, (1,)) if a.ndim == 0 else a


def _check_gather_scatter(op: str, x: Tensor, dim: int, index: Tensor, src: Tensor | None = None) -> int:
    """Validate index (and src) against x as gather/scatter require; returns the wrapped dim."""
    d = x._wrap_dim(dim, op)
    _check_index_dtype(index, op)
    if index.ndim != x.ndim and not (index.ndim <= 1 and x.ndim <= 1):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as input tensor "
                           f"(index {list(index.shape)}, input {list(x.shape)})")
    if src is not None and src.ndim != index.ndim:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as src tensor "
                           f"(index {list(index.shape)}, src {list(src.shape)})")
    ishape, xshape = index.shape, x.shape
    for i in range(index.ndim if index.ndim == x.ndim else 0):
        too_big = i != d and ishape[i] > xshape[i]
        if src is not None and (too_big or ishape[i] > src.shape[i]):
            raise RuntimeError(f"{op}(): Expected index {list(ishape)} to be no larger than self {list(xshape)} "
                               f"apart from dimension {d} and to be no larger size than src {list(src.shape)}")
        if too_big:
            raise RuntimeError(f"{op}(): Size does not match at dimension {i} expected index {list(ishape)} to be "
                               f"no larger than self {list(xshape)} apart from dimension {d}")
    return d  # the kernel checks the index values (RuntimeError naming the first out of range)


class Gather(Function):
    """`out[i][j] = x[index[i][j]][j]` (dim 0, likewise for other dims);
    dx = zeros with `dx[index[i][j]][j] += dy[i][j]` (scatter_add)."""

    _grad_name = "GatherBackward0"

    @staticmethod
    def forward(ctx, x, dim, index):
        be = x._backend
        ctx.meta = (x.shape, dim)
        ctx.save_for_backward(index)
        xd, idx = _lift(be, x._data), _lift(be, index._data)
        if idx.shape != xd.shape:  # the kernel needs equal sizes outside `dim`: read only the indexed block
            xd = be.basic_index(xd, tuple(slice(None) if i == dim else slice(0, n) for i, n in enumerate(idx.shape)))
        out = be.gather(xd, dim, idx)
        return Tensor._make(be.view(out, index.shape) if index.ndim == 0 else out, be)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        shape, dim = ctx.meta
        return Scatter.apply(g.new_zeros(shape), dim, index, g, "add"), None, None


class Scatter(Function):
    """out = x with `out[index[i][j]][j] = src[i][j]` (dim 0), or += when reduce is "add";
    dx = dy with the written positions zeroed (all of dy for "add"), `dsrc[i][j] = dy[index[i][j]][j]`."""

    _grad_name = "ScatterBackward0"

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce):
        be = x._backend
        out = be.copy(x._data)
        if isinstance(src, Tensor):
            sd = _lift(be, src._data)
            ctx.src_shape = src.shape
        else:
            sd = src if x.dtype.is_floating_point else int(src)
        ctx.meta = (dim, reduce)
        ctx.save_for_backward(index)
        be.scatter(_lift(be, out), dim, _lift(be, index._data), sd, reduce)
        return Tensor._make(out, be)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        dim, reduce = ctx.meta
        if reduce not in (None, "add"):
            raise RuntimeError(f"the derivative of scatter with reduce={reduce!r} is not implemented")
        need_x, _, _, need_src, _ = ctx.needs_input_grad
        gx = gsrc = None
        if need_x:
            gx = g if reduce == "add" else Scatter.apply(g, dim, index, 0, None)
        if need_src:
            gsrc = Gather.apply(g, dim, index)
            if gsrc.shape != ctx.src_shape:  # src may be larger than index: its unread part gets zeros
                key = tuple(slice(0, n) for n in index.shape)
                gsrc = ScatterIntoZeros.apply(gsrc, ctx.src_shape, lambda t: Tensor._make(
                    t._backend.basic_index(t._data, key), t._backend))
        return gx, None, None, gsrc, None


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """`out[i][j][k] = input[i][index[i][j][k]][k]` for dim 1 (index picks along `dim`, same position elsewhere)."""
    d = _check_gather_scatter("gather", input, dim, index)
    return Gather.apply(input, d, index)


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce: str | None = None) -> Tensor:
    """A copy of input with `out[index[i][j]][j] = src[i][j]` (dim 0); `src` may be a tensor or a number.

    reduce="add" / "multiply" combines instead of replacing (only "add" has a gradient).
    """
    if src is None:
        src = value
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got {reduce!r}")
    if isinstance(src, Tensor):
        d = _check_gather_scatter("scatter", input, dim, index, src)
        if src.dtype is not input.dtype:
            raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype, got {input.dtype} and "
                               f"{src.dtype}")
    elif isinstance(src, (int, float, bool)):
        d = _check_gather_scatter("scatter", input, dim, index)
    else:
        raise TypeError(f"scatter(): argument 'src' must be Tensor or Number, not {type(src).__name__}")
    return Scatter.apply(input, d, index, src, reduce)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of input with `out[index[i][j]][j] += src[i][j]` (dim 0); repeated indices add up."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' must be Tensor, not {type(src).__name__}")
    return scatter(input, dim, index, src, reduce="add")


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """gather along `dim` after broadcasting input and indices in the other dims; flattened when dim is None."""
    _check_index_dtype(indices, "take_along_dim", (D.int64,))
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    d = input._wrap_dim(dim, "take_along_dim")
    if indices.ndim != input.ndim:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number of dimensions, but "
                           f"got {input.ndim} dimensions for input, and {indices.ndim} dimensions for indices")
    rest = broadcast_shapes(input.shape[:d] + (1,) + input.shape[d + 1:],
                            indices.shape[:d] + (1,) + indices.shape[d + 1:])
    x = input.expand(rest[:d] + (input.shape[d],) + rest[d + 1:])
    return gather(x, d, indices.expand(rest[:d] + (indices.shape[d],) + rest[d + 1:]))


def take(input: Tensor, index: Tensor) -> Tensor:
    """input viewed as 1-D, read at `index` (negative counts from the end); the result has index's shape."""
    _check_index_dtype(index, "take", (D.int64,))
    n = input.numel()
    if index.numel():
        lo, hi = _index_range(index)
        if lo < -n or hi >= n:
            raise IndexError(f"take(): out of range: tried to access index {lo if lo < -n else hi} on a tensor of "
                             f"{n} elements.")
    return Index.apply(input.reshape(-1), (index._data,))


# ---- selecting and writing whole slices along a dim ---------------------------------------------

def _dim_key(index: Tensor, dim: int) -> tuple:
    """The advanced-indexing key (:, ..., :, index) that addresses slices `index` along `dim`."""
    be = index._backend
    data = be.view(index._data, (1,)) if index.ndim == 0 else index._data
    return (slice(None),) * dim + (data,)


def _check_vector(index, op: str, allowed: tuple = _INDEX_DTYPES, error: type = RuntimeError) -> None:
    _check_index_dtype(index, op, allowed, error)
    if index.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, but got dim: {index.ndim} with size "
                         f"{list(index.shape)}")


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """out = input[:, ..., index, ...] with index at `dim` (a copy);  dinput[index] += dout (index_add)."""
    d = input._wrap_dim(dim, "index_select")
    _check_vector(index, "index_select")
    if input.ndim == 0:
        return index_select(input.reshape(1), 0, index).reshape(())
    if index.numel():
        lo, hi = _index_range(index)
        if lo < 0 or hi >= input.shape[d]:
            raise IndexError(f"index_select(): index out of range in self: index {lo if lo < 0 else hi} for "
                             f"dimension {d} with size {input.shape[d]}")
    return Index.apply(input, _dim_key(index, d))


def _check_source(op: str, input: Tensor, d: int, index: Tensor, source) -> None:
    """source must be a tensor of input's dtype with one slice per index entry along d."""
    if not isinstance(source, Tensor):
        raise TypeError(f"{op}(): argument 'source' must be Tensor, not {type(source).__name__}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"{op}(): self ({input.dtype}) and source ({source.dtype}) must have the same scalar "
                           "type")
    n = index.numel()
    if source.ndim != input.ndim or source.shape[d] != n:
        have = source.shape[d] if source.ndim > d else None
        raise RuntimeError(f"{op}(): Number of indices ({n}) should be equal to source.size(dim): ({have}), for "
                           f"dim: {d} (self {list(input.shape)}, source {list(source.shape)})")
    if source.shape[:d] + source.shape[d + 1:] != input.shape[:d] + input.shape[d + 1:]:
        raise RuntimeError(f"{op}(): source tensor shape must match self tensor shape, excluding the specified "
                           f"dimension. Got self.shape = {list(input.shape)} source.shape = {list(source.shape)}")


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """out = input with out[..., index[i], ...] += alpha * source[..., i, ...] along `dim` (repeats add up);
    dinput = dout, dsource = alpha * dout[..., index, ...]."""
    d = input._wrap_dim(dim, "index_add")
    _check_vector(index, "index_add")
    if input.ndim == 0:  # a 0-dim tensor is one slice along dim 0, as in index_select
        return index_add(input.reshape(1), 0, index, source.reshape(-1), alpha=alpha).reshape(())
    _check_source("index_add", input, d, index, source)
    _check_bounds(index, input.shape[d], d, "index_add(): ")
    return IndexPut.apply(input, _dim_key(index, d), source if alpha == 1 else source * alpha, True)


@autocast_policy(PROMOTE)
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """out = input with out[..., index[i], ...] = source[..., i, ...] along `dim`;
    dinput = dout with the copied slices zeroed, dsource = dout[..., index, ...]."""
    d = input._wrap_dim(dim, "index_copy")
    _check_vector(index, "index_copy", (D.int64,))
    if input.ndim == 0:  # a 0-dim tensor is one slice along dim 0, as in index_select
        return index_copy(input.reshape(1), 0, index, source.reshape(-1)).reshape(())
    _check_source("index_copy", input, d, index, source)
    _check_bounds(index, input.shape[d], d, "index_copy(): ", IndexError)
    return IndexPut.apply(input, _dim_key(index, d), source, False)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """out = input with the slices index (along `dim`, negative counts from the end) set to value;
    dinput = dout with those slices zeroed, dvalue = sum of dout over them (value a 0-dim tensor)."""
    d = input._wrap_dim(dim, "index_fill")
    _check_vector(index, "index_fill", (D.int64,), IndexError)
    _check_value(value, "index_fill")
    _check_bounds(index, input.shape[d] if input.ndim else 1, d, "index_fill(): ", IndexError, negative=True)
    if input.ndim == 0:
        return index_fill(input.reshape(1), 0, index, value).reshape(())
    return IndexPut.apply(input, _dim_key(index, d), value, False)


# ---- masked ops ------------------------------------------------------------------------------------

def _check_value(value, op: str) -> None:
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"{op}(): only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
    elif not isinstance(value, (int, float, bool, complex)):
        raise TypeError(f"{op}(): argument 'value' must be Number or 0-dim Tensor, not {type(value).__name__}")


def _check_mask(mask, op: str) -> None:
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask.dtype is not D.bool_:
        raise RuntimeError(f"{op}(): only supports boolean masks, but got mask with dtype {mask.dtype}")


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """out = value where mask else input (mask and input broadcast), in input's dtype;
    dinput = dout where not mask, dvalue = sum of dout where mask."""
    _check_mask(mask, "masked_fill")
    _check_value(value, "masked_fill")
    broadcast_shapes(input.shape, mask.shape)  # raises naming the shapes in PyTorch's order
    out = where(mask, value, input)
    return out if out.dtype is input.dtype else out.to(input.dtype)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of input where mask (both broadcast) is True, as a 1-D tensor in row-major order."""
    _check_mask(mask, "masked_select")
    shape = broadcast_shapes(input.shape, mask.shape)
    return input.expand(shape)[mask.expand(shape)]


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """out = input with its mask-selected positions (row-major) taking source's first elements in order;
    dinput = dout where not mask, dsource = the masked elements of dout (zeros for unused source elements)."""
    _check_mask(mask, "masked_scatter")
    if not isinstance(source, Tensor):
        raise TypeError(f"masked_scatter(): argument 'source' must be Tensor, not {type(source).__name__}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"masked_scatter(): expected self and source to have same dtypes but got "
                           f"{input.dtype} and {source.dtype}")
    shape = broadcast_shapes(input.shape, mask.shape)
    be = mask._backend
    m = be.expand(mask._data, shape)
    n = int(be.to_host(be.sum(be.cast(m, D.int64), None, False)).item())
    if source.numel() < n:
        raise RuntimeError(f"masked_scatter(): Number of elements of source ({source.numel()}) < number of ones in "
                           f"mask ({n})")
    return IndexPut.apply(input.expand(shape), (m,), source.reshape(-1)[:n], False)


# ---- positions of nonzero elements ----------------------------------------------------------------

def nonzero(input: Tensor, *, as_tuple: bool = False):
    """Indices of the nonzero elements: an int64 (n, ndim) tensor, or one 1-D tensor per dim (as_tuple)."""
    be = input._backend
    if not as_tuple:
        return Tensor._make(be.cast(be.nonzero(input._data), D.int64), be)
    idx = be.cast(be.nonzero(_lift(be, input._data)), D.int64)
    return tuple(Tensor._make(be.copy(be.basic_index(idx, (slice(None), i))), be) for i in range(idx.shape[1]))


def argwhere(input: Tensor) -> Tensor:
    """The (n, ndim) int64 indices of the nonzero elements (``nonzero(input)``)."""
    return nonzero(input)


__all__ = ["gather", "scatter", "scatter_add", "take_along_dim", "take", "index_select", "index_add", "index_copy",
           "index_fill", "masked_fill", "masked_select", "masked_scatter", "nonzero", "argwhere"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": _inplace_method(name, globals()[name]) for name in (
    "scatter", "scatter_add", "index_add", "index_copy", "index_fill", "masked_fill", "masked_scatter")})
