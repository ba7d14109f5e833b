"""all-MiniLM-L6-v2 sentence embeddings of 64 sentences of 3 to 120 words, one batch.

mytorch runs ``mytorch.models.minilm.SentenceEncoder``; PyTorch runs sentence-transformers' model from the
same files. The checksum is the sum of the first embedding.
"""
from __future__ import annotations

import os

from ._base import Workload

SENTENCES = 64
WORDS = ("the a model of language sentence embedding vector quick brown fox jumps over lazy dog people city "
         "river music science history computer learning network small large early late bright dark").split()


def sentences(n: int) -> list[str]:
    """n deterministic sentences of 3 to 120 words, so the batch pads like real text."""
    return [" ".join(WORDS[(i * 7 + j * 13) % len(WORDS)] for j in range(3 + (i * 37) % 118)).capitalize() + "."
            for i in range(n)]


def build(torch, framework: str) -> Workload:
    texts = sentences(SENTENCES)
    if framework == "mytorch":
        from mytorch.models.minilm import SentenceEncoder

        model = SentenceEncoder.from_pretrained("all-MiniLM-L6-v2")
        encode = lambda: model.encode(texts, batch_size=SENTENCES)  # noqa: E731
    else:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(os.environ["MYTORCH_BENCH_MINILM"], device="cpu")
        encode = lambda: model.encode(texts, batch_size=SENTENCES, convert_to_tensor=True)  # noqa: E731

    def step() -> float:
        with torch.no_grad():
            return float(encode()[0].sum())

    return Workload(step, SENTENCES, "sentences/s", training=False)
