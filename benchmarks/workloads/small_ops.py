"""Per-op overhead: eight small ops on 32x32 tensors, each run forward and then backward.

At this size the kernels take well under a microsecond, so the time is the framework's own: dispatch,
graph recording and the backward engine's bookkeeping. One step runs every op once; the throughput is
ops per second, and 1e6 / throughput is the microseconds one op (forward + backward) costs.
"""
from __future__ import annotations

from ._base import Workload


def build(torch, framework: str) -> Workload:
    F = torch.nn.functional
    x = torch.randn(32, 32, requires_grad=True)
    y = torch.randn(32, 32, requires_grad=True)
    grad = torch.randn(32, 32)
    ops = [lambda: x + y, lambda: x * y, lambda: x @ y, lambda: torch.tanh(x), lambda: F.relu(x),
           lambda: torch.exp(x), lambda: F.softmax(x, dim=-1), lambda: F.layer_norm(x, (32,))]

    def step() -> None:
        for op in ops:
            op().backward(grad)
        x.grad = y.grad = None

    return Workload(step, len(ops), "ops/s", training=False)
