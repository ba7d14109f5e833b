"""GFLOP/s of NumPy (OpenBLAS) and torch on the shapes gemm_bench times, side by side with ours.

    python csrc/gemm/compare_blas.py [--threads 1 2] [--bench /tmp/gemm_build/gemm_bench] [--rounds 3]

Each library runs with the same thread count (threadpoolctl for OpenBLAS, torch.set_num_threads,
OMP_NUM_THREADS for gemm_bench). The machine may be shared, so the libraries take turns for
--rounds rounds and each keeps its best time. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are dropped
before NumPy loads, so OpenBLAS picks its own kernel for this CPU (printed as `architecture`).
"""
import argparse
import os
import re
import subprocess
import time

os.environ.pop("OPENBLAS_CORETYPE", None)
os.environ.pop("OPENBLAS_L2_SIZE", None)

import numpy as np  # noqa: E402
import threadpoolctl  # noqa: E402
import torch  # noqa: E402

# name, batch, m, n, k, A stored transposed, B stored transposed, one A for the whole batch.
# Keep in step with kShapes in bench_gemm.cpp.
SHAPES = [
    ("square 512", 1, 512, 512, 512, False, False, False),
    ("square 1024", 1, 1024, 1024, 1024, False, False, False),
    ("square 2048", 1, 2048, 2048, 2048, False, False, False),
    ("mlp1 fwd", 1, 128, 512, 784, False, False, False),
    ("mlp1 dX", 1, 128, 784, 512, False, True, False),
    ("mlp1 dW", 1, 784, 512, 128, True, False, False),
    ("mlp2 fwd", 1, 128, 512, 512, False, False, False),
    ("mlp2 dX", 1, 128, 512, 512, False, True, False),
    ("mlp2 dW", 1, 512, 512, 128, True, False, False),
    ("mlp3 fwd", 1, 128, 10, 512, False, False, False),
    ("mlp3 dX", 1, 128, 512, 10, False, True, False),
    ("mlp3 dW", 1, 512, 10, 128, True, False, False),
    ("gpt mlp up", 1, 2048, 512, 128, False, False, False),
    ("gpt mlp down", 1, 2048, 128, 512, False, False, False),
    ("gpt qkv", 1, 2048, 384, 128, False, False, False),
    ("attn QK^T", 64, 128, 128, 32, False, True, False),
    ("attn PV", 64, 128, 32, 128, False, False, False),
    ("lenet conv1", 64, 6, 784, 25, False, False, True),
    ("lenet conv2", 64, 16, 100, 150, False, False, True),
]


def operands(batch, m, n, k, a_t, b_t, a_shared):
    """float32 A (batch x m x k), B (batch x k x n) and C, transposed operands as transposed views."""
    rng = np.random.default_rng(0)

    def matrix(count, rows, cols, transposed):
        x = rng.uniform(-1, 1, (count, cols, rows) if transposed else (count, rows, cols))
        x = x.astype(np.float32)
        return x.transpose(0, 2, 1) if transposed else x

    a = matrix(1 if a_shared else batch, m, k, a_t)
    b = matrix(batch, k, n, b_t)
    if batch == 1:
        a, b = a[0], b[0]
    c = np.empty((batch, m, n) if batch > 1 else (m, n), np.float32)
    return a, b, c


def best_time(run, seconds):
    run()
    best, start, reps = float("inf"), time.perf_counter(), 0
    while reps < 3 or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
        reps += 1
    return best


def numpy_gflops(shape, seconds):
    _, batch, m, n, k, *layout = shape
    a, b, c = operands(batch, m, n, k, *layout)
    return 2 * batch * m * n * k / best_time(lambda: np.matmul(a, b, out=c), seconds) / 1e9


def torch_gflops(shape, seconds):
    _, batch, m, n, k, *layout = shape
    a, b, c = (torch.from_numpy(x) for x in operands(batch, m, n, k, *layout))
    return 2 * batch * m * n * k / best_time(lambda: torch.matmul(a, b, out=c), seconds) / 1e9


def ours_gflops(bench, threads, seconds):
    """{shape name: GFLOP/s} from one `gemm_bench --perf` run."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([bench, "--perf", "--threads", str(threads), "--seconds", str(seconds)],
                         env=env, check=True, capture_output=True, text=True).stdout
    result = {}
    for line in out.splitlines():
        match = re.match(r"(.+?)\s+\d+\s+\d+\s+\d+\s+\d+\s+([\d.]+)$", line)
        if match:
            result[match.group(1)] = float(match.group(2))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--bench", help="path to gemm_bench, to add our GFLOP/s to the table")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=0.2, help="timing per shape per round")
    args = parser.parse_args()

    info = threadpoolctl.threadpool_info()
    blas = [f"{i['internal_api']} {i['version']} ({i.get('architecture')})" for i in info if i["user_api"] == "blas"]
    print(f"numpy {np.__version__}: {', '.join(blas)}; torch {torch.__version__}")
    for threads in args.threads:
        best = {"ours": {}, "numpy": {}, "torch": {}}
        torch.set_num_threads(threads)
        for _ in range(args.rounds):
            if args.bench:
                for name, value in ours_gflops(args.bench, threads, args.seconds).items():
                    best["ours"][name] = max(best["ours"].get(name, 0), value)
            with threadpoolctl.threadpool_limits(limits=threads, user_api="blas"):
                for shape in SHAPES:
                    best["numpy"][shape[0]] = max(best["numpy"].get(shape[0], 0), numpy_gflops(shape, args.seconds))
            for shape in SHAPES:
                best["torch"][shape[0]] = max(best["torch"].get(shape[0], 0), torch_gflops(shape, args.seconds))

        print(f"\nfloat32 GFLOP/s, {threads} thread(s), best of {args.rounds} rounds")
        header = f"{'shape':<14} {'batch x m x n x k':>22} {'numpy':>7} {'torch':>7}"
        print(header + (f" {'ours':>7} {'/numpy':>7} {'/torch':>7}" if args.bench else ""))
        for name, batch, m, n, k, *_ in SHAPES:
            row = f"{name:<14} {f'{batch}x{m}x{n}x{k}':>22} {best['numpy'][name]:7.1f} {best['torch'][name]:7.1f}"
            if args.bench:
                ours = best["ours"].get(name, float("nan"))
                row += f" {ours:7.1f} {ours / best['numpy'][name]:7.2f} {ours / best['torch'][name]:7.2f}"
            print(row)


if __name__ == "__main__":
    main()
