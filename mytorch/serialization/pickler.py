"""Pickling mytorch objects the way ``torch.save`` pickles PyTorch's.

A tensor pickles as a call ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
OrderedDict())`` (``_rebuild_tensor_v3(..., dtype)`` over a ``torch.UntypedStorage`` of bytes for the dtypes that
have no legacy storage class: uint16/32/64, complex32, as PyTorch does) and a Parameter as ``torch._utils._rebuild_parameter(tensor, requires_grad,
OrderedDict())``. The storage is a persistent id, ``("storage", torch.FloatStorage, key, "cpu", numel)``:
the pickle holds no tensor bytes, the archive keeps them in the record ``data/<key>``.

Tensors that view one storage (a tensor and its slices, tied weights) share one storage key, so they load
as views of one storage again. mytorch has no storage object, so a storage is the memory that the saved
tensors sharing a base address reach: from the lowest element any of them starts at to one past the
highest element any of them reaches. Finding that span needs every tensor first, so the object is
pickled twice: once to collect the tensors (output discarded), once for real. A tensor with a negative
stride (mytorch's flip is a view; PyTorch has none) is saved as a contiguous copy.

A sparse tensor pickles as PyTorch pickles one, through ``torch._utils._rebuild_sparse_tensor`` over its
dense index and value tensors (``sparse_format.py``).

Python's pickler writes a global under the module that defines it (``mytorch._dtype float32``);
`as_torch_globals` renames the globals of `torch_names.AS_TORCH` to PyTorch's names in the finished
pickle (protocol 2: each global is one GLOBAL opcode holding "module\\nname\\n").
"""
from __future__ import annotations

import io
import pickle
import pickletools
from collections import OrderedDict
from typing import Any

from .. import _dtype as D
from .._device import device as Device
from .._tensor import Size, Tensor
from ..nn.parameter import Parameter
from ..ops.sparse import SparseTensor
from . import torch_names as names
from .sparse_format import reduce_sparse

PROTOCOL = 2  # PyTorch's default; the only one whose globals as_torch_globals renames


class _Span:
    """The elements [lo, hi) of one storage that the saved tensors reach; `anchor` starts at element lo."""

    def __init__(self, anchor: Tensor, lo: int, hi: int) -> None:
        self.anchor, self.lo, self.hi = anchor, lo, hi


class _StorageRef:
    """A storage in the pickle: pickled as its persistent id."""

    def __init__(self, span: _Span) -> None:
        self.span = span


def _reach(t: Tensor) -> tuple[int, int]:
    """The storage elements [first, last + 1) that tensor `t` reads (non-negative strides, numel > 0)."""
    first = t.storage_offset()
    return first, first + sum((s - 1) * st for s, st in zip(t.shape, t.stride())) + 1


