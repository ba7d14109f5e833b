"""PyTorch's pickled names and the mytorch objects that play their parts.

A ``torch.save`` pickle names a few PyTorch globals: the functions that rebuild a tensor or a Parameter
from a storage (``torch._utils._rebuild_tensor_v2``, ...), the legacy storage classes whose only role is to
carry a storage's dtype (``torch.FloatStorage``), dtypes (``torch.float32``), ``torch.device`` and
``torch.Size``. `GLOBALS` maps each such dotted name to the mytorch object standing for it: loading looks
names up here, and saving writes mytorch's objects under these names (``pickler.py``), so PyTorch reads
mytorch's files as its own.

How a tensor is rebuilt (PyTorch's ``_rebuild_tensor_v2``): a storage is a flat run of elements of one
dtype; the tensor is the strided view ``t[i_0, ..., i_k] = storage[offset + sum_j i_j * stride_j]``.
Views are checked against the storage's length before they are made, so a file cannot point outside it.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Sequence

from .. import _dtype as D
from .._device import device as Device
from .._tensor import Size, Tensor
from ..autograd.grad_mode import no_grad
from ..nn.parameter import Parameter
from . import sparse_format


class Storage:
    """A loaded storage: `data` is a 1-D tensor holding all of its elements."""

    __slots__ = ("data",)

    def __init__(self, data: Tensor) -> None:
        self.data = data


class StorageType:
    """One of PyTorch's legacy storage classes (``torch.FloatStorage``): in a pickle it names a dtype."""

    def __init__(self, name: str, dtype: D.dtype) -> None:
        self.name, self.dtype = name, dtype

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:  # pickled by reference, as the module attribute of the same name
        return self.name


_STORAGE_NAMES = {D.float32: "FloatStorage", D.float64: "DoubleStorage", D.float16: "HalfStorage",
                  D.bfloat16: "BFloat16Storage", D.int64: "LongStorage", D.int32: "IntStorage",
                  D.int16: "ShortStorage", D.int8: "CharStorage", D.uint8: "ByteStorage", D.bool_: "BoolStorage",
                  D.complex64: "ComplexFloatStorage", D.complex128: "ComplexDoubleStorage"}
STORAGE_TYPES = {dt: StorageType(name, dt) for dt, name in _STORAGE_NAMES.items()}
# module attributes too (torch_names.FloatStorage): pickle writes a StorageType as a reference to one
globals().update({st.name: st for st in STORAGE_TYPES.values()})
# torch.UntypedStorage holds raw bytes
UntypedStorage = StorageType("UntypedStorage", D.uint8)


def _view(storage: Any, offset: Any, size: Sequence[int], stride: Sequence[int]) -> Tensor:
    """storage's elements seen with `size` and `stride` from element `offset`, checked to stay inside it."""
    if not isinstance(storage, Storage):
        raise TypeError(f"a tensor's storage must come from the archive, not {type(storage).__name__}")
    dims = list(size), list(stride)
    if not all(type(v) is int for v in [offset, *dims[0], *dims[1]]) or len(dims[0]) != len(dims[1]):
        raise ValueError(f"malformed tensor geometry: offset {offset!r}, size {size!r}, stride {stride!r}")
    n = storage.data.numel()
    last = offset + sum((s - 1) * st for s, st in zip(*dims))
    if min([offset, *dims[0], *dims[1]], default=0) < 0 or (0 not in dims[0] and last >= n):
        raise ValueError(f"a tensor of size {list(size)}, stride {list(stride)} and offset {offset} reaches "
                         f"outside its storage of {n} elements")
    with no_grad():
        return storage.data.as_strided(tuple(size), tuple(stride), offset)


def _rebuild_tensor_v2(storage: Storage, storage_offset: int, size: Sequence[int], stride: Sequence[int],
                       requires_grad: bool, backward_hooks: Any, metadata: Any = None) -> Tensor:
    """A tensor viewing `storage` (PyTorch's ``torch._utils._rebuild_tensor_v2``; hooks are not kept)."""
    t = _view(storage, storage_offset, size, stride)
    return t.requires_grad_(True) if requires_grad else t


