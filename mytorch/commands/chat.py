"""`mytorch chat`: talk to a pretrained chat model (SmolLM2-135M-Instruct) running on mytorch.

With --prompt: one answer, streamed to stdout as it is generated (or, with --json, printed as
{"text": ..., "token_ids": [...]} at the end). Without: an interactive conversation reading one user
message per line of stdin until EOF; earlier turns stay in the KV cache, so each turn costs only its
own tokens.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..training.errors import UsageError
from ._common import run_guarded

# SmolLM2's recommended sampling settings (its model card); --greedy turns sampling off
DEFAULT_TEMPERATURE, DEFAULT_TOP_P = 0.2, 0.9


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `mytorch chat` subcommand and its arguments to the CLI's subparsers."""
    from ..models.gguf_loader import PRETRAINED

    p = subparsers.add_parser("chat", help="chat with a pretrained language model",
                              description="Chat with a pretrained model running on mytorch. Without --prompt, "
                                          "reads one message per line from stdin until EOF.")
    p.add_argument("--model", default="smollm2-135m", help=f"pretrained model ({', '.join(PRETRAINED)})")
    p.add_argument("--prompt", default=None, help="one user message; the answer is printed and the command exits")
    p.add_argument("--system", default=None, help="system prompt (default: the chat template's own)")
    p.add_argument("--greedy", action="store_true", help="always pick the most likely token (deterministic)")
    p.add_argument("--temperature", type=float, default=None, help=f"sampling temperature (default "
                                                                    f"{DEFAULT_TEMPERATURE})")
    p.add_argument("--top-k", type=int, default=None, help="sample among the K most likely tokens")
    p.add_argument("--top-p", type=float, default=None, help=f"nucleus sampling mass (default {DEFAULT_TOP_P})")
    p.add_argument("--repetition-penalty", type=float, default=1.0)
    p.add_argument("--max-new-tokens", type=int, default=256)
    p.add_argument("--seed", type=int, default=None, help="seed of the sampling generator (reproducible text)")
    p.add_argument("--json", action="store_true", help='print {"text": ..., "token_ids": [...]} per answer')
    p.set_defaults(func=main)


def _sampling(args: argparse.Namespace) -> dict[str, Any]:
    """generate()'s keywords for the decoding flags."""
    sampling_flags = [f for f, v in (("--temperature", args.temperature), ("--top-k", args.top_k),
                                     ("--top-p", args.top_p)) if v is not None]
    if args.greedy:
        if sampling_flags:
            raise UsageError(f"--greedy cannot be combined with {', '.join(sampling_flags)}")
        return {"do_sample": False, "repetition_penalty": args.repetition_penalty}
    from ..ops.random import Generator

    generator = Generator()
    if args.seed is None:
        generator.seed()
    else:
        generator.manual_seed(args.seed)
    return {"do_sample": True, "generator": generator, "repetition_penalty": args.repetition_penalty,
            "temperature": DEFAULT_TEMPERATURE if args.temperature is None else args.temperature,
            "top_k": args.top_k, "top_p": DEFAULT_TOP_P if args.top_p is None else args.top_p}


def _start(args: argparse.Namespace) -> Any:
    from ..generation.chat import ChatSession
    from ..generation.sampling import SamplingConfig
    from ..models.gguf_loader import load_pretrained

    if args.max_new_tokens < 1:
        raise UsageError(f"--max-new-tokens must be >= 1, got {args.max_new_tokens}")
    sampling = _sampling(args)
    try:
        SamplingConfig(**{k: v for k, v in sampling.items() if k != "generator"})
    except ValueError as e:
        raise UsageError(str(e)) from None
    return ChatSession(load_pretrained(args.model), args.system), sampling


def _turn(session: Any, text: str, args: argparse.Namespace, sampling: dict[str, Any]) -> bool:
    """Answer one message on stdout; False (after a message on stderr) when it does not fit the context."""
    out = sys.stdout
    on_text = None if args.json else (lambda piece: (out.write(piece), out.flush()))
    try:
        reply = session.reply(text, args.max_new_tokens, on_text, **sampling)
    except ValueError as e:
        print(f"mytorch chat: error: {e}", file=sys.stderr)
        return False
    out.write(json.dumps({"text": reply.text, "token_ids": reply.token_ids}) + "\n" if args.json else "\n")
    out.flush()
    return True


def main(args: argparse.Namespace) -> int:
    """Run `mytorch chat` with the parsed arguments; returns the process exit code."""
    started = run_guarded("chat", lambda: _start(args))
    if started is None:
        return 2
    session, sampling = started
    if args.prompt is not None:
        return 0 if _turn(session, args.prompt, args, sampling) else 2
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print("> ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            return 0
        if line.strip() and not _turn(session, line.rstrip("\n"), args, sampling):
            return 2
