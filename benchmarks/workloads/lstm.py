"""A 2-layer LSTM (input 64, hidden 256) over sequences of 50, batch 32, with a linear head regressing a
random target at every step (mean squared error), Adam. Throughput is sequences per second."""
from __future__ import annotations

from ._base import Workload

INPUT, HIDDEN, STEPS, BATCH = 64, 256, 50, 32


def build(torch, framework: str) -> Workload:
    nn = torch.nn
    lstm, head = nn.LSTM(INPUT, HIDDEN, num_layers=2, batch_first=True), nn.Linear(HIDDEN, INPUT)
    opt = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=1e-3)
    x, target = torch.randn(BATCH, STEPS, INPUT), torch.randn(BATCH, STEPS, INPUT)

    def step() -> float:
        opt.zero_grad()
        loss = nn.functional.mse_loss(head(lstm(x)[0]), target)
        loss.backward()
        opt.step()
        return loss.item()

    return Workload(step, BATCH, "samples/s")
