"""A small ResNet (He et al., 2016) for 28x28 images, built from BasicBlocks with batch norm.

A stem conv 3x3 -> BN -> ReLU at widths[0], then one stage per width; every stage but the
first halves the spatial size with a stride-2 first block (28 -> 14 -> 7 for three stages).
Global average pooling and one Linear give the logits.

BasicBlock: out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), where shortcut is the
identity, or conv 1x1 (stride s) -> BN when the shape changes.
"""
from __future__ import annotations

from typing import Sequence

from .. import nn
from .._tensor import Tensor

__all__ = ["BasicBlock", "ResNet"]


def _conv3x3(in_ch: int, out_ch: int, stride: int = 1) -> nn.Conv2d:
    # no bias: the batch norm that follows has its own shift
    return nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """ResNet's basic block: two 3x3 conv + batch norm layers, added to the input (through a 1x1 conv when the shape
    changes): y = relu(F(x) + shortcut(x)).
    """
    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = _conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()
        self.conv2 = _conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(out_channels))

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """A small ResNet for images: a 3x3 stem, stages of BasicBlocks of the given widths (each after the first halving
    the resolution), global average pooling and a linear classifier.
    """
    def __init__(self, widths: Sequence[int] = (16, 32, 64), blocks: int | Sequence[int] = 1,
                 num_classes: int = 10, in_channels: int = 1) -> None:
        super().__init__()
        per_stage = [blocks] * len(widths) if isinstance(blocks, int) else list(blocks)
        if len(per_stage) != len(widths):
            raise ValueError(f"ResNet: blocks {list(per_stage)} must give one count per stage of widths "
                             f"{list(widths)}")
        self.stem = nn.Sequential(_conv3x3(in_channels, widths[0]), nn.BatchNorm2d(widths[0]), nn.ReLU())
        stages, width = [], widths[0]
        for i, (w, n) in enumerate(zip(widths, per_stage)):
            stride = 1 if i == 0 else 2
            stages.append(nn.Sequential(*[BasicBlock(width if j == 0 else w, w, stride if j == 0 else 1)
                                          for j in range(n)]))
            width = w
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.flatten(self.pool(self.stages(self.stem(x)))))
