"""Creating tensors (from data, constants, ranges) and converting their dtype/device."""
from __future__ import annotations

import math
import warnings
from typing import Any

from .. import _dtype as D
from .._device import default_device
from .._device import device as Device
from .._tensor import Tensor
from ..autograd.function import Function
from ..backends import get_backend
from ._trace import record_untraced
from ._util import as_shape


def _backend(device: Any):
    if device is None:
        device = default_device[0]  # set_default_device's; None is the CPU
        if device is None:
            return get_backend("cpu")
    return get_backend(Device(device).type)


def _finish(data, be, requires_grad: bool) -> Tensor:
    t = Tensor._make(data, be)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _dtype_arg(dtype: Any, op: str) -> D.dtype | None:
    if dtype is not None and not isinstance(dtype, D.dtype):
        raise TypeError(f"{op}(): argument 'dtype' must be mytorch.dtype, not {type(dtype).__name__}")
    return dtype


def tensor(data: Any, *, dtype: D.dtype | None = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (nested sequences, numbers, arrays or tensors).

    dtype is inferred as PyTorch does: bool -> bool, int -> int64, float -> the default dtype, complex ->
    the default complex dtype; a NumPy array keeps its own dtype.
    """
    dtype = _dtype_arg(dtype, "tensor")
    be = _backend(device)
    if isinstance(data, Tensor):
        arr = be.copy(data._data)
        if dtype is not None:
            arr = be.cast(arr, dtype)
        return _finish(arr, be, requires_grad)
    from_array = hasattr(data, "dtype") and hasattr(data, "shape")
    try:  # tensors nested in lists convert through their __array__
        arr = be.from_host(data, dtype)
        be.dtype_of(arr)
    except (ValueError, TypeError, KeyError, OverflowError):
        _diagnose(data, dtype)
        raise TypeError(f"tensor(): can't convert {getattr(data, 'dtype', type(data).__name__)} data to a tensor; "
                        "supported: bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, "
                        "float64, complex64, complex128, uint16, uint32, uint64, complex32") from None
    if dtype is None and not from_array:
        inferred = be.dtype_of(arr)
        if inferred is D.uint64:  # NumPy's type for Python ints beyond int64's range; PyTorch's int64 overflows
            _diagnose(data, None)
        if inferred is D.float64:
            arr = be.cast(arr, D.get_default_dtype())
        elif inferred is D.complex128:
            arr = be.cast(arr, D.get_default_complex_dtype())
    if from_array and arr is data:
        arr = be.copy(arr)
    return _finish(arr, be, requires_grad)


def _diagnose(data: Any, dtype: D.dtype | None) -> None:
    """Raise PyTorch's error for data that can't become a tensor: ragged nesting, a non-number element,
    or an integer beyond the target type."""
    leaves: list = []
    _nested_shape(data, 0, leaves)
    if all(isinstance(v, int) for v in leaves):
        info = D.iinfo(dtype if dtype is not None and dtype._category == 1 else D.int64)
        for v in leaves:
            if not info.min <= v <= info.max:
                raise (RuntimeError if dtype is not None else ValueError)(
                    f"value {v} cannot be converted to type {info.dtype} without overflow")


def _nested_shape(x: Any, dim: int, leaves: list) -> tuple:
    if hasattr(x, "tolist"):  # tensors, arrays and NumPy scalars nest like lists
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        shapes = [_nested_shape(e, dim + 1, leaves) for e in x]
        for s in shapes[1:]:
            if s != shapes[0]:
                k = next((k for k, (a, b) in enumerate(zip(s, shapes[0])) if a != b), None)
                if k is None:  # a number where the first element was a sequence, or the reverse
                    raise TypeError(f"tensor(): at dim {dim + 1 + min(len(s), len(shapes[0]))}, some elements "
                                    "are sequences and some are numbers")
                raise ValueError(f"expected sequence of length {shapes[0][k]} at dim {dim + 1 + k} (got {s[k]})")
        return (len(x),) + (shapes[0] if shapes else ())
    if isinstance(x, str):
        raise TypeError("new(): invalid data type 'str'")
    if not isinstance(x, (bool, int, float, complex)):
        raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")
    leaves.append(x)
    return ()


def as_tensor(data: Any, dtype: D.dtype | None = None, device: Any = None) -> Tensor:
    """Like `tensor`, but reuses `data` when it already is a tensor (or array) of that dtype."""
    dtype = _dtype_arg(dtype, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype is dtype else data.to(dtype)
    if hasattr(data, "__array_interface__") and dtype is None and device is None:
        try:
            return from_numpy(data)  # shares memory when data is a host array
        except TypeError:  # a NumPy scalar: copy it like any other value
            pass
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray: Any) -> Tensor:
    """A CPU tensor sharing memory with a NumPy array: writes through either show in both."""
    be = get_backend("cpu")
    return Tensor._make(be.share_host(ndarray), be)


def _from_host_array(arr: Any, requires_grad: bool) -> Tensor:
    be = get_backend("cpu")
    return _finish(be.share_host(arr), be, requires_grad)


def check_size(shape: tuple, op: str) -> None:
    for s in shape:
        if s < 0:
            raise RuntimeError(f"{op}(): Trying to create tensor with negative dimension {s}: {list(shape)}")


def _factory(shape: tuple, value: Any, dtype: D.dtype | None, device: Any, requires_grad: bool, op: str,
             like: Tensor | None = None) -> Tensor:
    """A new tensor on `device`'s backend or, with no device given, on the backend of the tensor it is made
    `like` (``zeros_like(x)``, ``x.new_zeros``), which may differ from the one serving the device now."""
    check_size(shape, op)
    be = like._backend if device is None and like is not None else _backend(device)
    dt = _dtype_arg(dtype, op) or D.get_default_dtype()
    data = be.empty(shape, dt) if value is None else be.full(shape, value, dt)
    return _finish(data, be, requires_grad)


def shape_arg(dims: tuple, size: Any, op: str) -> tuple[int, ...]:
    """The shape given as ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(size=(2, 3))``."""
    return as_shape(dims if size is None else (size,), op)


def zeros(*dims, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor of the given shape filled with 0 (default dtype unless `dtype` is given)."""
    return _factory(shape_arg(dims, size, "zeros"), 0, dtype, device, requires_grad, "zeros")


def ones(*dims, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor of the given shape filled with 1 (default dtype unless `dtype` is given)."""
    return _factory(shape_arg(dims, size, "ones"), 1, dtype, device, requires_grad, "ones")


def empty(*dims, size=None, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """A new tensor of the given shape whose values are unspecified (allocated, not filled)."""
    return _factory(shape_arg(dims, size, "empty"), None, dtype, device, requires_grad, "empty")


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor of shape `size` filled with `fill_value`; its dtype follows the value (bool, int64, default float)
    unless `dtype` is given.
    """
    if dtype is None:
        dtype = D.scalar_dtype(fill_value)
    return _factory(as_shape((size,), "full"), fill_value, dtype, device, requires_grad, "full")


def _like(name: str, value_of):
    def like(input: Tensor, *args, dtype=None, device=None, requires_grad: bool = False, memory_format=None):
        value = value_of(args)
        dt = dtype or input.dtype
        out = _factory(input.shape, value, dt, device, requires_grad, name, like=input)
        record_untraced("full_like", (input, value), out)  # shaped by input: a trace sees the link
        return out
    like.__name__ = name
    like.__doc__ = f"A tensor shaped like input (same dtype and device unless given): {name}."
    return like


zeros_like = _like("zeros_like", lambda a: 0)
ones_like = _like("ones_like", lambda a: 1)
empty_like = _like("empty_like", lambda a: None)
full_like = _like("full_like", lambda a: a[0])


def _new(name: str, value):
    def new(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        shape = as_shape(size, name)
        return _factory(shape, value, dtype or self.dtype, device, requires_grad, name, like=self)
    new.__name__ = name
    new.__doc__ = (f"A tensor of shape `size` filled with {value}, with this tensor's dtype and device unless given."
                   if value is not None else
                   "A tensor of shape `size` with unspecified values, with this tensor's dtype and device unless given.")
    return new


new_zeros, new_ones, new_empty = _new("new_zeros", 0), _new("new_ones", 1), _new("new_empty", None)


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape `size` filled with `fill_value`, with this tensor's dtype and device unless given."""
    return _factory(as_shape((size,), "new_full"), fill_value, dtype or self.dtype, device, requires_grad, "new_full",
                    like=self)


def new_tensor(self: Tensor, data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of `data` with this tensor's dtype and device unless given."""
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Values start, start + step, ... < end; int64 when all bounds are integers, else the default float."""
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange(): upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    if _dtype_arg(dtype, "arange") is None:
        dtype = D.int64 if all(isinstance(v, int) for v in (start, end, step)) else D.get_default_dtype()
    be = _backend(device)
    if not dtype.is_floating_point:  # like PyTorch, integer ranges truncate their bounds and step first
        start, end, step = int(start), int(end), int(step)
        if step == 0:
            raise ValueError(f"arange(): step must be nonzero, but it truncates to 0 for {dtype}")
        # in int64, then wrapped to a narrower type: a uint8 range may count down past 0 to the end -1
        data = be.arange(start, end, step, D.int64)
        data = data if dtype is D.int64 else be.cast(data, dtype)
    else:  # start + i * step in float64, not a running sum, then cast: no accumulated rounding
        n = max(math.ceil((end - start) / step), 0)
        data = be.cast(be.add(be.mul(be.arange(0, n, 1, D.float64), step), start), dtype)
    out = _finish(data, be, requires_grad)
    record_untraced("arange", (start, end, step, dtype), out)  # its length may be an input's size (ops/_trace.py)
    return out


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """`steps` values evenly spaced from start to end inclusive."""
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    if steps < 0:
        raise RuntimeError(f"linspace(): number of steps must be non-negative, got {steps}")
    be = _backend(device)
    dt = _dtype_arg(dtype, "linspace") or D.get_default_dtype()
    if steps == 1:
        return _finish(be.full((1,), start, dt), be, requires_grad)
    step = (end - start) / max(steps - 1, 1)
    i = be.arange(0, steps, 1, D.float64)
    # fill from both ends, as PyTorch does, so the last value is exactly `end`
    half = steps // 2
    lo = be.add(be.mul(i, step), start)
    hi = be.sub(end, be.mul(be.sub(steps - 1, i), step))
    data = be.where(be.lt(i, half), lo, hi)
    return _finish(be.cast(data, dt), be, requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """base ** linspace(start, end, steps)."""
    exps = linspace(start, end, steps, dtype=D.float64, device=device)
    be = exps._backend
    data = be.cast(be.pow(float(base), exps._data), _dtype_arg(dtype, "logspace") or D.get_default_dtype())
    return _finish(data, be, requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An n x m matrix with ones on the diagonal."""
    m = n if m is None else m
    for name, v in (("n", n), ("m", m)):
        if v < 0:
            raise RuntimeError(f"eye(): {name} must be greater or equal to 0, got {v}")
    rows = arange(n, device=device).reshape(n, 1)
    cols = arange(m, device=device).reshape(1, m)
    out = (rows == cols).to(_dtype_arg(dtype, "eye") or D.get_default_dtype())
    if requires_grad:
        out.requires_grad_(True)
    return out


def _legacy_tensor(*args, **kwargs) -> Tensor:
    """``Tensor(data)`` copies data as float32; ``Tensor(2, 3)`` is an uninitialised 2x3 float32 tensor;
    ``Tensor()`` is empty."""
    if not args:
        return empty(0, dtype=D.float32)
    if len(args) == 1 and not isinstance(args[0], int):
        return tensor(args[0], dtype=D.float32)
    return empty(*args, dtype=D.float32)


class ToCopy(Function):
    """y = x converted to another dtype;  dx = dy converted back to x's dtype (complex to real: the real
    part of the cast discards the imaginary part, so dx = Re dy there and dy + 0i the other way)."""

    _grad_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, dt, be):
        ctx.src = x.dtype
        data = x._data
        if ctx.src.is_complex and not dt.is_complex:
            warnings.warn("Casting complex values to real discards the imaginary part", UserWarning, stacklevel=4)
        if be is not x._backend:
            data = be.from_host(x._backend.to_host(data), None)
        return Tensor._make(be.copy(be.cast(data, dt)), be)

    @staticmethod
    def backward(ctx, g):
        if not (g.dtype._differentiable and ctx.src._differentiable):
            return None, None, None
        return (g.real if g.dtype.is_complex and not ctx.src.is_complex else g).to(ctx.src), None, None


# Python's number types name dtypes, as in ``x.to(float)``
_PYTHON_TYPES = {bool: D.bool_, int: D.int64, float: D.float64}


def to(self: Tensor, *args, dtype=None, device=None, copy: bool = False, non_blocking: bool = False,
       memory_format=None) -> Tensor:
    """Convert dtype and/or device, PyTorch's three forms: ``to(dtype, non_blocking, copy)``,
    ``to(device, dtype, non_blocking, copy)`` and ``to(other, non_blocking, copy)``; the same tensor
    comes back when nothing changes and ``copy`` is false."""
    args = [_PYTHON_TYPES.get(a, a) if isinstance(a, type) else a for a in args]
    if args and isinstance(args[0], Tensor):
        other = args.pop(0)
        dtype, device = other.dtype, other.device
    elif args and (args[0] is None or isinstance(args[0], (str, Device, int)) and not isinstance(args[0], bool)):
        device = args.pop(0)
        if args and (args[0] is None or isinstance(args[0], D.dtype)):
            dtype = args.pop(0)
    elif args and isinstance(args[0], D.dtype):
        dtype = args.pop(0)
    if len(args) > 2 or not all(isinstance(a, bool) for a in args):
        got = ", ".join(type(a).__name__ for a in args)
        raise TypeError(f"to() received an invalid combination of arguments - got ({got}); valid: (dtype, "
                        "non_blocking, copy), (device, dtype, non_blocking, copy), (Tensor, non_blocking, copy)")
    non_blocking, copy = (args + [non_blocking, copy][len(args):])[:2]
    if isinstance(device, int):
        device = Device("cuda", device)
    be = self._backend if device is None else _backend(device)
    dt = dtype or self.dtype
    if dt is self.dtype and be is self._backend and not copy:
        return self
    if self._requires_grad and not dt._differentiable:
        return ToCopy.apply(self.detach(), dt, be)
    return ToCopy.apply(self, dt, be)


def _cast_method(dt: D.dtype):
    def cast(self: Tensor, memory_format=None) -> Tensor:
        return to(self, dt)
    cast.__doc__ = f"``self.to({dt})``"
    return cast


def type_as(self: Tensor, other: Tensor) -> Tensor:
    """This tensor cast to other's dtype (itself when equal);  dL/dx = dL/dy cast back."""
    return to(self, other.dtype)


def tensor_type(self: Tensor, dtype: D.dtype | str | None = None, non_blocking: bool = False):
    """``type()`` names the tensor type (``torch.FloatTensor``); ``type(dtype)`` and
    ``type("torch.DoubleTensor")`` convert."""
    if dtype is None:
        return f"torch.{self.dtype.scalar_name}Tensor"
    if isinstance(dtype, str):
        by_name = {f"{d.scalar_name}Tensor": d for d in D.ALL_DTYPES}
        name = dtype.rpartition(".")[2]
        if name not in by_name:
            raise ValueError(f"invalid type: '{dtype}'; valid: {', '.join('torch.' + n for n in by_name)}")
        dtype = by_name[name]
    return to(self, dtype)


def cpu(self: Tensor) -> Tensor:
    """This tensor on the CPU (itself when already there)."""
    return to(self, "cpu")


def cuda(self: Tensor, device=None) -> Tensor:
    """This tensor on a CUDA device (raises where CUDA is not available)."""
    return to(self, "cuda" if device is None else Device("cuda", device if isinstance(device, int) else None))


__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like", "ones_like",
           "empty_like", "full_like", "arange", "linspace", "logspace", "eye"]
METHODS = {
    "new_zeros": new_zeros, "new_ones": new_ones, "new_empty": new_empty, "new_full": new_full,
    "new_tensor": new_tensor, "to": to, "type_as": type_as, "type": tensor_type, "cpu": cpu, "cuda": cuda,
    "float": _cast_method(D.float32), "double": _cast_method(D.float64), "half": _cast_method(D.float16),
    "bfloat16": _cast_method(D.bfloat16), "long": _cast_method(D.int64), "int": _cast_method(D.int32),
    "short": _cast_method(D.int16), "char": _cast_method(D.int8), "byte": _cast_method(D.uint8),
    "bool": _cast_method(D.bool_), "cfloat": _cast_method(D.complex64), "cdouble": _cast_method(D.complex128),
    "chalf": _cast_method(D.complex32),
}
