"""What the commands share: turning expected failures into a message and exit code 2, checked argument
types, and help that shows each default once."""
from __future__ import annotations

import argparse
import math
import sys
from typing import Any, Callable

from ..training.errors import CheckpointError, DataUnavailable, UsageError


def run_guarded(command: str, fn: Callable[[], Any]) -> Any:
    """``fn()``, or None after printing ``mytorch COMMAND: error: ...`` for a user error (bad setting,
    missing data, missing or unreadable checkpoint, an output path that cannot be written) — those need a
    message, not a traceback."""
    try:
        return fn()
    except (UsageError, DataUnavailable, CheckpointError) as e:
        print(f"mytorch {command}: error: {e}", file=sys.stderr)
        return None
    except OSError as e:  # an output folder that cannot be made or written, a full disk
        print(f"mytorch {command}: error: {e.strerror or e}{f': {e.filename}' if e.filename else ''}", file=sys.stderr)
        return None


def checked(convert: Callable[[str], Any], ok: Callable[[Any], bool], what: str) -> Callable[[str], Any]:
    """An argparse ``type=``: convert the text, and reject values outside the range with a one-line error."""
    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text}")
        return value
    parse.__name__ = what  # argparse names the type in its own messages
    return parse


positive_int = checked(int, lambda v: v >= 1, "a positive integer")
nonnegative_int = checked(int, lambda v: v >= 0, "an integer >= 0")
positive_float = checked(float, lambda v: v > 0 and math.isfinite(v), "a positive number")
nonnegative_float = checked(float, lambda v: v >= 0 and math.isfinite(v), "a number >= 0")
probability = checked(float, lambda v: 0 <= v < 1, "a number in [0, 1)")
unit_interval = checked(float, lambda v: 0 <= v <= 1, "a number in [0, 1]")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Each option's default, once: argparse's own "(default: X)", unless the help already states it
    (defaults that depend on the model) or the option has none."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "(default" in text or action.default is None or action.default is argparse.SUPPRESS:
            return text
        return super()._get_help_string(action)
