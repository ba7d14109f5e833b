"""The ResNet of ``mytorch.models`` (widths 16-32-64, one BasicBlock a stage) on 1x28x28 images, batch 64,
SGD with momentum. Written here against PyTorch's API so that both frameworks run the same layers."""
from __future__ import annotations

from ._base import Workload
from .mlp import train_step


def build(torch, framework: str) -> Workload:
    nn = torch.nn

    def conv_bn(cin: int, cout: int, stride: int, k: int = 3):
        return [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False), nn.BatchNorm2d(cout)]

    class BasicBlock(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int) -> None:
            super().__init__()
            self.body = nn.Sequential(*conv_bn(cin, cout, stride), nn.ReLU(), *conv_bn(cout, cout, 1))
            self.shortcut = (nn.Sequential(*conv_bn(cin, cout, stride, k=1)) if stride != 1 or cin != cout
                             else nn.Identity())

        def forward(self, x):
            return torch.relu(self.body(x) + self.shortcut(x))

    model = nn.Sequential(*conv_bn(1, 16, 1), nn.ReLU(), BasicBlock(16, 16, 1), BasicBlock(16, 32, 2),
                          BasicBlock(32, 64, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
    return train_step(torch, model, torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,)),
                      torch.optim.SGD, lr=0.01, momentum=0.9)
