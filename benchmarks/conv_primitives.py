"""The three convolution primitives of the cpp backend (forward, backward-input, backward-weight) one by one,
beside PyTorch's (aten.convolution and aten.convolution_backward), at every convolution shape of the ResNet
of `mytorch.models` (batch 64 of 1x28x28: 16, 32, 64 channels on 28x28, 14x14, 7x7 maps) and two pointwise
ones, on one thread (or `--threads`).

One process; mytorch and PyTorch alternate within every timing round (`_harness.best_seconds`) and each
round is timed in the thread's CPU time, which a loaded machine perturbs far less than wall time (both sides
run single-threaded in the calling thread); with more threads, in wall time (the thread's CPU time would
miss the others' work), so read those ratios as noisier. "speed" is torch ms / cpp ms. The total weighs each
primitive as a ResNet training step uses it (the 16->16 layer twice; no input gradient for the stem).

Usage:  python benchmarks/conv_primitives.py [--quick] [--threads N] [--cases NAME ...]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import best_seconds, cpu_name, pin_threads  # noqa: E402  (before NumPy and PyTorch load)

# name -> (in channels, out channels, map size, kernel, stride, uses in one ResNet step); padding kernel // 2
CASES = {
    "stem 1->16 3x3 28": (1, 16, 28, 3, 1, 1),
    "16->16 3x3 28": (16, 16, 28, 3, 1, 2),
    "16->32 3x3 s2 28": (16, 32, 28, 3, 2, 1),
    "16->32 1x1 s2 28": (16, 32, 28, 1, 2, 1),
    "32->32 3x3 14": (32, 32, 14, 3, 1, 1),
    "32->64 3x3 s2 14": (32, 64, 14, 3, 2, 1),
    "32->64 1x1 s2 14": (32, 64, 14, 1, 2, 1),
    "64->64 3x3 7": (64, 64, 7, 3, 1, 1),
    "16->32 1x1 28 (pointwise)": (16, 32, 28, 1, 1, 0),
    "64->64 1x1 7 (pointwise)": (64, 64, 7, 1, 1, 0),
}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one round of one call (smoke test; rough numbers)")
    p.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    p.add_argument("--threads", type=int, default=1, help="threads of both sides (default 1)")
    args = p.parse_args()
    threads = pin_threads(1)
    import numpy as np
    import torch

    import mytorch
    from mytorch import backends
    from mytorch.backends import _C

    backends.set_cpu_backend("cpp")
    torch.set_num_threads(threads)
    _C.set_num_threads(threads)
    clock, clock_name = (time.thread_time, "thread CPU time") if threads == 1 else (time.perf_counter, "wall time")
    repeats, number = (1, 1) if args.quick else (9, 2)
    rng = np.random.default_rng(0)
    aten = torch.ops.aten
    print(f"# {cpu_name()}; conv2d primitives, batch 64, float32, {threads} thread(s), ms of {clock_name}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'case':<27} {'primitive':<10} {'cpp ms':>8} {'torch ms':>9} {'speed':>6}")
    total = {"cpp": 0.0, "torch": 0.0}
    for name in args.cases:
        c, o, size, k, s, uses = CASES[name]
        pad = k // 2
        x = rng.standard_normal((64, c, size, size)).astype(np.float32)
        w = rng.standard_normal((o, c, k, k)).astype(np.float32)
        tx, tw = torch.from_numpy(x), torch.from_numpy(w)
        g = rng.standard_normal(tuple(aten.convolution(tx, tw, None, [s] * 2, [pad] * 2, [1, 1], False, [0, 0],
                                                       1).shape)).astype(np.float32)
        tg = torch.from_numpy(g)
        be = mytorch.tensor(x)._backend
        mx, mw, mg = (mytorch.tensor(a)._data for a in (x, w, g))
        geometry = ((s, s), ((pad, pad), (pad, pad)), (1, 1))

        def torch_backward(mask):
            return lambda: aten.convolution_backward(tg, tx, tw, None, [s] * 2, [pad] * 2, [1, 1], False, [0, 0],
                                                     1, mask)
        primitives = {
            "forward": (lambda: be.conv(mx, mw, *geometry, 1),
                        lambda: aten.convolution(tx, tw, None, [s] * 2, [pad] * 2, [1, 1], False, [0, 0], 1)),
            "bwd-input": (lambda: be.conv_backward_input(mg, mw, (size, size), *geometry, 1),
                          torch_backward([True, False, False])),
            "bwd-weight": (lambda: be.conv_backward_weight(mx, mg, (k, k), *geometry, 1),
                           torch_backward([False, True, False])),
        }
        for primitive, runs in primitives.items():
            if primitive == "bwd-input" and c == 1:
                continue  # the stem's input is the data
            cpp, ref = best_seconds(list(runs), repeats, number, warmup=1, clock=clock)
            total["cpp"] += uses * cpp
            total["torch"] += uses * ref
            print(f"{name:<27} {primitive:<10} {1e3 * cpp:>8.2f} {1e3 * ref:>9.2f} {ref / cpp:>5.2f}x", flush=True)
    if total["cpp"]:
        print(f"{'ResNet step (weighted)':<38} {1e3 * total['cpp']:>8.2f} {1e3 * total['torch']:>9.2f} "
              f"{total['torch'] / total['cpp']:>5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
