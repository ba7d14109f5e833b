"""What the commands share: turning expected failures into a message and exit code 2."""
from __future__ import annotations

import sys
from typing import Any, Callable

from ..training.errors import CheckpointError, DataUnavailable, UsageError


def run_guarded(command: str, fn: Callable[[], Any]) -> Any:
    """``fn()``, or None after printing ``mytorch COMMAND: error: ...`` for a user error (bad setting,
    missing data, missing or unreadable checkpoint) — those need a message, not a traceback."""
    try:
        return fn()
    except (UsageError, DataUnavailable, CheckpointError) as e:
        print(f"mytorch {command}: error: {e}", file=sys.stderr)
        return None
