"""``mytorch.save`` / ``mytorch.load``: checkpoints in PyTorch's format, loaded safely, written atomically.

Format. ``save`` writes what ``torch.save`` writes: a zip archive holding the pickled object, whose
tensors refer by key to storages kept as raw bytes in records of their own (``zip_format.py`` has the
layout, ``pickler.py`` the pickle). ``torch.load(path, weights_only=True)`` reads mytorch's files and
``load`` reads PyTorch's: every dtype the two share, Parameters and requires_grad, views of one storage
(they load as views of one storage again), state dicts with their ``_metadata``.
``save(obj, f, format="safetensors")`` writes mytorch's earlier safetensors format instead
(``safetensors_format.py``), which ``load`` still reads, as it reads any safetensors file, and PyTorch's
legacy format (before 1.6, ``legacy_format.py``); it tells the formats apart by their first bytes, not by the
file's name.

Safety. ``weights_only=True`` is the default, as in PyTorch >= 2.6: the pickle is read by a restricted
interpreter that admits tensors, storages, containers, numbers, strings, dtypes and the globals the user
allowed (``add_safe_globals``, ``safe_globals``) and refuses anything else with a
``pickle.UnpicklingError`` naming it, before anything from the file runs (``unpickler.py``).
``weights_only=False`` loads any pickled object (a whole model): only for files you trust. Every record
carries a CRC-32 that loading checks, so a truncated or bit-flipped file raises a RuntimeError naming the
file. Saving writes a temporary file beside the target and renames it over the target once synced
(``atomic.py``): a crash leaves the old file or the new one.
"""
from __future__ import annotations

import io
import os
import pickle
import sys
from typing import Any, BinaryIO, Union

from . import safetensors_format
from .atomic import atomic_write
from .location import check_map_location, restore_location
from .legacy_format import load_legacy
from .pickler import PROTOCOL, pickle_for_torch, storage_bytes
from .raw_bytes import tensor_from_bytes
from .safe_globals import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals
from .safetensors_format import load_file, save_file
from .torch_names import Storage, StorageType
from .unpickler import FullUnpickler, RestrictedUnpickler
from .zip_format import ALIGNMENT, ZipReader, ZipWriter

__all__ = ["save", "load"]

FileLike = Union[str, os.PathLike, BinaryIO]
_LEGACY_MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"  # pre-1.6 torch.save