class TorchPickler(pickle.Pickler):
    """Pickles for a ``torch.save`` archive. Collecting (`shared` None), it gathers the spans of shared
    storages into `self.shared`; given them, it writes the pickle and lists the storages it names in
    `self.storages`, whose index is the storage's key."""

    def __init__(self, file: Any, shared: dict[int, _Span] | None = None) -> None:
        super().__init__(file, protocol=PROTOCOL)
        self.collecting = shared is None
        self.shared: dict[int, _Span] = {} if shared is None else shared  # by the storage's base address
        self.storages: list[_Span] = []
        self._keys: dict[int, str] = {}  # id(span) -> key

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, SparseTensor):
            return reduce_sparse(obj)
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if isinstance(obj, D.dtype):
            return obj.name  # by reference: mytorch._dtype.<name>, renamed torch.<name>
        if isinstance(obj, Device):
            return Device, (obj.type,) if obj.index is None else (obj.type, obj.index)
        if type(obj) is Size:
            return Size, (tuple(obj),)
        return NotImplemented

    def persistent_id(self, obj: Any) -> Any:
        if not isinstance(obj, _StorageRef):
            return None
        span = obj.span
        key = self._keys.get(id(span))
        if key is None:
            key = self._keys[id(span)] = str(len(self.storages))
            self.storages.append(span)
        dtype = span.anchor.dtype
        if dtype in names.STORAGE_TYPES:
            return "storage", names.STORAGE_TYPES[dtype], key, "cpu", span.hi - span.lo
        return "storage", names.UntypedStorage, key, "cpu", (span.hi - span.lo) * dtype.itemsize  # in bytes

    def _reduce_tensor(self, t: Tensor) -> tuple:
        state = names.state_of(t)
        if isinstance(t, Parameter):
            if state:
                return names._rebuild_parameter_with_state, (t.data, t.requires_grad, OrderedDict(), state)
            return names._rebuild_parameter, (t.data, t.requires_grad, OrderedDict())
        span, view = self._span_of(t)
        args = (_StorageRef(span), view.storage_offset() - span.lo, tuple(view.shape), view.stride(),
                t.requires_grad, OrderedDict())
        rebuild = names._rebuild_tensor_v2
        if view.dtype not in names.STORAGE_TYPES:  # no legacy storage class names the dtype: an untyped storage
            rebuild, args = names._rebuild_tensor_v3, (*args, view.dtype)
        if state:
            return names._rebuild_from_type_v2, (rebuild, Tensor, args, state)
        return rebuild, args

    def _span_of(self, t: Tensor) -> tuple[_Span, Tensor]:
        """The storage span holding `t`, and the tensor to describe against it (t, or a copy of it)."""
        if t.numel() == 0 or min(t.stride(), default=0) < 0:  # a storage of its own
            view = t.detach().contiguous()
            return _Span(view, view.storage_offset(), view.storage_offset() + view.numel()), view
        key = t.data_ptr() - t.storage_offset() * t.dtype.itemsize
        lo, hi = _reach(t)
        span = self.shared.get(key)
        if span is None:
            span = self.shared[key] = _Span(t, lo, hi)
        elif span.anchor.dtype is not t.dtype:  # a storage has one dtype in the archive (PyTorch's rule)
            raise RuntimeError("Cannot save multiple tensors or storages that view the same data as different "
                               "types")
        elif self.collecting:
            if lo < span.lo:
                span.anchor, span.lo = t, lo
            span.hi = max(span.hi, hi)
        return span, t


class _Discard:
    def write(self, b: bytes) -> None:
        pass


def pickle_for_torch(obj: Any) -> tuple[bytes, list[_Span]]:
    """The ``data.pkl`` bytes for `obj`, and the storages it names (the storage with key i at index i)."""
    collector = TorchPickler(_Discard())
    collector.dump(obj)
    buf = io.BytesIO()
    pickler = TorchPickler(buf, collector.shared)
    pickler.dump(obj)
    return as_torch_globals(buf.getvalue()), pickler.storages


def as_torch_globals(data: bytes) -> bytes:
    """`data` (a protocol-2 pickle) with each global of `torch_names.AS_TORCH` renamed to PyTorch's name."""
    out, start = [], 0
    ops = list(pickletools.genops(data))
    for (op, arg, pos), (_, _, end) in zip(ops, ops[1:]):
        torch_name = names.AS_TORCH.get(arg.replace(" ", ".", 1)) if op.name == "GLOBAL" else None
        if torch_name is not None:
            module, _, name = torch_name.rpartition(".")
            out += [data[start:pos], f"c{module}\n{name}\n".encode()]
            start = end
    out.append(data[start:])
    return b"".join(out)


def storage_bytes(span: _Span) -> bytes:
    """The raw little-endian bytes of the elements [lo, hi) of `span`'s storage."""
    flat = span.anchor.detach().as_strided((span.hi - span.lo,), (1,), span.lo).contiguous()
    return flat._backend.to_host(flat._data).tobytes()  # not .numpy(), which refuses complex32 as torch's does
