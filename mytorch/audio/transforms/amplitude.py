"""`AmplitudeToDB`: a power or amplitude spectrogram in decibels (`functional.amplitude_to_DB`)."""
from __future__ import annotations

import math

from ..._tensor import Tensor
from ...nn.module import Module
from ..functional.amplitude import amplitude_to_DB

__all__ = ["AmplitudeToDB"]


class AmplitudeToDB(Module):
    """10 log10(x) for stype="power", 20 log10(x) for "magnitude", x clamped at 1e-10 (0 dB at 1), and
    values more than top_db below the maximum raised to it."""

    def __init__(self, stype: str = "power", top_db: float | None = None) -> None:
        super().__init__()
        self.stype = stype
        if top_db is not None and top_db < 0:
            raise ValueError("top_db must be positive value")
        self.top_db = top_db
        self.multiplier = 10.0 if stype == "power" else 20.0
        self.amin = 1e-10
        self.ref_value = 1.0
        self.db_multiplier = math.log10(max(self.amin, self.ref_value))

    def forward(self, x: Tensor) -> Tensor:
        return amplitude_to_DB(x, self.multiplier, self.amin, self.db_multiplier, self.top_db)