def _rebuild_tensor_v3(storage: Storage, storage_offset: int, size: Sequence[int], stride: Sequence[int],
                       requires_grad: bool, backward_hooks: Any, dtype: D.dtype, metadata: Any = None) -> Tensor:
    """``torch._utils._rebuild_tensor_v3``: `_rebuild_tensor_v2` over an untyped storage (bytes) read as `dtype`, how
    PyTorch saves the dtypes that have no legacy storage class (uint16, uint32, uint64, complex32)."""
    if not isinstance(storage, Storage) or not isinstance(dtype, D.dtype):
        raise TypeError(f"_rebuild_tensor_v3 takes a storage and a dtype, not {type(storage).__name__} and "
                        f"{type(dtype).__name__}")
    if storage.data.dtype is not dtype:
        if storage.data.numel() % dtype.itemsize:
            raise ValueError(f"an untyped storage of {storage.data.numel()} bytes does not hold {dtype} elements")
        storage = Storage(storage.data.view(dtype))
    return _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata)


def _rebuild_parameter(data: Tensor, requires_grad: bool, backward_hooks: Any) -> Parameter:
    """``torch._utils._rebuild_parameter``: an nn.Parameter sharing `data`'s storage."""
    if not isinstance(data, Tensor):
        raise TypeError(f"a Parameter's data must be a tensor, not {type(data).__name__}")
    return Parameter(data, bool(requires_grad))


def _rebuild_parameter_with_state(data: Tensor, requires_grad: bool, backward_hooks: Any, state: Any
                                  ) -> Parameter:
    """``torch._utils._rebuild_parameter_with_state``: a Parameter with Python attributes set on it."""
    return set_obj_state(_rebuild_parameter(data, requires_grad, backward_hooks), state)


_REBUILDERS: tuple[Callable, ...] = (_rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
                                     _rebuild_parameter_with_state)


def _rebuild_from_type_v2(func: Callable, new_type: type, args: tuple, state: Any) -> Tensor:
    """``torch._tensor._rebuild_from_type_v2``: a tensor made by `func`, with attributes set on it (tensors
    that carry a ``__dict__``)."""
    if func not in _REBUILDERS or new_type not in (Tensor, Parameter):
        raise TypeError(f"can't rebuild a {getattr(new_type, '__name__', new_type)} with {func!r}")
    t = func(*args)
    if new_type is Parameter and not isinstance(t, Parameter):
        t = Parameter(t, t.requires_grad)
    return set_obj_state(t, state)


_INTERNAL = frozenset(Tensor.__slots__)


def set_obj_state(obj: Tensor, state: Any) -> Tensor:
    """Set the attributes in `state` (a dict, or PyTorch's (dict, slots dict) pair) on tensor `obj`; a
    tensor's own fields (``_data``, ``_grad``, ...) are not for a file to set."""
    parts = state if isinstance(state, tuple) else (state,)
    for part in parts:
        if part is None:
            continue
        if not isinstance(part, dict):
            raise TypeError(f"a tensor's state must be a dict, not {type(part).__name__}")
        for k, v in part.items():
            if not isinstance(k, str) or k in _INTERNAL or k.startswith("__"):
                raise ValueError(f"a file may not set the tensor attribute {k!r}")
            setattr(obj, k, v)
    return obj


def state_of(t: Tensor) -> dict | None:
    """The Python attributes set on tensor `t` (saved beside its data, as PyTorch saves them), or None."""
    return dict(t.__dict__) or None


# PyTorch's dotted name -> the mytorch object that stands for it
GLOBALS: dict[str, Any] = {
    "collections.OrderedDict": OrderedDict,
    "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
    "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
    "torch._utils._rebuild_parameter": _rebuild_parameter,
    "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
    "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
    "torch._utils._rebuild_sparse_tensor": sparse_format._rebuild_sparse_tensor,
    "torch.serialization._get_layout": sparse_format._get_layout,
    "torch.nn.parameter.Parameter": Parameter,
    "torch.Tensor": Tensor,
    "torch.device": Device,
    "torch.Size": Size,
    "torch.UntypedStorage": UntypedStorage,
    "torch.storage.UntypedStorage": UntypedStorage,  # last: the name mytorch saves it under, as PyTorch does
    **{f"torch.{st.name}": st for st in STORAGE_TYPES.values()},
    **{f"torch.{dt.name}": dt for dt in D.ALL_DTYPES},
}


def _pickled_name(obj: Any) -> str:
    """The dotted name under which Python's pickler writes mytorch's `obj`."""
    if isinstance(obj, D.dtype):
        return f"{D.__name__}.{obj.name}"
    if isinstance(obj, StorageType):
        return f"{__name__}.{obj.name}"
    return f"{obj.__module__}.{obj.__qualname__}"


# what mytorch's pickler writes -> PyTorch's name for it (the inverse of GLOBALS, for saving)
AS_TORCH: dict[str, str] = {_pickled_name(obj): name for name, obj in GLOBALS.items() if name.startswith("torch.")}
