"""The speech side of `mytorch train` (--model asr --dataset spoken-digits): its options and its run
(mytorch.training.asr). mytorch/commands/train.py adds the options and routes here."""
from __future__ import annotations

import argparse
import os
from dataclasses import fields

from ..training.asr import ASR_DATASETS, ASR_MODELS, ASRConfig
from ._common import nonnegative_int, positive_int, probability, run_guarded, unit_interval

_D = ASRConfig()
EPOCHS = _D.epochs
# `mytorch train` options whose names differ from the config's fields
_RENAMED = {"train_size": "limit_train", "test_size": "limit_test"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options only the speech recognizer takes."""
    g = p.add_argument_group(
        "speech recognition (--model asr, --dataset spoken-digits)",
        f"A hybrid CTC/attention recognizer trains on SpokenDigits (synthesized with espeak-ng on the first run, "
        f"then cached) for --epochs epochs (default {_D.epochs}; batch {_D.batch_size}, AdamW lr {_D.lr:g} with "
        "warmup and cosine decay, SpecAugment), reports the validation CER after every epoch and the test CER "
        "(voices never heard in training) at the end, and writes checkpoint.pt (for `mytorch transcribe`), "
        f"metrics.csv, metrics.json and curves.png into --out. --limit-train / --limit-test set the number of "
        f"training / validation and test utterances (default {_D.train_size} / {_D.test_size}). --nproc N trains "
        "as N data-parallel processes, each step on the batch one process would take. Set OPENBLAS_NUM_THREADS=1 "
        "on a busy machine.")
    g.add_argument("--d-model", type=positive_int, default=_D.d_model, help="asr: transformer width")
    g.add_argument("--encoder-layers", type=positive_int, default=_D.encoder_layers, help="asr: encoder blocks")
    g.add_argument("--decoder-layers", type=positive_int, default=_D.decoder_layers, help="asr: decoder blocks")
    g.add_argument("--ctc-weight", type=unit_interval, default=_D.ctc_weight,
                   help="asr: weight of the CTC loss (the attention loss has the rest)")
    g.add_argument("--freq-warp", type=probability, default=_D.freq_warp,
                   help="asr: vocal-tract-length perturbation, each utterance's frequencies scaled by a factor in "
                        "[1 - W, 1 + W] (0: off)")
    g.add_argument("--average-last", type=nonnegative_int, default=_D.average_last,
                   help="asr: the final model is the mean of the weights after each of the last K epochs (0, 1: the "
                        "last epoch's)")


def is_asr_run(args: argparse.Namespace) -> bool:
    """Whether the parsed `mytorch train` arguments ask for a speech recognizer."""
    return args.model in ASR_MODELS or args.dataset in ASR_DATASETS


def main(args: argparse.Namespace) -> int:
    """Train the recognizer the arguments describe; returns the exit code."""
    from ..training.asr import train_asr  # loads matplotlib only when training

    given = {f.name: getattr(args, _RENAMED.get(f.name, f.name), None) for f in fields(ASRConfig)}
    cfg = ASRConfig(**{k: v for k, v in given.items() if v is not None})  # None: the recipe's default
    out = args.out or os.path.join("runs", f"{cfg.model}-{cfg.dataset}")
    result = run_guarded("train", lambda: train_asr(cfg, out, resume=args.resume, progress=not args.no_progress,
                                                    nproc=args.nproc))
    if result is None:
        return 2
    if result.rank:  # a rank other than 0 of an --nproc job: rank 0 reports
        return 0
    print(f"final validation CER {result.val_cer:.2%}, test CER {result.test_cer:.2%} (held-out voices, greedy "
          f"CTC; {result.seconds:.0f} s)")
    print(f"plot:       {result.plot}")
    print(f"checkpoint: {result.checkpoint}   (mytorch transcribe --checkpoint {result.checkpoint} FILE.wav ...)")
    print(f"metrics:    {result.metrics_csv}")
    return 0
