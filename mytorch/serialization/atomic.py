"""Atomic file writes: a crash leaves either the old file or the new one, never half of one."""
from __future__ import annotations

import os
import secrets
from typing import Callable


def atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Run write(temporary path) beside `path`, make the bytes durable (fsync), then rename over `path`
    (``os.replace``) and fsync the directory, so the rename itself survives a crash too."""
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    # the permissions open(path, "wb") would leave: the old file's, or 0o666 less the umask
    mode = os.stat(path if os.path.exists(path) else tmp).st_mode & 0o7777
    try:
        write(tmp)
        os.chmod(tmp, mode)  # the writer may have recreated the file with its own mode
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # the rename is durable only once the directory is synced (POSIX)
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
