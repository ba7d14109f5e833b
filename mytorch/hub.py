"""``mytorch.hub``: PyTorch's ``torch.hub`` for repositories on this machine (mytorch works offline).

A hub repository is a folder holding a ``hubconf.py``: every public callable defined there is an
*entrypoint* that builds a model (its docstring is its help), and an optional ``dependencies`` list names the
packages it needs. ``load(dir, name, *args, source="local", **kwargs)`` imports that file and returns
``name(*args, **kwargs)``. ``source="github"`` (PyTorch's default) would download the repository, which
mytorch does not do: it raises, saying to clone the repository and load the folder.

Checkpoints: ``load_state_dict_from_url`` copies a ``file://`` URL into ``<get_dir()>/checkpoints`` once,
checks the SHA-256 prefix a file name like ``resnet18-5c106cde.pth`` carries when ``check_hash``, and reads
it with ``mytorch.load``. The hub folder is ``set_dir``'s if set, else ``$TORCH_HOME/hub`` where a script
sets ``TORCH_HOME``, else ``$MYTORCH_HOME/hub`` (default ``~/.cache/mytorch/hub``).
"""
from __future__ import annotations

import builtins
import hashlib
import importlib.util
import os
import re
import shutil
import sys
import urllib.parse
import urllib.request
from types import ModuleType
from typing import Any, Callable

__all__ = ["download_url_to_file", "get_dir", "help", "list", "load", "load_state_dict_from_url", "set_dir"]

MODULE_HUBCONF = "hubconf.py"
VAR_DEPENDENCY = "dependencies"
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")  # the hash prefix in "name-<sha256 prefix>.ext"
_hub_dir: str | None = None


def get_dir() -> str:
    """The folder where the hub keeps downloaded checkpoints (module docstring)."""
    if _hub_dir is not None:
        return _hub_dir
    if os.environ.get("TORCH_HOME"):
        return os.path.join(os.path.expanduser(os.environ["TORCH_HOME"]), "hub")
    from .datasets.utils import cache_dir
    return str(cache_dir("hub"))


def set_dir(d: str | os.PathLike) -> None:
    """Use folder `d` as the hub folder from now on."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def _offline(what: str, repo: str) -> RuntimeError:
    return RuntimeError(f"mytorch.hub.{what}: source='github' would download {repo!r} from GitHub, which is not "
                        "available offline (mytorch does not fetch code). Clone the repository, then call "
                        f"mytorch.hub.{what}('path/to/the/clone', ..., source='local')")


def _hubconf(repo_or_dir: str, source: str, what: str) -> ModuleType:
    """The imported hubconf.py of a local repository folder (its folder on sys.path while it imports)."""
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "github":
        raise _offline(what, repo_or_dir)
    path = os.path.join(os.fspath(repo_or_dir), MODULE_HUBCONF)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"mytorch.hub.{what}: {path} does not exist: a local hub repository is a folder "
                                f"holding a {MODULE_HUBCONF}")
    folder = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, folder)  # hubconf.py may import the repository's own modules, as PyTorch allows
    try:
        spec = importlib.util.spec_from_file_location("hubconf", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
    missing = [d for d in getattr(module, VAR_DEPENDENCY, []) if importlib.util.find_spec(d) is None]
    if missing:
        raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")
    return module


def _entrypoint(module: ModuleType, model: Any) -> Callable:
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    func = getattr(module, model, None)
    if func is None or not callable(func):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return func


def list(github: str, force_reload: bool = False, skip_validation: bool = False, trust_repo: Any = "check",
         verbose: bool = True, *, source: str = "github") -> builtins.list[str]:
    """The names of the entrypoints (public callables) the hubconf.py of folder `github` defines
    (``source="local"``; PyTorch's ``list`` reads GitHub only, mytorch local folders only)."""
    module = _hubconf(github, source, "list")
    return [name for name in dir(module) if callable(getattr(module, name)) and not name.startswith("_")]


def help(github: str, model: str, force_reload: bool = False, skip_validation: bool = False, trust_repo: Any = "check",
         *, source: str = "github") -> str | None:
    """The docstring of entrypoint `model`."""
    return _entrypoint(_hubconf(github, source, "help"), model).__doc__


def load(repo_or_dir: str, model: str, *args: Any, source: str = "github", trust_repo: Any = "check",
         force_reload: bool = False, verbose: bool = True, skip_validation: bool = False, **kwargs: Any) -> Any:
    """``model(*args, **kwargs)``, the entrypoint of the hubconf.py in folder `repo_or_dir` (``source="local"``)."""
    return _entrypoint(_hubconf(repo_or_dir, source, "load"), model)(*args, **kwargs)


def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None, progress: bool = True) -> None:
    """Copy the file a ``file://`` URL names to `dst` (whole or not at all), checking that its SHA-256 starts
    with `hash_prefix` when one is given."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme != "file":
        raise RuntimeError(f"mytorch.hub: cannot fetch {url}: only file:// URLs are read (mytorch works offline); "
                           "download the file yourself and pass file:///path/to/it, or load it with mytorch.load")
    src = urllib.request.url2pathname(parsed.path)
    if not os.path.isfile(src):
        raise FileNotFoundError(2, f"mytorch.hub: {url} names no file", src)
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    tmp = f"{dst}.{os.getpid()}.partial"
    try:
        shutil.copyfile(src, tmp)
        if hash_prefix is not None:
            with open(tmp, "rb") as f:
                digest = hashlib.file_digest(f, "sha256").hexdigest()
            if not digest.startswith(hash_prefix):
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
        os.replace(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_state_dict_from_url(url: str, model_dir: str | None = None, map_location: Any = None, progress: bool = True,
                             check_hash: bool = False, file_name: str | None = None,
                             weights_only: bool = False) -> Any:
    """``mytorch.load`` of the checkpoint at `url` (a ``file://`` URL), cached in `model_dir` (default
    ``<get_dir()>/checkpoints``) under `file_name` or the URL's last path component."""
    from .serialization import load as load_checkpoint

    model_dir = model_dir or os.path.join(get_dir(), "checkpoints")
    cached = os.path.join(model_dir, file_name or os.path.basename(urllib.parse.urlparse(url).path))
    if not os.path.exists(cached):
        match = HASH_REGEX.search(os.path.basename(cached)) if check_hash else None
        download_url_to_file(url, cached, match.group(1) if match else None, progress)
    return load_checkpoint(cached, map_location=map_location, weights_only=weights_only)
