"""The ``mytorch`` command line: one sub-command per module in ``mytorch/commands/``.

Each command module defines ``register(subparsers)``, which adds its parser and sets
``func`` (called with the parsed arguments, returning an exit code).
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("train", "eval", "atlas", "embed", "chat", "generate", "transcribe", "run", "launch", "export-onnx",
            "docs", "bench")


def build_parser() -> argparse.ArgumentParser:
    """The `mytorch` argument parser, one subcommand per module in mytorch/commands."""
    parser = argparse.ArgumentParser(prog="mytorch", description="Train, evaluate and explore models with mytorch.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"mytorch.commands.{name.replace('-', '_')}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """The `mytorch` console script: parse `argv` and run the chosen subcommand; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not hasattr(args, "passthrough"):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:  # a command that hands its options to another program (bench) takes them as they came
        args.passthrough = extra
    args.argv = argv  # a command that starts copies of itself (train --nproc) passes them on
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
