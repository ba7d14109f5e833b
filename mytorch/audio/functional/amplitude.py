"""Amplitude or power to decibels, with an optional dynamic-range floor.

    x_db = multiplier log10(max(x, amin)) - multiplier db_multiplier

multiplier is 10 for power (|X|^2) and 20 for amplitude (|X|); db_multiplier = log10(max(amin, ref)) sets
0 dB at the reference value. With top_db, every value below (the maximum - top_db) is raised to it,
the maximum taken per spectrogram: over the last three dims (channel, freq, time) of a batch, or over
the whole input of two dims. The gradient is that of the log (1 / (x ln 10) times multiplier) where
x > amin and the value is above the floor, 0 elsewhere.
"""
from __future__ import annotations


from ..._tensor import Tensor
from ...ops.binary import maximum

__all__ = ["amplitude_to_DB", "DB_to_amplitude"]


def amplitude_to_DB(x: Tensor, multiplier: float, amin: float, db_multiplier: float,
                    top_db: float | None = None) -> Tensor:
    """x in decibels (module docstring); x is (..., freq, time), a batch of (batch, channel, freq, time)."""
    x_db = multiplier * x.clamp_min(amin).log10() - multiplier * db_multiplier
    if top_db is None:
        return x_db
    shape = x_db.shape
    channels = shape[-3] if x_db.ndim > 2 else 1
    packed = x_db.reshape(-1, channels, shape[-2], shape[-1])
    floor = (packed.amax(dim=(-3, -2, -1)) - top_db).reshape(-1, 1, 1, 1)
    return maximum(packed, floor).reshape(shape)


def DB_to_amplitude(x: Tensor, ref: float, power: float) -> Tensor:
    """The inverse of `amplitude_to_DB` without a floor: ref 10^(x / 10)^power (power 1 for power, 0.5 for
    amplitude)."""
    return ref * (10.0 ** (x * 0.1)) ** power
