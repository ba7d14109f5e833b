"""mytorch's safetensors checkpoints: ``save(obj, f, format="safetensors")``, and ``save_file``/``load_file``.

mytorch wrote its checkpoints this way before it wrote PyTorch's zip format; ``load`` still reads them
(and any safetensors file). A checkpoint is an ordinary safetensors file (8-byte little-endian header length, a JSON
header, then the tensor bytes), so any safetensors reader opens it:

- every tensor in the saved object is one safetensors entry, named by its path in the object
  (``"model.fc.weight"``, ``"optimizer.state.0.exp_avg"``); a flat ``{str: Tensor}`` dict (a state dict)
  keeps its keys as the names, so the file is a plain state-dict file for other readers too;
- the header's metadata holds one key, ``"__mytorch__"``, whose value is JSON::

      {"version": 1, "tree": NODE, "crc32": {tensor name: CRC-32 of its bytes}}

  where a NODE is
      null, true, false, a number, a string      the value itself (floats keep NaN/Infinity)
      {"tensor": NAME}                            a tensor; "requires_grad": true and "parameter": true
                                                  restore a leaf that required grad / an nn.Parameter
      {"list": [NODE...]}, {"tuple": [NODE...]}
      {"dict": [[KEY, NODE]...]}, {"odict": ...}  a dict / OrderedDict: keys keep their order and type
                                                  (str, int, float, bool or None)
      {"dtype": "float32"}, {"device": "cpu"}     mytorch.dtype and mytorch.device values

Tensors that are the same object, or the same view of the same storage (tied weights in a state dict),
are stored once and load as one tensor. Any dtype mytorch has is stored natively (bfloat16 as BF16).

Safety. Loading parses JSON and copies bytes; it never runs code. The CRC-32 of every tensor is checked on load,
and a truncated or corrupted file raises a RuntimeError naming the file. A safetensors file without our
metadata (``safetensors.torch.save_file(model.state_dict(), path)``) loads as a dict of tensors.

``save_file(tensors, filename, metadata=None)`` and ``load_file(filename, device="cpu")`` read and write a
flat ``{name: tensor}`` dict as the ``safetensors`` package's functions of those names do.
"""
from __future__ import annotations

import json
import os
import tempfile
import zlib
from collections import OrderedDict
from typing import Any, BinaryIO, Union

from .. import _dtype as D
from .._device import device as Device
from .._tensor import Tensor
from ..nn.parameter import Parameter
from ..ops.complex import view_as_real
from .atomic import atomic_write
from .location import restore_location

FileLike = Union[str, os.PathLike, BinaryIO]
_KEY = "__mytorch__"
_VERSION = 1
_SCALARS = (bool, int, float, str, type(None))


class _Writer:
    """Turns an object into (JSON tree, {name: host array}, {name: crc32})."""

    def __init__(self) -> None:
        self.arrays: dict[str, Any] = {}
        self.crc32: dict[str, int] = {}
        self._by_storage: dict[Any, str] = {}
        self._active: set[int] = set()  # containers on the current path, to reject cycles

    def node(self, obj: Any, path: str) -> Any:
        if isinstance(obj, _SCALARS):
            return obj
        if isinstance(obj, Tensor):
            return self._tensor(obj, path)
        if isinstance(obj, D.dtype):
            return {"dtype": obj.name}
        if isinstance(obj, Device):
            return {"device": str(obj)}
        if id(obj) in self._active:
            raise ValueError(f"mytorch.save: the object contains itself at {path or 'the top level'}")
        self._active.add(id(obj))
        try:
            if isinstance(obj, dict):
                tag = "odict" if isinstance(obj, OrderedDict) else "dict"
                return {tag: [[self._key(k, path), self.node(v, _join(path, k))] for k, v in obj.items()]}
            if isinstance(obj, (list, tuple)):
                tag = "list" if isinstance(obj, list) else "tuple"
                return {tag: [self.node(v, _join(path, i)) for i, v in enumerate(obj)]}
        finally:
            self._active.discard(id(obj))
        raise TypeError(f"mytorch.save: can't save {type(obj).__name__} at {path or 'the top level'}; checkpoints "
                        "hold tensors, numbers, strings, None, dtypes, devices and dicts/lists/tuples of them "
                        "(nothing is pickled)")

    @staticmethod
    def _key(k: Any, path: str) -> Any:
        if not isinstance(k, _SCALARS):
            raise TypeError(f"mytorch.save: dict keys must be str, int, float, bool or None; got "
                            f"{type(k).__name__} in {path or 'the top-level dict'}")
        return k

    def _tensor(self, t: Tensor, path: str) -> dict:
        _refuse_sparse(t, path or "tensor")
        # the same view of the same storage is stored once (empty tensors may share an address: keep apart)
        storage = (t.data_ptr(), tuple(t.shape), t.stride(), t.dtype.name) if t.numel() else id(t)
        name = self._by_storage.get(storage)
        if name is None:
            name = path or "tensor"
            while name in self.arrays:  # a dict key with a "." can repeat a nested path
                name += "#"
            host = t.detach().contiguous()
            if t.dtype.is_complex:  # safetensors lacks complex128: every complex tensor goes as (..., 2) parts
                host = view_as_real(host)
            host = host.numpy()
            self.arrays[name] = host
            self.crc32[name] = _crc32(host)
            self._by_storage[storage] = name
        ref: dict[str, Any] = {"tensor": name}
        if t.dtype.is_complex:
            ref["complex"] = True
        if t.requires_grad:
            ref["requires_grad"] = True
        if isinstance(t, Parameter):
            ref["parameter"] = True
        return ref


