"""torch.fft and torch.stft side by side: mytorch on the C++ backend (csrc/fft/), mytorch on the NumPy backend
(backends/_np_fft.py), and PyTorch (pocketfft), through the public API, so each number includes its
framework's per-op overhead. Lengths: a power of two (radix-4/2 Stockham), a smooth composite (mixed
radix), a prime (Bluestein), and the speech front end's STFT (n_fft 400, hop 160, 30 s at 16 kHz).
One thread by default (``--threads N``); interleaved best-of timing. ``--quick``: small shapes, one round
(checks that the script runs; its numbers mean nothing).

    python benchmarks/fft_kernels.py [--threads 1]
"""
from __future__ import annotations

import sys

import _harness  # noqa: I001  (first: it sizes the thread pools before NumPy and PyTorch load)

THREADS = _harness.pin_threads(1)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import mytorch  # noqa: E402
from mytorch import backends  # noqa: E402

QUICK = "--quick" in sys.argv[1:]
ROWS = 8 if QUICK else 256
SIGNAL = 4000 if QUICK else 480000

CASES = {  # name: (shape, input dtype, f(T, x), backward?)
    f"fft c64 ({ROWS},1024)": ((ROWS, 1024), np.complex64, lambda T, x: T.fft.fft(x), False),
    f"fft c64 ({ROWS},1000)": ((ROWS, 1000), np.complex64, lambda T, x: T.fft.fft(x), False),
    f"fft c64 ({ROWS},1031) prime": ((ROWS, 1031), np.complex64, lambda T, x: T.fft.fft(x), False),
    f"ifft c128 ({ROWS},4096)": ((ROWS, 4096), np.complex128, lambda T, x: T.fft.ifft(x), False),
    f"rfft f32 ({ROWS},1024)": ((ROWS, 1024), np.float32, lambda T, x: T.fft.rfft(x), False),
    f"irfft c64 ({ROWS},513)": ((ROWS, 513), np.complex64, lambda T, x: T.fft.irfft(x), False),
    f"fft2 c64 ({ROWS // 8},64,64)": ((ROWS // 8, 64, 64), np.complex64, lambda T, x: T.fft.fft2(x), False),
    f"rfft fwd+bwd f32 ({ROWS},1024)": ((ROWS, 1024), np.float32, lambda T, x: T.fft.rfft(x).abs().sum(), True),
    f"stft n_fft=400 hop=160 f32 ({SIGNAL},)": (
        (SIGNAL,), np.float32, lambda T, x: T.stft(x, 400, 160, window=T.hann_window(400), return_complex=True),
        False),
}


def runner(lib, shape, dtype, f, backward, backend=None):
    """A call of f on fixed inputs; for mytorch, under `backend` (the window stft builds comes from it)."""
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        x_np = x_np + 1j * rng.standard_normal(shape)
    x = lib.tensor(x_np.astype(dtype), requires_grad=backward)

    def run():
        if backend:
            backends.set_cpu_backend(backend)
        y = f(lib, x)
        if backward:
            y.backward()
    return run


def main() -> None:
    torch.set_num_threads(THREADS)
    mytorch.set_num_threads(THREADS)
    print(f"{_harness.cpu_name()}, {THREADS} thread(s), torch {torch.__version__}; ms per call (best of 5)")
    print(f"{'case':38s} {'mytorch cpp':>12s} {'mytorch np':>11s} {'torch':>9s} {'torch/cpp':>10s}")
    repeats, number = (1, 1) if QUICK else (5, 3)
    for name, (shape, dtype, f, backward) in CASES.items():
        runs = []
        for backend in ("cpp", "numpy"):
            backends.set_cpu_backend(backend)
            runs.append(runner(mytorch, shape, dtype, f, backward, backend))
        backends.set_cpu_backend("cpp")
        runs.append(runner(torch, shape, dtype, f, backward))
        cpp, np_, th = _harness.best_seconds(runs, repeats=repeats, number=number, warmup=1)
        print(f"{name:38s} {cpp * 1e3:12.3f} {np_ * 1e3:11.3f} {th * 1e3:9.3f} {th / cpp:9.2f}x")


if __name__ == "__main__":
    main()
