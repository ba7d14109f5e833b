"""LeNet-5 on 1x28x28 images, batch 64, SGD with momentum: the layers of ``mytorch.models.LeNet5``."""
from __future__ import annotations

from ._base import Workload
from .mlp import train_step


def build(torch, framework: str) -> Workload:
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    return train_step(torch, model, torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,)),
                      torch.optim.SGD, lr=0.01, momentum=0.9)
