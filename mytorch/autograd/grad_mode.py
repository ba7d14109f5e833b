"""Grad mode: whether ops record the graph for backward.

One global flag read by `Function.apply` on every op (a class attribute read
is the cheapest check Python offers). The context managers below also work
as decorators, like PyTorch's.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable


class _GradState:
    enabled = True
    inference = False


def is_grad_enabled() -> bool:
    """True when ops are recorded for backward (not inside no_grad or inference_mode)."""
    return _GradState.enabled


def is_inference_mode_enabled() -> bool:
    """True inside inference_mode()."""
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

    def __new__(cls, *args: Any, **kwargs: Any):
        if len(args) == 1 and not kwargs and callable(args[0]):  # a bare decorator: ``@no_grad``
            return cls()(args[0])
        return super().__new__(cls)

    def __call__(self, fn: Callable) -> Callable:
        mode = functools.partial(self.__class__, *self._args())
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(mode, fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with mode():
                return fn(*args, **kwargs)
        return wrapper

    def _args(self) -> tuple:
        return ()


def _wrap_generator(mode: Callable[[], _Mode], fn: Callable) -> Callable:
    """Decorate a generator function: the mode holds while the generator's body runs, not while its
    caller does (between two ``next`` calls)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        gen = fn(*args, **kwargs)
        try:
            with mode():
                value = next(gen)
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    with mode():
                        gen.close()
                    raise
                except BaseException as e:  # noqa: BLE001 - forwarded into the generator, as `yield from` does
                    with mode():
                        value = gen.throw(e)
                else:
                    with mode():
                        value = gen.send(sent)
        except StopIteration as stop:
            return stop.value
    return wrapper


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
