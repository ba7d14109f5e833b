"""`mytorch export-onnx`: a checkpoint of `mytorch train` as an ONNX model (mytorch.onnx.export).

Image classifiers take raw images (B, C, H, W) scaled to [0, 1] as `mytorch train` reads them: the run's input
normalization is part of the exported graph. Language models take token ids (B, T), T up to the context for
the GPT. Batch and sequence are dynamic axes."""
from __future__ import annotations

import argparse

from ._common import HelpFormatter, run_guarded


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `mytorch export-onnx` subcommand and its arguments to the CLI's subparsers."""
    p = subparsers.add_parser("export-onnx", help="export a training checkpoint as an ONNX model",
                              description="Write the model of a `mytorch train` checkpoint as an ONNX model that "
                                          "ONNX Runtime runs (needs the onnx extra).",
                              formatter_class=HelpFormatter)
    p.add_argument("--checkpoint", required=True, metavar="CKPT", help="checkpoint.pt written by `mytorch train`")
    p.add_argument("--out", required=True, metavar="MODEL", help="the .onnx file to write")
    p.add_argument("--opset", type=int, default=None, help="ONNX opset version (default: mytorch.onnx's)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run `mytorch export-onnx` with the parsed arguments; returns the process exit code."""
    from ..training.export import export_checkpoint

    described = run_guarded("export-onnx", lambda: export_checkpoint(args.checkpoint, args.out, args.opset))
    if described is None:
        return 2
    print(f"wrote {args.out}: {described}")
    return 0
