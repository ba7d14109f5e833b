"""mytorch.audio: the audio front end with torchaudio's names (file I/O, resampling, mel filter banks,
decibels, SpecAugment masking)."""
from . import functional, transforms
from .io import AudioMetaData, info, load, save

__all__ = ["AudioMetaData", "functional", "info", "load", "save", "transforms"]
