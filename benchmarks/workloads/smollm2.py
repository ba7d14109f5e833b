"""SmolLM2-135M greedy decoding with a KV cache: 32 new tokens after a 16-token prompt, float32 weights.

mytorch runs its own Llama (``mytorch.models.gguf_loader.load_pretrained``) with ``mytorch.generation.KVCache``;
PyTorch runs the same dequantized weights in tests/llama_reference.py's ``TorchLlama`` (read with the `gguf`
package alone), the greedy-decoding oracle of the test suite. A step is the prefill plus 32 decode steps;
the checksum is the last token, equal on both sides when both decode the same text.
"""
from __future__ import annotations

import os
import sys

from ._base import Workload

NEW_TOKENS = 32
PROMPT = [1, 504, 3458, 282, 4649, 314, 5, 216, 1, 9690, 198, 2683, 314, 260, 3575, 282]  # fixed ids


def build(torch, framework: str) -> Workload:
    path = os.environ["MYTORCH_BENCH_SMOLLM2"]
    if framework == "mytorch":
        from mytorch.generation import KVCache
        from mytorch.models.gguf_loader import load_pretrained

        model = load_pretrained("smollm2-135m").model

        def forward_fn():
            cache = KVCache()
            return lambda ids: model(torch.tensor([ids]), past_key_values=cache, logits_to_keep=1)[0, -1]
    else:
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests"))
        from llama_reference import TorchLlama, gguf_weights

        ref = TorchLlama(*gguf_weights(path))

        def forward_fn():
            ref.reset()
            return lambda ids: ref.forward(ids)[-1]

    def step() -> float:
        with torch.no_grad():
            forward = forward_fn()
            logits = forward(PROMPT)
            for _ in range(NEW_TOKENS):
                token = int(logits.argmax())
                logits = forward([token])
        return float(token)

    return Workload(step, NEW_TOKENS, "tokens/s", training=False)
