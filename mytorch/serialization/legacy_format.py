"""Reading PyTorch's legacy checkpoint format: ``torch.save`` before 1.6, or with
``_use_new_zipfile_serialization=False``.

The file is one stream of five pickles, then the storages' bytes:

    pickle(0x1950a86a20f9469cfc6c)   the magic number
    pickle(1001)                     the format's protocol version
    pickle({...})                    the writer's byte order and C type sizes (not needed: storages are little-endian)
    pickle(obj)                      tensors rebuilt from storages named by persistent ids
                                     ("storage", StorageType, key, location, numel, view_metadata)
    pickle([key, ...])               the storage keys in the order their bytes follow
    per key: numel (int64, little-endian), then numel elements (little-endian)

The object's pickle names storages whose bytes come only after it, so each storage is made empty when the pickle
first names it, tensors are views of it, and the bytes are copied in once the key list is read. Every pickle is
read by the unpickler ``weights_only`` selects, so a restricted load never runs anything from the file.
"""
from __future__ import annotations

import pickle
import struct
from typing import Any, BinaryIO

from ..autograd.grad_mode import no_grad
from .location import restore_location
from .raw_bytes import tensor_from_bytes
from .torch_names import Storage, StorageType
from .unpickler import FullUnpickler, RestrictedUnpickler

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001


def load_legacy(fh: BinaryIO, shown: Any, map_location: Any, weights_only: bool) -> Any:
    """The object saved in the legacy format in the seekable stream `fh` (at the file's start)."""
    unpickler = RestrictedUnpickler if weights_only else FullUnpickler
    storages: dict[str, tuple[Storage, int]] = {}  # key -> (the storage, its element count)

    def refuse(pid: Any) -> Any:
        raise pickle.UnpicklingError(f"{shown}: a persistent id before the object's pickle: {pid!r}")

    def persistent_load(pid: Any) -> Storage:
        if not (isinstance(pid, tuple) and len(pid) == 6 and isinstance(pid[1], StorageType)):
            raise pickle.UnpicklingError(f"{shown}: malformed storage id {pid!r}")
        _, storage_type, key, location, numel, view = pid
        if view is not None:
            raise pickle.UnpicklingError(f"{shown}: the file holds storage views (PyTorch before 0.4 wrote them), "
                                         "which mytorch does not read: load it in PyTorch and save it again")
        if not isinstance(numel, int) or numel < 0:
            raise pickle.UnpicklingError(f"{shown}: malformed storage size {numel!r}")
        if key not in storages:
            from ..ops.creation import empty
            data = restore_location(empty(numel, dtype=storage_type.dtype), str(location), map_location)
            storages[key] = (Storage(data), numel)
        return storages[key][0]

    def read(persistent: Any = refuse) -> Any:
        """The next pickle in the file."""
        try:
            return unpickler(fh, persistent, shown).load()
        except (EOFError, pickle.UnpicklingError) as e:
            if isinstance(e, EOFError) or "truncated" in str(e):  # Python's unpickler does not name the file
                raise RuntimeError(f"mytorch.load: {shown} ends inside a pickle: the file is truncated") from None
            raise

    def preamble(what: str, expected: Any) -> None:
        value = read()
        if value != expected:
            raise RuntimeError(f"mytorch.load: {shown} has {what} {value!r} where PyTorch's legacy format has "
                               f"{expected!r}: the file is damaged or not a checkpoint")

    preamble("the magic number", MAGIC_NUMBER)
    preamble("the protocol version", PROTOCOL_VERSION)
    read()  # the writer's system information
    obj = read(persistent_load)
    keys = read()
    if not isinstance(keys, list) or sorted(map(str, keys)) != sorted(storages):
        raise RuntimeError(f"mytorch.load: {shown}: the list of storages after the pickle ({keys!r}) does not name "
                           f"the storages the pickle uses: the file is damaged")
    for key in keys:
        storage, numel = storages[key]
        head = fh.read(8)
        raw = fh.read(numel * storage.data.dtype.itemsize)
        if len(head) != 8 or struct.unpack("<q", head)[0] != numel or len(raw) != numel * storage.data.dtype.itemsize:
            raise RuntimeError(f"mytorch.load: {shown}: storage {key} should hold {numel} elements of "
                               f"{storage.data.dtype}; the file is truncated or damaged there")
        with no_grad():
            storage.data.copy_(tensor_from_bytes(raw, storage.data.dtype, "little"))
    return obj
