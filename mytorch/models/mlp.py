"""A multi-layer perceptron for images: flatten, then Linear -> activation (-> Dropout) per hidden layer."""
from __future__ import annotations

from typing import Sequence

from .. import nn
from .._tensor import Tensor
from ._activation import make_activation

__all__ = ["MLP"]


class MLP(nn.Module):
    """``layers`` is one Sequential: Flatten, then for each hidden width h
    ``Linear(prev, h), act, [Dropout(dropout)]``, then ``Linear(prev, num_classes)``,
    so the state-dict keys are ``layers.<i>.weight`` / ``layers.<i>.bias`` as for the
    same torch.nn.Sequential."""

    def __init__(self, in_features: int = 784, hidden: Sequence[int] = (512, 256), num_classes: int = 10,
                 activation: str = "relu", dropout: float = 0.0) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for h in hidden:
            layers += [nn.Linear(width, h), make_activation(activation)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, num_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)

