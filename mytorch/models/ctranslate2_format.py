"""Reading CTranslate2's ``model.bin``: named tensors after a small header, parsed without running any code.

The layout (binary version 6, little-endian; a string is a uint16 byte count that includes a trailing
NUL, then the UTF-8 bytes and the NUL):

    uint32  binary version
    string  spec name                       e.g. "WhisperSpec"
    uint32  spec revision
    uint32  number of variables, then per variable:
        string  name                        scopes joined by "/", e.g. "encoder/layer_0/ffn/linear_0/weight"
        uint8   rank, then rank x uint32 dims (row-major; rank 0 is a scalar such as a head count)
        uint8   dtype                       0 float32, 1 int8, 2 int16, 3 int32, 4 float16, 5 bfloat16
        uint32  byte count, then the bytes  (= prod(dims) x itemsize)
    uint32  number of aliases, then per alias two strings: alias, target variable (tied weights)

Every count and size is checked against the file's length before it is used, so a truncated or foreign
file raises a ValueError naming the file instead of reading garbage.
"""
from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass, field

import ml_dtypes
import numpy as np

__all__ = ["CTranslate2Model", "read_ctranslate2", "SUPPORTED_BINARY_VERSIONS"]

SUPPORTED_BINARY_VERSIONS = (6,)
_DTYPES = (np.dtype("<f4"), np.dtype("i1"), np.dtype("<i2"), np.dtype("<i4"), np.dtype("<f2"),
           np.dtype(ml_dtypes.bfloat16))


@dataclass
class CTranslate2Model:
    """A parsed ``model.bin``: the spec it follows and its variables by name (aliases resolved to the same array)."""
    path: str
    spec: str
    revision: int
    variables: dict[str, np.ndarray] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.variables[name]
        except KeyError:
            raise KeyError(f"{self.path}: no variable {name!r} in this {self.spec} model") from None

    def scalar(self, name: str) -> int | float:
        """A rank-0 variable (a head count, a flag, an activation id) as a Python number."""
        value = self[name]
        if value.ndim != 0:
            raise ValueError(f"{self.path}: variable {name!r} has shape {list(value.shape)}, expected a scalar")
        return value.item()


class _Cursor:
    """Reads the little-endian fields of one file's bytes in order, checking each read stays inside them."""

    def __init__(self, path: str, data: memoryview) -> None:
        self.path, self.data, self.offset = path, data, 0

    def take(self, n: int, what: str) -> memoryview:
        if n > len(self.data) - self.offset:
            raise ValueError(f"{self.path}: truncated CTranslate2 model: {what} needs {n} bytes at offset "
                             f"{self.offset}, the file has {len(self.data) - self.offset} left")
        chunk = self.data[self.offset:self.offset + n]
        self.offset += n
        return chunk

    def number(self, fmt: str, what: str) -> int:
        return struct.unpack("<" + fmt, self.take(struct.calcsize(fmt), what))[0]

    def string(self, what: str) -> str:
        n = self.number("H", what)
        raw = bytes(self.take(n, what))
        if n == 0 or raw[-1] != 0:
            raise ValueError(f"{self.path}: malformed CTranslate2 model: {what} is not a NUL-terminated string")
        try:
            return raw[:-1].decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{self.path}: malformed CTranslate2 model: {what} is not UTF-8") from None


def read_ctranslate2(path: str | os.PathLike[str]) -> CTranslate2Model:
    """Parse the ``model.bin`` at ``path`` (module docstring). Arrays are read-only views of the file's bytes.

    Raises FileNotFoundError for a missing file and ValueError (naming the file) for an empty, truncated or
    foreign one, an unsupported binary version, an unknown dtype or an alias to a missing variable.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        raise ValueError(f"{path}: empty file, not a CTranslate2 model")
    cursor = _Cursor(path, memoryview(data))
    version = cursor.number("I", "the binary version")
    if version not in SUPPORTED_BINARY_VERSIONS:
        raise ValueError(f"{path}: not a CTranslate2 model of a supported binary version (read {version}, "
                         f"supported: {', '.join(map(str, SUPPORTED_BINARY_VERSIONS))})")
    model = CTranslate2Model(path, cursor.string("the spec name"), cursor.number("I", "the spec revision"))
    for i in range(cursor.number("I", "the variable count")):
        name = cursor.string(f"the name of variable {i}")
        shape = tuple(cursor.number("I", f"a dim of {name!r}") for _ in range(cursor.number("B", f"the rank of {name!r}")))
        dtype_id = cursor.number("B", f"the dtype of {name!r}")
        if dtype_id >= len(_DTYPES):
            raise ValueError(f"{path}: variable {name!r} has unknown dtype id {dtype_id}")
        dtype = _DTYPES[dtype_id]
        size = cursor.number("I", f"the byte count of {name!r}")
        if size != math.prod(shape) * dtype.itemsize:
            raise ValueError(f"{path}: variable {name!r} of shape {list(shape)} and dtype {dtype.name} should "
                             f"hold {math.prod(shape) * dtype.itemsize} bytes, the file says {size}")
        model.variables[name] = np.frombuffer(cursor.take(size, f"the data of {name!r}"), dtype=dtype).reshape(shape)
    for _ in range(cursor.number("I", "the alias count")):
        alias, target = cursor.string("an alias"), cursor.string("an alias target")
        if target not in model.variables:
            raise ValueError(f"{path}: alias {alias!r} points to a missing variable {target!r}")
        model.variables[alias] = model.variables[target]
    if cursor.offset != len(data):
        raise ValueError(f"{path}: {len(data) - cursor.offset} bytes after the end of the CTranslate2 model")
    return model
