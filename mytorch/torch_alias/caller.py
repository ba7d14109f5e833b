"""The user's line that asked for a missing ``torch`` name, and the error that names both."""
from __future__ import annotations

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def caller_line() -> str | None:
    """``"file.py, line 12"`` for the innermost frame outside mytorch and the import machinery."""
    frame = sys._getframe(1)
    while frame is not None:
        path = frame.f_code.co_filename
        if not (path.startswith(_PACKAGE_DIR) or path.startswith("<frozen")):
            return f"{path}, line {frame.f_lineno}"
        frame = frame.f_back
    return None


def not_supported_message(name: str) -> str:
    """The message for a ``torch`` name mytorch lacks: the name, that it is missing, and where it was asked for."""
    where = caller_line()
    return f"{name} is not supported yet by mytorch" + (f" (used at {where})" if where else "")
