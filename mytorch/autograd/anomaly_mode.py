"""Anomaly detection: remember where each node was made, and fail loudly on NaN gradients.

Inside ``detect_anomaly()``, every recorded node keeps the stack of the
forward call that created it. When its backward returns NaN (inf is a valid
gradient, as in PyTorch), the engine raises ``RuntimeError`` naming the node
and printing that stack; any other error raised by its backward gets the
stack attached as a note.
"""
from __future__ import annotations

import functools
import traceback
from typing import Any


class _AnomalyState:
    enabled = False
    check_nan = True


def current_stack() -> str:
    """The Python stack where the current op is recorded (anomaly mode saves it on each node)."""
    return "".join(traceback.format_stack()[:-3])


def is_anomaly_enabled() -> bool:
    """True inside detect_anomaly / set_detect_anomaly(True)."""
    return _AnomalyState.enabled


class detect_anomaly:
    """Context manager (and decorator) turning on anomaly detection."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._prev = (_AnomalyState.enabled, _AnomalyState.check_nan)
        _AnomalyState.enabled, _AnomalyState.check_nan = True, self.check_nan

    def __exit__(self, *exc: Any) -> None:
        _AnomalyState.enabled, _AnomalyState.check_nan = self._prev

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly(detect_anomaly):
    """Turn anomaly detection on or off (a context manager, or a plain call that sets it): backward then names the
    forward op whose gradient went NaN, with its stack.
    """
    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        super().__init__(check_nan)
        self._prev = (_AnomalyState.enabled, _AnomalyState.check_nan)
        _AnomalyState.enabled, _AnomalyState.check_nan = bool(mode), check_nan

    def __enter__(self) -> None:
        pass
