"""`mytorch transcribe`: speech to text with a recognizer trained by `mytorch train --model asr` (--checkpoint),
optionally with prefix beam search and a character LM (`mytorch train --model gpt --dataset digits-text`) by
shallow fusion, or with its attention decoder (--decoder attention: greedy, or beam search with --beam N), or with a pretrained Whisper run on mytorch (--model whisper-tiny.en: greedy, or beam search
with --beam N; recordings over 30 s in consecutive windows). One transcript per file, or a JSON list of
{"file", "text"} with --json."""
from __future__ import annotations

import argparse
import json
import sys

from ._common import HelpFormatter, nonnegative_float, positive_int, run_guarded


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `mytorch transcribe` subcommand and its arguments to the CLI's subparsers."""
    from ..models.whisper_loader import WHISPER_MODELS

    p = subparsers.add_parser(
        "transcribe", help="speech to text with a trained recognizer or a pretrained Whisper",
        description="Transcribe audio files (WAV, any rate: mixed to mono and resampled) with the recognizer in "
                    "--checkpoint: greedy CTC decoding, or prefix beam search with --beam N, optionally fused "
                    "with a character LM (--lm CKPT --lm-weight W: score = log p_ctc + W log p_lm + "
                    "B |text| with B the --length-bonus), or with its attention decoder (--decoder attention); or with a pretrained Whisper (--model): greedy, or "
                    "beam search with --beam N, in 30-s windows.",
        formatter_class=HelpFormatter)
    p.add_argument("files", nargs="+", metavar="FILE", help="audio files")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", metavar="CKPT", help="a `mytorch train --model asr` checkpoint")
    source.add_argument("--model", choices=sorted(WHISPER_MODELS),
                        help="a pretrained Whisper, installed by scripts/install_models.sh")
    p.add_argument("--decoder", choices=("ctc", "attention"), default=None,
                   help="the --checkpoint recognizer's decoder: its CTC head, or its attention decoder with a KV cache "
                        "(default: ctc)")
    p.add_argument("--beam", type=positive_int, default=None,
                   help="beam width, 1: greedy (default: 1, or 8 with --lm)")
    p.add_argument("--lm", metavar="CKPT", default=None,
                   help="a character LM checkpoint (`mytorch train --model gpt --dataset digits-text`)")
    p.add_argument("--lm-weight", type=nonnegative_float, default=0.5, help="weight of the LM's log-probability")
    p.add_argument("--length-bonus", type=float, default=0.0, help="added per character, against short outputs")
    p.add_argument("--json", action="store_true", help='print a JSON list of {"file": ..., "text": ...}')
    p.set_defaults(func=main)


def _whisper(args: argparse.Namespace):
    """transcribe(waveform, rate) -> text with the pretrained Whisper --model."""
    from ..speech import whisper
    from ..training.errors import UsageError

    if args.lm is not None:
        raise UsageError("--lm fuses a character LM with a --checkpoint recognizer; Whisper decodes without one")
    if args.decoder is not None:
        raise UsageError("--decoder chooses a --checkpoint recognizer's decoder; Whisper has its attention decoder")
    transcriber = whisper.WhisperTranscriber.from_pretrained(args.model)
    return lambda waveform, rate: transcriber.transcribe(waveform, rate, beam_size=args.beam or 1)


def _transcriber(args: argparse.Namespace):
    """The Transcriber the arguments describe (UsageError for an LM that cannot be fused)."""
    from ..speech.lm_fusion import CharLMScorer
    from ..speech.transcriber import Transcriber
    from ..training.asr import load_recognizer
    from ..training.errors import UsageError
    from ..training.lm import load_lm

    if args.model is not None:
        return _whisper(args)
    model, tokenizer, front_end, _ = load_recognizer(args.checkpoint)
    decoder = args.decoder or "ctc"
    scorer = None
    if args.lm is not None and decoder == "attention":
        raise UsageError("--lm fuses a character LM with CTC prefix beam search, not with --decoder attention")
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
                       args.length_bonus, decoder)


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
