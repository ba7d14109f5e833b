"""ChannelShuffle: ShuffleNet's interleaving of channel groups (F.channel_shuffle)."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """(N, g k, *) -> (N, k g, *): channel j g + i of the output is channel i k + j of the input (g = groups)."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