def save(obj: Any, f: FileLike, pickle_module: Any = None, pickle_protocol: int = PROTOCOL,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False, *,
         format: str = "torch") -> None:
    """Write `obj` (anything picklable: a tensor, a state dict, a checkpoint dict, a whole model) to the
    path or binary file `f` as ``torch.save`` does; ``format="safetensors"`` writes a safetensors file."""
    if format not in ("torch", "safetensors"):
        raise ValueError(f"mytorch.save: format must be 'torch' or 'safetensors', not {format!r}")
    if pickle_module not in (None, pickle) or pickle_protocol != PROTOCOL or not _use_new_zipfile_serialization:
        raise NotImplementedError("mytorch.save writes PyTorch's zip format with the standard pickle module and "
                                  f"pickle protocol {PROTOCOL} (PyTorch's defaults) only")
    if not hasattr(f, "write"):
        _check_target(os.fspath(f))
    if format == "safetensors":
        safetensors_format.save(obj, f)
        return
    data, storages = pickle_for_torch(obj)

    def write(fh: BinaryIO, archive_name: str) -> None:
        w = ZipWriter(fh, archive_name)
        w.write_record("data.pkl", data)
        w.write_record(".format_version", b"1")
        w.write_record(".storage_alignment", str(ALIGNMENT).encode())
        if not _disable_byteorder_record:
            w.write_record("byteorder", sys.byteorder.encode())
        for key, span in enumerate(storages):
            w.write_record(f"data/{key}", storage_bytes(span))
        w.write_record("version", b"3\n")
        w.close()

    if hasattr(f, "write"):
        write(f, "archive")
        return
    path = os.fspath(f)
    name = os.path.splitext(os.path.basename(path))[0] or "archive"

    def write_file(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            write(fh, name)

    atomic_write(path, write_file)


def _check_target(path: str) -> None:
    """PyTorch's errors for a target that cannot be written: a directory, or a missing parent directory."""
    if os.path.isdir(path):
        raise IsADirectoryError(21, "Is a directory", path)
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise RuntimeError(f"Parent directory {os.path.dirname(path) or parent} does not exist.")


def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *, weights_only: bool | None = None,
         mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """Read a checkpoint (PyTorch's zip format or safetensors) from the path or binary file `f`.

    weights_only (default True) admits only tensors, containers, numbers, strings, dtypes and allowed
    globals; False unpickles anything (trusted files only). map_location as in ``torch.load``. `mmap` is
    accepted; the file is read into memory either way.
    """
    unknown = set(pickle_load_args) - {"encoding"}
    if unknown:
        raise TypeError(f"load() got an unexpected keyword argument '{sorted(unknown)[0]}'")
    check_map_location(map_location)
    weights_only = True if weights_only is None else weights_only
    if hasattr(f, "read"):
        return _load_stream(f, getattr(f, "name", repr(f)), map_location, weights_only)
    with open(os.fspath(f), "rb") as fh:  # FileNotFoundError / IsADirectoryError name the path
        return _load_stream(fh, os.fspath(f), map_location, weights_only)


def _load_stream(fh: BinaryIO, shown: Any, map_location: Any, weights_only: bool) -> Any:
    if not (hasattr(fh, "seek") and fh.seekable()):
        fh = io.BytesIO(fh.read())
    start = fh.tell()
    head = fh.read(16)
    fh.seek(start)
    if head.startswith(_LEGACY_MAGIC):
        return load_legacy(fh, shown, map_location, weights_only)
    if head[:2] == b"PK":
        # in memory, so a damaged offset is a ValueError of BytesIO, never an OSError of the disk
        return _load_zip(ZipReader(io.BytesIO(fh.read()), shown), shown, map_location, weights_only)
    if len(head) >= 9 and head[8:9] == b"{":
        return safetensors_format.load(fh, shown, map_location)
    raise RuntimeError(f"mytorch.load: {shown} {_what_it_is(head)}")


def _what_it_is(head: bytes) -> str:
    """What a file that is no checkpoint is, and what to do, from its first bytes."""
    if len(head) < 10:  # the smallest safetensors file (an 8-byte length, then "{}") is 10 bytes long
        return f"is {len(head)} bytes long, too short for a checkpoint (was its writing interrupted?)"
    if head[:1] == b"\x80" and 2 <= head[1] <= 5:
        return ("is a plain pickle, not a checkpoint: mytorch.load reads torch.save archives and safetensors "
                "files. If you trust its source, read it with pickle.load; never unpickle an untrusted file")
    return (f"is not a checkpoint (it starts with {head!r}): mytorch.load reads torch.save archives (zip) and "
            "safetensors files")


def _load_zip(archive: ZipReader, shown: Any, map_location: Any, weights_only: bool) -> Any:
    if not archive.has("data.pkl"):
        if archive.has("constants.pkl") or any("/code/" in n for n in archive.names):
            raise RuntimeError(f"mytorch.load: {shown} is a TorchScript archive (torch.jit.save), which mytorch "
                               "does not run; save the model's state_dict() with torch.save instead")
        raise RuntimeError(f"mytorch.load: {shown} is a zip archive but not a torch.save checkpoint (it has no "
                           "data.pkl record)")
    byteorder = archive.read("byteorder").decode() if archive.has("byteorder") else "little"
    if byteorder not in ("little", "big"):
        raise archive.damaged(f"unknown byte order {byteorder!r}")
    storages: dict[str, Storage] = {}

    def persistent_load(pid: Any) -> Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and isinstance(pid[1], StorageType)):
            raise pickle.UnpicklingError(f"{shown}: malformed storage id {pid!r}")
        _, storage_type, key, location, numel = (v.decode("ascii") if isinstance(v, bytes) else v for v in pid)
        if key not in storages:
            raw = archive.read(f"data/{key}")
            dtype = storage_type.dtype
            if not isinstance(numel, int) or len(raw) != numel * dtype.itemsize:
                raise archive.damaged(f"record data/{key} holds {len(raw)} bytes; the pickle expects {numel} "
                                      f"elements of {dtype}")
            data = tensor_from_bytes(raw, dtype, byteorder)
            storages[key] = Storage(restore_location(data, str(location), map_location))
        return storages[key]

    data = archive.read("data.pkl")
    unpickler = RestrictedUnpickler if weights_only else FullUnpickler
    return unpickler(data, persistent_load, shown).load()
