"""`mytorch embed`: sentence embeddings of standard input's lines with a pretrained encoder run on mytorch.

Output: one line per input line holding its vector's components, space-separated; with ``--json`` one JSON
list of vectors (a list of lists of numbers). Components are written with 9 significant digits, which
round-trip a float32 exactly. Vectors have unit L2 norm, so the dot product of two is their cosine.
"""
from __future__ import annotations

import argparse
import json
import sys

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `mytorch embed` subcommand and its arguments to the CLI's subparsers."""
    p = subparsers.add_parser("embed", help="embed lines of text with a pretrained sentence encoder",
                              description="Read lines from standard input and print one embedding per line "
                                          "(space-separated components), or with --json one JSON list of vectors.")
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"sentence encoder (default: {DEFAULT_MODEL})")
    p.add_argument("--json", action="store_true", help="print one JSON list of vectors")
    p.add_argument("--batch-size", type=int, default=32, metavar="N", help="sentences per forward pass (default: 32)")
    p.set_defaults(func=main)


def _component(value: float) -> float:
    return float(f"{value:.9g}")


def main(args: argparse.Namespace) -> int:
    """Run `mytorch embed` with the parsed arguments; returns the process exit code."""
    from ..models.minilm import SentenceEncoder

    if args.batch_size < 1:
        print(f"mytorch embed: error: --batch-size must be positive, got {args.batch_size}", file=sys.stderr)
        return 2
    try:
        encoder = SentenceEncoder.from_pretrained(args.model)
    except (ValueError, ModuleNotFoundError, FileNotFoundError) as e:
        print(f"mytorch embed: error: {e}", file=sys.stderr)
        return 2
    lines = sys.stdin.read().splitlines()
    vectors = [[_component(v) for v in row] for row in encoder.encode(lines, args.batch_size).tolist()]
    if args.json:
        json.dump(vectors, sys.stdout)
        sys.stdout.write("\n")
    else:
        sys.stdout.writelines(" ".join(repr(v) for v in row) + "\n" for row in vectors)
    return 0
