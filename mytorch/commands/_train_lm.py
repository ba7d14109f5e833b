"""The language-model side of `mytorch train` (--model gpt|lstm-lm --dataset shakespeare): its options
and its run (mytorch.training.lm). mytorch/commands/train.py adds the options and routes here."""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import fields

from ..training.asr import ASRConfig
from ..training.lm import LM_DATASETS, LM_MODELS, TOKENIZERS, LMConfig
from ._common import nonnegative_float, nonnegative_int, positive_int, probability, run_guarded, unit_interval

_D = LMConfig()
_ASR = ASRConfig()
# the options `mytorch train` shares between image and language models, and their language-model defaults
SHARED_DEFAULTS = {"batch_size": _D.batch_size, "weight_decay": _D.weight_decay, "lr": _D.lr}


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "language models (--model gpt | lstm-lm, --dataset shakespeare)",
        "A language model trains for --steps optimizer steps (AdamW, linear warmup then cosine decay) on random "
        "blocks of the training plays, validates every --eval-interval steps with a generated sample, and "
        "writes checkpoint.pt (for `mytorch generate`), metrics.csv, metrics.json and loss.png into --out. "
        "--batch-size counts blocks, --lr is the peak. --epochs, "
        "--optimizer, --scheduler, --workers and --limit-* apply to image models only. Set OPENBLAS_NUM_THREADS=1 "
        "on a busy machine.")
    g.add_argument("--steps", type=positive_int, default=_D.steps, help="optimizer steps")
    g.add_argument("--block-size", type=positive_int, default=_D.block_size, help="context length in tokens")
    g.add_argument("--tokenizer", choices=TOKENIZERS, default=_D.tokenizer, help="characters or learned BPE tokens")
    g.add_argument("--bpe-vocab-size", type=positive_int, default=_D.bpe_vocab_size, help="with --tokenizer bpe")
    # shared with the speech recognizer, whose defaults differ: None takes the model's own
    g.add_argument("--warmup-steps", type=nonnegative_int, default=None,
                   help=f"steps of linear warmup (default: {_D.warmup_steps}; asr: {_ASR.warmup_steps})")
    g.add_argument("--min-lr-ratio", type=unit_interval, default=None,
                   help=f"final lr / peak lr (default: {_D.min_lr_ratio:g}; asr: {_ASR.min_lr_ratio:g})")
    g.add_argument("--grad-clip", type=nonnegative_float, default=None,
                   help=f"max gradient norm, 0: no clipping (default: {_D.grad_clip:g}; asr: {_ASR.grad_clip:g})")
    g.add_argument("--dropout", type=probability, default=None,
                   help=f"dropout probability (default: {_D.dropout:g}; asr: {_ASR.dropout:g})")
    g.add_argument("--n-layer", type=positive_int, default=_D.n_layer, help="gpt: transformer blocks")
    g.add_argument("--n-head", type=positive_int, default=_D.n_head, help="gpt: attention heads")
    g.add_argument("--n-embd", type=positive_int, default=_D.n_embd, help="gpt: width")
    g.add_argument("--embedding-dim", type=positive_int, default=_D.embedding_dim, help="lstm-lm: embedding width")
    g.add_argument("--hidden-size", type=positive_int, default=_D.hidden_size, help="lstm-lm: LSTM width")
    g.add_argument("--num-layers", type=positive_int, default=_D.num_layers, help="lstm-lm: LSTM layers")
    g.add_argument("--eval-interval", type=positive_int, default=_D.eval_interval, help="steps between validations")
    g.add_argument("--eval-blocks", type=positive_int, default=_D.eval_blocks,
                   help="validation blocks per periodic validation (the last one uses them all)")
    g.add_argument("--sample-tokens", type=nonnegative_int, default=_D.sample_tokens,
                   help="length of each generated sample")


def is_lm_run(args: argparse.Namespace) -> bool:
    return args.model in LM_MODELS or args.dataset in LM_DATASETS


def main(args: argparse.Namespace) -> int:
    from ..training.lm import train_lm  # loads matplotlib and the corpus readers only when training

    if args.model not in LM_MODELS or (args.dataset or _D.dataset) not in LM_DATASETS:
        print(f"mytorch train: error: language models ({', '.join(LM_MODELS)}) train on text "
              f"({', '.join(LM_DATASETS)}) and image models on images: got --model {args.model} --dataset "
              f"{args.dataset}", file=sys.stderr)
        return 2
    given = {f.name: getattr(args, f.name) for f in fields(LMConfig)}
    cfg = LMConfig(**{k: v for k, v in given.items() if v is not None})  # None: the language-model default
    out = args.out or os.path.join("runs", f"{cfg.model}-{cfg.dataset}")
    result = run_guarded("train", lambda: train_lm(cfg, out, resume=args.resume,
                                                   progress=not args.no_progress, nproc=args.nproc))
    if result is None:
        return 2
    if result.rank:  # a rank other than 0 of an --nproc job: rank 0 reports
        return 0
    print(f"final validation loss {result.val_loss:.4f} nats/token ({result.seconds:.0f} s)")
    print(f"plot:       {result.plot}")
    print(f"checkpoint: {result.checkpoint}   (mytorch generate --checkpoint {result.checkpoint} --prompt ...)")
    print(f"metrics:    {result.metrics_csv}")
    return 0

