"""DLPack: zero-copy tensor exchange with NumPy, PyTorch and any other library that speaks it.

A DLPack *capsule* is a PyCapsule around a C struct (``DLManagedTensor``, or ``DLManagedTensorVersioned``
from DLPack 1.0 on) that describes memory as data pointer, device, dtype, shape, strides and byte offset,
plus a deleter the consumer calls when it is done with the memory.

mytorch's cpu tensors already are NumPy-viewable without a copy (the backend's ``to_host``; the C++
backend's arrays expose ``__array_interface__``), and a NumPy array adopts foreign memory without a copy
(the backend's ``share_host`` keeps it alive). So both directions go through NumPy's own DLPack code:

* export: ``tensor.__dlpack__()`` is ``__dlpack__()`` of the zero-copy NumPy view; the capsule keeps
  that view, and through it our storage, alive until the consumer calls the deleter;
* import: ``from_dlpack(x)`` hands x's capsule to ``np.from_dlpack`` and shares the resulting array.

NumPy knows no bfloat16, so bfloat16 travels as uint16 through NumPy and the capsule's dtype code is
rewritten in place (`_set_dtype_code`) to DLPack's ``kDLBfloat`` on the way out and back to ``kDLUInt``
on the way in; the bits are the same 16.
"""
from __future__ import annotations

import ctypes
from typing import Any

import ml_dtypes
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor

# DLDeviceType.kDLCPU
_KDL_CPU = 1
# DLDataTypeCode values (dlpack.h)
_KDL_UINT, _KDL_BFLOAT = 1, 4
_BF16 = np.dtype(ml_dtypes.bfloat16)

# Byte offset of DLTensor.dtype.code inside the struct each capsule name points to: DLTensor is
# {void* data; DLDevice device (2 x int32); int32 ndim; DLDataType dtype {uint8 code, bits; uint16 lanes}; ...}
# (dtype at 20). DLManagedTensor starts with the DLTensor; DLManagedTensorVersioned puts
# {DLPackVersion (2 x uint32); void* manager_ctx; deleter; uint64 flags} = 32 bytes before it.
_DTYPE_CODE_OFFSET = {b"dltensor": 20, b"dltensor_versioned": 32 + 20}

_capsule_name = ctypes.pythonapi.PyCapsule_GetName
_capsule_name.restype, _capsule_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype, _capsule_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]


def _set_dtype_code(capsule: Any, old: int, new: int) -> bool:
    """Rewrite the DLTensor's dtype code in an unconsumed capsule from `old` to `new` (16-bit dtypes only);
    whether it did."""
    name = _capsule_name(capsule)
    if name not in _DTYPE_CODE_OFFSET:
        raise ValueError(f"from_dlpack(): expected a DLPack capsule ('dltensor' or 'dltensor_versioned'), "
                         f"got a capsule named {name!r} (a capsule can be consumed only once)")
    code = ctypes.cast(_capsule_pointer(capsule, name) + _DTYPE_CODE_OFFSET[name], ctypes.POINTER(ctypes.c_uint8))
    if code[0] != old or code[1] != 16:
        return False
    code[0] = new
    return True


def _dlpack_of(x: Any, copy: bool | None) -> tuple[Any, bool]:
    """x's capsule, asked for as PyTorch's consumer asks: DLPack 1.0 and `copy` first, then without them
    for producers that predate those keywords; and whether the producer was told about `copy`."""
    for kwargs in ({"max_version": (1, 0), "copy": copy}, {"copy": copy}):
        try:
            return x.__dlpack__(**{k: v for k, v in kwargs.items() if v is not None}), True
        except TypeError:
            pass
    return x.__dlpack__(), False


class _WritableView:
    """NumPy marks arrays made from unversioned capsules read-only, since those cannot say whether the memory
    may be written; PyTorch takes them as writable. This re-exposes such an array's memory as writable
    (``__array_interface__``) and keeps the array, and so the capsule's memory, alive."""

    def __init__(self, host: np.ndarray) -> None:
        self.host = host
        self.__array_interface__ = {**host.__array_interface__, "data": (host.ctypes.data, False)}


class _Capsule:
    """Hands one capsule to ``np.from_dlpack``, which accepts only objects with ``__dlpack__``."""

    def __init__(self, capsule: Any) -> None:
        self.capsule = capsule

    def __dlpack__(self, **_: Any) -> Any:
        return self.capsule

    def __dlpack_device__(self) -> tuple[int, int]:
        return (_KDL_CPU, 0)


def tensor_dlpack(tensor: Tensor, stream: Any = None, max_version: tuple[int, int] | None = None,
                  dl_device: tuple[int, int] | None = None, copy: bool | None = None) -> Any:
    """`Tensor.__dlpack__`: a capsule viewing the tensor's memory (a copy's with ``copy=True``)."""
    if tensor.requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    if stream is not None and stream != -1:
        raise AssertionError("stream should be None on cpu.")
    if dl_device is not None and tuple(dl_device) != (_KDL_CPU, 0):
        raise BufferError(f"__dlpack__(): can't export a cpu tensor to DLPack device {tuple(dl_device)}")
    host = tensor._backend.to_host(tensor._data)
    if copy:
        host = host.copy()
    bf16 = host.dtype == _BF16
    kwargs = {} if max_version is None else {"max_version": tuple(max_version)}
    capsule = (host.view(np.uint16) if bf16 else host).__dlpack__(**kwargs)
    if bf16:
        _set_dtype_code(capsule, _KDL_UINT, _KDL_BFLOAT)
    return capsule


def from_dlpack(ext_tensor: Any, *, device: Any = None, copy: bool | None = None) -> Tensor:
    """A cpu tensor sharing memory with `ext_tensor` (an object with ``__dlpack__``, or a DLPack capsule).

    Writes through either side show in the other. ``copy=True`` asks the producer for a copy; a capsule
    is taken as it is, as PyTorch takes it."""
    from ..ops.creation import from_numpy
    if hasattr(ext_tensor, "__dlpack__"):
        if device is not None and str(device) != "cpu":
            raise ValueError(f"from_dlpack(): mytorch exchanges DLPack tensors on cpu only (got device={device})")
        dev = tuple(ext_tensor.__dlpack_device__())
        if dev[0] != _KDL_CPU:
            raise BufferError(f"from_dlpack(): can't import a tensor on DLPack device {dev}: only cpu (1) "
                              f"memory is supported")
        capsule, copy_honoured = _dlpack_of(ext_tensor, copy)
    else:
        if device is not None or copy is not None:
            raise AssertionError("device and copy kwargs not supported when ext_tensor is already a DLPack capsule.")
        capsule, copy_honoured = ext_tensor, True
    bf16 = _set_dtype_code(capsule, _KDL_BFLOAT, _KDL_UINT)
    legacy = _capsule_name(capsule) == b"dltensor"
    host = np.from_dlpack(_Capsule(capsule))
    if legacy:
        host = np.asarray(_WritableView(host))
    if bf16:
        host = host.view(_BF16)
    if copy and not copy_honoured:
        host = host.copy()
    return from_numpy(host)


def to_dlpack(tensor: Tensor) -> Any:
    """A DLPack capsule (legacy, unversioned, as PyTorch's ``to_dlpack`` gives) viewing `tensor`'s memory."""
    return tensor.__dlpack__()
