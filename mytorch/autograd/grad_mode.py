"""Grad mode: whether ops record the graph for backward.

One global flag read by `Function.apply` on every op (a class attribute read
is the cheapest check Python offers). The context managers below also work
as decorators, like PyTorch's.
"""
from __future__ import annotations

import functools
from typing import Any, Callable


class _GradState:
    enabled = True
    inference = False


def is_grad_enabled() -> bool:
    return _GradState.enabled


def is_inference_mode_enabled() -> bool:
    return _GradState.inference


class _Mode:
    """Base for grad-mode context managers; subclasses define `_target`."""

    _target: bool = True

    def __enter__(self) -> None:
        self._prev = (_GradState.enabled, _GradState.inference)
        _GradState.enabled = self._target
        _GradState.inference = self._inference()

    def __exit__(self, *exc: Any) -> None:
        _GradState.enabled, _GradState.inference = self._prev

    def _inference(self) -> bool:
        return _GradState.inference

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args()):
                return fn(*args, **kwargs)
        return wrapper

    def _args(self) -> tuple:
        return ()


class no_grad(_Mode):
    """Disable graph recording: results of ops have ``requires_grad=False``."""

    _target = False


class enable_grad(_Mode):
    """Re-enable graph recording inside a `no_grad` block."""

    _target = True


class set_grad_enabled(_Mode):
    """``set_grad_enabled(mode)`` sets grad mode at once and restores it on exit when used with ``with``."""

    def __init__(self, mode: bool) -> None:
        self._target = bool(mode)
        self._prev = (_GradState.enabled, _GradState.inference)
        _GradState.enabled = self._target

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: Callable) -> Callable:
        _GradState.enabled = self._prev[0]  # used as a decorator: the mode applies inside fn only
        return super().__call__(fn)

    def _args(self) -> tuple:
        return (self._target,)


class inference_mode(_Mode):
    """Like `no_grad`, and marks the block as inference-only; ``inference_mode(False)`` turns both back on
    (grad mode on, inference mode off), as PyTorch's does."""

    def __init__(self, mode: bool = True) -> None:
        self._mode = bool(mode)
        self._target = not self._mode

    def _inference(self) -> bool:
        return self._mode

    def _args(self) -> tuple:
        return (self._mode,)
