"""The fused kernels of csrc/fused/ side by side: mytorch on the C++ backend, mytorch on the NumPy
backend, and PyTorch, at GPT shapes, through the public functional API (so each number includes its
framework's per-op overhead). One thread by default (``--threads N``); interleaved best-of timing.

    python benchmarks/fused_kernels.py [--threads 1]
"""
from __future__ import annotations

import _harness  # noqa: I001  (first: it sizes the thread pools before NumPy and PyTorch load)

THREADS = _harness.pin_threads(1)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import mytorch  # noqa: E402
import mytorch.nn.functional as MF  # noqa: E402
from mytorch import backends  # noqa: E402
from mytorch.backends import _C  # noqa: E402

CASES = {  # name: (shape, f(F, x, w, b[, t]) where F is torch.nn.functional or mytorch's, backward?)
    "softmax (16,128,128)": ((16, 128, 128), lambda F, x, w, b: F.softmax(x, dim=-1), False),
    "softmax (16,4,128,128)": ((16, 4, 128, 128), lambda F, x, w, b: F.softmax(x, dim=-1), False),
    "log_softmax (16,4,128,128)": ((16, 4, 128, 128), lambda F, x, w, b: F.log_softmax(x, dim=-1), False),
    "softmax dim=1 (16,128,128)": ((16, 128, 128), lambda F, x, w, b: F.softmax(x, dim=1), False),
    "gelu none (16,128,512)": ((16, 128, 512), lambda F, x, w, b: F.gelu(x), False),
    "gelu tanh (16,128,512)": ((16, 128, 512), lambda F, x, w, b: F.gelu(x, approximate="tanh"), False),
    "gelu none fwd+bwd (16,128,512)": ((16, 128, 512), lambda F, x, w, b: F.gelu(x), True),
    "layer_norm fwd (16,128,512)": ((16, 128, 512), lambda F, x, w, b: F.layer_norm(x, (512,), w, b), False),
    "layer_norm fwd+bwd (16,128,512)": ((16, 128, 512), lambda F, x, w, b: F.layer_norm(x, (512,), w, b), True),
    "softmax fwd+bwd (16,4,128,128)": ((16, 4, 128, 128), lambda F, x, w, b: F.softmax(x, dim=-1), True),
    "cross_entropy fwd+bwd (2048,65)": ((16 * 128, 65), lambda F, x, w, b, t: F.cross_entropy(x, t), True),
    "cross_entropy fwd+bwd (2048,8192)": ((16 * 128, 8192), lambda F, x, w, b, t: F.cross_entropy(x, t), True),
    "attention causal fwd (16,4,128,32)": (
        (16, 4, 128, 32), lambda F, x, w, b: F.scaled_dot_product_attention(x, x, x, is_causal=True), False),
    "attention causal fwd+bwd (16,4,128,32)": (
        (16, 4, 128, 32), lambda F, x, w, b: F.scaled_dot_product_attention(x, x, x, is_causal=True), True),
}


def runner(lib, F, shape, f, backward):
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(shape).astype(np.float32)
    w_np = rng.standard_normal(shape[-1:]).astype(np.float32)
    b_np = rng.standard_normal(shape[-1:]).astype(np.float32)
    x, w, b = (lib.tensor(a, requires_grad=backward) for a in (x_np, w_np, b_np))
    t = lib.tensor(rng.integers(0, shape[-1], shape[:-1]))  # class indices, for the losses
    args = (F, x, w, b, t)[:f.__code__.co_argcount]
    g = lib.ones(shape) if backward else None

    def run():
        y = f(*args)
        if backward:
            y.backward(g if y.ndim else None)  # a loss is a scalar
    return run


def main() -> None:
    torch.set_num_threads(THREADS)
    _C.set_num_threads(THREADS)
    mytorch.set_num_threads(THREADS)
    print(f"{_harness.cpu_name()}, {THREADS} thread(s), torch {torch.__version__}; ms per call (best of 7)")
    print(f"{'case':34s} {'mytorch cpp':>12s} {'mytorch np':>11s} {'torch':>9s} {'torch/cpp':>10s}")
    for name, (shape, f, backward) in CASES.items():
        runs = []
        for backend in ("cpp", "numpy"):
            backends.set_cpu_backend(backend)
            runs.append(runner(mytorch, MF, shape, f, backward))
        backends.set_cpu_backend("cpp")
        runs.append(runner(torch, torch.nn.functional, shape, f, backward))
        cpp, np_, th = _harness.best_seconds(runs, repeats=7, number=5, warmup=2)
        print(f"{name:34s} {cpp * 1e3:12.3f} {np_ * 1e3:11.3f} {th * 1e3:9.3f} {th / cpp:9.2f}x")


if __name__ == "__main__":
    main()
