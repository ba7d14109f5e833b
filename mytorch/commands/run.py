"""`mytorch run SCRIPT [ARGS...]`: run an unmodified PyTorch script on mytorch.

``import torch`` in the script (and every ``torch.…`` import) gives mytorch (`mytorch.as_torch`); the
rest is what ``python SCRIPT ARGS`` does: the script runs as ``__main__`` with ``sys.argv`` = [SCRIPT,
*ARGS] and its own folder first on ``sys.path``, ``sys.exit(n)`` ends the process with n, and an uncaught
exception prints a traceback that starts in the script and exits with 1.
"""
from __future__ import annotations

import argparse
import os
import re
import runpy
import sys
import traceback

from .. import torch_alias


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `mytorch run` subcommand and its arguments to the CLI's subparsers."""
    p = subparsers.add_parser("run", help="run a PyTorch script on mytorch",
                              description="Run a PyTorch script unmodified, with `import torch` resolved to "
                                          "mytorch, as `python SCRIPT ARGS` would run it.")
    p.add_argument("script", help="path of the Python script")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script as sys.argv[1:]")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run `mytorch run` with the parsed arguments; returns the process exit code."""
    return run_script(args.script, args.args)


def run_script(path: str, argv: list[str]) -> int:
    """Run the script at `path` as ``__main__`` with `argv` after its name; returns the exit code (a
    ``sys.exit`` in the script propagates as SystemExit, as it does under ``python``)."""
    if not os.path.isfile(path):
        print(f"mytorch run: error: can't open file {path!r}: no such file", file=sys.stderr)
        return 2
    torch_alias.as_torch()
    sys.argv = [path, *argv]
    sys.path[0] = os.path.dirname(os.path.abspath(path))  # where `python SCRIPT` looks first for imports
    try:
        runpy.run_path(path, run_name="__main__")
    except Exception as exc:
        _explain_missing_name(exc)
        _print_from_script(exc, path)
        _end_distributed_job()
        return 1
    return 0


def _end_distributed_job() -> None:
    """One rank of a distributed job failed: end every rank now, rather than leave the others waiting in
    a collective for this one until their timeout."""
    dist = sys.modules.get("mytorch.distributed")
    if dist is not None and dist.is_initialized():
        dist.abort_job(1)


def _explain_missing_name(exc: BaseException) -> None:
    """``from torch.x import y`` for a `y` mytorch lacks ends in Python's own ImportError ("cannot import
    name 'y' from 'torch.x'"), raised after our alias's message was discarded; add the explanation."""
    found = re.match(r"cannot import name '(\w+)' from '([\w.]+)'", str(exc)) if isinstance(exc, ImportError) else None
    if found and found[2].split(".")[0] == "torch":
        exc.add_note(f"{found[2]}.{found[1]} is not supported yet by mytorch")


def _print_from_script(exc: BaseException, path: str) -> None:
    """Print `exc`'s traceback as ``python SCRIPT`` would: without this runner's frames above the script,
    and without the ``torch`` alias's own frames (its message already names the script's line)."""
    script = os.path.abspath(path)
    tb = exc.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != script:
        tb = tb.tb_next
    shown = traceback.TracebackException(type(exc), exc, tb or exc.__traceback__)
    alias_dir = os.path.dirname(torch_alias.__file__)
    shown.stack = traceback.StackSummary.from_list([f for f in shown.stack if not f.filename.startswith(alias_dir)])
    print("".join(shown.format()), end="", file=sys.stderr)
