"""The user's allow-list for ``weights_only`` loading, as ``torch.serialization`` keeps it.

``add_safe_globals([argparse.Namespace])`` lets ``load(f)`` (weights_only=True) build that class from a
checkpoint; an entry may also be a pair ``(obj, "module.name")`` for an object pickled under another name.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, Union

__all__ = ["add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals"]

SafeGlobal = Union[Callable, tuple[Callable, str]]
_marked: list[SafeGlobal] = []


def _check(entry: Any) -> None:
    if isinstance(entry, tuple):
        if len(entry) != 2:
            raise ValueError(f"Expected tuple of length 2 (global, str of callable full path), but got tuple "
                             f"of length: {len(entry)}")
        if type(entry[1]) is not str:
            raise TypeError(f"Expected second item in tuple to be str of callable full path, but got: "
                            f"{type(entry[1])}")


def add_safe_globals(safe_globals: list[SafeGlobal]) -> None:
    """Allow these globals (classes, functions) in checkpoints loaded with ``weights_only=True``."""
    for entry in safe_globals:
        _check(entry)
        if entry not in _marked:
            _marked.append(entry)


def get_safe_globals() -> list[SafeGlobal]:
    """The globals the user has allowed, in the order they were added."""
    return list(_marked)


def clear_safe_globals() -> None:
    """Forget every global the user allowed."""
    _marked.clear()


@contextmanager
def safe_globals(safe_globals: list[SafeGlobal]) -> Iterator[None]:
    """``with safe_globals([...]):`` allows these globals inside the block only."""
    added = [g for g in safe_globals if g not in _marked]
    add_safe_globals(added)
    try:
        yield
    finally:
        for g in added:
            _marked.remove(g)


def allowed_by_user() -> dict[str, Any]:
    """The user's allowed globals by dotted name."""
    named: dict[str, Any] = {}
    for entry in _marked:
        if isinstance(entry, tuple):
            named[entry[1]] = entry[0]
        else:
            named[f"{entry.__module__}.{entry.__qualname__}"] = entry
    return named
