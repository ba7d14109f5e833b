"""`mytorch atlas`: decision-boundary grids of optimizer x activation x loss on the toy datasets."""
from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

from ..atlas import FULL, QUICK, run
from ..datasets.toy import TOY_DATASETS


def dataset_name(text: str) -> str:
    """argparse type: a toy data set's name (dashes or underscores), else ArgumentTypeError."""
    key = text.replace("-", "_")
    if key not in TOY_DATASETS:
        raise argparse.ArgumentTypeError(f"unknown dataset {text!r}; choose from {', '.join(TOY_DATASETS)}")
    return key


def positive(text: str) -> int:
    """argparse type: an integer >= 1, else ArgumentTypeError."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `mytorch atlas` subcommand and its arguments to the CLI's subparsers."""
    p = subparsers.add_parser(
        "atlas", help="optimizer x activation decision-boundary grids on toy 2-D datasets",
        description="Train a small MLP for every dataset x loss x optimizer x activation and draw, per dataset, "
                    "a PNG grid of the learned decision regions, with a table (CSV + Markdown, also printed) of "
                    "test accuracy, final loss, epochs to 95% training accuracy and seconds.")
    p.add_argument("--out", type=Path, default=Path("atlas"), help="output directory (default: ./atlas)")
    p.add_argument("--seed", type=int, default=0, help="seed of the data and of every cell's initial weights")
    p.add_argument("--epochs", type=positive, help=f"full-batch epochs per cell (default {FULL.epochs}, "
                                                   f"{QUICK.epochs} with --quick)")
    p.add_argument("--datasets", type=dataset_name, nargs="+", default=list(TOY_DATASETS), metavar="NAME",
                   help=f"a subset of: {', '.join(TOY_DATASETS)} (default: all)")
    p.add_argument("--quick", action="store_true", help="a tiny budget (fewer points and epochs): a first look")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run `mytorch atlas` with the parsed arguments; returns the process exit code."""
    budget = QUICK if args.quick else FULL
    if args.epochs is not None:
        budget = dataclasses.replace(budget, epochs=args.epochs)
    start = time.perf_counter()
    run(args.out, list(dict.fromkeys(args.datasets)), budget, seed=args.seed)
    print(f"mytorch atlas: done in {time.perf_counter() - start:.0f} s; figures and tables in {args.out}")
    return 0
