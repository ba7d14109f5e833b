"""Image-model training speed and memory: steps/s and peak memory of a training step, mytorch beside PyTorch.

A step is what ``mytorch train`` does per batch: forward, cross-entropy, backward, Adam update. Models: the
default MLP (784-512-256-10) and LeNet-5 of ``mytorch.models``, and their torch twins (tests/torch_models.py)
with the same weights, on a random (batch, 1, 28, 28) float32 batch.

Speed: both frameworks in this process, alternating rounds (load from other processes falls on both
alike), fastest round kept. Peak memory: each framework runs the same steps in a fresh child process that
imports only that framework; after building the model the child resets its peak resident set (Linux's
/proc/self/clear_refs) and reports how far the steps raised it above the resident set they started from.

Usage:  python benchmarks/train_step.py [--quick] [--threads N] [--batch-size B] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from _harness import best_seconds, cpu_name, pin_threads

THREADS = pin_threads(default=1)

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
MODELS = ("mlp", "lenet")


def frameworks(which: tuple[str, ...] = ("mytorch", "torch")) -> dict:
    """Import only the frameworks asked for: a memory child must not carry the other one's footprint."""
    out = {}
    if "mytorch" in which:
        import mytorch
        from mytorch.models import LeNet5, MLP
        out["mytorch"] = (mytorch, {"mlp": MLP, "lenet": LeNet5})
    if "torch" in which:
        import torch
        from torch_models import TorchLeNet5, TorchMLP
        torch.set_num_threads(THREADS)
        out["torch"] = (torch, {"mlp": TorchMLP, "lenet": TorchLeNet5})
    return out


def build(fw: dict, name: str) -> tuple:
    """(mytorch model, torch twin with the same weights)."""
    mytorch, make_m = fw["mytorch"][0], fw["mytorch"][1][name]
    torch, make_t = fw["torch"][0], fw["torch"][1][name]
    mytorch.manual_seed(0)
    m = make_m()
    t = make_t()
    t.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in m.state_dict().items()})
    return m, t


def stepper(T, model, batch: int):
    rng = np.random.default_rng(0)
    x = T.tensor(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    y = T.tensor(rng.integers(0, 10, batch))
    opt = T.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> None:
        opt.zero_grad()
        T.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def child(framework: str, name: str, batch: int, steps: int) -> None:
    """Run `steps` training steps of one framework and print the memory they needed (MiB) as JSON."""
    T, makers = frameworks((framework,))[framework]
    step = stepper(T, makers[name](), batch)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # Linux: reset the peak resident set (VmHWM) to the current one
    before = _status_kib("VmRSS")
    for _ in range(steps):
        step()
    print(json.dumps({"peak_mib": (_status_kib("VmHWM") - before) / 1024}))


def peak_memory(framework: str, name: str, batch: int, steps: int) -> float:
    out = subprocess.run([sys.executable, __file__, "--child", framework, "--model", name, "--batch-size",
                          str(batch), "--steps", str(steps), "--threads", str(THREADS)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_mib"]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--json")
    p.add_argument("--child", choices=["mytorch", "torch"])
    p.add_argument("--model", choices=MODELS)
    args = p.parse_args()
    if args.child:
        child(args.child, args.model, args.batch_size, args.steps)
        return 0
    repeats, number = (2, 1) if args.quick else (5, 5)
    fw = frameworks()
    mytorch, torch = fw["mytorch"][0], fw["torch"][0]
    print(f"# {cpu_name()}, {os.cpu_count()} cores, {THREADS} thread(s) on both sides; batch {args.batch_size}; "
          f"Adam; mytorch {mytorch.__version__}, torch {torch.__version__}")
    print(f"{'model':<7} {'mytorch steps/s':>16} {'torch steps/s':>14} {'torch/mytorch':>14} "
          f"{'mytorch MiB':>12} {'torch MiB':>10}")
    rows = []
    for name in MODELS:
        m, t = build(fw, name)
        secs = best_seconds([stepper(mytorch, m, args.batch_size), stepper(torch, t, args.batch_size)],
                            repeats, number, warmup=1 if args.quick else 2)
        mem = [peak_memory(fw, name, args.batch_size, 2 if args.quick else args.steps) for fw in ("mytorch", "torch")]
        row = {"model": name, "mytorch_steps_per_s": 1 / secs[0], "torch_steps_per_s": 1 / secs[1],
               "ratio": secs[0] / secs[1], "mytorch_peak_mib": mem[0], "torch_peak_mib": mem[1]}
        rows.append(row)
        print(f"{name:<7} {row['mytorch_steps_per_s']:>16.1f} {row['torch_steps_per_s']:>14.1f} "
              f"{row['ratio']:>13.2f}x {mem[0]:>12.1f} {mem[1]:>10.1f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": cpu_name(), "threads": THREADS, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
