"""`mytorch eval`: accuracy and loss of a training checkpoint on a data set's test split."""
from __future__ import annotations

import argparse
import sys

from ..training.data import DATASETS
from ._common import HelpFormatter, positive_int, run_guarded


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `mytorch eval` subcommand and its arguments to the CLI's subparsers."""
    p = subparsers.add_parser("eval", help="evaluate a training checkpoint",
                              description="Print the test accuracy and loss of a checkpoint written by "
                                          "`mytorch train`.", formatter_class=HelpFormatter)
    p.add_argument("--checkpoint", required=True, metavar="CKPT", help="checkpoint.pt written by `mytorch train`")
    p.add_argument("--dataset", choices=list(DATASETS), default=None,
                   help="data set to evaluate on (default: the one the model was trained on)")
    p.add_argument("--batch-size", type=positive_int, default=1000, help="images per forward pass")
    p.add_argument("--limit", type=positive_int, default=None,
                   help="evaluate on the first N test images only (default: all)")
    p.add_argument("--data-root", default=None, help="directory of the data set's files (default: its own)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run `mytorch eval` with the parsed arguments; returns the process exit code."""
    from ..training.run import evaluate_checkpoint

    result = run_guarded("eval", lambda: evaluate_checkpoint(args.checkpoint, args.dataset, args.batch_size,
                                                             args.limit, args.data_root))
    if result is None:
        return 2
    if result["dataset"] != result["trained_on"]:
        print(f"mytorch eval: warning: the model was trained on {result['trained_on']}, not {result['dataset']}: "
              "its classes mean other things there, so this accuracy says little", file=sys.stderr)
    print(f"{result['model']} on {result['dataset']} test ({result['samples']} images): "
          f"accuracy {result['acc']:.2%}  loss {result['loss']:.4f}")
    return 0
