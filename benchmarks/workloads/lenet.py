"""LeNet-5 on 1x28x28 images, batch 64, SGD with momentum: the layers of ``mytorch.models.LeNet5``."""
from __future__ import annotations

from typing import Callable

from ._base import Workload
from .mlp import train_step

BATCH = 64


def build(torch, framework: str, batch: int = BATCH, wrap: Callable = lambda model: model) -> Workload:
    """The training step on a batch of `batch` images; `wrap` wraps the model before the optimizer sees it
    (``DistributedDataParallel`` in benchmarks/ddp_scaling.py)."""
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    return train_step(torch, wrap(model), torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,)),
                      torch.optim.SGD, lr=0.01, momentum=0.9)
