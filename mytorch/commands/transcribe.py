"""`mytorch transcribe`: speech to text with a recognizer trained by `mytorch train --model asr`, optionally
with prefix beam search and a character LM (`mytorch train --model gpt --dataset digits-text`) by shallow
fusion. One transcript per file, or a JSON list of {"file", "text"} with --json."""
from __future__ import annotations

import argparse
import json
import sys

from ._common import HelpFormatter, nonnegative_float, positive_int, run_guarded


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `mytorch transcribe` subcommand and its arguments to the CLI's subparsers."""
    p = subparsers.add_parser(
        "transcribe", help="speech to text with a trained recognizer",
        description="Transcribe audio files (WAV, any rate: mixed to mono and resampled) with the recognizer in "
                    "--checkpoint: greedy CTC decoding, or prefix beam search with --beam N, optionally fused "
                    "with a character LM (--lm CKPT --lm-weight W: score = log p_ctc + W log p_lm + "
                    "B |text| with B the --length-bonus).",
        formatter_class=HelpFormatter)
    p.add_argument("files", nargs="+", metavar="FILE", help="audio files")
    p.add_argument("--checkpoint", required=True, metavar="CKPT", help="a `mytorch train --model asr` checkpoint")
    p.add_argument("--beam", type=positive_int, default=None,
                   help="beam width, 1: greedy (default: 1, or 8 with --lm)")
    p.add_argument("--lm", metavar="CKPT", default=None,
                   help="a character LM checkpoint (`mytorch train --model gpt --dataset digits-text`)")
    p.add_argument("--lm-weight", type=nonnegative_float, default=0.5, help="weight of the LM's log-probability")
    p.add_argument("--length-bonus", type=float, default=0.0, help="added per character, against short outputs")
    p.add_argument("--json", action="store_true", help='print a JSON list of {"file": ..., "text": ...}')
    p.set_defaults(func=main)


def _transcriber(args: argparse.Namespace):
    """The Transcriber the arguments describe (UsageError for an LM that cannot be fused)."""
    from ..speech.lm_fusion import CharLMScorer
    from ..speech.transcriber import Transcriber
    from ..training.asr import load_recognizer
    from ..training.errors import UsageError
    from ..training.lm import load_lm

    model, tokenizer, front_end, _ = load_recognizer(args.checkpoint)
    scorer = None
    if args.lm is not None:
        lm, lm_tokenizer, lm_cfg = load_lm(args.lm)
        if not hasattr(lm_tokenizer, "chars"):
            raise UsageError(f"{args.lm}: shallow fusion needs a character LM (--tokenizer char)")
        try:
            scorer = CharLMScorer.from_chars(lm, tokenizer.label_chars, lm_tokenizer.chars,
                                             context=getattr(lm, "max_context", None))
        except ValueError as e:
            raise UsageError(f"{args.lm}: {e}") from None
    beam = args.beam or (8 if scorer is not None else 1)  # fusion reranks prefixes: it needs a beam
    return Transcriber(model, tokenizer, front_end, beam, scorer, args.lm_weight if scorer else 0.0,
                       args.length_bonus)


def main(args: argparse.Namespace) -> int:
    """Transcribe the files; returns the exit code (2 for a missing or unreadable checkpoint or file)."""
    from ..audio import load
    from ..training.errors import UsageError

    def run() -> list[dict[str, str]]:
        transcribe = _transcriber(args)
        results = []
        for path in args.files:
            try:
                waveform, rate = load(path)
            except (RuntimeError, ValueError) as e:  # the reader names the file and what is wrong with it
                raise UsageError(str(e)) from None
            text = transcribe(waveform, rate)
            results.append({"file": path, "text": text})
            if not args.json:
                print(text, flush=True)
        return results

    results = run_guarded("transcribe", run)
    if results is None:
        return 2
    if args.json:
        json.dump(results, sys.stdout, indent=1)
        print()
    return 0
