"""Embedding N sentences with all-MiniLM-L6-v2: mytorch (SentenceEncoder) beside sentence-transformers on torch.

Both sides get the same sentences, batch size and thread count; each repeat embeds the whole list (tokenizing
included), mytorch's and torch's repeats alternate, the fastest repeat is kept. Prints wall seconds per run,
sentences/s and the ratio, and the smallest cosine between the two sides' embeddings.

    python benchmarks/minilm_embed.py [--sentences 100] [--batch-size 32] [--threads 1] [--repeats 3] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

from workloads.minilm import sentences


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=100)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads on both sides (default 1)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", default=None, metavar="PATH")
    args = ap.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # read once when the BLAS runtimes load: before the imports below
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    from mytorch.models.minilm import SentenceEncoder, model_directory

    torch.set_num_threads(args.threads)
    texts = sentences(args.sentences)
    ours = SentenceEncoder.from_pretrained("all-MiniLM-L6-v2")
    ref = SentenceTransformer(str(model_directory("all-MiniLM-L6-v2")), device="cpu")
    runs = {"mytorch": lambda: ours.encode(texts, args.batch_size).numpy(),
            "torch": lambda: ref.encode(texts, batch_size=args.batch_size, convert_to_numpy=True)}
    best = {name: float("inf") for name in runs}
    out = {name: fn() for name, fn in runs.items()}  # warm-up
    for _ in range(args.repeats):
        for name, fn in runs.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    a, b = out["mytorch"], out["torch"]
    cos = float(((a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))).min())
    tokens = sum(len(e.ids) for e in ours.tokenizer.encode_batch(texts))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; threads {args.threads}; "
          f"Python {platform.python_version()}, NumPy {np.__version__}, torch {torch.__version__}")
    print(f"{args.sentences} sentences ({tokens} tokens), batch size {args.batch_size}, best of {args.repeats}")
    for name in runs:
        print(f"{name:8s} {best[name]:8.3f} s  {args.sentences / best[name]:8.1f} sentences/s")
    ratio = best["mytorch"] / best["torch"]
    print(f"ratio mytorch/torch: {ratio:.2f}x   min cosine: {cos:.7f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"sentences": args.sentences, "tokens": tokens, "batch_size": args.batch_size,
                       "threads": args.threads, "seconds": best, "ratio": ratio, "min_cosine": cos}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
