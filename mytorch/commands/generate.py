"""`mytorch generate`: continue a prompt with a language model trained by `mytorch train --model gpt|lstm-lm`."""
from __future__ import annotations

import argparse
import sys

from ._common import checked, positive_int


_top_p = checked(float, lambda v: 0 < v <= 1, "a number in (0, 1]")
_temperature = checked(float, lambda v: v > 0, "a temperature > 0 (use --greedy for argmax decoding)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `mytorch generate` subcommand and its arguments to the CLI's subparsers."""
    p = subparsers.add_parser(
        "generate", help="continue a prompt with a trained language model",
        description="Load a language-model checkpoint written by `mytorch train --model gpt|lstm-lm` and print the "
                    "prompt followed by the text the model writes after it (sampled with --seed, so a seed "
                    "reproduces the text). A GPT writes past its context in windows of half a context.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--checkpoint", required=True, metavar="CKPT", help="checkpoint.pt of a language-model run")
    p.add_argument("--prompt", default="\n", help="text to continue (its characters must be in the model's vocabulary)")
    p.add_argument("--max-new-tokens", type=positive_int, default=500)
    p.add_argument("--temperature", type=_temperature, default=0.8, help="softmax temperature")
    p.add_argument("--top-k", type=positive_int, default=None, help="sample among the k most likely tokens only")
    p.add_argument("--top-p", type=_top_p, default=None, help="nucleus sampling: the smallest set of tokens "
                                                                    "with total probability >= p")
    p.add_argument("--greedy", action="store_true", help="always take the most likely token (ignores sampling flags)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run `mytorch generate` with the parsed arguments; returns the process exit code."""
    from ..ops.random import Generator
    from ..training.lm import complete, load_lm
    from ._common import run_guarded

    loaded = run_guarded("generate", lambda: load_lm(args.checkpoint))
    if loaded is None:
        return 2
    model, tokenizer, _ = loaded

    try:
        if not tokenizer.encode(args.prompt):
            raise ValueError("the prompt is empty: give at least one character")
    except ValueError as e:  # characters outside the model's vocabulary
        print(f"mytorch generate: error: {e}", file=sys.stderr)
        return 2

    def stream(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    stream(args.prompt)
    complete(model, tokenizer, args.prompt, args.max_new_tokens, temperature=args.temperature, top_k=args.top_k,
             top_p=args.top_p, greedy=args.greedy, generator=Generator().manual_seed(args.seed), stream=stream)
    stream("\n")
    return 0