def _refuse_sparse(t: Tensor, name: str) -> None:
    """safetensors holds dense arrays only (as the safetensors package refuses PyTorch's sparse tensors)."""
    if t.layout != "strided":
        raise ValueError(f"You are trying to save a sparse tensor: `{name}` ({t.layout}, size {list(t.shape)}) "
                         f"which the safetensors format does not support: save it in PyTorch's format (the "
                         f"default) or make it dense with `.to_dense()` first (a larger file).")


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _crc32(host: Any) -> int:
    try:
        return zlib.crc32(memoryview(host))
    except (TypeError, ValueError):  # extension dtypes (bfloat16) export no buffer: checksum a copy
        return zlib.crc32(host.tobytes())


def save(obj: Any, f: FileLike) -> None:
    """Write `obj` (a tensor, a state dict, or a checkpoint nesting them) to the path or binary file `f`."""
    import safetensors.numpy

    writer = _Writer()
    tree = writer.node(obj, "")
    metadata = {_KEY: json.dumps({"version": _VERSION, "tree": tree, "crc32": writer.crc32})}
    if hasattr(f, "write"):
        f.write(safetensors.numpy.save(writer.arrays, metadata=metadata))
        return
    atomic_write(os.fspath(f), lambda tmp: safetensors.numpy.save_file(writer.arrays, tmp, metadata=metadata))


def load(f: Any, shown: Any, map_location: Any) -> Any:
    """Read what `save` wrote (or any safetensors file) from a path or a binary file; `shown` names it."""
    if hasattr(f, "read"):  # safetensors' byte-string reader lacks bfloat16; its file reader has it
        with tempfile.NamedTemporaryFile(suffix=".safetensors") as tmp:
            tmp.write(f.read())
            tmp.flush()
            return _load_file(tmp.name, shown, map_location)
    return _load_file(os.fspath(f), shown, map_location)


def _load_file(path: str, shown: Any, map_location: Any) -> Any:
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(path, framework="numpy") as fh:
            meta = (fh.metadata() or {}).get(_KEY)
            reader = _Reader(fh, shown, map_location)
            if meta is None:  # a plain safetensors state dict, e.g. from safetensors.torch.save_file
                return {name: reader.tensor({"tensor": name}) for name in fh.keys()}
            try:
                header = json.loads(meta)
                version, tree, reader.crc32 = header["version"], header["tree"], header["crc32"]
            except (ValueError, KeyError, TypeError) as e:
                raise _corrupt(shown, f"unreadable {_KEY} metadata ({e})") from None
            if version > _VERSION:
                raise RuntimeError(f"mytorch.load: {shown} was written by a newer mytorch (format version "
                                   f"{version}; this one reads up to {_VERSION})")
            try:
                return reader.node(tree)
            except (TypeError, ValueError, KeyError) as e:
                raise _corrupt(shown, f"malformed {_KEY} tree ({e!r})") from None
    except SafetensorError as e:
        raise _corrupt(shown, f"not a complete safetensors file ({e})") from None


