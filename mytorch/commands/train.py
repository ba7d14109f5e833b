"""`mytorch train`: train a model zoo model on an image data set (see mytorch.training.run), or a language model
on text (mytorch.training.lm, through _train_lm)."""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import fields

from ..models import MODELS
from ..training.data import DATASETS
from ..training.run import OPTIMIZERS, SCHEDULERS, TrainConfig
from . import _train_asr, _train_lm
from ._common import HelpFormatter, nonnegative_float, nonnegative_int, positive_float, positive_int, run_guarded

_DEFAULTS = TrainConfig()


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `mytorch train` subcommand and its arguments to the CLI's subparsers."""
    p = subparsers.add_parser(
        "train", help="train a model on an image data set, or a language model on text",
        description="Train a model with a progress bar, evaluate on the test split after every epoch, and "
                    "write checkpoint.pt, metrics.csv, metrics.json and curves.png into --out.",
        formatter_class=HelpFormatter)
    d = _DEFAULTS
    p.add_argument("--model", choices=list(MODELS) + list(_train_lm.LM_MODELS) + list(_train_asr.ASR_MODELS),
                   default=d.model, help="the network to train")
    p.add_argument("--dataset", choices=list(DATASETS) + list(_train_lm.LM_DATASETS) + list(_train_asr.ASR_DATASETS),
                   default=None, help=f"images for the image models (default: {d.dataset}), text for the language "
                                      "models (shakespeare), speech for asr (spoken-digits)")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help=f"passes over the training set (default: {d.epochs}; asr: {_train_asr.EPOCHS})")
    p.add_argument("--batch-size", type=positive_int, default=None,
                   help=f"samples per step (default: {d.batch_size} for image models, "
                        f"{_train_lm.SHARED_DEFAULTS['batch_size']} for language models)")
    p.add_argument("--lr", type=positive_float, default=None,
                   help="learning rate, the peak of the schedule (default: 0.05 for sgd, 5e-3 for adam and "
                        f"adamw, 1e-3 for rmsprop, {_train_lm.SHARED_DEFAULTS['lr']:g} for language models)")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=d.optimizer, help="the update rule")
    p.add_argument("--scheduler", choices=SCHEDULERS, default=d.scheduler,
                   help="per-batch learning-rate schedule over the whole run")
    p.add_argument("--weight-decay", type=nonnegative_float, default=None,
                   help=f"(default: {d.weight_decay:g} for image models, {_train_lm.SHARED_DEFAULTS['weight_decay']:g} "
                        "for language models, on matrices only)")
    p.add_argument("--seed", type=int, default=d.seed, help="seed of the weights, the shuffling and dropout")
    p.add_argument("--workers", type=nonnegative_int, default=0, help="DataLoader worker processes")
    p.add_argument("--nproc", type=positive_int, default=1,
                   help="data-parallel processes (an MPI job started with mpiexec)")
    p.add_argument("--out", default=None, help="output directory (default: runs/MODEL-DATASET)")
    p.add_argument("--resume", metavar="CKPT", default=None,
                   help="continue the run saved in CKPT (its settings are kept; --epochs may extend it)")
    p.add_argument("--limit-train", type=positive_int, default=None,
                   help="train on the first N images only (default: all)")
    p.add_argument("--limit-test", type=positive_int, default=None,
                   help="evaluate on the first N images only (default: all)")
    p.add_argument("--data-root", default=None, help="directory of the data set's files (default: its own)")
    p.add_argument("--device", choices=["cpu"], default="cpu", help="where the model runs")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress display (otherwise a bar on a terminal, and a line every 10 s in a log)")
    _train_lm.add_arguments(p)
    _train_asr.add_arguments(p)
    p.set_defaults(func=main)


# set in the environment of the ranks `--nproc` starts, so they train instead of starting ranks again
_RANK_MARK = "MYTORCH_TRAIN_RANK"


def _start_ranks(args: argparse.Namespace) -> int:
    """Run this same command as an MPI job of --nproc processes, splitting the cores between them."""
    mpiexec = shutil.which("mpiexec")
    if mpiexec is None:
        print("mytorch train: error: --nproc needs an MPI launcher (mpiexec); install one with "
              "pip install 'mytorch[distributed]'", file=sys.stderr)
        return 2
    env = {**os.environ, _RANK_MARK: "1"}
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // args.nproc)))
    command = [mpiexec, "-n", str(args.nproc), sys.executable, "-m", "mytorch", *args.argv]
    return subprocess.run(command, env=env).returncode


def main(args: argparse.Namespace) -> int:
    """Run `mytorch train` with the parsed arguments; returns the process exit code."""
    from ..training.run import train  # loads the data readers and matplotlib only when training

    asr = _train_asr.is_asr_run(args)
    if args.nproc > 1 and os.environ.get(_RANK_MARK) is None:
        return _start_ranks(args)
    if asr:
        return _train_asr.main(args)
    if _train_lm.is_lm_run(args):
        return _train_lm.main(args)
    given = {f.name: getattr(args, f.name) for f in fields(TrainConfig)}
    cfg = TrainConfig(**{k: v for k, v in given.items() if v is not None})  # None: the image default
    out = args.out or os.path.join("runs", f"{cfg.model}-{cfg.dataset}")
    result = run_guarded("train", lambda: train(cfg, out, resume=args.resume, workers=args.workers,
                                                progress=not args.no_progress, nproc=args.nproc))
    if result is None:
        return 2
    if not result.metrics.rows:  # a rank other than 0: rank 0 reports
        return 0
    best = max(result.metrics.column("test_acc"))
    print(f"final test accuracy {result.metrics.rows[-1]['test_acc']:.2%} (best {best:.2%})")
    print(f"plot:       {result.plot}")
    print(f"checkpoint: {result.checkpoint}")
    print(f"metrics:    {result.metrics_csv}, {result.metrics_json}")
    return 0
