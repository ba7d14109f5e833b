"""The MLP 784-512-512-10: a training step (batch 128, cross-entropy, Adam) or inference (batch 1024)."""
from __future__ import annotations

from ._base import Workload


def mlp(torch):
    nn = torch.nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


def build(torch, framework: str) -> Workload:
    return train_step(torch, mlp(torch), torch.randn(128, 784), torch.randint(0, 10, (128,)),
                      torch.optim.Adam, lr=1e-3)


def build_inference(torch, framework: str) -> Workload:
    model = mlp(torch).eval()
    x = torch.randn(1024, 784)

    def step() -> float:
        with torch.no_grad():
            return float(model(x)[0, 0])

    return Workload(step, 1024, "samples/s", training=False)


def train_step(torch, model, inputs, targets, optimizer, **hyper) -> Workload:
    """A classifier's training step on one fixed batch: zero_grad, forward, cross-entropy, backward, step.

    The batch never changes, so no data loading is timed; the loss falls from step to step.
    """
    opt = optimizer(model.parameters(), **hyper)
    loss_fn = torch.nn.functional.cross_entropy

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        opt.step()
        return loss.item()

    return Workload(step, inputs.shape[0], "samples/s")