def _corrupt(shown: Any, why: str) -> RuntimeError:
    return RuntimeError(f"mytorch.load: {shown} is truncated or corrupted: {why}")


class _Reader:
    """Rebuilds the saved object from its JSON tree, reading each named tensor once."""

    def __init__(self, fh: Any, shown: Any, map_location: Any) -> None:
        self.fh, self.shown, self.map_location = fh, shown, map_location
        self.crc32: dict[str, int] | None = None
        self._tensors: dict[str, Tensor] = {}

    def node(self, n: Any) -> Any:
        if isinstance(n, _SCALARS):
            return n
        if isinstance(n, dict) and "tensor" in n:
            return self.tensor(n)
        if not isinstance(n, dict) or len(n) != 1:
            raise _corrupt(self.shown, f"unexpected node {str(n)[:80]!r} in the {_KEY} tree")
        (tag, body), = n.items()
        if tag in ("list", "tuple"):
            items = [self.node(v) for v in body]
            return items if tag == "list" else tuple(items)
        if tag in ("dict", "odict"):
            return (OrderedDict if tag == "odict" else dict)((k, self.node(v)) for k, v in body)
        if tag == "dtype":
            return D._by_name(body)
        if tag == "device":
            return Device(body)
        raise _corrupt(self.shown, f"unknown node type {tag!r} in the {_KEY} tree")

    def tensor(self, ref: dict) -> Tensor:
        """The tensor `ref` names; refs with the same name and flags give the same object, refs that differ
        only in flags (a Parameter and its detached alias) give tensors sharing one storage."""
        from ..ops.creation import from_numpy

        name, parameter, requires_grad = ref["tensor"], bool(ref.get("parameter")), bool(ref.get("requires_grad"))
        key = (name, parameter, requires_grad)
        if key in self._tensors:
            return self._tensors[key]
        t = self._tensors.get((name, False, False))
        if t is None:
            if name not in self.fh.keys():
                raise _corrupt(self.shown, f"the tree names tensor {name!r}, which the file lacks")
            host = self.fh.get_tensor(name)
            if self.crc32 is not None and _crc32(host) != self.crc32.get(name):
                raise _corrupt(self.shown, f"the bytes of tensor {name!r} fail their CRC-32 check")
            t = from_numpy(host)
            if ref.get("complex"):
                from ..ops.complex import view_as_complex
                t = view_as_complex(t)
            t = self._tensors[(name, False, False)] = restore_location(t, "cpu", self.map_location)
        if parameter:
            t = Parameter(t, requires_grad=requires_grad)
        elif requires_grad:
            t = t.detach().requires_grad_(True)
        self._tensors[key] = t
        return t


def save_file(tensors: dict[str, Tensor], filename: str | os.PathLike, metadata: dict[str, str] | None = None
              ) -> None:
    """Write a flat ``{name: tensor}`` dict as a plain safetensors file (the ``safetensors`` package's
    ``save_file``): no tree metadata, only the user's `metadata` strings; written atomically."""
    import safetensors.numpy

    for name, t in tensors.items():
        if not isinstance(name, str) or not isinstance(t, Tensor):
            raise TypeError(f"save_file: expected a dict of str to Tensor, got {type(name).__name__} -> "
                            f"{type(t).__name__}")
        _refuse_sparse(t, name)
    arrays = {name: t.detach().contiguous().numpy() for name, t in tensors.items()}
    atomic_write(os.fspath(filename), lambda tmp: safetensors.numpy.save_file(arrays, tmp, metadata=metadata))


def load_file(filename: str | os.PathLike, device: Any = "cpu") -> dict[str, Tensor]:
    """The tensors of a safetensors file by name (the ``safetensors`` package's ``load_file``)."""
    from safetensors import SafetensorError, safe_open

    from ..ops.creation import from_numpy

    try:
        with safe_open(os.fspath(filename), framework="numpy") as fh:
            return {name: restore_location(from_numpy(fh.get_tensor(name)), "cpu", device) for name in fh.keys()}
    except SafetensorError as e:
        raise _corrupt(os.fspath(filename), f"not a complete safetensors file ({e})") from None
