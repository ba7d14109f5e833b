"""``mytorch.save`` / ``mytorch.load``: checkpoints without pickle, written atomically.

File format. A checkpoint is an ordinary safetensors file (8-byte little-endian header length, a JSON
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

Safety. Loading parses JSON and copies bytes; it never runs code, so ``weights_only`` is accepted for
PyTorch compatibility and both values behave the same. The CRC-32 of every tensor is checked on load,
and a truncated or corrupted file raises a RuntimeError naming the file. A safetensors file without our
metadata (``safetensors.torch.save_file(model.state_dict(), path)``) loads as a dict of tensors.

Atomicity. ``save`` to a path writes a temporary file in the same directory, fsyncs it, renames it over
the target (``os.replace``) and fsyncs the directory: a crash leaves either the old file or the new one.
"""
from __future__ import annotations

import json
import os
import secrets
import tempfile
import zlib
from collections import OrderedDict
from typing import Any, BinaryIO, Callable, Union

from . import _dtype as D
from ._device import device as Device
from ._tensor import Tensor
from .nn.parameter import Parameter

__all__ = ["save", "load"]

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
        # the same view of the same storage is stored once (empty tensors may share an address: keep apart)
        storage = (t.data_ptr(), tuple(t.shape), t.stride(), t.dtype.name) if t.numel() else id(t)
        name = self._by_storage.get(storage)
        if name is None:
            name = path or "tensor"
            while name in self.arrays:  # a dict key with a "." can repeat a nested path
                name += "#"
            host = t.detach().contiguous().numpy()
            self.arrays[name] = host
            self.crc32[name] = _crc32(host)
            self._by_storage[storage] = name
        ref: dict[str, Any] = {"tensor": name}
        if t.requires_grad:
            ref["requires_grad"] = True
        if isinstance(t, Parameter):
            ref["parameter"] = True
        return ref


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
    _atomic_write(os.fspath(f), lambda tmp: safetensors.numpy.save_file(writer.arrays, tmp, metadata=metadata))


def _atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Run write(temporary path) beside `path`, make the bytes durable, then rename over `path`."""
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    # the permissions open(path, "wb") would leave: the old file's, or 0o666 less the umask
    mode = os.stat(path if os.path.exists(path) else tmp).st_mode & 0o7777
    try:
        write(tmp)
        os.chmod(tmp, mode)  # the writer may have recreated the file with its own mode
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # the rename itself survives a crash only once the directory is synced (POSIX)
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load(f: FileLike, map_location: Any = None, weights_only: bool = True, **kwargs: Any) -> Any:
    """Read what `save` wrote (or any safetensors file) from the path or binary file `f`.

    map_location moves every tensor: a device or device string, or a dict {saved device: new device}.
    Nothing in the file is executed, whatever `weights_only` says.
    """
    if kwargs:
        raise TypeError(f"load() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if not (map_location is None or isinstance(map_location, (str, Device, dict))):
        raise TypeError(f"mytorch.load: map_location must be None, a device, a device string or a dict of them, "
                        f"not {type(map_location).__name__}")
    if hasattr(f, "read"):  # safetensors' byte-string reader lacks bfloat16; its file reader has it
        with tempfile.NamedTemporaryFile(suffix=".safetensors") as tmp:
            tmp.write(f.read())
            tmp.flush()
            return _load_file(tmp.name, getattr(f, "name", repr(f)), map_location)
    return _load_file(os.fspath(f), os.fspath(f), map_location)


def _load_file(path: str, shown: Any, map_location: Any) -> Any:
    from safetensors import SafetensorError, safe_open

    if not os.path.exists(path):
        raise FileNotFoundError(f"[Errno 2] No such file or directory: '{shown}'")
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
        raise _corrupt(shown, _describe(path, e)) from None


def _describe(path: str, err: Exception) -> str:
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04":
        return ("it is a zip archive, likely a pickled torch.save checkpoint, which mytorch never unpickles; "
                "re-save it from PyTorch with safetensors.torch.save_file(model.state_dict(), path)")
    return f"not a complete safetensors file ({err})"


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
        from .ops.creation import from_numpy

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
            t = self._tensors[(name, False, False)] = _move(from_numpy(host), self.map_location)
        if parameter:
            t = Parameter(t, requires_grad=requires_grad)
        elif requires_grad:
            t = t.detach().requires_grad_(True)
        self._tensors[key] = t
        return t


def _move(t: Tensor, map_location: Any) -> Tensor:
    if map_location is None:
        return t
    if isinstance(map_location, dict):
        map_location = map_location.get(str(t.device))
        if map_location is None:
            return t
    return t if Device(map_location) == t.device else t.to(map_location)
