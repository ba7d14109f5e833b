"""`mytorch launch -n N SCRIPT [ARGS...]`: run N processes of a training script, one rank each.

A thin wrapper over the MPI launcher: ``mpiexec -n N python -m mytorch run SCRIPT ARGS``, so the script
may be a PyTorch script (``import torch``) or a mytorch one; in it, ``init_process_group`` joins the job
(mytorch.distributed). ``mpiexec`` works directly too. The exit code is the job's: non-zero when any
rank failed.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `mytorch launch` subcommand and its arguments to the CLI's subparsers."""
    p = subparsers.add_parser("launch", help="run a script as N MPI processes (data-parallel training)",
                              description="Run SCRIPT as N processes under mpiexec, each one rank of "
                                          "mytorch.distributed's default process group.")
    p.add_argument("-n", "--nproc", type=int, default=2, metavar="N", help="number of processes (default: 2)")
    p.add_argument("script", help="path of the Python script")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script as sys.argv[1:]")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run `mytorch launch` with the parsed arguments; returns the job's exit code."""
    if args.nproc < 1:
        print(f"mytorch launch: error: -n must be at least 1, got {args.nproc}", file=sys.stderr)
        return 2
    mpiexec = shutil.which("mpiexec")
    if mpiexec is None:
        print("mytorch launch: error: no MPI launcher (mpiexec) on PATH; install one with "
              "pip install 'mytorch[distributed]'", file=sys.stderr)
        return 2
    command = [mpiexec, "-n", str(args.nproc), sys.executable, "-m", "mytorch", "run", args.script, *args.args]
    return subprocess.run(command).returncode
