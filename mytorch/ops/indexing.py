"""``x[key]`` and ``x[key] = v``: basic indexing as views, advanced indexing as gathers.

Basic keys (ints, slices with positive steps, None, Ellipsis) give views that
share storage. Integer tensors/lists and boolean masks give copies (NumPy's
rules, which PyTorch follows); their backward accumulates the gradient into
zeros at the indexed positions (repeated indices add up).
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _GradState
from ._trace import traced
from .inplace import inplace
from .overlap import check_no_partial_overlap
from .views import _select_view


def _consumes(k) -> int:
    """How many dims of the indexed tensor one key item uses."""
    if k is None or k is Ellipsis or isinstance(k, bool):
        return 0
    if isinstance(k, Tensor) and k.dtype in (D.bool_, D.uint8):
        return k.ndim
    return 1


def _norm_key(x: Tensor, key) -> tuple[tuple, bool]:
    """(key as a tuple of backend-level items, whether it is advanced)."""
    if not isinstance(key, tuple):
        key = (key,)
    be = x._backend
    out = []
    advanced = False
    consumed = [_consumes(k) for k in key]
    if sum(consumed) > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim} (got {sum(consumed)})")
    dim = 0
    for k in key:
        if isinstance(k, bool):
            advanced = True
            out.append(be.from_host(k, D.bool_))
        elif isinstance(k, int):
            size = x.shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {size}")
            out.append(k)
            dim += 1
        elif isinstance(k, slice):
            if k.step is not None and k.step <= 0:
                raise ValueError(f"step must be greater than zero (got step {k.step} slicing dim {dim} of a tensor "
                                 f"of shape {list(x.shape)}; use flip() to reverse)")
            out.append(k)
            dim += 1
        elif k is None or k is Ellipsis:
            out.append(k)
            if k is Ellipsis:
                dim = x.ndim - sum(consumed[key.index(Ellipsis) + 1:])
        else:
            if isinstance(k, (list, tuple)):
                from .creation import tensor
                k = tensor(k)
            if not isinstance(k, Tensor):
                raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                                 f"are valid indices (got {type(k).__name__})")
            if k.dtype.is_floating_point:
                raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors (got {k.dtype})")
            advanced = True
            if k.dtype is D.bool_ or k.dtype is D.uint8:
                mask_shape = tuple(x.shape[dim:dim + k.ndim])
                if tuple(k.shape) != mask_shape:
                    raise IndexError(f"The shape of the mask {list(k.shape)} at index {dim} does not match the shape "
                                     f"of the indexed tensor {list(x.shape)}")
                out.append(be.cast(k._data, D.bool_))
                dim += k.ndim
            else:  # the kernel checks the index values against the dim they index
                out.append(k._data)
                dim += 1
    return tuple(out), advanced


class Index(Function):
    """y = x[key] (advanced: a copy);  dx = zeros with dx[key] += dy."""

    _grad_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, x, key):
        ctx.meta = (x.shape, key)
        return Tensor._make(x._backend.index(x._data, key), x._backend)

    @staticmethod
    def backward(ctx, g):
        shape, key = ctx.meta
        return IndexPut.apply(g.new_zeros(shape), key, g, True), None


class IndexPut(Function):
    """y = x with y[key] = v (or += v when accumulating);  dx = dy with key zeroed (kept when accumulating),
    dv = dy[key]."""

    _grad_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, x, key, v, accumulate):
        be = x._backend
        out = be.copy(x._data)
        vd = v._data if isinstance(v, Tensor) else v
        if isinstance(v, Tensor) and be.dtype_of(vd) is not be.dtype_of(out):
            vd = be.cast(vd, be.dtype_of(out))
        try:
            be.index_put(out, key, vd, accumulate)
        except ValueError as e:
            raise RuntimeError(f"index_put: shape mismatch: value tensor of shape {list(getattr(v, 'shape', ()))} "
                               f"cannot be broadcast to the indexing result ({e})") from None
        ctx.meta = (key, accumulate)
        return Tensor._make(out, be)

    @staticmethod
    def backward(ctx, g):
        key, accumulate = ctx.meta
        gx = g if accumulate else IndexPut.apply(g, key, 0.0, False)
        return gx, None, Index.apply(g, key), None


def _int_of_0d(k):
    """PyTorch reads a 0-d integer tensor in a key as the int it holds (a select: the result is a view)."""
    if isinstance(k, Tensor) and k._data.ndim == 0 and k.dtype not in (D.bool_, D.uint8) \
            and not k.dtype.is_floating_point:
        return int(k)
    return k


def _split_key(key) -> tuple:
    """(key, rest) as PyTorch reads `key`. Integer indices select before any advanced index; NumPy instead
    treats them as advanced indices, which moves the result dims when a slice separates them
    (``x[0, :, [0, 1]]`` is (3, 2) in PyTorch, (2, 3) in NumPy for x of shape (2, 3, 4)). A key mixing
    both splits into a basic key and the rest, applied in turn; rest is None when no split is needed."""
    if not isinstance(key, tuple):
        return _int_of_0d(key), None
    key = tuple(_int_of_0d(k) for k in key)
    if not any(type(k) is int for k in key) or all(
            k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in key):
        return key, None
    first, rest = [], []
    for k in key:
        if type(k) is int:
            first.append(k)
        elif k is Ellipsis:
            first.append(k)
            rest.append(k)
        elif k is None or isinstance(k, slice):
            first.append(k)
            rest.append(slice(None))
        else:
            first.extend([slice(None)] * _consumes(k))
            rest.append(k)
    return tuple(first), tuple(rest)


def getitem(x: Tensor, key) -> Tensor:
    key, rest = _split_key(key)
    if rest is not None:
        return getitem(getitem(x, key), rest)
    k, advanced = _norm_key(x, key)
    if advanced:
        return Index.apply(x, k)
    be = x._backend
    if not x._requires_grad:
        return x._view_of(be.basic_index(x._data, k))
    last = next((item for item in reversed(k) if item is not None and item is not Ellipsis), None)
    name = "SelectBackward0" if isinstance(last, int) else "SliceBackward0" if last is not None else "AliasBackward0"
    return traced("getitem", (x, k),  # the key, not the closure, is what a trace consumer can read
                  lambda: _select_view(x, lambda t: Tensor._make(t._backend.basic_index(t._data, k), t._backend), name))


def _put(x: Tensor, key: tuple, v, accumulate: bool) -> Tensor:
    return IndexPut.apply(x, key, v, accumulate)


def setitem(x: Tensor, key, value) -> None:
    """x[key] = value (broadcast), tracked by autograd when x or value takes part in it."""
    key, rest = _split_key(key)
    if rest is not None:
        return setitem(getitem(x, key), rest, value)
    k, advanced = _norm_key(x, key)
    if not isinstance(value, (Tensor, int, float, bool)):
        from .creation import tensor
        value = tensor(value, dtype=x.dtype)
    if not advanced and _writes_in_place(x, value):
        return _assign_view(x, k, value)
    if not advanced:  # an advanced key is checked, as PyTorch's index_put_ is, against all of x
        _check_view_overlap(x, k, value)
    inplace(x, lambda t, v: _put(t, k, v, False), value, name="setitem", check_overlap=advanced)


def _check_view_overlap(x: Tensor, key: tuple, value) -> None:
    """``x[basic key] = value`` writes only the view x[key]. PyTorch copies a value of that many elements as it
    is, checking it for overlap, and broadcasts any other first (into a view it does not judge: a stride 0)."""
    if not isinstance(value, Tensor):  # a number shares no memory with x
        return
    view = x._view_of(x._backend.basic_index(x._data, key))
    if value.numel() == view.numel():
        check_no_partial_overlap(view, value)


def _root(t: Tensor) -> Tensor:
    return t._base if t._base is not None else t


def _writes_in_place(x: Tensor, value) -> bool:
    """Whether ``x[basic key] = value`` may write straight into the view's memory: nothing records it for
    autograd, and value neither lives on another backend nor shares x's storage (``x[::2] = x[:3]``, which
    PyTorch allows, would read what the write overwrites; a partial overlap such as ``x[1:] = x[:-1]`` raises)."""
    if isinstance(value, Tensor):
        if value._backend is not x._backend or _root(value) is _root(x):
            return False
        if _GradState.enabled and value._requires_grad:
            return False
    return not (_GradState.enabled and (x._requires_grad or (x._base is not None and x._base._requires_grad)))


def _assign_view(x: Tensor, key: tuple, value) -> None:
    """x[key] = value for a basic key without autograd: the value, cast to x's dtype and broadcast, is written
    into the view x[key], so the cost is the view's size, not x's (a KV cache grows a slice per step)."""
    be = x._backend
    v = value._data if isinstance(value, Tensor) else value
    if type(value) is int and x.dtype._category == 1:
        info = D.iinfo(x.dtype)
        if not info.min <= value <= info.max:
            raise RuntimeError(f"setitem: value {value} cannot be converted to type {info.dtype} without overflow")
    if isinstance(value, Tensor) and value.dtype is not x.dtype:
        v = be.cast(v, be.dtype_of(x._data))
    view = be.basic_index(x._data, key)
    try:
        be.assign(view, v)
    except ValueError as e:
        raise RuntimeError(f"setitem: shape mismatch: value tensor of shape {list(getattr(value, 'shape', ()))} "
                           f"cannot be broadcast to indexing result of shape {tuple(view.shape)} ({e})") from None
    x._version_counter[0] += 1


def index_put(input: Tensor, indices: tuple, values, accumulate: bool = False) -> Tensor:
    """out = input with out[indices] = values (or += values, duplicates summed, when `accumulate`);  d/dinput =
    dL/dout with the indexed entries zeroed (kept when accumulating), d/dvalues = dL/dout[indices].
    """
    k, _ = _norm_key(input, tuple(indices))
    return IndexPut.apply(input, k, values, accumulate)


def index_put_(input: Tensor, indices: tuple, values, accumulate: bool = False) -> Tensor:
    """In-place index_put: input[indices] = values (or += values when `accumulate`), then input."""
    k, _ = _norm_key(input, tuple(indices))
    return inplace(input, lambda t, v: _put(t, k, v, accumulate), values, name="index_put_")


__all__ = ["index_put", "index_put_"]
METHODS = {"__getitem__": getitem, "__setitem__": setitem, "index_put": index_put, "index_put_": index_put_}
