"""SmolLM2-135M-Instruct greedy decoding speed: mytorch with its KV cache beside the same model in PyTorch.

Both sides run the same dequantized float32 weights on the same chat prompt (37 tokens): a prefill pass
over the prompt, then N single-token steps, each taking the argmax of the last logits and feeding it back
with the keys and values of the earlier tokens read from a cache. The PyTorch side is the plain forward
pass of tests/llama_reference.py (the test oracle for greedy decoding). mytorch also runs without its cache
(every step recomputes the whole sequence), to show what the cache buys.

Repeats alternate between the sides (load from other processes falls on both alike); the fastest repeat
is kept. Threads: --threads N sets the BLAS/OpenMP thread counts before NumPy and PyTorch load, and
torch.set_num_threads(N).

Usage:  python benchmarks/decode.py [--threads 1] [--tokens 64] [--repeats 3] [--hf] [--quick] [--json PATH]
"""
from __future__ import annotations

import argparse
import os
import sys

from _harness import cpu_name, pin_threads

THREADS = pin_threads(default=1)  # before NumPy and PyTorch load

import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import mytorch  # noqa: E402
from mytorch.generation import KVCache  # noqa: E402
from mytorch.models.gguf_loader import gguf_path, load_pretrained  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from llama_reference import TorchLlama  # noqa: E402

PROMPT = "What is the capital of France?"


def mytorch_decode(model, prompt: list[int], n: int, cache: bool = True) -> tuple[list[int], float, float]:
    """(tokens, prefill seconds, decode seconds) for n greedy steps after the prompt."""
    with mytorch.no_grad():
        kv = KVCache() if cache else None
        ids = list(prompt)
        start = time.perf_counter()
        logits = model(mytorch.tensor([ids]), past_key_values=kv, logits_to_keep=1)
        prefill = time.perf_counter() - start
        out = []
        start = time.perf_counter()
        for _ in range(n):
            token = int(logits[0, -1].argmax())
            out.append(token)
            ids.append(token)
            step = [[token]] if cache else [ids]
            logits = model(mytorch.tensor(step), past_key_values=kv, logits_to_keep=1)
        return out, prefill, time.perf_counter() - start


def torch_decode(ref: TorchLlama, prompt: list[int], n: int) -> tuple[list[int], float, float]:
    ref.reset()
    start = time.perf_counter()
    logits = ref.forward(prompt)
    prefill = time.perf_counter() - start
    out = []
    start = time.perf_counter()
    for _ in range(n):
        token = int(logits[-1].argmax())
        out.append(token)
        logits = ref.forward([token])
    return out, prefill, time.perf_counter() - start


def load_hf():
    """transformers' LlamaForCausalLM read from the package's GGUF file (dequantized to float32), offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModelForCausalLM

    path = Path(gguf_path("smollm2-135m"))
    return AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32).eval()


@torch.no_grad()
def hf_decode(model, prompt: list[int], n: int) -> tuple[list[int], float, float]:
    from transformers import DynamicCache

    cache = DynamicCache()
    start = time.perf_counter()
    logits = model(torch.tensor([prompt]), past_key_values=cache, use_cache=True, logits_to_keep=1).logits
    prefill = time.perf_counter() - start
    out = []
    start = time.perf_counter()
    for _ in range(n):
        token = int(logits[0, -1].argmax())
        out.append(token)
        logits = model(torch.tensor([[token]]), past_key_values=cache, use_cache=True, logits_to_keep=1).logits
    return out, prefill, time.perf_counter() - start


def machine() -> dict:
    return {"cpu": cpu_name(), "cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
            "torch": torch.__version__, "threads": THREADS, "load_average": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tokens", type=int, default=64, help="decode steps per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--hf", action="store_true", help="also time transformers' LlamaForCausalLM")
    parser.add_argument("--quick", action="store_true", help="8 tokens, 1 repeat: a smoke run")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    n, repeats = (8, 1) if args.quick else (args.tokens, args.repeats)
    torch.set_num_threads(THREADS)

    chat = load_pretrained("smollm2-135m")
    prompt = chat.encode(chat.chat_template.render([{"role": "user", "content": PROMPT}]))
    ref = TorchLlama({k: v.numpy() for k, v in chat.model.state_dict().items()},
                     dict(layers=chat.model.config.num_hidden_layers, hidden=chat.model.config.hidden_size,
                          heads=chat.model.config.num_attention_heads,
                          kv_heads=chat.model.config.num_key_value_heads, eps=chat.model.config.rms_norm_eps,
                          theta=chat.model.config.rope_theta))
    runs = {"mytorch (KV cache)": lambda: mytorch_decode(chat.model, prompt, n),
            "torch (KV cache)": lambda: torch_decode(ref, prompt, n),
            "mytorch (no cache)": lambda: mytorch_decode(chat.model, prompt, min(n, 16), cache=False)}
    if args.hf:
        hf = load_hf()
        runs["transformers"] = lambda: hf_decode(hf, prompt, n)
    best: dict[str, tuple] = {}
    for _ in range(repeats):
        for name, fn in runs.items():
            tokens, prefill, decode = fn()
            if name not in best or decode < best[name][2]:
                best[name] = (tokens, prefill, decode)
    same = all(best[name][0] == best["torch (KV cache)"][0] for name in best if "no cache" not in name)
    rows = []
    print(f"SmolLM2-135M-Instruct greedy decode, prompt {len(prompt)} tokens, threads {THREADS}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'runner':<20} {'steps':>5} {'prefill ms':>11} {'ms/token':>9} {'tokens/s':>9}")
    for name, (tokens, prefill, decode) in best.items():
        row = {"runner": name, "steps": len(tokens), "prefill_ms": prefill * 1e3,
               "ms_per_token": decode / len(tokens) * 1e3, "tokens_per_s": len(tokens) / decode}
        rows.append(row)
        print(f"{name:<20} {row['steps']:>5} {row['prefill_ms']:>11.1f} {row['ms_per_token']:>9.1f} "
              f"{row['tokens_per_s']:>9.1f}")
    ratio = rows[0]["ms_per_token"] / rows[1]["ms_per_token"]
    print(f"mytorch / torch time per token: {ratio:.2f}x; same greedy tokens: {same}")
    print(f"KV cache speed-up in mytorch: {rows[2]['ms_per_token'] / rows[0]['ms_per_token']:.1f}x "
          f"(no-cache steps over a {len(prompt)}-{len(prompt) + rows[2]['steps']} token sequence)")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "rows": rows, "ratio": ratio,
                                               "same_tokens": same}, indent=1))


if __name__ == "__main__":
    main()
