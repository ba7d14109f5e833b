"""Language-model training speed: tokens per second of a full training step, mytorch beside PyTorch.

A step is what ``mytorch train --model gpt|lstm-lm --dataset shakespeare`` does per batch: forward,
cross-entropy over every position, backward, gradient-norm clipping, AdamW update. The models are the
defaults of that command (mytorch.training.lm: the char-level GPT and LSTM LM), float32, on random
token batches of the default shape; PyTorch runs the twins of tests/torch_lm.py with the same weights.

Both frameworks run with the same number of threads (``--threads``, default 1: on a machine shared
with other jobs a two-thread BLAS pool stalls; set before NumPy and PyTorch load). Timing: warm-up
steps, then rounds in which mytorch and torch alternate (load from other processes falls on both
alike), each timing `number` steps; the fastest round is kept (``--quick``: one short round).

Usage:  python benchmarks/lm_train.py [--quick] [--threads N] [--json PATH] [--backend NAME]
                                     [--batch-size B] [--context T]
"""
from __future__ import annotations

import argparse
import os
import sys

from _harness import best_seconds, pin_threads

THREADS = pin_threads(default=1)

import json  # noqa: E402
import platform  # noqa: E402
from dataclasses import asdict  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import mytorch  # noqa: E402
from mytorch import backends  # noqa: E402
from mytorch.training.lm import LMConfig, build_lm  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from torch_lm import TorchGPT, TorchLSTMLM  # noqa: E402

torch.set_num_threads(THREADS)
VOCAB = 80  # about the Shakespeare corpus's character set


def torch_twin(name: str, model: Any) -> torch.nn.Module:
    c = asdict(model.config)
    if name == "gpt":
        twin = TorchGPT(VOCAB, c["block_size"], c["n_layer"], c["n_head"], c["n_embd"], c["bias"])
    else:
        twin = TorchLSTMLM(VOCAB, c["embedding_dim"], c["hidden_size"], c["num_layers"], c["tie_weights"])
    twin.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    return twin


def train_step(T, model, cfg: LMConfig, x: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    opt = T.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(0.9, 0.99), weight_decay=cfg.weight_decay)
    xs, ys = T.tensor(x), T.tensor(y)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        logits = model(xs)
        loss = T.nn.functional.cross_entropy(logits.flatten(0, 1), ys.flatten())
        loss.backward()
        T.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
    return step


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="one short round (a smoke run; rough numbers)")
    p.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads on both sides")
    p.add_argument("--json", metavar="PATH", help="also write the rows and the machine as JSON")
    p.add_argument("--backend", default=backends.get_backend("cpu").name, choices=backends.available_backends(),
                   help="the mytorch backend serving device='cpu' (default: MYTORCH_CPU_BACKEND, else numpy)")
    p.add_argument("--batch-size", type=int, help="sequences per batch (default: the model's LMConfig)")
    p.add_argument("--context", type=int, help="tokens per sequence, the GPT's block size (default: LMConfig's)")
    args = p.parse_args()
    backends.set_cpu_backend(args.backend)
    repeats, number, warmup = (1, 1, 1) if args.quick else (3, 3, 2)
    rng = np.random.default_rng(0)
    rows = []
    print(f"threads {THREADS}, load average {os.getloadavg()[0]:.1f}, torch {torch.__version__}, "
          f"mytorch backend {args.backend}; float32")
    print(f"{'model':8} {'params':>9} {'batch':>9} {'mytorch tok/s':>14} {'torch tok/s':>12} {'torch/mytorch':>14}")
    for name in ("gpt", "lstm-lm"):
        cfg = LMConfig(model=name)
        cfg.batch_size = args.batch_size or cfg.batch_size
        cfg.block_size = args.context or cfg.block_size
        mytorch.manual_seed(0)
        model = build_lm(cfg, VOCAB)
        twin = torch_twin(name, model)
        shape = (cfg.batch_size, cfg.block_size)
        x, y = rng.integers(0, VOCAB, shape), rng.integers(0, VOCAB, shape)
        secs = best_seconds([train_step(mytorch, model, cfg, x, y), train_step(torch, twin, cfg, x, y)],
                            repeats, number, warmup)
        tokens = shape[0] * shape[1]
        row = {"model": name, "params": sum(q.numel() for q in model.parameters()), "batch": list(shape),
               "mytorch_tokens_per_s": tokens / secs[0], "torch_tokens_per_s": tokens / secs[1],
               "ratio": secs[0] / secs[1]}
        rows.append(row)
        print(f"{name:8} {row['params']:>9,} {shape[0]:>4}x{shape[1]:<4} {row['mytorch_tokens_per_s']:>14,.0f} "
              f"{row['torch_tokens_per_s']:>12,.0f} {row['ratio']:>13.2f}x")
    if args.json:
        machine = {"backend": args.backend, "quick": args.quick, "processor": platform.processor(),
                   "cpus": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
                   "torch": torch.__version__, "threads": THREADS, "loadavg": os.getloadavg()}
        Path(args.json).write_text(json.dumps({"machine": machine, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
