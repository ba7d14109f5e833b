"""`mytorch bench`: every workload on mytorch and on PyTorch side by side (the table of benchmarks/README.md).

The workloads and the orchestrator live in the checkout's `benchmarks/` package, beside the tests: they
import PyTorch (in their own processes), which mytorch itself never does. This command runs
``python -m benchmarks`` from the checkout with the arguments it was given; `mytorch bench --help` lists them.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

from .docs import repository_root


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `mytorch bench` subcommand; its arguments pass through to benchmarks/bench.py."""
    p = subparsers.add_parser("bench", help="benchmark mytorch against PyTorch, side by side", add_help=False,
                              description="Runs `python -m benchmarks` from the source checkout.")
    p.set_defaults(func=main, passthrough=[])


def main(args: argparse.Namespace) -> int:
    """Run the benchmark orchestrator in a child process from the checkout; its exit code."""
    root = repository_root()
    if not os.path.isfile(os.path.join(root, "benchmarks", "bench.py")):
        print(f"mytorch bench: error: no benchmarks/ folder beside the installed package (looked in {root}); "
              "it runs from a source checkout installed with `pip install -e .`", file=sys.stderr)
        return 2
    return subprocess.call([sys.executable, "-m", "benchmarks", *args.passthrough], cwd=root)
