"""float32 GEMM, 1024x1024 @ 1024x1024: GFLOP/s of each framework's matmul (PyTorch's is its BLAS)."""
from __future__ import annotations

from ._base import Workload

N = 1024


def build(torch, framework: str) -> Workload:
    a, b = torch.randn(N, N), torch.randn(N, N)

    def step() -> None:
        a @ b

    return Workload(step, 2 * N ** 3 / 1e9, "GFLOP/s", training=False)
