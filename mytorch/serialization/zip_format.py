"""The zip archive of a ``torch.save`` checkpoint: writing it as PyTorch does, reading it safely.

An archive named N (the file's name without its extension, "archive" for a buffer) holds, uncompressed:

    N/data.pkl                the pickled object; tensors refer to storages by key (``pickler.py``)
    N/.format_version         "1"
    N/.storage_alignment      "64": every record's bytes start at a multiple of 64 in the file
    N/byteorder               "little" or "big": the byte order of the storages
    N/data/<key>              the raw bytes of one storage
    N/version                 "3\\n", the archive format version
    N/.data/serialization_id  a random id for this save

Layout, as PyTorch's writer (miniz) lays it out, so that PyTorch, which computes record offsets itself when
it memory-maps a file, finds them: each record is a local header (sizes and CRC-32 left zero, bit 3 set),
the name, an extra field "FB" + padding that moves the data to the next multiple of 64, the data, then a
data descriptor (CRC-32 and sizes; 64-bit sizes for zip64 records). The central directory and a zip64 end
record follow the last record.

Every record carries a CRC-32 that reading checks, so a truncated or bit-flipped file fails loudly.
"""
from __future__ import annotations

import secrets
import struct
import zipfile
import zlib
from typing import Any, BinaryIO

ALIGNMENT = 64
_U32 = 0xFFFFFFFF
_FLAGS = 0x0808  # bit 3: sizes and CRC in a data descriptor after the data; bit 11: UTF-8 names


class ZipWriter:
    """Writes an archive's records in order to a binary stream; `close` writes the directory."""

    def __init__(self, f: BinaryIO, archive_name: str) -> None:
        self.f, self.prefix = f, archive_name + "/"
        self.offset = 0
        self.entries: list[tuple[bytes, int, int, int]] = []  # name, crc, size, header offset

    def _emit(self, b: bytes) -> None:
        self.f.write(b)
        self.offset += len(b)

    def write_record(self, name: str, data: bytes) -> None:
        full, size, at = (self.prefix + name).encode(), len(data), self.offset
        zip64 = b""
        if size >= _U32 or at >= _U32:  # miniz's zip64 extra: the sizes and/or the header offset
            values = ([size, size] if size >= _U32 else []) + ([at] if at >= _U32 else [])
            zip64 = struct.pack(f"<HH{len(values)}Q", 1, 8 * len(values), *values)
        start = at + 30 + len(full) + len(zip64) + 4
        pad = -start % ALIGNMENT
        extra = zip64 + b"FB" + struct.pack("<H", pad) + b"Z" * pad
        self._emit(struct.pack("<IHHHHHIIIHH", 0x04034B50, 0, _FLAGS, 0, 0, 0, 0, 0, 0, len(full), len(extra)))
        self._emit(full + extra)
        self._emit(data)
        crc = zlib.crc32(data)
        wide = size >= _U32 or at >= _U32
        self._emit(struct.pack("<IIQQ" if wide else "<IIII", 0x08074B50, crc, size, size))
        self.entries.append((full, crc, size, at))

    def close(self) -> None:
        """Write the central directory and the (zip64) end records."""
        self.write_record(".data/serialization_id", secrets.token_hex(20).encode())
        directory_at = self.offset
        for full, crc, size, at in self.entries:
            values = ([size, size] if size >= _U32 else []) + ([at] if at >= _U32 else [])
            extra = struct.pack(f"<HH{len(values)}Q", 1, 8 * len(values), *values) if values else b""
            self._emit(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0, 0, _FLAGS, 0, 0, 0, crc,
                                   min(size, _U32), min(size, _U32), len(full), len(extra), 0, 0, 0, 0,
                                   min(at, _U32)))
            self._emit(full + extra)
        directory_size, end_at, n = self.offset - directory_at, self.offset, len(self.entries)
        self._emit(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 45, 0, 0, n, n, directory_size,
                               directory_at))
        self._emit(struct.pack("<IIQI", 0x07064B50, 0, end_at, 1))
        self._emit(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(n, 0xFFFF), min(n, 0xFFFF),
                               min(directory_size, _U32), min(directory_at, _U32), 0))


# what zipfile raises for a damaged archive (a bit flip in a header can turn into any of these)
_DAMAGE = (zipfile.BadZipFile, EOFError, NotImplementedError, ValueError, struct.error, zlib.error,
           RuntimeError)  # RuntimeError: zipfile's "encrypted" flag, set by a flipped bit


class ZipReader:
    """The records of one archive; any damage raises a RuntimeError naming the file (`shown`)."""

    def __init__(self, f: BinaryIO, shown: Any) -> None:
        self.shown = shown
        try:
            self.zip = zipfile.ZipFile(f)
            names = self.zip.namelist()
        except _DAMAGE as e:
            raise self.damaged(e) from None
        self.prefix = names[0].split("/", 1)[0] + "/" if names else ""
        self.names = set(names)

    def damaged(self, why: Any) -> RuntimeError:
        return RuntimeError(f"mytorch.load: {self.shown} is truncated or corrupted: {why}")

    def has(self, name: str) -> bool:
        return self.prefix + name in self.names

    def read(self, name: str) -> bytes:
        """Record `name`'s bytes, CRC-checked."""
        if not self.has(name):
            raise self.damaged(f"the archive has no record {self.prefix + name}")
        try:
            return self.zip.read(self.prefix + name)
        except _DAMAGE as e:
            raise self.damaged(e) from None
