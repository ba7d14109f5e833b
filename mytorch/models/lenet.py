"""LeNet-5 for 28x28 images (LeCun et al., 1998), with max pooling and a choice of ReLU or tanh.

Shapes for a 1x28x28 input:
    conv 5x5, pad 2 -> 6x28x28 -> pool 2 -> 6x14x14
    conv 5x5        -> 16x10x10 -> pool 2 -> 16x5x5 -> flatten 400
    Linear 400->120 -> Linear 120->84 -> Linear 84->num_classes
"""
from __future__ import annotations

from .. import nn
from .._tensor import Tensor
from ._activation import make_activation

__all__ = ["LeNet5"]


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998) for 28x28 images: two conv + pool stages, then three linear layers."""
    def __init__(self, num_classes: int = 10, in_channels: int = 1, activation: str = "relu") -> None:
        super().__init__()
        act = lambda: make_activation(activation)  # noqa: E731 (one fresh module per use)
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=2), act(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), act(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), act(), nn.Linear(120, 84), act(), nn.Linear(84, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))
