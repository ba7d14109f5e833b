"""The language-model side of `mytorch train` (--model gpt|lstm-lm --dataset shakespeare): its options
and its run (mytorch.training.lm). mytorch/commands/train.py adds the options and routes here."""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import fields

from ..training.lm import LM_DATASETS, LM_MODELS, TOKENIZERS, LMConfig
from ._common import nonnegative_float, nonnegative_int, positive_int, probability, run_guarded, unit_interval

_D = LMConfig()
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
    g.add_argument("--warmup-steps", type=nonnegative_int, default=_D.warmup_steps, help="steps of linear warmup")
    g.add_argument("--min-lr-ratio", type=unit_interval, default=_D.min_lr_ratio, help="final lr / peak lr")
    g.add_argument("--grad-clip", type=nonnegative_float, default=_D.grad_clip,
                   help="max gradient norm (0: no clipping)")
    g.add_argument("--dropout", type=probability, default=_D.dropout, help="dropout probability")
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

    if args.model not in LM_MODELS or args.dataset not in LM_DATASETS:
        print(f"mytorch train: error: language models ({', '.join(LM_MODELS)}) train on text "
              f"({', '.join(LM_DATASETS)}) and image models on images: got --model {args.model} --dataset "
              f"{args.dataset}", file=sys.stderr)
        return 2
    values = {f.name: getattr(args, f.name) for f in fields(LMConfig)}
    values.update({k: default for k, default in SHARED_DEFAULTS.items() if values.get(k) is None})
    cfg = LMConfig(**values)
    out = args.out or os.path.join("runs", f"{cfg.model}-{cfg.dataset}")
    result = run_guarded("train", lambda: train_lm(cfg, out, resume=args.resume,
                                                   progress=not args.no_progress))
    if result is None:
        return 2
    print(f"final validation loss {result.val_loss:.4f} nats/token ({result.seconds:.0f} s)")
    print(f"plot:       {result.plot}")
    print(f"checkpoint: {result.checkpoint}   (mytorch generate --checkpoint {result.checkpoint} --prompt ...)")
    print(f"metrics:    {result.metrics_csv}")
    return 0

